"""The paper's cycle experiments (SPEC 1.3 and 1.4) as functions, with the published numbers.

The code lives in :mod:`cdam.experiments.paper` now; this module keeps the old import path
working.

Examples
--------
>>> from cdam.paper import RANGE_DISTANCES
>>> RANGE_DISTANCES[0]
1
"""

from .experiments.paper import *  # noqa: F403
from .experiments.paper import (  # noqa: F401
    KARATE_TABLE,
    MODE_TABLE,
    RANGE_DISTANCES,
    RANGE_OF_RECALL,
    KarateRow,
    ModeRow,
    faction_agreement,
    karate_table,
    mode_table,
    range_of_recall,
)

__all__ = [
    "KARATE_TABLE",
    "KarateRow",
    "faction_agreement",
    "karate_table",
    "MODE_TABLE",
    "RANGE_OF_RECALL",
    "RANGE_DISTANCES",
    "ModeRow",
    "mode_table",
    "range_of_recall",
]
