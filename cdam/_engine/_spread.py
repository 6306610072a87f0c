"""A batch split into chunks of runs that go through an executor: processes, threads or Dask."""

from __future__ import annotations

import os

import numpy as np

from .. import _validation as check


def _run_chunk(model, task):
    """One chunk of :func:`run_spread`, in whatever process runs it."""
    i, x, cues, steps, kwargs = task
    return i, model.run(x, steps, cues=cues, **kwargs)


def run_spread(
    model, x0, steps: int, *, chunk: int | None = None, workers: int | None = None, scheduler=None,
    executor=None, cues=None, **run_kwargs,
) -> list:
    """The runs of the starts ``x0`` ((n,) or (B, n), checked as the model's state batch), as
    ``model.run`` results of consecutive chunks of ``chunk`` rows, in order
    (:meth:`cdam.CDAM.run_spread` joins them).

    Runs are independent, so the chunks run wherever :func:`cdam._executor.run_tasks` sends
    them; ``chunk`` defaults to an even split over the workers.
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
    return [parts[i] for i in range(len(bounds))]
