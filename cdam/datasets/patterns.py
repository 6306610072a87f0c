"""Random memory patterns: one column per memory."""

from __future__ import annotations

import numpy as np

from .. import _validation as check
from .._random import as_rng

__all__ = ["random_patterns"]


def random_patterns(n: int, p: int, seed: int | None = 0, distribution: str = "uniform") -> np.ndarray:
    """Random patterns (n, p): i.i.d. ``U[0, 1)`` (the paper's), ``binary`` {0, 1} or ``normal``.

    Examples
    --------
    >>> random_patterns(4, 2, seed=0).shape
    (4, 2)
    """
    n = check.positive_int("n", n)
    p = check.positive_int("p", p)
    check.choice("distribution", distribution, ("uniform", "binary", "normal"))
    rng = as_rng(seed)
    if distribution == "uniform":
        return rng.random((n, p))
    if distribution == "binary":
        return (rng.random((n, p)) < 0.5).astype(np.float64)
    return rng.standard_normal((n, p))
