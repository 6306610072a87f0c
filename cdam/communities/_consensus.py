"""The default readout: consensus of Louvain partitions of CDAM similarity graphs."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import scipy.sparse as sp
from networkx.algorithms.community import louvain_communities
from networkx.algorithms.community import modularity as nx_modularity

from .. import _validation as check
from .._progress import progress_reporter
from .._random import derive_seed
from ._graph import _scales, _undirected
from ._similarity import SIMILARITIES, similarity_graph
from ._stability import co_assignment, normalized_variation_of_information

__all__ = ["consensus_levels"]


def _louvain_labels(W: sp.csr_array, seed: int) -> np.ndarray:
    """networkx's Louvain on a weighted sparse graph, as labels in node order."""
    H = nx.from_scipy_sparse_array(W)
    lab = np.empty(W.shape[0], dtype=np.int64)
    for c, block in enumerate(louvain_communities(H, weight="weight", seed=seed)):
        lab[list(block)] = c
    return lab


def _blocks(lab: np.ndarray, nodes: list) -> list[set]:
    """Sets of nodes, largest first, ties by the smallest node position (as the paper readout)."""
    order = np.argsort(lab, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(lab[order])) + 1)
    groups.sort(key=lambda idx: (-len(idx), idx[0]))
    return [{nodes[i] for i in idx} for idx in groups]


def consensus_levels(G, seed, *, a_values, h_values, n_neurons, steps, noise, draws, similarity, k, weight,
                     progress, **model_kwargs):
    """See :func:`cdam.communities.multiscale` (``method="consensus"``)."""
    from ..datasets import memory_graph_from_networkx
    from ..dynamics import CDAM
    from ._levels import Level

    G = _undirected(G, weight)
    a_values, h_values = _scales(a_values, h_values)
    n_neurons = check.positive_int("n_neurons", n_neurons, minimum=2)
    steps = check.positive_int("steps", steps)
    draws = check.positive_int("draws", draws)
    k = check.positive_int("k", k)
    similarity = check.choice("similarity", similarity, SIMILARITIES)
    model_kwargs.setdefault("eta", 0.3)
    nodes = list(G.nodes)
    p = len(nodes)
    # one weight attribute for the memory graph, the similarity and modularity alike
    H = nx.Graph()
    H.add_nodes_from(nodes)
    H.add_weighted_edges_from((u, v, d.get(weight, 1.0) if weight else 1.0) for u, v, d in G.edges(data=True))
    A = sp.csr_array(nx.to_scipy_sparse_array(H, nodelist=nodes, weight="weight", format="csr"))
    cells = [{"a": a, "h": h} for a, h in zip(a_values, h_values)]
    labels = [[] for _ in cells]  # labels[scale][draw]
    graphs = [[] for _ in cells]
    with progress_reporter(progress, draws, desc="pattern draws", unit="draw") as bar:
        for d in range(draws):
            s = seed if d == 0 else derive_seed(seed, d)
            base = CDAM(memory_graph_from_networkx(H, n=n_neurons, seed=s), **model_kwargs)
            runs = base.run_cells(cells, base.initial_states(noise, s), steps, cues=np.arange(p))
            for i, traj in enumerate(runs):
                W = similarity_graph(traj.final, A, similarity, k)
                graphs[i].append(W)
                labels[i].append(_louvain_labels(W, seed + d))
            bar.advance()
    levels = []
    for (a, h), labs, Ws in zip(zip(a_values, h_values), labels, graphs):
        if draws == 1:
            lab, nvi = labs[0], float("nan")
        else:
            U = sp.triu(sum(Ws), k=1).tocoo()  # the pairs any draw weighted
            co = co_assignment(labs, U.row, U.col)
            Wc = sp.coo_array((co, (U.row, U.col)), shape=(p, p)).tocsr()
            lab = _louvain_labels(sp.csr_array(Wc + Wc.T), seed)
            pairs = itertools.combinations(labs, 2)
            nvi = float(np.mean([normalized_variation_of_information(x, y) for x, y in pairs]))
        part = _blocks(lab, nodes)
        levels.append(Level(a, h, part, float(nx_modularity(H, part, weight="weight" if weight else None)), None, nvi))
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
