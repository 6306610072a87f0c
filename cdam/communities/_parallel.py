r"""Where a community scan's scales run: in this process, in local processes, or on a Dask cluster.

A scan's scales are independent: each is one task that carries the scan's graph
(:class:`ScanGraph`) and runs that scale's whole try loop where it lands, so a parallel
scan computes exactly what the serial one does, early stop included, and the results are
put back in scale order. The tasks go through the project's one executor,
:func:`cdam._executor.run_tasks` (``spawn`` processes, one torch thread each, or Dask).

Measured (``benchmarks/bench_communities_parallel.py``, planted SBMs of mean degree 20, a
shared 2-core machine, serial against ``workers=2`` side by side, partitions identical at
every size): 1.5 s against 5.6 s at n = 1e3 and 7.3 s against 8.9 s at 1e4 (starting two
``spawn`` processes that import torch costs about 4 s), 32.7 s against 18.9 s at 3e4 and
168 s against 126 s at 1e5. Workers pay once the serial scan takes more than about ten
seconds (n of about 2e4 at this density). The default refined scan of a 1e6-node planted SBM
(``benchmarks/bench_communities_scale.py``, five scales): 396 s serially against 338 s with
``workers=2``, one pool for all its rounds (:func:`spread_pool`).

Each worker holds one copy of the graph, built once per process however many scales it
runs. For a graph of :math:`n` nodes and :math:`m` edges (each pair once) and ``tries``
Leiden runs per scale a worker needs about (:func:`worker_bytes`)

.. math::

    B(n, m) = B_0 + 1.25\,\big(220\,m + (160 + 16\,\text{tries})\,n\big) \ \text{bytes},

:math:`B_0` = :data:`PROCESS_BYTES` for the interpreter with cdam, torch and igraph
imported. Per edge: the task's arrays (24: two int64 ends, a float64 weight), igraph's
graph (32: four int64 index vectors), its weight attribute as Python floats (32), and the
tuples and Python ints the graph is built from (about 120, freed once built: the peak is
the build, the same at every resolution); per node the strengths, igraph's vertex index,
Leiden's membership and queue, and the labels of every try. 220 is the slope of the
measured peaks (``VmHWM``, resident memory of one task of eight tries on planted SBMs of mean
degree 20: 342, 405 and 509 MiB at n = 2e4, 5e4 and 1e5, stated 379, 468 and 615 MiB);
1.25 is the margin :mod:`cdam._engine._plan` keeps for allocator slack (a networkx
planted partition of 2e4 nodes peaked at 339 MiB, stated 373 MiB).

Where the work runs, and what is refused before anything starts
(:class:`~cdam.errors.MemoryBudgetError`): in this process (``workers=1``) the scan
holds :math:`B - B_0`; ``workers`` local processes hold :math:`B` each, and together they
must fit ``memory_limit`` (default :func:`cdam._engine.default_memory_limit`, half the
memory available); on a Dask cluster (``scheduler``) each worker must hold one task per
thread under its own memory limit.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import threading
import uuid

import numpy as np
import scipy.sparse as sp

from .. import _executor
from .. import _validation as check
from .._engine import default_memory_limit
from .._optional import require
from ..errors import MemoryBudgetError, ParameterError
from ._louvain import edge_graph

__all__ = ["PROCESS_BYTES", "ScanGraph", "checked_spread", "scale_results", "spread_pool", "worker_bytes"]

#: Resident bytes of a worker process besides its graph: Python with cdam, torch, numpy,
#: scipy and igraph imported (measured: 268 MiB for a ``spawn`` worker of this pool) and
#: what igraph's first run keeps (about 32 MiB, the intercept of the measured peaks).
PROCESS_BYTES = 320 << 20
_EDGE_BYTES = 220  # the slope of the measured peaks (module docstring)
_NODE_BYTES = 160
_SAFETY = 1.25  # as cdam._engine._plan: the allocator's slack beyond the bytes counted
_TRY_NODE_BYTES = 16  # each try's labels, and their relabelled copy for the NVI

# igraph draws every run's randomness from one process-wide generator (seeded per run in
# _louvain.optimised_labels): tasks in threads of one process take turns, so that a
# threaded Dask worker gives the same partitions as a process
_IGRAPH_TURN = threading.Lock()
_BUILT: dict[str, object] = {}  # the graph of the latest scan this process ran a task of


def worker_bytes(n: int, m: int, tries: int = 8) -> int:
    """Bytes one worker needs for one scan of a graph of ``n`` nodes and ``m`` edges.

    Examples
    --------
    >>> round(worker_bytes(100_000, 1_000_000) / 2**30, 2)  # GiB: 1e5 nodes, mean degree 20
    0.6
    """
    return PROCESS_BYTES + int(_SAFETY * (_EDGE_BYTES * m + (_NODE_BYTES + _TRY_NODE_BYTES * tries) * n))


class ScanGraph:
    """The scan's graph as it travels to a task: the edges (upper triangle), the node strengths.

    :meth:`graph` builds igraph's graph, with the weights as the edge attribute
    ``"weight"``, once per process: a copy that arrives again with the next task of the same
    scan finds it built. Pickles without it.
    """

    def __init__(self, U: sp.coo_array, strength: np.ndarray):
        self.U = U
        self.strength = strength
        self.p = U.shape[0]
        self.token = uuid.uuid4().hex
        self._graph = None

    def __getstate__(self):
        return {"U": self.U, "strength": self.strength, "p": self.p, "token": self.token}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._graph = None

    def graph(self):
        if self._graph is None:
            self._graph = _BUILT.get(self.token)
        if self._graph is None:
            g = edge_graph(self.U.row, self.U.col, self.p)
            g.es["weight"] = self.U.data.tolist()  # converted once: each run names the attribute
            _BUILT.clear()  # one scan's graph per process at a time
            _BUILT[self.token] = self._graph = g
        return self._graph


def _is_client(scheduler) -> bool:
    distributed = sys.modules.get("distributed")  # a client exists only once distributed is imported
    return distributed is not None and isinstance(scheduler, distributed.Client)


def checked_spread(workers, scheduler, memory_limit=None):
    """``(workers, scheduler)`` checked: ``workers`` an int >= 1 or None (every core), ``scheduler``
    None, a Dask address (str) or a ``distributed.Client``; not both a worker count and a scheduler,
    nor a ``memory_limit`` (bytes, for this machine) with a scheduler.

    Examples
    --------
    >>> checked_spread(2, None)
    (2, None)
    >>> checked_spread(0, None)
    Traceback (most recent call last):
    ...
    cdam.errors.ParameterError: workers must be >= 1, got 0
    """
    workers = _executor.check_workers(workers)
    if memory_limit is not None:
        check.positive_int("memory_limit", memory_limit)
    if scheduler is None:
        return workers, None
    if memory_limit is not None:
        raise ParameterError("memory_limit bounds this machine's processes, but scheduler= runs the scales on the "
                             "Dask cluster, whose workers' own memory limits are checked (dask worker --memory-limit); "
                             "drop memory_limit")
    if not (isinstance(scheduler, str) and scheduler.strip()) and not _is_client(scheduler):
        raise ParameterError(f"scheduler must be a Dask scheduler's address such as 'tcp://10.0.0.5:8786' or a "
                             f"distributed.Client, got {scheduler!r}; leave it None to run on this machine (workers=)")
    if workers != 1:
        raise ParameterError(f"workers={workers} counts local processes, but scheduler= runs the scales on the "
                             "Dask cluster's workers; drop workers (or drop scheduler to use local processes)")
    return workers, scheduler


def _processes(workers: int | None, n_tasks: int) -> int:
    return max(1, min(workers or os.cpu_count() or 1, n_tasks))  # as _executor.process_pool sizes its pool


def _gib(x: float) -> str:
    return f"{x / 2**30:.3g} GiB"


def _check_local_fit(processes: int, need: int, memory_limit: int | None) -> None:
    """Refuse ``processes`` new workers of ``need`` bytes each (0: in this process, ``need`` without
    :data:`PROCESS_BYTES`) that cannot fit ``memory_limit``."""
    limit = default_memory_limit() if memory_limit is None else memory_limit
    total = max(processes, 1) * need - (PROCESS_BYTES if processes == 0 else 0)
    if total > limit:
        where = (f"{processes} worker processes of this scan need about {_gib(total)} ({_gib(need)} each: the "
                 "process, " if processes else f"this scan needs about {_gib(total)} in this process (")
        fits = limit // need if processes else 0
        raise MemoryBudgetError(
            where + f"the graph in igraph, its weights and the labels) but the memory limit is {_gib(limit)}; "
            + (f"use workers={fits}, " if fits >= 1 else "")
            + "pass a larger memory_limit, or run on a Dask cluster of larger workers (scheduler=)")


def _check_dask_fit(client, need: int) -> None:
    for address, info in client.scheduler_info().get("workers", {}).items():
        limit, threads = info.get("memory_limit") or 0, info.get("nthreads") or 1
        if limit and threads * need > limit:
            raise MemoryBudgetError(
                f"the Dask worker {address} runs {threads} tasks at once and this scan needs about {_gib(need)} a "
                f"task ({_gib(threads * need)} in all), but its memory limit is {_gib(limit)}; start workers with "
                "fewer threads (--nthreads 1) or more memory (--memory-limit)")


def _call(job):
    fn, scan, task = job
    with _IGRAPH_TURN:
        return fn(scan, task)


@contextlib.contextmanager
def spread_pool(workers, scheduler, n_tasks: int):
    """The local process pool that every round of one scan reuses (None where the scan runs in
    this process or on Dask), shut down on leaving.

    Its processes start with the first task (after :func:`scale_results` has checked their
    memory) and keep the scan's graph built between rounds (:meth:`ScanGraph.graph`): a pool
    per round would start ``spawn`` processes and build igraph's graph again each round.

    Examples
    --------
    >>> with spread_pool(1, None, 5) as pool:
    ...     print(pool)
    None
    """
    if workers == 1 or scheduler is not None:
        yield None
        return
    pool = _executor.process_pool(workers, n_tasks)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def scale_results(fn, scan: ScanGraph, tasks, *, workers=1, scheduler=None, memory_limit=None, tries: int = 8,
                  executor=None):
    """Yield ``fn(scan, task)`` for every task, in the order they finish, where ``workers`` and
    ``scheduler`` say (:func:`cdam._executor.run_tasks`).

    ``fn`` must be a module-level function (it travels by name). Local processes and Dask
    workers are first checked against the memory they need (:func:`worker_bytes`); in this
    process (``workers=1``, the default) the scan holds its graph as it always did.
    ``executor`` (:func:`spread_pool`'s, for ``workers`` processes) runs the local tasks
    instead of a pool of their own.

    Examples
    --------
    >>> U = sp.coo_array(sp.triu(sp.csr_array(np.ones((3, 3))), k=1))
    >>> sorted(scale_results(lambda scan, t: (t, scan.p), ScanGraph(U, np.ones(3)), [1, 0]))
    [(0, 3), (1, 3)]
    """
    workers, scheduler = checked_spread(workers, scheduler, memory_limit)
    tasks = list(tasks)
    jobs = zip(itertools.repeat(fn), itertools.repeat(scan), tasks)
    need = worker_bytes(scan.p, scan.U.nnz, tries)
    if scheduler is None:
        _check_local_fit(0 if workers == 1 else _processes(workers, len(tasks)), need, memory_limit)
        yield from _executor.run_tasks(_call, jobs, workers=workers, executor=executor)
        return
    distributed = require("distributed", extra="dask", feature="running a community scan on a Dask cluster "
                          "(scheduler=)")
    client = scheduler if _is_client(scheduler) else _client(distributed, scheduler)
    try:
        _check_dask_fit(client, need)
        yield from _executor.run_tasks(_call, jobs, scheduler=client)
    finally:
        if client is not scheduler:
            client.close()


def _client(distributed, address: str):
    try:
        return distributed.Client(address)
    except (OSError, ValueError, TypeError) as exc:  # TimeoutError is an OSError
        raise ParameterError(f"no Dask scheduler answered at scheduler={address!r} ({exc}); start one "
                             "(dask scheduler) and pass its address, or a distributed.Client") from exc
