"""Image retrieval (SPEC 1.7): column-wise and row-wise retrieval scores, and the digits run.

The code lives in :mod:`cdam.experiments.retrieval` now; this module keeps the old import path
working.

Examples
--------
>>> from cdam.retrieval import DIGITS_P
>>> DIGITS_P
(10, 20, 30)
"""

from .experiments.retrieval import *  # noqa: F403
from .experiments.retrieval import (  # noqa: F401
    DIGITS_A,
    DIGITS_P,
    FASHION_MNIST_COLUMN_SCORE,
    LEGACY_FLOOR,
    RetrievalScores,
    column_score,
    digits_retrieval,
    image_retrieval,
    retrieval_matrix,
    row_score,
)

__all__ = [
    "DIGITS_A",
    "DIGITS_P",
    "FASHION_MNIST_COLUMN_SCORE",
    "LEGACY_FLOOR",
    "RetrievalScores",
    "column_score",
    "digits_retrieval",
    "image_retrieval",
    "retrieval_matrix",
    "row_score",
]
