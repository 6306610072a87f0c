"""What :meth:`cdam.CDAM.run` and :meth:`cdam.CDAM.run_cells` are given, checked, and the built-in
recorders a run's arguments ask for.

:func:`checked_run` turns ``run``'s arguments into what the engine takes (a state batch, a step
count, cue indices, the engine) or raises a :class:`~cdam.errors.CDAMError` saying what to fix;
:func:`builtin_recorders` builds the recorders behind :class:`~cdam.dynamics.Trajectory`'s
fields; :func:`execute_run` does both and hands them to the engine. :func:`checked_strengths`
checks a model's ``a``, ``h``, ``beta``, ``eta`` and ``mean_coef``; :func:`checked_cell` merges
one parameter cell with the model's own values, and :func:`checked_cells` a list of them with
their starts. :func:`noisy_pattern_starts` draws the starts of ``all_starts`` and
:func:`spread_options` picks out the keywords that send it through ``run_spread``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from . import _engine
from . import _validation as check
from ._random import as_generator
from ._recorders import Recorder, _Attention, _Overlaps, _States, _Summary
from .errors import ParameterError, StateError

__all__ = [
    "CELL_PARAMS", "SPREAD_OPTIONS", "BuiltinRecorders", "ExecutedRun", "builtin_recorders", "checked_cell",
    "checked_cells", "checked_run", "checked_strengths", "cue_indices", "execute_run", "noisy_pattern_starts",
    "spread_options",
]

CELL_PARAMS = ("a", "h", "beta", "eta", "mean_coef")
# the keywords of all_starts that send its batch through run_spread rather than run
SPREAD_OPTIONS = ("chunk", "workers", "scheduler", "executor")


def checked_run(
    model, x0, steps, *, tol, freeze, cues, engine, perturb, record_states, checked
) -> tuple[torch.Tensor, int, float | None, torch.Tensor | None, str]:
    """``(sigma, steps, tol, cues, engine)`` for a run of ``model``, or the error that says what to fix.

    ``checked=True`` takes ``x0`` as a state batch built from checked starts (``run_cells``' own
    stacked batch): no second pass over it.
    """
    steps = check.positive_int("steps", steps, minimum=0)
    if tol is not None:
        tol = check.finite_real("tol", tol, minimum=0.0)
    if freeze and tol is None:
        raise ParameterError("freeze=True needs tol=, the largest move of a settled run")
    if checked:
        assert isinstance(x0, torch.Tensor)  # run_cells' own stacked batch
        sigma: torch.Tensor = x0
    else:
        sigma = check.state_batch(x0, model.n_neurons, dtype=model.dtype, device=model.device)[0]
    cue_idx = None if cues is None else cue_indices(cues, sigma.shape[0], model.n_memories)
    engine = _engine.engine_for_run(
        model, engine, record_states=record_states, direct_only=tol is not None or perturb is not None or freeze
    )
    return sigma, steps, tol, cue_idx, engine


def cue_indices(cues, batch: int, p: int) -> torch.Tensor:
    """``cues`` as (batch,) int64 memory indices, or StateError saying what is wrong."""
    idx = np.asarray(cues)
    if idx.shape != (batch,) or not np.issubdtype(idx.dtype, np.integer):
        raise StateError(f"cues must be {batch} integer memory indices, one per run; got {idx!r}")
    if idx.size and (idx.min() < 0 or idx.max() >= p):
        raise StateError(f"cues must index memories 0..{p - 1}; got {idx.min()}..{idx.max()}")
    return torch.as_tensor(idx, dtype=torch.long)


@dataclass
class BuiltinRecorders:
    """The recorders behind a :class:`~cdam.dynamics.Trajectory`: the summary every run keeps,
    and the overlap, state and attention recorders that were asked for (None otherwise)."""

    summary: _Summary
    overlaps: _Overlaps | None
    states: _States | None
    attention: _Attention | None

    def all(self) -> list[Recorder]:
        """The summary first, then the asked-for recorders in the order the loop shows them states."""
        return [self.summary] + [r for r in (self.overlaps, self.states, self.attention) if r is not None]


def memory_indices(name: str, idx, p: int) -> torch.Tensor:
    """``idx`` as (j,) int64 memory indices, j >= 1, or ParameterError saying what is wrong."""
    arr = np.asarray(idx.cpu() if isinstance(idx, torch.Tensor) else idx)
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer):
        raise ParameterError(f"{name} must be a non-empty 1-D sequence of integer memory indices; got {idx!r}")
    if arr.min() < 0 or arr.max() >= p:
        raise ParameterError(f"{name} must index memories 0..{p - 1}; got {arr.min()}..{arr.max()}")
    return torch.as_tensor(arr, dtype=torch.long)


def builtin_recorders(
    model, cues, *, overlap: str, record_overlaps: bool, record_states: bool, record_attention: bool,
    attention_summary: bool, overlaps_with=None,
) -> BuiltinRecorders:
    """The built-in recorders of a run of ``model`` (``cues``: checked indices, or None to find them).

    ``overlaps_with``: memory indices the overlaps are recorded against (implies recording them).
    The summary keeps sparse summaries when the model's reads are sparse."""
    op = model._overlap_operator(overlap)
    columns = None if overlaps_with is None else memory_indices("overlaps_with", overlaps_with, model.n_memories)
    sparse = _engine.sparse_read_width(model) is not None
    return BuiltinRecorders(
        summary=_Summary(model._overlap_operator("pearson"), cues, attention=attention_summary, sparse=sparse),
        overlaps=_Overlaps(op, columns) if record_overlaps or columns is not None else None,
        states=_States() if record_states else None,
        attention=_Attention() if record_attention else None,
    )


def checked_strengths(a, h, beta, eta, mean_coef) -> tuple[float, float, float, float, float]:
    """``(a, h, beta, eta, mean_coef)`` as floats: finite reals, ``beta >= 0``, ``eta`` in (0, 1],
    or the ParameterError that says which one to fix (checked in that order)."""
    return (
        check.finite_real("a", a), check.finite_real("h", h), check.finite_real("beta", beta, minimum=0.0),
        check.step_size(eta), check.finite_real("mean_coef", mean_coef),
    )


def checked_cell(model, cell) -> dict:
    """``cell`` (a dict of some of :data:`CELL_PARAMS`) over ``model``'s own values, checked, as floats."""
    unknown = sorted(set(cell) - set(CELL_PARAMS))
    if unknown:
        raise ParameterError(f"cells vary only {CELL_PARAMS}; got {unknown}")
    merged = {**{name: getattr(model, name) for name in CELL_PARAMS}, **cell}
    checked_strengths(*(merged[name] for name in CELL_PARAMS))
    return {k: float(v) for k, v in merged.items()}


def checked_cells(model, cells, x0) -> tuple[list[dict], torch.Tensor]:
    """``(cells, x)`` for :meth:`cdam.CDAM.run_cells`: every cell checked by :func:`checked_cell`
    (at least one), and the starts ``x0`` as a (B, n) state batch of the model."""
    cells = [checked_cell(model, c) for c in cells]
    if not cells:
        raise ParameterError("cells is empty; give at least one dict of parameters")
    x, _ = check.state_batch(x0, model.n_neurons, dtype=model.dtype, device=model.device)
    return cells, x


class ExecutedRun(NamedTuple):
    """A finished engine run with what :meth:`cdam.dynamics.Trajectory.from_run` reads besides:
    its built-in recorders, the initial states (on the CPU) and the engine that ran it."""

    run: _engine.Run
    built: BuiltinRecorders
    initial: torch.Tensor
    engine: str


def execute_run(
    model, x0, steps, *, record_overlaps, record_states, record_attention, overlap, tol, cues, recorders,
    perturb, freeze, engine, attention_summary, overlaps_with, row_params, checked,
) -> ExecutedRun:
    """A run of ``model`` with :meth:`cdam.CDAM.run`'s arguments: checked (:func:`checked_run`),
    its built-in recorders built (:func:`builtin_recorders`), and executed by the engine
    (:func:`cdam._engine.execute`) with the user's ``recorders`` after the built-in ones.

    ``row_params``: per-run parameters (``run_cells``' stacked cells), or None for the model's own.
    """
    sigma, steps, tol, cue_idx, engine = checked_run(
        model, x0, steps, tol=tol, freeze=freeze, cues=cues, engine=engine, perturb=perturb,
        record_states=record_states, checked=checked,
    )
    built = builtin_recorders(
        model, cue_idx, overlap=overlap, record_overlaps=record_overlaps, record_states=record_states,
        record_attention=record_attention, attention_summary=attention_summary, overlaps_with=overlaps_with,
    )
    columns = None if built.overlaps is None else built.overlaps.columns
    initial = sigma.cpu().clone()
    run = _engine.execute(
        model, sigma, steps, built.all() + list(recorders), built.summary, engine=engine, tol=tol,
        perturb=perturb, freeze=freeze, params=row_params, inference=engine == "coefficient" and not recorders,
        record_overlaps=built.overlaps is not None, record_states=record_states,
        record_attention=record_attention, attention_summary=attention_summary, cues=cue_idx,
        overlap_columns=None if columns is None else columns.numel(),
    )
    return ExecutedRun(run, built, initial, engine)


def noisy_pattern_starts(model, noise: float = 1.0, seed: int | torch.Generator | None = 0) -> torch.Tensor:
    r"""One start per memory: :math:`\xi_\mu + \text{noise}\,(U[0,1)^n - 1/2)`, shape (p, n).

    The noise is drawn in float64 on the CPU from ``seed`` (an int, a generator or None), so the
    starts are the same whatever the model's device and dtype. :meth:`cdam.CDAM.initial_states`
    is this function; :meth:`cdam.CDAM.all_starts` runs from these starts.

    Parameters
    ----------
    noise : float
        Width of the uniform noise, >= 0.
    seed : int, torch.Generator or None

    Examples
    --------
    >>> import cdam, cdam.datasets
    >>> model = cdam.CDAM(cdam.datasets.cycle_memory_graph(p=10, n=200))
    >>> x0 = model.initial_states(noise=0.5, seed=0)
    >>> x0.shape, float((x0 - model.couplings.Xi.T).abs().max()) <= 0.25
    (torch.Size([10, 200]), True)
    """
    noise = check.finite_real("noise", noise, minimum=0.0)
    gen = as_generator(seed)
    Xi = model.couplings.Xi
    U = torch.rand(Xi.shape[1], Xi.shape[0], generator=gen, dtype=torch.float64)
    return (Xi.T.to(torch.float64).cpu() + noise * (U - 0.5)).to(device=model.device, dtype=model.dtype)


def spread_options(kwargs: dict) -> dict:
    """The :data:`SPREAD_OPTIONS` among ``kwargs``, taken out of it (empty: a plain run)."""
    return {k: kwargs.pop(k) for k in SPREAD_OPTIONS if k in kwargs}
