"""The default readout: consensus of Louvain partitions of CDAM similarity graphs."""

from __future__ import annotations

import itertools
import random

import numpy as np
import scipy.sparse as sp
import torch

from .. import _validation as check
from .._progress import progress_reporter
from .._random import derive_seed
from ..errors import MissingDependencyError, ParameterError
from ._attractors import ATTENTIONS, all_start_finals
from ._graph import _adjacency, _scales
from ._similarity import SIMILARITIES, similarity_graph, unit_rows
from ._stability import co_assignment, normalized_variation_of_information

__all__ = ["DENSE_MAX", "KAPPA", "consensus_levels"]

#: Signal strength :math:`\kappa = \beta\, n \operatorname{var}(\xi)` of the default: the
#: paper's beta 1 with n = 1000 U[0,1) neurons (var 1/12). ``beta`` defaults to
#: :math:`\kappa / (n \operatorname{var})` so that short patterns keep it (the community
#: readout's signal depends on it: ``benchmarks/bench_communities.py``).
KAPPA = 1000.0 / 12.0
UNIFORM_VAR = 1.0 / 12.0
#: Up to this many nodes attention runs over every memory; above, over graph neighbourhoods.
#: A dense step costs 2 p n per run, a local one 2 k (k + 1) n gathered entries (k = 16:
#: 272 memories), about ten times slower per entry than a matrix product: they cross near
#: p ~ 2500.
DENSE_MAX = 2500
_CHANCE_PAIRS = 2000


def _louvain_labels(W: sp.csr_array, seeds, resolution: float = 1.0) -> list[np.ndarray]:
    r"""Louvain on a weighted sparse graph, one run per seed, as labels in node order.

    Each run maximises the modularity at ``resolution`` :math:`\gamma`,
    :math:`Q_\gamma = \sum_c L_c/m - \gamma (d_c/2m)^2`.

    igraph's (C) multilevel: the same method as networkx's, 50-100x faster, which is what
    keeps the readout's many optimisations near one Louvain run of the raw graph. It is a
    dependency, not an option: two Louvain implementations give different partitions for
    one seed, and a partition must not depend on what else is installed. The graph is
    built once for all seeds."""
    try:
        import igraph
    except ImportError as exc:  # a core dependency: only a broken install gets here
        raise MissingDependencyError(
            "the consensus readout needs python-igraph, a dependency of cdam: pip install 'python-igraph>=0.11'"
        ) from exc
    U = sp.triu(W, k=1).tocoo()
    # pairs as tuples: igraph converts them 8x faster than numpy rows or lists (28 -> 3.7 ms at 14k edges)
    g = igraph.Graph(n=W.shape[0], edges=list(zip(U.row.tolist(), U.col.tolist())))
    weights = U.data.tolist()
    out = []
    for seed in seeds:
        # igraph draws from Python's random module unless told otherwise: a seeded generator
        # of its own keeps the result reproducible, and the module default is restored after
        igraph.set_random_number_generator(random.Random(seed))
        try:
            found = g.community_multilevel(weights=weights, resolution=resolution)
            out.append(np.asarray(found.membership, dtype=np.int64))
        finally:
            igraph.set_random_number_generator(random)
    return out


def _blocks(lab: np.ndarray, nodes: list) -> list[set]:
    """Sets of nodes, largest first, ties by the smallest node position (as the paper readout)."""
    order = np.argsort(lab, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(lab[order])) + 1)
    groups.sort(key=lambda idx: (-len(idx), idx[0]))
    return [{nodes[i] for i in idx} for idx in groups]


def _consensus(parts, rows, cols, p, seed, restarts, rounds, resolution=1.0):
    """Lancichinetti-Fortunato consensus: Louvain (at ``resolution``) on the co-assignment
    graph, repeated on the partitions it gives until they agree (or ``rounds`` times)."""
    for r in range(rounds):
        co = co_assignment(parts, rows, cols)
        keep = co > 0
        Wc = sp.coo_array((co[keep], (rows[keep], cols[keep])), shape=(p, p)).tocsr()
        Wc = sp.csr_array(Wc + Wc.T)
        parts = _louvain_labels(Wc, [seed + 104729 * r + j for j in range(restarts)], resolution)
        if all(np.array_equal(parts[0], q) for q in parts[1:]):
            break
    return parts[0]


def _chance_correlation(final, rows, cols) -> float:
    """Median attractor correlation of random node pairs: ~0 when runs keep their own
    states, ~1 when every run fell into one global state (the weights then carry nothing)."""
    Z = unit_rows(final)
    return float(torch.median((Z[rows] * Z[cols]).sum(dim=1)))


def _modularity(A: sp.csr_array, lab: np.ndarray) -> float:
    r"""Newman modularity :math:`\sum_c L_c/m - (d_c/2m)^2` of labels on a weighted sparse graph."""
    two_m = float(A.sum())
    if two_m == 0:
        return 0.0
    C = sp.csr_array((np.ones(len(lab)), (lab, np.arange(len(lab)))))
    inside = float((C @ A).multiply(C).sum())  # sum over blocks of the weight inside them, both directions
    deg = C @ np.asarray(A.sum(axis=1)).ravel()
    return inside / two_m - float(np.sum((deg / two_m) ** 2))


def consensus_levels(G, seed, *, a_values, h_values, n_neurons, steps, noise, draws, similarity, k, weight,
                     progress, attention="auto", neighbours=16, restarts=3, rounds=2, beta=None, eta=0.4,
                     mean_coef=1.0, **unused):
    """See :func:`cdam.communities.multiscale` (``method="consensus"``)."""
    from ._levels import Level

    if unused:
        raise ParameterError(
            f"method='consensus' runs its own all-starts loop and takes beta, eta and mean_coef only; "
            f"drop {sorted(unused)} or use method='paper' (which passes them to cdam.CDAM)")
    A, nodes = _adjacency(G, weight)
    a_values, h_values = _scales(a_values, h_values)
    n_neurons = check.positive_int("n_neurons", n_neurons, minimum=2)
    steps = check.positive_int("steps", steps)
    draws = check.positive_int("draws", draws)
    k = check.positive_int("k", k)
    neighbours = check.positive_int("neighbours", neighbours)
    restarts = check.positive_int("restarts", restarts)
    rounds = check.positive_int("rounds", rounds)
    similarity = check.choice("similarity", similarity, SIMILARITIES)
    attention = check.choice("attention", attention, ("auto",) + ATTENTIONS)
    beta = KAPPA / (n_neurons * UNIFORM_VAR) if beta is None else check.finite_real("beta", beta, minimum=0.0)
    eta = check.finite_real("eta", eta, strict_minimum=0.0)
    mean_coef = check.finite_real("mean_coef", mean_coef)
    p = len(nodes)
    if attention == "auto":
        attention = "dense" if p <= DENSE_MAX else "local"
    cells = [{"a": a, "h": h} for a, h in zip(a_values, h_values)]
    labels = [[] for _ in cells]  # labels[scale][draw]
    graphs = [[] for _ in cells]
    chance = [[] for _ in cells]
    rng = np.random.default_rng(seed)
    pair_rows, pair_cols = rng.integers(0, p, _CHANCE_PAIRS), rng.integers(0, p, _CHANCE_PAIRS)
    with progress_reporter(progress, draws, desc="pattern draws", unit="draw") as bar:
        for d in range(draws):
            s = seed if d == 0 else derive_seed(seed, d)
            finals = all_start_finals(A, cells, n_neurons=n_neurons, seed=s, steps=steps, noise=noise, beta=beta,
                                      eta=eta, mean_coef=mean_coef, attention=attention, k=neighbours,
                                      max_neighbours=neighbours)
            for i, final in enumerate(finals):
                chance[i].append(_chance_correlation(final, pair_rows, pair_cols))
                W = similarity_graph(final, A, similarity, k)
                graphs[i].append(W)
                labels[i].append(_louvain_labels(W, [seed + d + 7919 * r for r in range(restarts)]))
            bar.advance()
    levels = []
    for (a, h), labs, Ws, ch in zip(zip(a_values, h_values), labels, graphs, chance):
        firsts = [runs[0] for runs in labs]  # one partition per draw: the spread due to the patterns
        nvi = float("nan") if draws == 1 else float(np.mean(
            [normalized_variation_of_information(x, y) for x, y in itertools.combinations(firsts, 2)]))
        parts = [lab for runs in labs for lab in runs]
        if len(parts) == 1:
            lab = parts[0]
        else:
            U = sp.triu(sum(Ws), k=1).tocoo()  # the pairs any draw weighted
            lab = _consensus(parts, U.row, U.col, p, seed, restarts, rounds)
        lab = np.unique(lab, return_inverse=True)[1]
        levels.append(Level(a, h, _blocks(lab, nodes), _modularity(A, lab), None, nvi, chance=float(np.mean(ch))))
    levels.sort(key=lambda lvl: (-lvl.n_communities, -lvl.a))  # fine to coarse
    return _with_neighbour_nvi(levels, nodes)


def _with_neighbour_nvi(levels, nodes):
    from dataclasses import replace

    out = []
    for fine, coarse in zip(levels, levels[1:] + [None]):
        nv = float("nan") if coarse is None else normalized_variation_of_information(
            fine.partition, coarse.partition, nodes)
        out.append(replace(fine, nvi_coarser=nv))
    return out
