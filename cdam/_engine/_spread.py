"""A batch split into chunks of runs that go through an executor: processes, threads or Dask."""

from __future__ import annotations

import os
from typing import Any, Protocol, TypeVar

import numpy as np
import torch

from .. import _validation as check

_Runs = TypeVar("_Runs", covariant=True)


class _RunsBatches(Protocol[_Runs]):
    """What :func:`run_spread` needs of a model (a :class:`cdam.CDAM`): its run's result type
    is what comes back, without this package importing :mod:`cdam.dynamics`."""

    @property
    def n_neurons(self) -> int: ...
    @property
    def dtype(self) -> torch.dtype: ...
    @property
    def device(self) -> torch.device: ...
    def run(self, x0: Any, steps: int) -> _Runs: ...


def _run_chunk(model, task):
    """One chunk of :func:`run_spread`, in whatever process runs it."""
    i, x, cues, steps, kwargs = task
    return i, model.run(x, steps, cues=cues, **kwargs)


def run_spread(
    model: _RunsBatches[_Runs], x0, steps: int = 100, *, chunk: int | None = None, workers: int | None = None,
    scheduler=None, executor=None, cues=None, **run_kwargs,
) -> _Runs:
    """:meth:`cdam.CDAM.run`, with the batch split into chunks of ``chunk`` runs that go through an executor.

    Runs are independent, so the chunks can run anywhere: local processes (``workers``),
    any :class:`concurrent.futures.Executor`, or a Dask cluster (``scheduler``, an address or
    a ``distributed.Client``), as :func:`cdam.sweep` does (see :mod:`cdam._executor`). The
    result is the one batch's, to round-off (float sums of a smaller batch may round
    differently). ``chunk`` defaults to an even split over the workers.
    :meth:`cdam.CDAM.run_spread` is this function.

    Parameters
    ----------
    x0 : array or tensor, (n,) or (B, n)
    steps : int
    chunk : int, optional
        Runs per chunk.
    workers, scheduler, executor
        Where the chunks run, as for :func:`cdam.sweep`.
    cues : sequence of int, optional
    **run_kwargs
        The other arguments of :meth:`cdam.CDAM.run`, for every chunk.

    Returns
    -------
    Trajectory
        The chunks' runs joined (:meth:`cdam.Trajectory.concat`), in the order of ``x0``.

    Examples
    --------
    >>> import torch, cdam, cdam.datasets
    >>> m = cdam.CDAM(cdam.datasets.cycle_memory_graph(p=8, n=200), dtype=torch.float64)
    >>> one = m.all_starts(steps=20)
    >>> spread = m.all_starts(steps=20, chunk=3, workers=1)
    >>> bool(torch.allclose(one.final, spread.final, rtol=1e-12, atol=1e-12))
    True
    """
    from .. import _executor  # its process pools and Dask only load when a run is spread

    x, _ = check.state_batch(x0, model.n_neurons, dtype=model.dtype, device=model.device)
    B = x.shape[0]
    if cues is not None:
        cues = np.asarray(cues)
    workers = _executor.check_workers(workers)
    if chunk is None:
        n_parts = workers or os.cpu_count() or 1
        chunk = -(-B // n_parts)
    chunk = check.positive_int("chunk", chunk)
    bounds = [(lo, min(lo + chunk, B)) for lo in range(0, B, chunk)]
    tasks = [(i, x[lo:hi].cpu(), None if cues is None else cues[lo:hi], steps, run_kwargs)
             for i, (lo, hi) in enumerate(bounds)]
    # the model goes to each Dask worker once (a large graph's model is gigabytes), not with every chunk
    parts = dict(_executor.run_tasks(
        _run_chunk, tasks, workers=workers, scheduler=scheduler, executor=executor, common=model
    ))
    runs = [parts[i] for i in range(len(bounds))]  # at least one: an empty batch is refused above
    return type(runs[0]).concat(runs)  # the runs' own class joins them (this package does not import dynamics)
