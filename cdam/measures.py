"""Overlaps, attractor correlations and graph-distance profiles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph
import torch

from .errors import MemoryBudgetError, StateError
from .overlap import OVERLAP_KINDS, OverlapOperator, _normalise_rows  # the first two re-exported (users import them)

if TYPE_CHECKING:  # annotations only: the measures read runs, they do not start them
    from .dynamics import Trajectory

__all__ = [
    "OVERLAP_KINDS",
    "DistanceProfile",
    "OverlapOperator",
    "attractor_correlation",
    "distance_profile",
    "overlaps",
    "pearson_matrix",
]

# Partition agreement moved to cdam.partitions; the old names stay importable from here.
_PARTITIONS = ("adjusted_rand_index", "normalized_mutual_info", "partition_labels")


def __getattr__(name):
    if name in _PARTITIONS:
        from . import partitions

        return getattr(partitions, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
