"""Continual learning with K-winner and 1-winner modern Hopfield networks (SPEC 2).

The code lives in :mod:`cdam.experiments.continual` now; this module keeps the old import path
working.

Examples
--------
>>> from cdam.continual import KWINNER
>>> KWINNER.k
50
"""

from .experiments.continual import *  # noqa: F403
from .experiments.continual import (  # noqa: F401
    KWINNER,
    ONE_WINNER,
    AgeComparison,
    ContinualResult,
    MissingDependencyError,
    ModelConfig,
    SparsePatterns,
    TreePatterns,
    compare_by_age,
    continual_experiment,
    dprime,
    make_cues,
    one_winner_difference,
    one_winner_pseudo_accuracy,
    plot_continual,
    recall_accuracy,
    run_protocol,
    sparse_patterns,
)

__all__ = [
    "KWINNER",
    "ONE_WINNER",
    "AgeComparison",
    "ContinualResult",
    "MissingDependencyError",
    "ModelConfig",
    "SparsePatterns",
    "TreePatterns",
    "compare_by_age",
    "continual_experiment",
    "dprime",
    "make_cues",
    "one_winner_difference",
    "one_winner_pseudo_accuracy",
    "plot_continual",
    "recall_accuracy",
    "run_protocol",
    "sparse_patterns",
]
