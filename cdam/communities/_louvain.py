"""Louvain partitions of a weighted sparse graph, and the consensus of many of them.

Both readouts that optimise modularity (``_markov.py`` on the graph itself, ``_consensus.py``
on CDAM similarity graphs) partition with igraph's Louvain and combine the partitions by the
Lancichinetti-Fortunato consensus here.
"""

from __future__ import annotations

import random

import numpy as np
import scipy.sparse as sp

from ..errors import MissingDependencyError

__all__ = ["co_assignment", "consensus_labels", "edge_graph", "label_blocks", "louvain_labels", "modularity",
           "optimised_labels", "same_partition"]


def _igraph():
    try:
        import igraph
    except ImportError as exc:  # a core dependency: only a broken install gets here
        raise MissingDependencyError(
            "community extraction runs igraph's Louvain; python-igraph is a dependency of cdam: "
            "pip install 'python-igraph>=0.11'"
        ) from exc
    return igraph


def edge_graph(rows: np.ndarray, cols: np.ndarray, p: int):
    """igraph's graph on nodes 0..p-1 with the edges ``(rows[e], cols[e])``, in that order.

    Built once, it serves every optimisation on those edges: the weights are passed per run,
    so the tries, the scales and the consensus rounds (whose co-assignment weights live on the
    same edges) share it."""
    igraph = _igraph()
    # pairs as tuples: igraph converts them 8x faster than numpy rows or lists (28 -> 3.7 ms at 14k edges)
    return igraph.Graph(n=p, edges=list(zip(rows.tolist(), cols.tolist())))


def optimised_labels(g, weights, seeds, resolution: float = 1.0, algorithm: str = "louvain",
                     iterations: int = 2) -> list[np.ndarray]:
    r"""Optimisations of :math:`Q_\gamma` on igraph graph ``g``, one per seed, as labels.

    ``weights``: a list (one per edge) or the name of an edge attribute of ``g`` (converted
    once, not per run). ``algorithm`` "louvain" is igraph's multilevel, "leiden" its Leiden
    (modularity objective, ``iterations`` passes), both in C."""
    igraph = _igraph()
    out = []
    for seed in seeds:
        # igraph draws from Python's random module unless told otherwise: a seeded generator
        # of its own keeps the result reproducible, and the module default is restored after
        igraph.set_random_number_generator(random.Random(seed))
        try:
            if algorithm == "leiden":
                found = g.community_leiden(objective_function="modularity", weights=weights, resolution=resolution,
                                           n_iterations=iterations)
            else:
                found = g.community_multilevel(weights=weights, resolution=resolution)
            out.append(np.asarray(found.membership, dtype=np.int64))
        finally:
            igraph.set_random_number_generator(random)
    return out


def louvain_labels(W: sp.csr_array, seeds, resolution: float = 1.0) -> list[np.ndarray]:
    r"""Louvain on a weighted sparse graph, one run per seed, as labels in node order.

    Each run maximises the modularity at ``resolution`` :math:`\gamma`,
    :math:`Q_\gamma = \sum_c L_c/m - \gamma (d_c/2m)^2`.

    igraph's (C) multilevel: the same method as networkx's, 50-100x faster, which is what
    keeps the readout's many optimisations near one Louvain run of the raw graph. It is a
    dependency, not an option: two Louvain implementations give different partitions for
    one seed, and a partition must not depend on what else is installed. The graph is
    built once for all seeds."""
    U = sp.triu(W, k=1).tocoo()
    return optimised_labels(edge_graph(U.row, U.col, W.shape[0]), U.data.tolist(), seeds, resolution)


def co_assignment(labels: list[np.ndarray], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Fraction of the partitions (label arrays) that put ``rows[e]`` and ``cols[e]`` together."""
    return np.mean([lab[rows] == lab[cols] for lab in labels], axis=0)


def consensus_labels(parts, rows, cols, p, seed, restarts, rounds, resolution=1.0, graph=None, algorithm="louvain",
                     iterations=2):
    """Lancichinetti-Fortunato consensus: Louvain (at ``resolution``) on the co-assignment
    graph, repeated on the partitions it gives until they agree (or ``rounds`` times).

    With ``graph`` (:func:`edge_graph` of ``rows``, ``cols``) the co-assignment is passed as
    the weights of those edges, zeros included (they add nothing to any :math:`Q_\\gamma`),
    and no graph is built; ``algorithm`` is that of :func:`optimised_labels`."""
    for r in range(rounds):
        co = co_assignment(parts, rows, cols)
        seeds = [seed + 104729 * r + j for j in range(restarts)]
        if graph is None:
            keep = co > 0
            Wc = sp.coo_array((co[keep], (rows[keep], cols[keep])), shape=(p, p)).tocsr()
            parts = louvain_labels(sp.csr_array(Wc + Wc.T), seeds, resolution)
        else:
            parts = optimised_labels(graph, co.tolist(), seeds, resolution, algorithm, iterations)
        if all(np.array_equal(parts[0], q) for q in parts[1:]):
            break
    return parts[0]


def same_partition(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether two label arrays group the nodes alike, whatever the labels' names.

    Examples
    --------
    >>> x = np.array([0, 0, 1])
    >>> same_partition(x, np.array([5, 5, 2])), same_partition(x, np.array([0, 1, 1]))
    (True, False)
    """
    # alike iff the pairs (x_i, y_i) are as few as the groups of each
    pairs = np.unique(np.stack([x, y]), axis=1).shape[1]
    return pairs == len(np.unique(x)) == len(np.unique(y))


def label_blocks(lab: np.ndarray, nodes: list) -> list[set]:
    """Sets of nodes, largest first, ties by the smallest node position (as the paper readout).

    Examples
    --------
    >>> label_blocks(np.array([1, 0, 1, 2]), [10, 11, 12, 13])
    [{10, 12}, {11}, {13}]
    """
    order = np.argsort(lab, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(lab[order])) + 1)
    groups.sort(key=lambda idx: (-len(idx), idx[0]))
    return [{nodes[i] for i in idx} for idx in groups]


def modularity(A: sp.csr_array, lab: np.ndarray, resolution: float = 1.0) -> float:
    r"""Newman modularity :math:`\sum_c L_c/m - \gamma (d_c/2m)^2` of labels on a weighted sparse graph.

    At ``resolution`` :math:`\gamma` (1: Newman's).

    Examples
    --------
    Two triangles joined by one edge (m = 7), one block each: :math:`2(3/7 - 1/4) = 5/14`.

    >>> import networkx as nx
    >>> G = nx.barbell_graph(3, 0)
    >>> round(modularity(nx.to_scipy_sparse_array(G), np.array([0, 0, 0, 1, 1, 1])), 6)
    0.357143
    """
    two_m = float(A.sum())
    if two_m == 0:
        return 0.0
    C = sp.csr_array((np.ones(len(lab)), (lab, np.arange(len(lab)))))
    inside = float((C @ A).multiply(C).sum())  # sum over blocks of the weight inside them, both directions
    deg = C @ np.asarray(A.sum(axis=1)).ravel()
    return inside / two_m - resolution * float(np.sum((deg / two_m) ** 2))
