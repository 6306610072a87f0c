r"""Image retrieval: column-wise and row-wise retrieval scores, and the digits run.

The image-retrieval experiment of Burns 2024, arXiv 2404.07123. Every memory ``mu`` is cued
once with its pattern plus noise (an all-starts run on a graph with no edges, so ``h`` has no
effect). Let :math:`C_{\nu\mu}` be the Pearson correlation between the final state of the run
started from memory :math:`\nu` and pattern :math:`\xi_\mu`. Two scores read this matrix:

- **column score** (the paper's Fashion-MNIST table): memory :math:`\mu` counts as retrieved
  when its own run ends more correlated with :math:`\xi_\mu` than every other run does,
  :math:`C_{\mu\mu} > \max_{\nu\ne\mu} C_{\nu\mu}`;
- **row score** (the usual one): run :math:`\nu`'s best-correlated memory is its own,
  :math:`C_{\nu\nu} > \max_{\mu\ne\nu} C_{\nu\mu}`.

The column score can be high when retrieval fails: if every run ends in one common state
plus a small trace of its start, each run stays the most correlated with its own pattern
and every column is "retrieved" while every row picks the same memory (row score 1/p).
The paper's a = 0.1 column of 1.00 comes from this score together with the notebooks'
legacy softmax. On the 8x8 digits the runs at a = 0.1 end in one common state with either
softmax (row score exactly 1/p, column score 0.70-0.81).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import _validation as check
from ..dynamics import CDAM
from ..errors import ParameterError, StateError
from ..graph import MemoryGraph
from ..measures import overlaps

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

#: The image-retrieval experiment (Burns 2024): the column-wise score on Fashion-MNIST, ``{P: {a: score}}``.
FASHION_MNIST_COLUMN_SCORE = {
    10: {1.0: 0.80, 0.9: 0.90, 0.5: 0.50, 0.1: 1.00},
    20: {1.0: 0.80, 0.9: 0.75, 0.5: 0.15, 0.1: 1.00},
    30: {1.0: 0.667, 0.9: 0.767, 0.5: 0.10, 0.1: 1.00},
}
DIGITS_P = (10, 20, 30)
DIGITS_A = (1.0, 0.9, 0.5, 0.1)
#: Below this logit every legacy-softmax weight is ~1: :math:`\log\epsilon` for float64 eps.
LEGACY_FLOOR = float(np.log(np.finfo(np.float64).eps))


def _strict_diagonal_max(C: np.ndarray, axis: int) -> np.ndarray:
    """Whether each diagonal entry beats every other entry of its column (axis 0) or row (1)."""
    C = np.asarray(C, dtype=np.float64)
    if C.ndim != 2 or C.shape[0] != C.shape[1] or C.shape[0] < 2:
        raise StateError(f"need a square (p, p) matrix with p >= 2 (run nu, memory mu), got shape {C.shape}")
    off = np.where(np.eye(C.shape[0], dtype=bool), -np.inf, C)
    return np.diagonal(C) > off.max(axis=axis)


def column_score(C) -> float:
    r"""Fraction of memories :math:`\mu` with :math:`C_{\mu\mu} > \max_{\nu\ne\mu} C_{\nu\mu}`.

    ``C[nu, mu]`` is the correlation of run ``nu``'s final state with pattern ``mu``
    (:func:`retrieval_matrix`). Ties count as failures.

    Examples
    --------
    >>> import numpy as np
    >>> C = np.array([[0.9, 0.8, 0.7], [0.5, 0.6, 0.4], [0.95, 0.9, 0.3]])
    >>> column_score(C), row_score(C)
    (0.0, 0.6666666666666666)
    >>> column_score(np.eye(3) * 0.1)  # all runs alike: columns "retrieved", rows also here
    1.0
    """
    return float(_strict_diagonal_max(C, axis=0).mean())


def row_score(C) -> float:
    r"""Fraction of runs :math:`\nu` with :math:`C_{\nu\nu} > \max_{\mu\ne\nu} C_{\nu\mu}`.

    Examples
    --------
    >>> import numpy as np
    >>> row_score(np.array([[1.0, 0.2], [0.9, 0.3]]))
    0.5
    """
    return float(_strict_diagonal_max(C, axis=1).mean())


def retrieval_matrix(final, patterns) -> np.ndarray:
    """Pearson correlation ``C[nu, mu]`` (B, p) of final states (B, n) with patterns (n, p).

    ``final`` may be a :class:`cdam.Trajectory` (its ``final``) or an array.
    """
    final = getattr(final, "final", final)
    if isinstance(final, torch.Tensor):
        final = final.detach().cpu().numpy()
    return overlaps(final, patterns, "pearson")


@dataclass(frozen=True)
class RetrievalScores:
    """Scores of one retrieval experiment, averaged over seeds.

    Attributes
    ----------
    p, a : int, float
        Number of stored images and auto-association strength.
    softmax : str
    column, row : float
        Mean column and row scores over seeds.
    column_sd, row_sd : float
        Their standard deviations over seeds.
    legacy_floor : float
        Fraction of runs whose final logits all lie below :data:`LEGACY_FLOOR`, where the
        legacy softmax gives every memory weight ~1 (the regime behind the paper's a = 0.1 column).
    """

    p: int
    a: float
    softmax: str
    column: float
    row: float
    column_sd: float
    row_sd: float
    legacy_floor: float


def image_retrieval(
    patterns,
    a: float = 1.0,
    *,
    softmax: str = "stable",
    beta: float = 1.0,
    eta: float = 0.1,
    noise: float = 1.0,
    steps: int = 100,
    mean_coef: float = 1.0,
    seeds=(0,),
    dtype: torch.dtype = torch.float64,
) -> RetrievalScores:
    r"""Column and row retrieval scores of images stored with no graph (Burns 2024).

    Each seed runs all-starts from :math:`\xi_\mu + \text{noise}\,(U[0,1)^n - 1/2)` for
    ``steps`` updates (``h = 0``: the graph has no edges) and scores
    :func:`retrieval_matrix`. Defaults are the paper's: beta 1, eta 0.1, noise 1, T 100,
    c 1. Runs are in float64 like the authors' numpy notebooks: the legacy softmax
    overflows float32 above a logit of 88.

    Parameters
    ----------
    patterns : array (n, p)
        Images as columns, scaled into [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).random((200, 10))
    >>> s = image_retrieval(X, a=1.0)
    >>> s.column, s.row
    (1.0, 1.0)
    """
    X = np.asarray(patterns, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] < 2:
        raise ParameterError(f"patterns must be an (n, p) array with p >= 2 images as columns, got shape {X.shape}")
    seeds = check.seed_list(seeds)
    model = CDAM(
        MemoryGraph.from_patterns(X), a=a, h=0.0, beta=beta, eta=eta, mean_coef=mean_coef, softmax=softmax, dtype=dtype
    )
    cols, rows, floor = [], [], []
    for seed in seeds:  # one independent draw of start noise per seed
        traj = model.all_starts(steps, noise, seed=seed)
        C = retrieval_matrix(traj, X)
        cols.append(column_score(C))
        rows.append(row_score(C))
        logits = model.beta * (traj.final.to(torch.float64) @ torch.as_tensor(X))
        floor.append(float((logits.amax(dim=1) < LEGACY_FLOOR).double().mean()))
    return RetrievalScores(
        p=X.shape[1],
        a=float(a),
        softmax=softmax,
        column=float(np.mean(cols)),
        row=float(np.mean(rows)),
        column_sd=float(np.std(cols)),
        row_sd=float(np.std(rows)),
        legacy_floor=float(np.mean(floor)),
    )


def digits_retrieval(
    p_values=DIGITS_P, a_values=DIGITS_A, *, softmax: str = "stable", seeds=(0,), start: int = 0, **kwargs
) -> dict[tuple[int, float], RetrievalScores]:
    """The image-retrieval table of Burns 2024 on scikit-learn's 8x8 digits: scores for each (P, a).

    The first ``P`` images from ``start`` (:func:`cdam.datasets.load_digits_patterns`, 64
    pixels scaled into [0, 1]) are stored; other keyword arguments go to
    :func:`image_retrieval`.

    Examples
    --------
    >>> t = digits_retrieval([10], [1.0])
    >>> round(t[(10, 1.0)].row, 1), round(t[(10, 1.0)].column, 1)
    (0.6, 0.7)
    """
    from ..datasets import load_digits_patterns

    check.choice("softmax", softmax, ("stable", "legacy"))
    out = {}
    for p in p_values:
        X = load_digits_patterns(check.positive_int("P", p, minimum=2), start=start)
        for a in a_values:
            out[(int(p), float(a))] = image_retrieval(X, a, softmax=softmax, seeds=seeds, **kwargs)
    return out
