"""Agreement between partitions: consensus co-assignment (NVI is cdam.partitions')."""

from __future__ import annotations

import numpy as np

from ..partitions import normalized_variation_of_information

__all__ = ["co_assignment", "normalized_variation_of_information"]


def co_assignment(labels: list[np.ndarray], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Fraction of the partitions (label arrays) that put ``rows[e]`` and ``cols[e]`` together."""
    return np.mean([lab[rows] == lab[cols] for lab in labels], axis=0)
