"""Overlaps, attractor correlations and graph-distance profiles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph
import torch

from . import _validation as check
from .errors import MemoryBudgetError, StateError

if TYPE_CHECKING:  # annotations only: dynamics imports this module
    from .dynamics import Trajectory

__all__ = [
    "OVERLAP_KINDS",
    "DistanceProfile",
    "OverlapOperator",
    "adjusted_rand_index",
    "attractor_correlation",
    "distance_profile",
    "normalized_mutual_info",
    "overlaps",
    "partition_labels",
    "pearson_matrix",
]

OVERLAP_KINDS = ("pearson", "cosine", "dot")
FUSED_OVERLAP_MAX_ERROR = 1e-5  # largest rounding error accepted for overlaps read off the logits


def _normalise_rows(x: torch.Tensor, center: bool) -> torch.Tensor:
    # A zero-variance (or zero) vector has no defined correlation; it gets overlap 0.
    if center:
        # test constancy exactly: centring a constant row can leave a rounding residue
        # (mean(0.1, ..., 0.1) != 0.1) that would otherwise be scaled up to unit norm
        constant = x.amax(dim=-1, keepdim=True) == x.amin(dim=-1, keepdim=True)
        x = torch.where(constant, torch.zeros_like(x), x - x.mean(dim=-1, keepdim=True))
    norm = torch.linalg.vector_norm(x, dim=-1, keepdim=True)
    return torch.where(norm > 0, x / torch.where(norm > 0, norm, torch.ones_like(norm)), torch.zeros_like(x))


_COLUMNS_PER_CHUNK = 8192  # bounds the temporaries of _column_norms to 8192 n entries


def _column_norms(Xi: torch.Tensor, mean: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Norms of the columns of ``Xi`` (n, p), centred by ``mean`` (p,) when given (0 for a
    constant column), and uncentred; in column chunks, so no (n, p) temporary is made."""
    norms, fulls = [], []
    for start in range(0, Xi.shape[1], _COLUMNS_PER_CHUNK):
        block = Xi[:, start : start + _COLUMNS_PER_CHUNK]
        fulls.append(torch.linalg.vector_norm(block, dim=0))
        if mean is None:
            norms.append(fulls[-1])
            continue
        constant = block.amax(dim=0) == block.amin(dim=0)
        centred = torch.linalg.vector_norm(block - mean[start : start + _COLUMNS_PER_CHUNK], dim=0)
        norms.append(torch.where(constant, torch.zeros_like(centred), centred))
    if not norms:
        empty = Xi.new_zeros(0)
        return empty, empty
    return torch.cat(norms), torch.cat(fulls)


class OverlapOperator:
    r"""Overlaps of states with fixed patterns, one matrix product per call.

    For ``kind="pearson"`` the patterns are centred and scaled once; each call centres and
    scales the states (B, n) and multiplies:

    .. math::

        m_{b\mu} = \frac{(\sigma_b - \bar\sigma_b)\cdot(\xi_\mu - \bar\xi_\mu)}
                        {\lVert\sigma_b - \bar\sigma_b\rVert\,\lVert\xi_\mu - \bar\xi_\mu\rVert}.

    ``"cosine"`` skips the centring; ``"dot"`` is the raw product :math:`\sigma\cdot\xi`.
    A constant state or pattern has no defined correlation and gets overlap 0.

    :meth:`from_scores` gives the same overlaps from raw scores :math:`\sigma\cdot\xi_\mu`
    that were computed anyway (the dynamics' attention logits), with no product at all,
    using :math:`(\sigma - \bar\sigma)\cdot(\xi_\mu - \bar\xi_\mu) = \sigma\cdot\xi_\mu -
    n\,\bar\sigma\,\bar\xi_\mu`. That difference loses digits when a mean dwarfs the
    spread around it: its error is about :math:`\epsilon\,\kappa` with
    :math:`\kappa \le 2\max_b \frac{\lVert\sigma_b\rVert}{\lVert\sigma_b-\bar\sigma_b\rVert}
    \max_\mu \frac{\lVert\xi_\mu\rVert}{\lVert\xi_\mu-\bar\xi_\mu\rVert}` and
    :math:`\epsilon` the dtype's machine epsilon, so where :math:`\epsilon\kappa` exceeds
    :data:`FUSED_OVERLAP_MAX_ERROR` the overlaps are computed directly instead (random
    patterns in [0, 1] have :math:`\kappa \approx 4`).

    Parameters
    ----------
    Xi : torch.Tensor (n, p)
    kind : {"pearson", "cosine", "dot"}

    Examples
    --------
    >>> import torch
    >>> Xi = torch.tensor([[1., 0.], [0., 1.], [1., 1.]], dtype=torch.float64)
    >>> op = OverlapOperator(Xi)
    >>> x = torch.tensor([[2., 0., 1.]], dtype=torch.float64)
    >>> op(x)
    tensor([[ 0.8660, -0.8660]], dtype=torch.float64)
    >>> torch.allclose(op.from_scores(x @ Xi, x), op(x))
    True
    """

    def __init__(self, Xi: torch.Tensor, kind: str = "pearson"):
        self.kind = check.choice("overlap kind", kind, OVERLAP_KINDS)
        self.Xi = Xi
        self._basis: torch.Tensor | None = None
        self._mean: torch.Tensor | None = None
        if kind != "dot":
            # per-pattern statistics for from_scores: O(p) memory, not another copy of Xi
            center = kind == "pearson"
            self._mean = Xi.mean(dim=0) if center else None
            norm, full = _column_norms(Xi, self._mean)
            if center:
                ratio = torch.where(norm > 0, full / torch.where(norm > 0, norm, torch.ones_like(norm)), 0.0)
                self._pattern_ratio = float(ratio.max()) if ratio.numel() else 0.0
            self._norm = norm

    @property
    def basis(self) -> torch.Tensor:
        """The scaled (and centred) patterns (n, p), built on first use."""
        if self._basis is None:
            if self.kind == "dot":
                self._basis = self.Xi
            else:
                self._basis = _normalise_rows(self.Xi.T, center=self.kind == "pearson").T.contiguous()
        return self._basis

    def __call__(self, states: torch.Tensor) -> torch.Tensor:
        if self.kind != "dot":
            states = _normalise_rows(states, center=self.kind == "pearson")
        out = states @ self.basis
        return out.clamp_(-1.0, 1.0) if self.kind != "dot" else out

    def from_scores(self, scores: torch.Tensor, states: torch.Tensor) -> torch.Tensor:
        """Overlaps (B, p) of ``states`` (B, n) given their raw scores ``states @ Xi`` (B, p)."""
        if self.kind == "dot":
            return scores.clone()
        if self.kind == "pearson":
            constant = states.amax(dim=1) == states.amin(dim=1)
            mean = states.mean(dim=1, keepdim=True)
            snorm = torch.linalg.vector_norm(states - mean, dim=1)
            snorm = torch.where(constant, torch.zeros_like(snorm), snorm)
            ratio = torch.linalg.vector_norm(states, dim=1) / torch.where(snorm > 0, snorm, torch.ones_like(snorm))
            kappa = 2.0 * float(ratio.max()) * self._pattern_ratio
            if kappa * torch.finfo(states.dtype).eps > FUSED_OVERLAP_MAX_ERROR:
                return self(states)
            assert self._mean is not None  # set for pearson in __init__
            num = scores - (mean * states.shape[1]) * self._mean
        else:
            snorm = torch.linalg.vector_norm(states, dim=1)
            num = scores.clone()
        den = snorm[:, None] * self._norm
        out = num.div_(torch.where(den > 0, den, torch.ones_like(den)))
        return out.masked_fill_(den == 0, 0.0).clamp_(-1.0, 1.0)


def overlaps(states, patterns, kind: str = "pearson") -> np.ndarray:
    """Overlaps (B, p) of states (B, n) with the columns of ``patterns`` (n, p).

    Examples
    --------
    >>> import numpy as np
    >>> Xi = np.array([[0., 1.], [1., 0.], [2., 2.]])
    >>> overlaps(Xi.T, Xi).round(3)
    array([[1. , 0.5],
           [0.5, 1. ]])
    """
    X = torch.as_tensor(np.asarray(patterns, dtype=np.float64))
    S = torch.as_tensor(np.atleast_2d(np.asarray(states, dtype=np.float64)))
    if X.ndim != 2 or S.shape[-1] != X.shape[0]:
        raise StateError(f"states of width {S.shape[-1]} do not match patterns of shape {tuple(X.shape)} (n, p)")
    return OverlapOperator(X, kind)(S).numpy()


def pearson_matrix(X, memory_limit: int | None = None) -> np.ndarray:
    """Pearson correlation between the rows of ``X`` (B, n), as a (B, B) float64 array.

    Rows with zero variance correlate 0 with everything (1 with themselves).

    Raises
    ------
    MemoryBudgetError
        Before allocating, when the (B, B) result and the normalised rows would not fit
        ``memory_limit`` bytes (default: :func:`cdam._engine.default_memory_limit`). At
        B = 1e5 the matrix alone is 80 GB: use fewer runs, or a sparse readout such as
        the nearest neighbours of each run.
    """
    B, n = np.shape(X)[0], (np.shape(X)[1] if np.ndim(X) == 2 else 0)
    need = 8 * (2 * B * B + 2 * B * n)  # the product, its numpy view's copy, X and its normalised rows
    budget = memory_limit if memory_limit is not None else _default_budget()
    if need > budget:
        raise MemoryBudgetError(
            f"a ({B}, {B}) correlation matrix needs about {need / 1e9:.3g} GB but the memory budget is "
            f"{budget / 1e9:.3g} GB; correlate fewer runs at once (a subset of starts), pass a larger "
            "memory_limit, or read structure sparsely (each run's nearest neighbours)"
        )
    X = torch.as_tensor(np.asarray(X, dtype=np.float64))
    Z = _normalise_rows(X, center=True)
    C = (Z @ Z.T).clamp_(-1.0, 1.0).numpy()
    np.fill_diagonal(C, 1.0)
    return C


def attractor_correlation(
    trajectory: Trajectory | np.ndarray | torch.Tensor, memory_limit: int | None = None
) -> np.ndarray:
    """Pearson correlation (B, B) between the final states of a batch of runs.

    With :meth:`cdam.CDAM.all_starts`, row ``mu`` is the run cued with memory ``mu``.
    Work that would not fit ``memory_limit`` bytes raises :class:`~cdam.errors.MemoryBudgetError`
    before allocating (see :func:`pearson_matrix`).

    Parameters
    ----------
    trajectory : Trajectory or array (B, n)
    memory_limit : int, optional
        Bytes the computation may use (default: half the available memory).

    Examples
    --------
    >>> import numpy as np
    >>> attractor_correlation(np.array([[0., 1., 2.], [0., 2., 4.], [2., 1., 0.]]))
    array([[ 1.,  1., -1.],
           [ 1.,  1., -1.],
           [-1., -1.,  1.]])
    """
    final = getattr(trajectory, "final", trajectory)
    final = final.detach().cpu().numpy() if isinstance(final, torch.Tensor) else np.asarray(final)
    if final.ndim != 2:
        raise StateError(f"need final states of shape (B, n), got {final.shape}")
    return pearson_matrix(final, memory_limit)


def _default_budget() -> int:
    from ._engine import default_memory_limit

    return default_memory_limit()


@dataclass(frozen=True)
class DistanceProfile:
    """Mean, standard deviation and count of correlations by graph distance.

    ``distance[i]`` is a shortest-path length; ``mean[i]`` the mean over ordered pairs
    (mu != nu) at that distance. Unreachable pairs are collected under ``inf``.
    """

    distance: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    count: np.ndarray

    def as_dict(self) -> dict[float, float]:
        return {float(d): float(m) for d, m in zip(self.distance, self.mean)}

    def at(self, d) -> float:
        hit = np.flatnonzero(self.distance == d)
        if hit.size == 0:
            raise KeyError(f"no pair at distance {d}; distances present: {self.distance.tolist()}")
        return float(self.mean[hit[0]])


def shortest_path_lengths(graph, directed: bool | None = None) -> np.ndarray:
    """Hop distances (p, p) between memories, ``inf`` where unreachable.

    Edges of any non-zero weight count as one hop. ``directed`` defaults to whether the
    graph holds transitions.
    """
    A = graph.adjacency()
    A.eliminate_zeros()  # before binarising: a zero-weight (or cancelled) edge is no hop
    A = sp.csr_matrix((np.ones_like(A.data), A.indices, A.indptr), shape=A.shape)
    directed = graph.is_directed if directed is None else directed
    return csgraph.shortest_path(A, directed=directed, unweighted=True)


def distance_profile(correlation, graph, *, directed: bool | None = None) -> DistanceProfile:
    """Mean correlation between memories as a function of their shortest-path distance.

    Parameters
    ----------
    correlation : array (p, p) or Trajectory
        E.g. :func:`attractor_correlation` of an all-starts run (row mu = run cued by mu).
    graph : MemoryGraph
        Its node order must match the rows of ``correlation``.

    Examples
    --------
    >>> import numpy as np, networkx as nx, cdam
    >>> g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(6), np.eye(6))
    >>> C = np.eye(6)
    >>> distance_profile(C, g).as_dict()
    {1.0: 0.0, 2.0: 0.0, 3.0: 0.0}
    """
    # only a Trajectory is reduced to its attractor correlation; a (p, p) list or tensor is
    # the correlation itself (it used to be correlated a second time, silently)
    C = attractor_correlation(correlation) if hasattr(correlation, "final") else correlation
    if isinstance(C, torch.Tensor):
        C = C.detach().cpu().numpy()
    C = np.asarray(C, dtype=np.float64)
    p = len(graph)
    if C.shape != (p, p):
        raise StateError(f"correlation has shape {C.shape} but the graph has {p} memories; need ({p}, {p})")
    D = shortest_path_lengths(graph, directed)
    off = ~np.eye(p, dtype=bool)
    d, c = D[off], C[off]
    keys, inverse, counts = np.unique(d, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=c, minlength=keys.size)
    mean = sums / counts
    # two-pass variance: E[c^2] - E[c]^2 cancels catastrophically (equal values gave std ~4e-9)
    sq = np.bincount(inverse, weights=(c - mean[inverse]) ** 2, minlength=keys.size)
    std = np.sqrt(sq / counts)
    return DistanceProfile(keys, mean, std, counts)


# ---------------------------------------------------------------------- partition agreement
def partition_labels(partition, nodes=None) -> np.ndarray:
    """Integer labels (one per node) from a partition given as labels or as a list of sets.

    With a list of sets, ``nodes`` fixes the order (default: sorted union of the sets).
    """
    if isinstance(partition, (list, tuple)) and partition and isinstance(partition[0], (set, frozenset)):
        where = {u: k for k, block in enumerate(partition) for u in block}
        nodes = sorted(where) if nodes is None else list(nodes)
        missing = [u for u in nodes if u not in where]
        if missing:
            raise StateError(f"node {missing[0]!r} is in no block of the partition")
        return np.array([where[u] for u in nodes])
    labels = np.asarray(partition)
    if labels.ndim != 1:
        raise StateError(f"labels must be 1-D, got shape {labels.shape}")
    return np.unique(labels, return_inverse=True)[1]


def _contingency(a, b, nodes=None) -> np.ndarray:
    la, lb = partition_labels(a, nodes), partition_labels(b, nodes)
    if la.size != lb.size:
        raise StateError(f"the partitions label {la.size} and {lb.size} nodes; they must cover the same nodes")
    if la.size == 0:
        raise StateError("the partitions are empty")
    table = np.zeros((la.max() + 1, lb.max() + 1))
    np.add.at(table, (la, lb), 1.0)
    return table


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def normalized_mutual_info(a, b, nodes=None) -> float:
    r"""Normalised mutual information of two partitions, :math:`I(A;B) / \tfrac12 (H(A) + H(B))`.

    The arithmetic-mean normalisation (scikit-learn's default). Two trivial partitions
    (one block each) score 1. Partitions are label arrays or lists of sets of nodes.

    Examples
    --------
    >>> normalized_mutual_info([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    >>> round(normalized_mutual_info([0, 0, 1, 1], [0, 1, 0, 1]), 6)
    0.0
    """
    t = _contingency(a, b, nodes)
    ha, hb = _entropy(t.sum(axis=1)), _entropy(t.sum(axis=0))
    if ha == 0.0 and hb == 0.0:
        return 1.0
    pij = t / t.sum()
    pi, pj = pij.sum(axis=1, keepdims=True), pij.sum(axis=0, keepdims=True)
    nz = pij > 0
    mi = float((pij[nz] * np.log(pij[nz] / (pi @ pj)[nz])).sum())
    return max(0.0, min(1.0, mi / (0.5 * (ha + hb))))


def adjusted_rand_index(a, b, nodes=None) -> float:
    """Adjusted Rand index of two partitions (Hubert and Arabie 1985); 1 for identical ones.

    Examples
    --------
    >>> adjusted_rand_index([0, 0, 1, 1], [5, 5, 7, 7])
    1.0
    """
    t = _contingency(a, b, nodes)

    def pairs(x):
        return float((x * (x - 1) / 2).sum())

    n = t.sum()
    index, ra, rb = pairs(t), pairs(t.sum(axis=1)), pairs(t.sum(axis=0))
    expected = ra * rb / (n * (n - 1) / 2) if n > 1 else 0.0
    top = 0.5 * (ra + rb)
    if top == expected:
        return 1.0
    return float((index - expected) / (top - expected))
