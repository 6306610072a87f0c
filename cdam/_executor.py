"""Where independent tasks run: in this process, local processes, any executor, or Dask.

:func:`continual_experiment <cdam.experiments.continual.continual_experiment>` and :func:`cdam.sweep`
hand their tasks to :func:`run_tasks`, which picks the executor the same way for both:

- ``scheduler`` (a Dask address or ``distributed.Client``): that cluster; needs
  ``dask.distributed``, imported only then;
- else ``executor`` (any :class:`concurrent.futures.Executor`): yours, left running;
- else ``workers == 1``: in this process, one after the other;
- else a pool of ``workers`` local processes (default: all cores), started with ``spawn``
  and one torch thread each.

Results come back in completion order; callers that need another order sort them.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from collections.abc import Callable, Generator, Iterable

import torch

from . import _validation as check
from ._optional import require
from ._progress import _tqdm_bar
from .errors import MissingDependencyError

__all__ = ["MissingDependencyError", "dask_executor", "process_pool", "progress_bar", "run_tasks", "worker_init"]


class _single_thread:
    """Run a block with one intra-op torch thread, restoring the previous setting."""

    def __enter__(self):
        self._n = torch.get_num_threads()
        if self._n != 1:
            torch.set_num_threads(1)

    def __exit__(self, *exc):
        if self._n != 1:
            torch.set_num_threads(self._n)
        return False


def worker_init() -> None:
    torch.set_num_threads(1)  # one process per core; intra-op threads would oversubscribe


def check_workers(workers) -> int | None:
    """``workers`` as an int >= 1, or None (all cores)."""
    return None if workers is None else check.positive_int("workers", workers)


def process_pool(workers: int | None, n_tasks: int) -> cf.ProcessPoolExecutor:
    """A pool of local processes, no more than there are tasks.

    ``spawn``, not ``fork``: a forked child inherits torch's thread pools and locks in
    whatever state the parent had them, which can deadlock.
    """
    n = workers or os.cpu_count() or 1
    return cf.ProcessPoolExecutor(
        max_workers=max(1, min(n, n_tasks)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=worker_init,
    )


def dask_executor(scheduler):
    """A Dask executor for ``scheduler`` (address or ``distributed.Client``), and the client
    this call opened (None when ``scheduler`` was a client: the caller keeps owning it)."""
    # leave scheduler=None to run in local processes instead
    distributed = require("distributed", extra="dask", feature="running on a Dask cluster (scheduler=)")
    own = not isinstance(scheduler, distributed.Client)
    client = distributed.Client(scheduler) if own else scheduler
    # pure=False: equal arguments must still run as separate tasks, never be merged
    return client.get_executor(pure=False), (client if own else None)


def run_tasks(
    fn: Callable,
    tasks: Iterable,
    *,
    workers: int | None = None,
    scheduler=None,
    executor: cf.Executor | None = None,
    common=None,
) -> Generator:
    """Yield ``fn(task)`` for every task, in the order they finish (``fn(common, task)`` when
    ``common`` is given: an object every task reads, such as a model, which a Dask cluster
    receives once per worker instead of once per task).

    The executor is chosen as the module docstring says and opened on the first ``next``;
    what this call opened is closed when the generator ends, and on an error, a
    ``KeyboardInterrupt`` or an early ``close()`` the tasks still pending are cancelled.
    Close it explicitly (``contextlib.closing``) when you may stop before the end. ``fn``
    and the tasks must be picklable unless everything runs in this process.

    Examples
    --------
    >>> sorted(run_tasks(abs, [-2, 1, -3], workers=1))
    [1, 2, 3]
    """
    tasks = list(tasks)
    if not tasks:
        return
    own_executor = own_client = None
    futures: list = []
    finished = False
    try:
        args: tuple = () if common is None else (common,)
        if scheduler is not None:
            executor, own_client = dask_executor(scheduler)
            own_executor = executor
            if common is not None:  # a future: the workers resolve it to their copy
                client = own_client if own_client is not None else scheduler
                args = (client.scatter(common, broadcast=True, hash=False),)
        elif executor is None and workers != 1:
            executor = own_executor = process_pool(workers, len(tasks))
        if executor is None:
            with _single_thread():  # as in the workers: small ops, threads only add latency
                for t in tasks:
                    yield fn(*args, t)
        else:
            futures = [executor.submit(fn, *args, t) for t in tasks]
            for f in cf.as_completed(futures):
                yield f.result()
        finished = True
    finally:
        for f in futures:  # no-op for finished ones; frees a user's executor of our queued work
            f.cancel()
        if isinstance(own_executor, cf.ProcessPoolExecutor):
            own_executor.shutdown(wait=True, cancel_futures=True)
        elif own_executor is not None:  # Dask's: wait=False cancels what is still queued or running
            own_executor.shutdown(wait=finished)
        if own_client is not None:
            own_client.close()


class NoBar:
    """Stands in for a progress bar when there is none."""

    def update(self, n=1):
        pass

    def close(self):
        pass


def progress_bar(total: int, enabled: bool, desc: str, unit: str, initial: int = 0):
    """A tqdm bar when ``enabled`` and :mod:`cdam._progress` would show one, else a :class:`NoBar`.

    Kept for :func:`cdam.sweep` until it takes :func:`cdam._progress.progress_reporter`.
    """
    bar = _tqdm_bar(total, desc, unit, initial) if enabled else None
    return NoBar() if bar is None else bar
