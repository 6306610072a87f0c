"""The paper's cycle experiments (SPEC 1.3 and 1.4) as functions, with the published numbers.

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
