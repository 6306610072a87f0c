"""Images as memory patterns: scikit-learn's bundled handwritten digits (the ``digits`` extra)."""

from __future__ import annotations

import numpy as np

from .. import _validation as check
from .._optional import require
from ..errors import ParameterError

__all__ = ["load_digits_patterns"]


def load_digits_patterns(p: int | None = None, *, start: int = 0, digits=None, return_labels: bool = False):
    """Scikit-learn's bundled 8x8 handwritten digits as patterns (64, p) scaled into [0, 1].

    The images (1797 of them, pixel values 0-16) ship inside scikit-learn, so nothing is
    downloaded. Pixel values are divided by 16, the largest value the data set can hold,
    so every pattern lies in [0, 1] as the image-retrieval experiment (Burns 2024) asks.

    Parameters
    ----------
    p : int, optional
        How many images to take, in data-set order from ``start``; None takes all that remain.
    start : int
        Index of the first image.
    digits : iterable of int, optional
        Keep only images of these digit classes (0-9) before taking ``p``.
    return_labels : bool
        Also return the digit label of each pattern.

    Returns
    -------
    patterns : numpy.ndarray (64, p), float64
    labels : numpy.ndarray (p,), int, when ``return_labels``

    Raises
    ------
    MissingDependencyError
        If scikit-learn is not installed (``pip install 'cdam[digits]'``).
    ParameterError
        If ``p``, ``start`` or ``digits`` ask for images that do not exist.

    Examples
    --------
    >>> X, y = load_digits_patterns(10, return_labels=True)
    >>> X.shape, float(X.min()), float(X.max()) <= 1.0, y.tolist()
    ((64, 10), 0.0, True, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    load_digits = require("sklearn.datasets", extra="digits", feature="the digits data set").load_digits
    data = load_digits()
    images, labels = data.data.astype(np.float64) / 16.0, data.target.astype(np.int64)
    if digits is not None:
        wanted = np.asarray(list(digits))
        if wanted.size == 0 or not np.isin(wanted, np.arange(10)).all():
            raise ParameterError(f"digits must name classes among 0-9, got {wanted.tolist()}")
        keep = np.isin(labels, wanted)
        images, labels = images[keep], labels[keep]
    start = check.positive_int("start", start, minimum=0)
    total = images.shape[0]
    p = total - start if p is None else check.positive_int("p", p)
    if start + p > total:
        raise ParameterError(
            f"asked for images {start}..{start + p - 1} but only {total} are available; lower p or start"
        )
    X = images[start : start + p].T.copy()
    return (X, labels[start : start + p].copy()) if return_labels else X
