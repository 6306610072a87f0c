"""Memory graphs and the networks of the examples: the cycle, the karate club, LFR benchmarks."""

from __future__ import annotations

import warnings

import networkx as nx

from .. import _validation as check
from ..graph import MemoryGraph
from .patterns import random_patterns

__all__ = [
    "LFR_SETTINGS",
    "cycle_memory_graph",
    "karate_graph",
    "karate_memory_graph",
    "lfr_graph",
    "lfr_graphs",
    "memory_graph_from_networkx",
    "planted_truth",
]


def memory_graph_from_networkx(G: nx.Graph, n: int = 1000, seed: int | None = 0, distribution="uniform") -> MemoryGraph:
    """A memory graph on ``G`` with one random pattern of length ``n`` per node."""
    return MemoryGraph.from_networkx(G, random_patterns(n, G.number_of_nodes(), seed, distribution))


def cycle_memory_graph(p: int = 30, n: int = 1000, seed: int | None = 0) -> MemoryGraph:
    """The undirected ``p``-cycle of Burns 2024's mode table and range of recall, U[0,1) patterns.

    Examples
    --------
    >>> g = cycle_memory_graph(30, 100)
    >>> len(g), len(g.links)
    (30, 30)
    """
    return memory_graph_from_networkx(nx.cycle_graph(check.positive_int("p", p, minimum=3)), n, seed)


def karate_graph() -> nx.Graph:
    """Zachary's karate club with 0/1 edges (as in Burns 2024), nodes 0..33 in order, ``club`` kept.

    networkx ships interaction counts as weights; the CDAM paper uses the bare ties.
    """
    G = nx.karate_club_graph()
    H = nx.Graph()
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from(G.edges())
    return H


def karate_memory_graph(n: int = 1000, seed: int | None = 0) -> MemoryGraph:
    """Zachary's karate club (0/1 edges) with random patterns; node attribute ``club``
    is kept in ``g.metadata["club"]`` as a list in node order."""
    G = karate_graph()
    g = memory_graph_from_networkx(_bare(G), n, seed)
    g.metadata["club"] = [G.nodes[u]["club"] for u in G.nodes]
    return g


def _bare(G: nx.Graph) -> nx.Graph:
    H = nx.Graph()
    H.add_nodes_from(G.nodes)
    H.add_edges_from(G.edges())
    return H


#: The LFR benchmark graphs of (e): n = 1000, tau1 2.5, tau2 1.5, mean degree 20.
LFR_SETTINGS = {
    "tau1": 2.5,
    "tau2": 1.5,
    "average_degree": 20,
    "max_degree": 50,
    "min_community": 20,
    "max_community": 100,
}


def planted_truth(G) -> list[set]:
    """The planted communities of a generated graph, as a list of sets of nodes.

    networkx keeps planted-partition and block-model blocks in ``G.graph["partition"]`` and
    LFR communities in each node's ``"community"`` attribute.
    """
    if "partition" in G.graph:
        return [set(block) for block in G.graph["partition"]]
    return [set(c) for c in {frozenset(G.nodes[u]["community"]) for u in G}]


def lfr_graph(n: int = 1000, mu: float = 0.1, seed: int = 0):
    """An LFR benchmark graph with :data:`LFR_SETTINGS`, self-loops removed.

    Raises
    ------
    networkx.ExceededMaxIterations
        When the generator does not converge for this seed.
    """
    s = LFR_SETTINGS
    G = nx.LFR_benchmark_graph(
        n,
        s["tau1"],
        s["tau2"],
        mu,
        average_degree=s["average_degree"],
        max_degree=s["max_degree"],
        min_community=s["min_community"],
        max_community=s["max_community"],
        seed=seed,
    )
    G.remove_edges_from(nx.selfloop_edges(G))
    return G


def lfr_graphs(mus=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6), n: int = 1000, seed: int = 0):
    """Yield ``(name, G, truth, mu)`` for each mixing ``mu``; a generator failure warns and skips."""
    for mu in mus:
        try:
            G = lfr_graph(n, mu, seed)
        except nx.ExceededMaxIterations:
            warnings.warn(f"LFR mu={mu}: generator did not converge for seed {seed}; skipped", stacklevel=2)
            continue
        yield f"LFR n={n} mu={mu}", G, planted_truth(G), mu
