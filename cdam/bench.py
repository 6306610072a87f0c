"""Benchmarks behind ``cdam bench``: every claim is a ratio measured side by side in one run.

The code lives in :mod:`cdam.experiments.bench` now; this module keeps the old import path
working.

Examples
--------
>>> from cdam.bench import best_of
>>> best_of(lambda: None, 1) >= 0.0
True
"""

from .experiments import bench as _source
from .experiments.bench import *  # noqa: F403
from .experiments.bench import _first_starts  # noqa: F401

__all__ = list(_source.__all__)  # one list, the source's: a copy here would drift
