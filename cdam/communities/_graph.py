"""The input graph: checked and made simple before any run."""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

from .. import _validation as check
from ..errors import GraphError, ParameterError
from ..graph import MemoryGraph
from ._directed import checked_reading, is_symmetric, read_directed

#: Where a method reads only undirected graphs (today's consensus and paper methods).
_UNDIRECTED_ONLY = ("this method needs an undirected graph; the default method='markov' reads a directed one "
                    "(directed='flow': the flow of the CDAM's walk along the transitions, or 'symmetrise')")


def _from_sparse(A) -> nx.Graph:
    """A networkx graph on nodes 0..p-1 from a square, symmetric scipy.sparse adjacency matrix."""
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise GraphError(f"a sparse adjacency matrix must be square, got shape {A.shape}")
    A = sp.csr_array(A, dtype=np.float64)
    if A.shape[0] == 0:
        raise GraphError("the graph has no nodes")
    if not is_symmetric(A):
        raise GraphError(f"the sparse adjacency matrix is not symmetric: {_UNDIRECTED_ONLY}; or pass "
                         "(A + A.T) / 2 or A.maximum(A.T) explicitly")
    if A.nnz and A.data.min() < 0:
        raise GraphError("edge weights must be non-negative; drop or shift the negative entries")
    return nx.from_scipy_sparse_array(A)


def _undirected(G, weight: str | None) -> nx.Graph:
    if sp.issparse(G):
        return _from_sparse(G)
    if not isinstance(G, nx.Graph):
        raise GraphError(
            f"G must be a networkx graph or a scipy.sparse adjacency matrix, got {type(G).__name__}; "
            "the default method='markov' reads a cdam.MemoryGraph too; or convert it with MemoryGraph.to_networkx()"
        )
    if G.is_directed():
        raise GraphError(f"{_UNDIRECTED_ONLY}; or pass G.to_undirected() (or nx.Graph(G) to merge reciprocal "
                         "edges) explicitly")
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


def _adjacency(G, weight: str | None, directed: str | None = None, teleport=None) -> tuple[sp.csr_array, list]:
    """The checked, symmetric adjacency matrix (float64 CSR) and the node order.

    A scipy.sparse input stays sparse (nodes 0..p-1): a networkx copy of a 1e5-node graph
    would cost more than the whole readout. A directed graph (an nx.DiGraph, an asymmetric
    matrix, a MemoryGraph with transitions) is refused where ``directed`` is None (a
    MemoryGraph is then refused too), else read as ``directed`` says
    (:func:`~cdam.communities._directed.read_directed`); one that is symmetric all the same
    is read as the undirected graph it is."""
    if directed is not None:
        checked_reading(directed, teleport)  # for every input: an undirected one reads them too
        if isinstance(G, MemoryGraph):
            return _memory_graph_adjacency(G, weight, directed, teleport)
    if sp.issparse(G):
        if G.ndim != 2 or G.shape[0] != G.shape[1]:
            raise GraphError(f"a sparse adjacency matrix must be square, got shape {G.shape}")
        A = sp.csr_array(G, dtype=np.float64)
        if A.shape[0] == 0:
            raise GraphError("the graph has no nodes")
        symmetric = is_symmetric(A)
        if not symmetric and directed is None:
            raise GraphError(f"the sparse adjacency matrix is not symmetric: {_UNDIRECTED_ONLY}; or pass "
                             "(A + A.T) / 2 or A.maximum(A.T) explicitly")
        _require_finite(A.data)
        if A.nnz and A.data.min() < 0:
            raise GraphError("edge weights must be non-negative; drop or shift the negative entries")
        A.setdiag(0)  # self-loops carry no community information; networkx input drops them too
        A.eliminate_zeros()
        if symmetric or directed is None:  # (None with an asymmetric A was refused above)
            return A, list(range(A.shape[0]))
        return read_directed(A, directed, teleport), list(range(A.shape[0]))
    if isinstance(G, nx.Graph) and G.is_directed() and directed is not None:
        return _directed_networkx(G, weight, directed, teleport)
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


def _directed_networkx(G: nx.DiGraph, weight: str | None, directed: str, teleport) -> tuple[sp.csr_array, list]:
    """:func:`_adjacency` of an nx.DiGraph (parallel edges of a MultiDiGraph sum, self-loops dropped)."""
    if G.number_of_nodes() == 0:
        raise GraphError("the graph has no nodes")
    nodes = list(G.nodes)
    p = len(nodes)
    try:
        A = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=weight, dtype=np.float64, format="coo")
        data = np.asarray(A.data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise GraphError(f"edge weights ({weight!r}) must be numbers: {exc}") from exc
    _require_finite(data)
    if data.size and data.min() < 0:
        raise GraphError("edge weights must be non-negative: a walk along the transitions needs them; drop or shift "
                         "the negative entries")
    keep = A.row != A.col  # self-loops carry no community information, as for undirected input
    A = sp.coo_array((data[keep], (A.row[keep], A.col[keep])), shape=(p, p)).tocsr()
    A.eliminate_zeros()
    return (A if is_symmetric(A) else read_directed(A, directed, teleport)), nodes


def _memory_graph_adjacency(g: MemoryGraph, weight: str | None, directed: str, teleport) -> tuple[sp.csr_array, list]:
    """:func:`_adjacency` of a MemoryGraph: its links and transitions (``A[mu, nu]``: mu -> nu), nodes its memories.

    ``weight`` None reads it unweighted, as for networkx input; any other value its own weights."""
    g.require_nonempty()
    A = sp.csr_array(g.adjacency(), dtype=np.float64)
    if weight is None:
        A.data[:] = 1.0
    return _adjacency(A, weight, directed, teleport)[0], g.memories
