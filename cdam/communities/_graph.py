"""The input graph: checked and made simple before any run."""

from __future__ import annotations

import networkx as nx

from ..errors import GraphError


def _undirected(G, weight: str | None) -> nx.Graph:
    if not isinstance(G, nx.Graph):
        raise GraphError(
            f"G must be a networkx graph, got {type(G).__name__}; convert it with MemoryGraph.to_networkx()"
        )
    if G.is_directed():
        raise GraphError(
            "community extraction needs an undirected graph; pass G.to_undirected() "
            "(or nx.Graph(G) to merge reciprocal edges) explicitly"
        )
    if G.number_of_nodes() == 0:
        raise GraphError("the graph has no nodes")
    if G.is_multigraph():  # parallel edges sum, as in MemoryGraph
        H = nx.Graph()
        H.add_nodes_from(G.nodes(data=True))
        for u, v, d in G.edges(data=True):
            w = d.get(weight, 1.0) if weight else 1.0
            H.add_edge(u, v, **{weight or "weight": H.get_edge_data(u, v, {}).get(weight or "weight", 0.0) + w})
        return H
    return G
