"""The input graph: checked and made simple before any run."""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

from .. import _validation as check
from ..errors import GraphError, ParameterError


def _from_sparse(A) -> nx.Graph:
    """A networkx graph on nodes 0..p-1 from a square, symmetric scipy.sparse adjacency matrix."""
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise GraphError(f"a sparse adjacency matrix must be square, got shape {A.shape}")
    A = sp.csr_array(A, dtype=np.float64)
    if A.shape[0] == 0:
        raise GraphError("the graph has no nodes")
    if abs(A - A.T).max() > 1e-12 * max(abs(A).max(), 1.0):
        raise GraphError(
            "the sparse adjacency matrix is not symmetric; community extraction needs an undirected "
            "graph: pass (A + A.T) / 2 or A.maximum(A.T) explicitly"
        )
    if A.nnz and A.data.min() < 0:
        raise GraphError("edge weights must be non-negative; drop or shift the negative entries")
    return nx.from_scipy_sparse_array(A)


def _undirected(G, weight: str | None) -> nx.Graph:
    if sp.issparse(G):
        return _from_sparse(G)
    if not isinstance(G, nx.Graph):
        raise GraphError(
            f"G must be a networkx graph or a scipy.sparse adjacency matrix, got {type(G).__name__}; "
            "convert it with MemoryGraph.to_networkx()"
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


def _scales(a_values, h_values) -> tuple[list[float], list[float]]:
    """The sweep's (a, h) pairs, checked; ``h = 1 - a`` unless ``h_values`` is given."""
    a_values = [check.finite_real("a", a) for a in a_values]
    if not a_values:
        raise ParameterError("a_values must hold at least one value")
    h_values = [1.0 - a for a in a_values] if h_values is None else [check.finite_real("h", h) for h in h_values]
    if len(h_values) != len(a_values):
        raise ParameterError(f"{len(a_values)} a values but {len(h_values)} h values; give one h per a")
    return a_values, h_values


def _require_finite(weights: np.ndarray) -> None:
    if weights.size and not np.isfinite(weights).all():
        bad = weights[~np.isfinite(weights)][0]
        raise GraphError(f"edge weights must be finite, found {bad}: drop those edges or give them a finite weight")


def _adjacency(G, weight: str | None) -> tuple[sp.csr_array, list]:
    """The checked, symmetric adjacency matrix (float64 CSR) and the node order.

    A scipy.sparse input stays sparse (nodes 0..p-1): a networkx copy of a 1e5-node graph
    would cost more than the whole readout."""
    if sp.issparse(G):
        if G.ndim != 2 or G.shape[0] != G.shape[1]:
            raise GraphError(f"a sparse adjacency matrix must be square, got shape {G.shape}")
        A = sp.csr_array(G, dtype=np.float64)
        if A.shape[0] == 0:
            raise GraphError("the graph has no nodes")
        if A.nnz and abs(A - A.T).max() > 1e-12 * max(abs(A).max(), 1.0):
            raise GraphError(
                "the sparse adjacency matrix is not symmetric; community extraction needs an undirected "
                "graph: pass (A + A.T) / 2 or A.maximum(A.T) explicitly"
            )
        _require_finite(A.data)
        if A.nnz and A.data.min() < 0:
            raise GraphError("edge weights must be non-negative; drop or shift the negative entries")
        A.setdiag(0)  # self-loops carry no community information; networkx input drops them too
        A.eliminate_zeros()
        return A, list(range(A.shape[0]))
    G = _undirected(G, weight)
    nodes = list(G.nodes)
    index = {u: i for i, u in enumerate(nodes)}
    r, c, w = [], [], []
    for u, v, d in G.edges(data=True):
        if u != v:
            r.append(index[u])
            c.append(index[v])
            w.append(d.get(weight, 1.0) if weight else 1.0)
    p = len(nodes)
    try:
        wa = np.asarray(w, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise GraphError(f"edge weights ({weight!r}) must be numbers: {exc}") from exc
    _require_finite(wa)
    U = sp.coo_array((wa, (np.asarray(r, dtype=np.int64), np.asarray(c, dtype=np.int64))),
                     shape=(p, p)).tocsr()
    return sp.csr_array(U + U.T), nodes
