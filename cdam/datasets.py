"""Generators and loaders: patterns, memory graphs, and the built-in data of the examples."""

from __future__ import annotations

import networkx as nx
import numpy as np

from . import _validation as check
from .graph import MemoryGraph

__all__ = ["cycle_memory_graph", "karate_memory_graph", "memory_graph_from_networkx", "random_patterns"]


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
    rng = np.random.default_rng(seed)
    if distribution == "uniform":
        return rng.random((n, p))
    if distribution == "binary":
        return (rng.random((n, p)) < 0.5).astype(np.float64)
    return rng.standard_normal((n, p))


def memory_graph_from_networkx(G: nx.Graph, n: int = 1000, seed: int | None = 0, distribution="uniform") -> MemoryGraph:
    """A memory graph on ``G`` with one random pattern of length ``n`` per node."""
    return MemoryGraph.from_networkx(G, random_patterns(n, G.number_of_nodes(), seed, distribution))


def cycle_memory_graph(p: int = 30, n: int = 1000, seed: int | None = 0) -> MemoryGraph:
    """The undirected ``p``-cycle of SPEC 1.3/1.4 with i.i.d. U[0,1) patterns.

    Examples
    --------
    >>> g = cycle_memory_graph(30, 100)
    >>> len(g), len(g.links)
    (30, 30)
    """
    return memory_graph_from_networkx(nx.cycle_graph(check.positive_int("p", p, minimum=3)), n, seed)


def karate_memory_graph(n: int = 1000, seed: int | None = 0) -> MemoryGraph:
    """Zachary's karate club (0/1 edges) with random patterns; node attribute ``club``
    is kept in ``g.metadata["club"]`` as a list in node order."""
    G = nx.karate_club_graph()
    H = nx.Graph()
    H.add_nodes_from(G.nodes)
    H.add_edges_from(G.edges)  # SPEC 1.5 uses 0/1 edges; networkx ships interaction counts
    g = memory_graph_from_networkx(H, n, seed)
    g.metadata["club"] = [G.nodes[u]["club"] for u in G.nodes]
    return g
