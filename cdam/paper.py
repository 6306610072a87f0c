"""The cycle experiments of Burns 2024 as functions, with the published numbers.

Burns 2024, arXiv 2404.07123: the four dynamical modes and the range of recall on a 30-memory
cycle, and the karate-club multi-scale communities.

The code lives in :mod:`cdam.experiments.paper` now; this module keeps the old import path
working.

Examples
--------
>>> from cdam.paper import RANGE_DISTANCES
>>> RANGE_DISTANCES[0]
1
"""

from .experiments import paper as _source
from .experiments.paper import *  # noqa: F403

__all__ = list(_source.__all__)  # one list, the source's: a copy here would drift
