r"""Parameter sweeps: CDAM over a grid of parameters, streamed to a resumable file.

A sweep runs all starts (:meth:`cdam.CDAM.all_starts`) in every cell of a grid, such as the
:math:`(h, a)` plane of :func:`cdam.phase_diagram` or a grid that also varies ``beta`` or
``eta``, and records for each cell what the theory predicts and what the dynamics did.
Cells are independent tasks and go through the executor of
:func:`~cdam.experiments.continual.continual_experiment`: local processes by default, in this process
with ``workers=1``, any :class:`concurrent.futures.Executor`, or a Dask cluster
(``scheduler="tcp://..."``).

With ``out=`` each finished cell is appended to a JSON-lines file the moment it finishes,
so an interrupted sweep resumes where it stopped: the same call again runs only the cells
the file lacks, and the result is identical to an uninterrupted run's (all randomness
comes from ``seed``, and every cell runs with one torch thread whatever the executor).

The file format (``cdam.sweep``): the first line is a JSON header with the format tag, the
version and the sweep's configuration (graph hash, grid, steps, noise, seed, model
parameters, measure) with its SHA-256 fingerprint; each further line is one cell's record,
in the order the cells finished. Version 1 files hold numeric grids; a grid with a
``backend`` axis writes version 2, whose grid holds each backend's label (see
:mod:`cdam._sweep_backends`) and whose config adds ``backends`` (label -> the store's class
and state digest). Files of both versions are read.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import itertools
import json
import math
import numbers
import os
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from . import _executor
from . import _validation as check
from ._executor import _single_thread
from ._progress import progress_reporter
from ._sweep_backends import backend_axis, fresh_store
from .backends.base import StorageBackend
from .errors import FileFormatError, ParameterError, WriteError
from .io import append_line
from .modes._core import Mode, PhaseDiagram, classify_mode, has_slot_theory, predicted_at
from .overlap import _normalise_rows

if TYPE_CHECKING:  # annotations only
    from .graph import MemoryGraph

try:  # POSIX: a lock keeps two sweeps from appending to one file at once
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "GRID_AXES", "GRID_PARAMETERS", "RECORD_FIELDS", "SWEEP_FORMAT", "SWEEP_VERSION", "SweepResult", "phase_diagram",
    "sweep",
]  # fmt: skip

SWEEP_FORMAT = "cdam.sweep"
SWEEP_VERSION = 2
#: CDAM parameters a grid may vary.
GRID_PARAMETERS = ("a", "h", "beta", "eta", "mean_coef")
#: Every axis a grid may have: the numeric parameters and the storage backend.
GRID_AXES = GRID_PARAMETERS + ("backend",)
#: What every record holds besides the cell's grid parameters (and the measure's fields).
RECORD_FIELDS = ("cell", "predicted", "observed", "cue_overlap", "attractor_correlation", "steps", "wall_time")
#: Keyword arguments of :class:`cdam.CDAM` a sweep passes on (fixed for the whole sweep).
MODEL_OPTIONS = GRID_PARAMETERS + (
    "normalization", "softmax", "direction", "dtype", "device", "backend", "topk", "values", "engine", "memory_limit",
)
#: Fields left out when results are compared: they measure the machine, not the dynamics.
TIMING_FIELDS = ("wall_time",)


# ---------------------------------------------------------------------- the result
@dataclass(frozen=True)
class SweepResult:
    """The records of a sweep, in grid order.

    Attributes
    ----------
    grid : dict
        Parameter name -> tuple of values, in axis order (the last axis varies fastest).
    records : tuple of dict
        One JSON record per finished cell, sorted by ``record["cell"]`` (the cell's
        position in grid order), whatever order the cells finished in.
    config : dict
        Everything that determines the results (the file header's ``config``).
    path : pathlib.Path or None
        The JSON-lines file, when there is one.
    resumed, computed : int
        Cells read back from the file and cells run by this call.
    """

    grid: dict
    records: tuple
    config: dict = field(default_factory=dict)
    path: Path | None = None
    resumed: int = 0
    computed: int = 0

    @property
    def shape(self) -> tuple[int, ...]:
        """Grid shape: one axis per parameter, in ``grid`` order."""
        return tuple(len(v) for v in self.grid.values())

    @property
    def n_cells(self) -> int:
        return math.prod(self.shape)

    @property
    def complete(self) -> bool:
        """Whether every cell of the grid has its record."""
        return len(self.records) == self.n_cells

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        # the grid's axes and how far it got, not every record
        axes = " x ".join(f"{name}:{len(values)}" for name, values in self.grid.items())
        where = "" if self.path is None else f", path={Path(self.path).name!r}"
        return (
            f"SweepResult({axes}, {len(self.records)}/{self.n_cells} cells, computed={self.computed}, "
            f"resumed={self.resumed}{where})"
        )

    @property
    def fields(self) -> list[str]:
        """Names of the recorded fields, in record order."""
        seen: dict = {}
        for r in self.records:
            seen.update(dict.fromkeys(r))
        return list(seen)

    def _field(self, name: str) -> list:
        if name not in self.fields:
            raise ParameterError(f"no field {name!r} was recorded; choose one of {', '.join(self.fields)}")
        return [r.get(name) for r in self.records]

    def to_numpy(self, name: str) -> np.ndarray:
        """The field ``name`` as an array of the grid's shape.

        Numbers give a float64 array (NaN for a missing value or an unfinished cell);
        anything else an object array (None where missing).
        """
        values = self._field(name)
        numeric = all(v is None or (isinstance(v, numbers.Real) and not isinstance(v, bool)) for v in values)
        out = np.full(self.n_cells, np.nan if numeric else None, dtype=np.float64 if numeric else object)
        cells = np.array([r["cell"] for r in self.records], dtype=np.int64)
        out[cells] = [np.nan if v is None else v for v in values] if numeric else values
        return out.reshape(self.shape)

    def table(self) -> dict[str, np.ndarray]:
        """Every field as a 1-D array over the finished cells in grid order (a data frame's
        columns: ``pandas.DataFrame(result.table())``)."""
        columns = {}
        for name in self.fields:
            values = self._field(name)
            plain = all(isinstance(v, numbers.Real) for v in values)  # bool, int or float: a numeric dtype
            columns[name] = np.array(values, dtype=None if plain else object)
        return columns

    @property
    def agreement(self) -> float:
        """Fraction of finished cells with a predicted mode whose observed mode is the predicted
        one (cells of a backend without a theory, ``predicted`` None, are left out)."""
        if not self.records:
            raise ParameterError("the sweep has no finished cell yet; run it before asking for agreement")
        judged = [r for r in self.records if r["predicted"] is not None]
        if not judged:
            raise ParameterError(
                "no finished cell has a predicted mode (the theory is the slot store's); compare observed modes instead"
            )
        return sum(r["predicted"] == r["observed"] for r in judged) / len(judged)

    def same_results(self, other: SweepResult) -> bool:
        """True when both hold the same sweep with identical records, timings aside."""

        def strip(r):
            return {k: v for k, v in r.items() if k not in TIMING_FIELDS}

        return (
            self.config == other.config
            and len(self.records) == len(other.records)
            and all(strip(a) == strip(b) for a, b in zip(self.records, other.records))
        )

    @classmethod
    def load(cls, path) -> SweepResult:
        """Read a sweep file (finished or not) without changing it.

        A torn last line (a write that was interrupted) is ignored, as a resumed sweep
        would drop it.

        Raises
        ------
        FileFormatError
            If the file is not a cdam sweep file or a line before the last is corrupted.
        """
        path = Path(path)
        try:
            data = path.read_bytes()
        except IsADirectoryError:
            raise ParameterError(f"{path} is a folder; give the .jsonl file of a sweep") from None
        header, records, _ = _parse(data, path)
        grid = _grid_from_config(header["config"], path)
        return cls(grid, tuple(records[i] for i in sorted(records)), header["config"], path, resumed=len(records))


# ---------------------------------------------------------------------- the sweep
def sweep(
    graph: MemoryGraph,
    grid: Mapping,
    *,
    steps: int = 100,
    noise: float = 1.0,
    seed: int = 0,
    out=None,
    workers: int | None = None,
    scheduler=None,
    executor=None,
    progress=True,
    measure: Callable | None = None,
    observe: bool = True,
    on_record: Callable | None = None,
    cells_per_task: int | None = None,
    **model_kwargs,
) -> SweepResult:
    """Run all-starts CDAM dynamics in every cell of a parameter grid.

    The graph is compiled once per worker. Cells run in blocks of consecutive cells (grid
    order) stacked into one batch (:meth:`cdam.CDAM.run_cells`: in coefficient space the
    cells share the patterns, ``M`` and the Gram matrix, and each cell computes the same
    bits as ``model.all_starts(steps, noise, seed)`` alone on one thread). A block's
    composition depends only on the grid and the graph's size, never on which cells a
    resumed sweep still has to run, so results do not depend on interruptions. Each cell
    records

    - the cell's index in grid order (``cell``) and its grid parameters;
    - ``predicted``: :func:`cdam.predict_mode`, and ``observed``: :func:`cdam.classify_mode`
      (mode names, e.g. ``"auto"``);
    - ``cue_overlap``: mean Pearson overlap of each run's final state with its cue memory;
    - ``attractor_correlation``: mean off-diagonal entry of
      :func:`cdam.attractor_correlation` (None with a single memory);
    - ``steps``: updates run; ``wall_time``: seconds the cell took (left out when results
      are compared: :meth:`SweepResult.same_results`);
    - whatever ``measure`` returns.

    Parameters
    ----------
    graph : MemoryGraph
    grid : mapping of str to sequence
        Parameter name (``a``, ``h``, ``beta``, ``eta``, ``mean_coef``) -> values. The cells
        are the Cartesian product in the mapping's order with the last parameter varying
        fastest (``itertools.product``, numpy's C order); values keep the order given and
        must be finite and distinct. ``{"h": hs, "a": as}`` gives the layout of
        :class:`cdam.modes.PhaseDiagram` (entry ``[i, j]`` is ``h[i], a[j]``).
        ``"backend"`` may be an axis too: a list of backends, each ``"dense"``, an empty
        :class:`~cdam.backends.base.StorageBackend` (every cell gets a deep copy) or a
        no-argument callable returning one, or a mapping ``{label: backend}`` that names them.
        Records and the file hold each backend's label (the name, the instance's ``repr``,
        the factory's ``repr`` or qualified name, or the mapping's key; a label with a memory
        address is refused, since a resumed sweep must find it again). A slot-store cell
        stacks with its neighbours as usual; any other store's cell runs alone as its own
        task, with ``predicted`` None (the theory is the slot store's).
    steps, noise, seed
        As in :meth:`cdam.CDAM.all_starts`; every cell uses the same start states.
    out : str or path-like, optional
        JSON-lines file the records stream to (its parent folders are created). If it
        exists, it must hold this same sweep: its finished cells are read back and only
        the others run; a torn last line is cut off. An existing folder gets a file named
        by the sweep's fingerprint, ``sweep-<fingerprint>.jsonl``, so rerunning a sweep
        resumes it and a different sweep starts its own file.
    workers : int, optional
        Local processes (default: all cores); ``1`` runs every cell in this process.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (or client): the cells run on that cluster.
    executor : concurrent.futures.Executor, optional
        Any executor of your own; takes precedence over ``workers``. Cells in threads of
        one process share torch's thread setting; process-based executors keep every cell
        on one thread, which makes their results bit-identical to ``workers=1``.
    progress : bool or callable
        The progress protocol of :mod:`cdam._progress`: True for a bar, False for none, or
        ``progress(done, total)`` called after each finished cell.
    observe : bool
        Run the dynamics (default). False records only the predicted mode (``observed``,
        ``cue_overlap`` and ``attractor_correlation`` are None, ``steps`` 0).
    on_record : callable, optional
        ``on_record(record)`` with each record as it is finished (e.g. to print it).
    cells_per_task : int, optional
        Cells stacked into one batch and sent to a worker as one task. Default: as many as
        keep ``cells * p`` within :data:`ROWS_PER_BLOCK` runs. Smaller spreads a small grid over
        more workers. Each cell's result is the same either way to float round-off, and
        bit for bit where the BLAS rounds a row the same whatever the batch size (measured on
        the development machine's CPU; an AMD EPYC with AVX-512 gave records 1e-7 apart on a
        10-memory cycle). A resumed or rerun sweep with the same ``cells_per_task`` repeats
        its records bit for bit.
    measure : callable, optional
        ``measure(model, trajectory) -> dict`` of extra JSON scalars (str, int, float,
        bool, None) merged into each record. It must be picklable (a module-level
        function) unless everything runs in this process.
    **model_kwargs
        Fixed parameters passed to :class:`cdam.CDAM` (``beta``, ``eta``, ``normalization``,
        ``dtype``, ...); a parameter is either fixed here or varied by the grid.

    Returns
    -------
    SweepResult

    Raises
    ------
    ParameterError
        For an unknown or badly valued grid parameter, or when ``out`` holds a different
        sweep (pass a new file, or delete the old one to start over).
    FileFormatError
        When ``out`` is not a sweep file, or a line before its last is corrupted.

    Examples
    --------
    >>> import numpy as np, networkx as nx, cdam
    >>> g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(12), np.random.default_rng(0).random((200, 12)))
    >>> grid = {"h": [0.0, 3.0], "a": [-2.0, 1.0]}
    >>> res = cdam.sweep(g, grid, steps=30, workers=1, progress=False)
    >>> res.shape, res.to_numpy("predicted").tolist()
    ((2, 2), [['quiescent', 'auto'], ['wide_hetero', 'narrow_hetero']])
    >>> res.agreement
    1.0

    Streamed to a file, a second call finds every cell done and runs none:

    >>> import os, shutil, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "sweep.jsonl")
    >>> first = cdam.sweep(g, grid, steps=30, out=path, workers=1, progress=False)
    >>> again = cdam.sweep(g, grid, steps=30, out=path, workers=1, progress=False)
    >>> again.resumed, again.computed, again.same_results(first), first.same_results(res)
    (4, 0, True, True)
    >>> shutil.rmtree(folder)

    The storage backend as an axis: the slot store beside a K-winner store (Bhandarkar &
    McClelland 2025, arXiv 2511.04593), named by a mapping; the K-winner cells have no
    predicted mode:

    >>> from cdam.backends import KWinnerMHN
    >>> both = {"backend": {"slots": "dense", "kwinner k=10": KWinnerMHN(200, 400, k=10)}, "a": [1.0]}
    >>> res = cdam.sweep(g, both, steps=30, workers=1, progress=False)
    >>> [(r["backend"], r["predicted"], r["observed"]) for r in res.records]
    [('slots', 'auto', 'auto'), ('kwinner k=10', None, 'auto')]
    """
    from .dynamics import CDAM
    from .graph import MemoryGraph

    if not isinstance(graph, MemoryGraph):
        raise ParameterError(
            f"graph must be a cdam.MemoryGraph, got {type(graph).__name__}; build one with "
            "MemoryGraph.from_networkx(G, patterns)"
        )
    grid = _check_grid(grid)
    steps = check.positive_int("steps", steps, minimum=0)
    noise = check.finite_real("noise", noise, minimum=0.0)
    seed = check.positive_int("seed", seed, minimum=0)
    workers = _executor.check_workers(workers)
    unknown = sorted(set(model_kwargs) - set(MODEL_OPTIONS))
    if unknown:
        raise ParameterError(f"unknown model parameter(s) {unknown}; sweep passes on {', '.join(MODEL_OPTIONS)}")
    both = sorted(set(model_kwargs) & set(grid))
    if both:
        raise ParameterError(f"{both} are both fixed (keyword) and varied (grid); give each in one place")
    if "backend" in model_kwargs and not isinstance(model_kwargs["backend"], str):
        raise ParameterError(
            "a fixed backend must be named (e.g. 'dense'); give instances or factories as a grid axis, "
            "grid['backend'] = [store]"
        )
    if measure is not None and not callable(measure):
        raise ParameterError(f"measure must be a callable (model, trajectory) -> dict, got {measure!r}")
    serial = scheduler is None and executor is None and workers == 1
    backends: dict = {}
    described = None
    if "backend" in grid:  # labels on the grid and in the file, the stores themselves in the spec
        labels, backends, described = backend_axis(grid["backend"], picklable=not serial)
        grid["backend"] = labels  # type: ignore[assignment]  # the one axis of labels, not numbers
    stores = frozenset(label for label, value in backends.items() if not isinstance(value, str))
    if measure is not None and not serial:
        try:
            pickle.dumps(measure)
        except Exception as exc:
            raise ParameterError(
                f"measure {measure!r} cannot be sent to worker processes ({exc}); "
                "define it at module level, or run with workers=1"
            ) from None

    cells = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    graph_key = _graph_digest(graph)
    spec = _Spec(graph, graph_key, dict(model_kwargs), steps, noise, seed, measure, backends)
    # a bad fixed parameter, an empty graph, ... fail here, not in every worker
    CDAM(graph, **{k: v for k, v in model_kwargs.items() if k not in ("a", "h")})
    config = _config(graph, graph_key, grid, steps, noise, seed, model_kwargs, measure)
    if described is not None:
        config["backends"] = described
    header = {
        "format": SWEEP_FORMAT,
        # numeric grids keep writing version 1, which older cdam reads
        "version": SWEEP_VERSION if described is not None else 1,
        "fingerprint": _fingerprint(config),
        "cells": len(cells),
        "config": config,
    }

    done: dict[int, dict] = {}
    path = sink = None
    bar = None
    try:
        if out is not None:
            path, sink, done = _open_out(Path(out), header)
        resumed = len(done)
        todo = [i for i in range(len(cells)) if i not in done]
        per_block = _cells_per_block(len(graph))
        if cells_per_task is not None:
            per_block = check.positive_int("cells_per_task", cells_per_task)
        wanted = set(todo)
        tasks = [
            ([(i, cells[i]) for i in range(start, stop)], frozenset(wanted.intersection(range(start, stop))), spec,
             observe)
            for start, stop in _blocks(cells, per_block, stores)
            if not wanted.isdisjoint(range(start, stop))
        ]  # fmt: skip
        bar = progress_reporter(progress, len(cells), desc="sweep cells", unit="cell", initial=resumed)
        runs = _executor.run_tasks(_run_block, tasks, workers=workers, scheduler=scheduler, executor=executor)
        with contextlib.closing(runs):
            for block_records, error in runs:
                for rec in block_records:
                    line = _dumps(rec)
                    if sink is not None:
                        try:
                            append_line(sink, line)
                        except OSError as exc:
                            raise WriteError(
                                exc.errno,
                                f"could not write the record of cell {rec['cell']} ({exc.strerror or exc}); the "
                                f"{len(done)} cells before it are saved: free space or fix the folder, then run the "
                                "same sweep again to resume",
                                str(path),
                            ) from exc
                    rec = json.loads(line)  # exactly what a resumed sweep reads back
                    done[rec["cell"]] = rec
                    bar.advance()
                    if on_record is not None:
                        on_record(rec)
                if error is not None:  # the cells finished before it are saved above
                    raise error
    finally:
        if bar is not None:
            bar.close()
        if sink is not None:
            sink.close()
        with _MODELS_LOCK:  # models cached by cells that ran in this process; workers' caches die with them
            _MODELS.clear()
    return SweepResult(
        dict(grid),
        tuple(done[i] for i in sorted(done)),
        json.loads(json.dumps(config)),
        path,
        resumed=resumed,
        computed=len(done) - resumed,
    )


def phase_diagram(
    graph: MemoryGraph,
    a_values,
    h_values,
    *,
    backend="dense",
    observe: bool = True,
    steps: int = 100,
    noise: float = 1.0,
    seed: int = 0,
    progress=False,
    **model_kwargs,
) -> PhaseDiagram:
    """Predicted (and observed) modes over a grid of ``a`` and ``h``, for any storage backend.

    With the slot store (``backend="dense"``) the grid ``{"h": h_values, "a": a_values}`` runs
    through :func:`cdam.sweep` in this process (its cells stacked into batches that share the
    compiled graph); the diagram reads the records' modes. With any other backend each cell
    builds its own :class:`cdam.CDAM` on a fresh store (a store holds one graph's memories
    for one ``a``, ``h``: its values are the rows of ``Q``), runs all starts and classifies
    them; the predicted modes are None, since the theory is the slot store's
    (:func:`cdam.predict_mode`).

    Parameters
    ----------
    graph : MemoryGraph
    a_values, h_values : sequences of float
        Sorted ascending (duplicates dropped) in the result.
    backend : "dense", StorageBackend or callable
        The store each cell runs on: the name of a built-in one; an *empty* instance
        (e.g. ``KWinnerMHN(n, 2 * n, k=10)``), which each cell gets a deep copy of, so that
        every cell starts from the same wiring and weights; or a callable with no arguments
        that returns a fresh, empty store for each cell.
    observe : bool
        Also run the dynamics and classify what they do (required for a backend without a
        theory: there would be nothing to draw).
    progress : bool or callable
        The progress protocol of :mod:`cdam._progress` (True, False, or ``progress(done, total)``).
    **model_kwargs
        Passed to :class:`cdam.CDAM` (beta, eta, mean_coef, normalization, ...).

    Examples
    --------
    >>> import numpy as np, networkx as nx, cdam
    >>> g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(30), np.random.default_rng(0).random((1000, 30)))
    >>> d = phase_diagram(g, [-2.0, 1.0], [0.0, 3.0])
    >>> [[str(m) for m in row] for row in d.predicted]
    [['quiescent', 'auto'], ['wide_hetero', 'narrow_hetero']]
    >>> d.agreement
    1.0

    A K-winner store (Bhandarkar & McClelland 2025, arXiv 2511.04593) has no predicted modes;
    at (1, 0) its overlapping ensembles misread a third of the cues:

    >>> from cdam.backends import KWinnerMHN
    >>> k = phase_diagram(g, [1.0], [0.0], backend=KWinnerMHN(1000, 2000, k=50, seed=0))
    >>> k.predicted is None, str(k.observed[0, 0]), k.backend
    (True, 'recall_failure', 'KWinnerMHN')
    """
    a_values = np.unique([check.finite_real("a", a) for a in a_values])  # sorted, for plotting
    h_values = np.unique([check.finite_real("h", h) for h in h_values])
    if a_values.size == 0 or h_values.size == 0:
        raise ParameterError("a_values and h_values must each hold at least one value")
    report = bool(progress) if progress is None or isinstance(progress, bool) else progress
    if not isinstance(backend, str):
        return _store_phase_diagram(
            graph, a_values, h_values, _fresh_stores(backend), observe, steps, noise, seed, report, model_kwargs
        )
    if backend != "dense":  # the model names the backends it knows
        model_kwargs = {**model_kwargs, "backend": backend}
    result = sweep(
        graph, {"h": h_values.tolist(), "a": a_values.tolist()}, steps=steps, noise=noise, seed=seed,
        workers=1, progress=report, observe=observe, **model_kwargs,
    )
    to_mode = np.vectorize(lambda name: Mode(name), otypes=[object])
    predicted = to_mode(result.to_numpy("predicted"))
    observed = to_mode(result.to_numpy("observed")) if observe else None
    return PhaseDiagram(a_values, h_values, predicted, observed)


def _fresh_stores(backend) -> Callable:
    """A callable returning a new empty store per cell, from an empty instance or a factory."""
    if isinstance(backend, StorageBackend):
        if backend.n_stored:
            raise ParameterError(
                f"the backend already holds {backend.n_stored} associations; phase_diagram copies an empty store "
                "into every cell: pass a fresh instance, or a callable that builds one"
            )
        return lambda: copy.deepcopy(backend)
    if not callable(backend):
        raise ParameterError(
            f"backend must be 'dense', an empty StorageBackend, or a callable returning one; got {backend!r}"
        )

    def make():
        store = backend()
        if not isinstance(store, StorageBackend):
            raise ParameterError(f"the backend callable returned {type(store).__name__}, not a StorageBackend")
        return store

    return make


def _store_phase_diagram(graph, a_values, h_values, make, observe, steps, noise, seed, progress, model_kwargs):
    """The cells of :func:`phase_diagram` one model each, on a fresh store from ``make()``."""
    from .dynamics import CDAM

    unknown = sorted(set(model_kwargs) - set(MODEL_OPTIONS) | set(model_kwargs) & {"a", "h", "backend"})
    if unknown:
        raise ParameterError(
            f"model parameter(s) {unknown} cannot be passed here; phase_diagram passes on "
            f"{', '.join(k for k in MODEL_OPTIONS if k not in ('a', 'h', 'backend'))}"
        )
    observed = np.empty((h_values.size, a_values.size), dtype=object)
    predicted = np.empty_like(observed)
    name, theory = None, None
    with progress_reporter(progress, observed.size, desc="phase diagram cells", unit="cell") as bar:
        for i, h in enumerate(h_values):
            for j, a in enumerate(a_values):  # a cell is a whole model (its own store): one per iteration
                model = CDAM(graph, a=float(a), h=float(h), backend=make(), **model_kwargs)
                if theory is None:
                    name, theory = type(model.backend).__name__, has_slot_theory(model)
                    if not (theory or observe):
                        raise ParameterError(
                            f"the {name} backend has no predicted modes and observe=False runs nothing; "
                            "use observe=True"
                        )
                if theory:
                    predicted[i, j] = predicted_at(model, model.a, model.h)
                if observe:
                    observed[i, j] = classify_mode(model.all_starts(steps, noise, seed), graph)
                bar.advance()
    return PhaseDiagram(a_values, h_values, predicted if theory else None, observed if observe else None, name)


# ---------------------------------------------------------------------- one cell
@dataclass(frozen=True)
class _Spec:
    """What every cell shares; travels to the workers with each cell."""

    graph: object
    graph_key: str
    model: dict
    steps: int
    noise: float
    seed: int
    measure: Callable | None
    backends: dict = field(default_factory=dict)  # grid label -> name, empty store or factory


# Compiled models per process, by graph and non-(a, h) parameters: cells that differ only in
# a and h share one compiled graph and its spectrum. A few entries, since grid order makes
# cells of one base model come together.
_MODELS: OrderedDict = OrderedDict()
_MODELS_KEPT = 4
_MODELS_LOCK = threading.Lock()  # cells may run in threads of one process (a thread pool, in-process Dask)


def _model_for(spec: _Spec, params: dict):
    from .dynamics import CDAM

    kw = {**spec.model, **params}
    strengths = {"a": kw.pop("a", 1.0), "h": kw.pop("h", 0.0)}
    key = (spec.graph_key, repr(sorted(kw.items())))
    with _MODELS_LOCK:
        base = _MODELS.get(key)
        if base is None:
            # built with a = 1, h = 0, then moved by with_strengths, exactly as phase_diagram does
            base = _MODELS[key] = CDAM(spec.graph, **kw)
            while len(_MODELS) > _MODELS_KEPT:
                _MODELS.popitem(last=False)
        else:
            _MODELS.move_to_end(key)
    return base.with_strengths(strengths["a"], strengths["h"])


ROWS_PER_BLOCK = 4096  # runs stacked into one batch: cells x memories (the run itself chunks further if needed)


def _cells_per_block(p: int) -> int:
    """Cells a block stacks: as many as keep ``cells * p`` within :data:`ROWS_PER_BLOCK`."""
    return max(1, ROWS_PER_BLOCK // max(1, p))


def _blocks(cells: list[dict], per_block: int, stores=frozenset()) -> list[tuple[int, int]]:
    """Consecutive cell ranges ``[start, stop)`` that run as one task.

    Without a backend axis: ``per_block`` cells each (``i // per_block``). With one, a block
    also ends where the backend changes, and a cell whose backend label is in ``stores`` (an
    instance or factory, not a named backend) is a block of its own: such a cell builds its
    own model. Depends only on the grid, never on which cells are still to run."""
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(cells) + 1):
        alone = cells[i - 1].get("backend") in stores
        if i == len(cells) or alone or i - start == per_block or cells[i].get("backend") != cells[start].get("backend"):
            out.append((start, i))
            start = i
    return out


def _run_block(task) -> tuple[list[dict], BaseException | None]:
    """Run a block of cells as one stacked batch; records for the cells in ``emit``.

    Returns the records and, if a cell's ``measure`` raised, that error (after the records of
    the cells before it, so that a stopped sweep keeps what it finished)."""
    block, emit, spec, observe = task
    label = block[0][1].get("backend")
    if label is not None and not isinstance(spec.backends[label], str):
        return _run_store_cell(block[0], spec, observe)
    records: list[dict] = []
    with _single_thread():  # one thread in every executor: identical floating-point results
        t0 = time.perf_counter()
        base = _model_for(spec, {} if label is None else {"backend": spec.backends[label]})
        trajs = [None] * len(block)
        if observe:
            x0 = base.initial_states(spec.noise, spec.seed)
            numeric = [{k: v for k, v in params.items() if k != "backend"} for _, params in block]
            trajs = base.run_cells(numeric, x0, spec.steps, cues=np.arange(base.n_memories))
        share = (time.perf_counter() - t0) / len(block)
        # the patterns as centred unit rows, once per block: each cell's cues index them
        cue_rows = _normalise_rows(torch.as_tensor(spec.graph.patterns).T, center=True) if observe else None
        for (cell, params), traj in zip(block, trajs):
            if cell not in emit:
                continue
            t1 = time.perf_counter()
            try:
                # the prediction needs only (a, h) and the graph's spectrum, which the base holds;
                # a cell's own model is built only for a user's measure
                a, h = params.get("a", base.a), params.get("h", base.h)
                record = {"cell": cell, **params, "predicted": str(predicted_at(base, a, h))}
                record.update(_observed(traj, spec, cue_rows, classify_mode) if observe else _unobserved())
                own = params if label is None else {**params, "backend": spec.backends[label]}
                extra = _measured(spec.measure(_model_for(spec, own), traj), cell) if spec.measure else {}
            except BaseException as exc:  # noqa: B036 - handed back with the records before it
                return records, exc
            record["wall_time"] = share + time.perf_counter() - t1
            record.update(extra)
            records.append(record)
    return records, None


def _run_store_cell(item, spec: _Spec, observe: bool) -> tuple[list[dict], BaseException | None]:
    """One cell on its own store (a fresh copy or a factory's new store): its own model and run."""
    from .dynamics import CDAM

    cell, params = item
    numeric = {k: v for k, v in params.items() if k != "backend"}
    with _single_thread():
        t0 = time.perf_counter()
        try:
            store = fresh_store(spec.backends[params["backend"]])
            model = CDAM(spec.graph, **{**spec.model, **numeric, "backend": store})
            record = {"cell": cell, **params}
            record["predicted"] = str(predicted_at(model, model.a, model.h)) if has_slot_theory(model) else None
            traj = None
            if observe:
                traj = model.all_starts(spec.steps, spec.noise, spec.seed)
                cue_rows = _normalise_rows(torch.as_tensor(model.graph.patterns).T, center=True)
                record.update(_observed(traj, spec, cue_rows, classify_mode))
            else:
                record.update(_unobserved())
            extra = _measured(spec.measure(model, traj), cell) if spec.measure else {}
        except BaseException as exc:  # noqa: B036 - handed back, as a block hands back its error
            return [], exc
        record["wall_time"] = time.perf_counter() - t0
        record.update(extra)
    return [record], None


def _observed(traj, spec, cue_rows, classify_mode) -> dict:
    # rows centred and scaled to unit norm (constant rows -> 0), as the overlaps use them
    # detached: a store with trainable weights (an MHN layer's projections) hands back graph-tracked states
    Z = _normalise_rows(traj.final.detach().to(torch.float64), center=True)
    cue = cue_rows[traj.cues]
    B = Z.shape[0]
    total = Z.sum(dim=0)
    # mean of the off-diagonal Pearson correlations without the (B, B) matrix
    mean_corr = float((total @ total - (Z * Z).sum()) / (B * (B - 1))) if B > 1 else None
    return {
        "observed": str(classify_mode(traj, spec.graph, mean_correlation=mean_corr if B > 1 else -1.0)),
        "cue_overlap": float((Z * cue).sum(dim=1).clamp(-1.0, 1.0).mean()),
        "attractor_correlation": mean_corr,
        "steps": int(traj.steps),
    }


def _unobserved() -> dict:
    return {"observed": None, "cue_overlap": None, "attractor_correlation": None, "steps": 0}


def _measured(out, cell: int) -> dict:
    if not isinstance(out, Mapping):
        raise ParameterError(f"measure must return a dict of JSON scalars, got {type(out).__name__} (cell {cell})")
    rec = {}
    for k, v in out.items():
        if not isinstance(k, str):
            raise ParameterError(f"measure returned a non-str key {k!r}; record names must be str")
        if k in RECORD_FIELDS or k in GRID_AXES:
            raise ParameterError(f"measure returned {k!r}, a name the sweep records itself; rename it")
        if isinstance(v, (np.generic, torch.Tensor)) and np.ndim(v) == 0:
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            raise ParameterError(f"measure returned {k!r} = {v}; JSON has no NaN or inf, return None instead")
        if not (v is None or isinstance(v, (str, bool, int, float))):
            raise ParameterError(
                f"measure returned {k!r} of type {type(v).__name__}; return JSON scalars (str, int, float, bool, None)"
            )
        rec[k] = v
    return rec


# ---------------------------------------------------------------------- configuration
def _check_grid(grid) -> dict[str, tuple[float, ...]]:
    if not isinstance(grid, Mapping) or not grid:
        raise ParameterError(
            f"grid must be a non-empty mapping of parameter name to values, e.g. {{'a': [-1, 1]}}; got {grid!r}"
        )
    out = {}
    for name, values in grid.items():
        if name == "backend":  # labels and stores: cdam._sweep_backends.backend_axis
            out[name] = values
            continue
        if name not in GRID_PARAMETERS:
            raise ParameterError(f"unknown grid parameter {name!r}; a grid may vary {', '.join(GRID_AXES)}")
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise ParameterError(f"grid[{name!r}] must be a sequence of numbers, got {values!r}")
        # + 0.0: -0.0 and 0.0 are one cell
        vals = tuple((check.step_size(v) if name == "eta" else check.finite_real(name, v)) + 0.0 for v in values)
        if not vals:
            raise ParameterError(f"grid[{name!r}] is empty; give at least one value")
        if len(set(vals)) != len(vals):
            raise ParameterError(f"grid[{name!r}] repeats a value ({list(vals)}); give each value once")
        if name == "beta" and min(vals) < 0:
            raise ParameterError(f"beta must be >= 0, got {min(vals)}")
        out[name] = vals
    return out


def _graph_digest(graph) -> str:
    """SHA-256 of what the dynamics see: keys, patterns (float64 bits), links, transitions."""
    h = hashlib.sha256()
    h.update(repr(list(graph.memories)).encode())
    parts = {
        "patterns": np.ascontiguousarray(graph._rows[: len(graph)]),
        "link_index": np.array(list(graph._links), dtype=np.int64).reshape(-1, 2),
        "link_weight": np.fromiter(graph._links.values(), dtype=np.float64, count=len(graph._links)),
        "transition_index": np.array(list(graph._transitions), dtype=np.int64).reshape(-1, 2),
        "transition_weight": np.fromiter(graph._transitions.values(), dtype=np.float64, count=len(graph._transitions)),
    }
    for name, a in parts.items():
        h.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _config(graph, graph_key, grid, steps, noise, seed, model_kwargs, measure) -> dict:
    def plain(k, v):
        if k in ("dtype", "device"):
            return str(v)
        return float(v) + 0.0 if k in GRID_PARAMETERS else v

    name = None
    if measure is not None:
        fn = measure if hasattr(measure, "__qualname__") else type(measure)
        name = f"{getattr(fn, '__module__', '?')}.{fn.__qualname__}"
    config = {
        "graph": {"sha256": graph_key, "memories": len(graph), "neurons": graph.n_neurons},
        "grid": [[k, list(v)] for k, v in grid.items()],  # a list: the axis order matters
        "steps": steps,
        "noise": noise,
        "seed": seed,
        "model": {k: plain(k, v) for k, v in sorted(model_kwargs.items())},
        "measure": name,
    }
    try:
        json.dumps(config, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"model parameters must be plain values (str, numbers): {exc}") from None
    return config


def _fingerprint(config: dict) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _grid_from_config(config, path) -> dict:
    try:
        return {str(k): tuple(str(x) if k == "backend" else float(x) for x in v) for k, v in config["grid"]}
    except (TypeError, ValueError, KeyError) as exc:
        raise FileFormatError(f"{path} has a corrupted sweep header (grid): {exc}") from None


def _dumps(record: dict) -> str:
    try:
        return json.dumps(record, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"cell {record.get('cell')} produced a record JSON cannot hold: {exc}") from None


# ---------------------------------------------------------------------- the file
def _parse(data: bytes, path) -> tuple[dict, dict[int, dict], int]:
    """Header, records by cell, and the byte length of the file's intact part."""
    end = data.find(b"\n")
    if end < 0:
        raise FileFormatError(
            f"{path} is not a cdam sweep file (no complete header line); pass a new file, or delete it to start over"
        )
    try:
        header = json.loads(data[:end])
    except (ValueError, UnicodeDecodeError):
        header = None
    if not isinstance(header, dict) or header.get("format") != SWEEP_FORMAT:
        raise FileFormatError(f"{path} is not a cdam sweep file; pass a new file, or delete it to start over")
    version = header.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise FileFormatError(f"{path} has an invalid sweep format version {version!r}; the file is corrupted")
    if version > SWEEP_VERSION:
        raise FileFormatError(f"{path} has sweep format version {version}; this cdam reads up to {SWEEP_VERSION}")
    if not isinstance(header.get("config"), dict):
        raise FileFormatError(f"{path} has a corrupted sweep header (no config)")
    grid = _grid_from_config(header["config"], path)
    cells = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    records: dict[int, dict] = {}
    good = end + 1
    *complete, fragment = data[good:].split(b"\n")  # a non-empty fragment lost its newline: dropped
    for k, raw in enumerate(complete):
        try:
            rec = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            if k == len(complete) - 1 and not fragment:
                break  # the last write was cut short
            raise FileFormatError(
                f"{path} line {k + 2} is corrupted (not JSON) and is not the last line; "
                "the file was damaged after it was written: pass a new file, or delete it to start over"
            ) from None
        _check_record(rec, cells, records, path, k + 2)
        records[rec["cell"]] = rec
        good += len(raw) + 1
    return header, records, good


def _check_record(rec, cells, records, path, line) -> None:
    cell = rec.get("cell") if isinstance(rec, dict) else None
    if isinstance(cell, bool) or not isinstance(cell, int) or not 0 <= cell < len(cells):
        raise FileFormatError(
            f"{path} line {line} is not a record of this sweep (cell {cell!r}); the file is corrupted"
        )
    if any(rec.get(k) != v for k, v in cells[cell].items()) or not all(f in rec for f in RECORD_FIELDS):
        raise FileFormatError(f"{path} line {line} does not match cell {cell} of the grid; the file is corrupted")
    if cell in records:
        strip = lambda r: {k: v for k, v in r.items() if k not in TIMING_FIELDS}  # noqa: E731
        if strip(records[cell]) != strip(rec):
            raise FileFormatError(f"{path} line {line} holds cell {cell} a second time, with other results")


def _open_out(path: Path, header: dict):
    """Open (or start) the sweep file; returns the path, an append handle and the finished
    records. A torn last line is cut off; a file of another sweep is refused untouched."""
    if path.is_dir():
        path = path / f"sweep-{header['fingerprint'][:16]}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+b")  # noqa: SIM115 - stays open for the sweep; closed by the caller
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise ParameterError(f"another sweep is writing to {path}; wait for it or pass another file") from None
        fh.seek(0)
        data = fh.read()
        if not data:
            append_line(fh, json.dumps(header, allow_nan=False))
            return path, fh, {}
        found, records, good = _parse(data, path)
        _check_same_sweep(found, header, path)
        if good < len(data):
            fh.truncate(good)
            fh.flush()
            os.fsync(fh.fileno())
        return path, fh, records
    except BaseException:
        fh.close()
        raise


def _check_same_sweep(found: dict, header: dict, path) -> None:
    if found.get("fingerprint") == header["fingerprint"] and found.get("config") == json.loads(
        json.dumps(header["config"])
    ):
        return
    old, new = found.get("config", {}), header["config"]
    names = {
        "graph": "the graph (patterns or edges)", "grid": "the grid", "model": "the model parameters",
        "backends": "a backend (its store's class or state)",
    }
    diffs = [
        f"{names[k]} changed" if k in names else f"{k} is {old.get(k)!r} in the file, {new[k]!r} now"
        for k in new
        if json.dumps(old.get(k), sort_keys=True) != json.dumps(new[k], sort_keys=True)
    ]
    raise ParameterError(
        f"{path} holds a different sweep ({'; '.join(diffs) or 'another fingerprint'}); "
        "pass a new out file, or delete this one to start over"
    )
