"""Conversions between :class:`~cdam.MemoryGraph` and networkx, torch_geometric and scipy.sparse.

:class:`~cdam.MemoryGraph`'s ``from_networkx``, ``to_networkx``, ``to_pyg``,
``from_pyg`` and ``adjacency`` call these; torch_geometric is imported only when a
``pyg`` function runs (the ``pyg`` extra).
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Mapping

import networkx as nx
import numpy as np
import scipy.sparse as sp

from ._optional import require
from .errors import GraphError, PatternError
from .graph import MemoryGraph

__all__ = ["from_networkx", "from_pyg", "to_networkx", "to_pyg", "to_scipy_sparse"]


def from_networkx(
    G: nx.Graph, patterns=None, *, pattern_attr: str = "pattern", weight: str = "weight", cls=MemoryGraph
) -> MemoryGraph:
    """A memory graph from a networkx graph; see :meth:`cdam.MemoryGraph.from_networkx`.

    ``cls`` is the class built (a subclass of :class:`~cdam.MemoryGraph`).

    Examples
    --------
    >>> import networkx as nx, numpy as np
    >>> g = from_networkx(nx.path_graph(3), np.eye(3))
    >>> g.links
    [(0, 1, 1.0), (1, 2, 1.0)]
    """
    nodes = list(G.nodes)
    if patterns is None:
        missing = [u for u in nodes if pattern_attr not in G.nodes[u]]
        if missing:
            raise PatternError(
                f"node {missing[0]!r} has no {pattern_attr!r} attribute; pass patterns= as a mapping "
                "or an (n, p) array, or set the attribute on every node"
            )
        pats = [G.nodes[u][pattern_attr] for u in nodes]
    elif isinstance(patterns, Mapping):
        missing = [u for u in nodes if u not in patterns]
        if missing:
            raise PatternError(f"patterns has no entry for node {missing[0]!r}; give one pattern per node")
        pats = [patterns[u] for u in nodes]
    else:
        arr = patterns.detach().cpu().numpy() if hasattr(patterns, "detach") else np.asarray(patterns)
        if arr.ndim != 2 or arr.shape[1] != len(nodes):
            raise PatternError(
                f"patterns has shape {arr.shape} but G has {len(nodes)} nodes; pass an (n, p) array "
                "with one column per node in G's node order"
            )
        pats = list(arr.T)
    edges = [(u, v, d.get(weight, 1.0)) for u, v, d in G.edges(data=True)]
    g = cls(metadata=dict(G.graph) if _jsonable(dict(G.graph)) else None)
    g.add_memories(nodes, pats)
    if G.is_directed():
        g.add_transitions_from(edges)
    else:
        g.add_links_from(edges)
    return g


def to_networkx(g: MemoryGraph, pattern_attr: str = "pattern") -> nx.Graph:
    """A networkx graph of ``g``; see :meth:`cdam.MemoryGraph.to_networkx`.

    Examples
    --------
    >>> import numpy as np, cdam
    >>> g = cdam.MemoryGraph.from_patterns(np.eye(3))
    >>> g.add_transition(0, 2)
    >>> list(to_networkx(g).edges(data="weight"))
    [(0, 2, 1.0)]
    """
    keys = g.memories
    if None in g:
        raise GraphError("networkx does not allow None as a node; relabel memory None before to_networkx()")
    G = nx.DiGraph() if g.is_directed else nx.Graph()
    G.graph.update(g.metadata)
    rows = g._pattern_rows()
    for i, key in enumerate(keys):
        G.add_node(key, **{pattern_attr: rows[i].copy()})
    A = g.adjacency().tocoo()
    for i, j, w in zip(A.row, A.col, A.data):
        if g.is_directed or i <= j:
            G.add_edge(keys[i], keys[j], weight=float(w))
    return G


def to_pyg(g: MemoryGraph, dtype=None):
    """A torch_geometric ``Data`` of ``g``; see :meth:`cdam.MemoryGraph.to_pyg`."""
    import torch

    Data = require("torch_geometric.data", extra="pyg", feature="MemoryGraph.to_pyg").Data
    dtype = torch.float64 if dtype is None else dtype
    A = g.adjacency().tocoo()
    data = Data(
        x=torch.as_tensor(g._pattern_rows(), dtype=dtype).clone(),
        edge_index=torch.as_tensor(np.vstack([A.row, A.col]), dtype=torch.long),
        edge_weight=torch.as_tensor(A.data, dtype=dtype),
    )
    data.memory_keys = g.memories
    return data


def from_pyg(data, keys: Iterable[Hashable] | None = None, *, cls=MemoryGraph) -> MemoryGraph:
    """A memory graph from a torch_geometric ``Data``; see :meth:`cdam.MemoryGraph.from_pyg`."""
    import torch

    utils = require("torch_geometric.utils", extra="pyg", feature="MemoryGraph.from_pyg")
    if getattr(data, "x", None) is None:
        raise PatternError("data.x is missing; it must hold the patterns as a (p, n) tensor")
    x = data.x
    if x.ndim != 2:
        raise PatternError(f"data.x must be 2-D (p, n), got shape {tuple(x.shape)}")
    p = x.shape[0]
    if keys is None:
        keys = getattr(data, "memory_keys", None)
    keys = list(range(p)) if keys is None else list(keys)
    if len(keys) != p:
        raise GraphError(f"{len(keys)} keys for {p} nodes; give one key per row of data.x")
    ei = data.edge_index if getattr(data, "edge_index", None) is not None else torch.empty((2, 0), dtype=torch.long)
    ew = getattr(data, "edge_weight", None)
    ew = torch.ones(ei.shape[1], dtype=torch.float64) if ew is None else ew.to(torch.float64)
    if ei.numel() and (int(ei.min()) < 0 or int(ei.max()) >= p):
        raise GraphError(f"edge_index refers to node {int(ei.max())} but data.x has {p} rows")
    ei, ew = utils.coalesce(ei, ew, num_nodes=p, reduce="sum")
    g = cls()
    g.add_memories(keys, list(x.detach().cpu().numpy()))
    src, dst, w = ei[0].tolist(), ei[1].tolist(), ew.tolist()
    if ei.numel() and utils.is_undirected(ei, ew, num_nodes=p):
        g.add_links_from([(keys[i], keys[j], wt) for i, j, wt in zip(src, dst, w) if i <= j])
    else:
        g.add_transitions_from([(keys[i], keys[j], wt) for i, j, wt in zip(src, dst, w)])
    return g


def to_scipy_sparse(g: MemoryGraph) -> sp.csr_matrix:
    """The weighted adjacency of ``g`` as scipy CSR (p, p); see :meth:`cdam.MemoryGraph.adjacency`."""
    p = len(g)
    rows, cols, vals = [], [], []
    if g._transitions:
        idx = np.array(list(g._transitions.keys()), dtype=np.int64)
        rows.append(idx[:, 0])
        cols.append(idx[:, 1])
        vals.append(np.fromiter(g._transitions.values(), dtype=np.float64))
    if g._links:
        idx = np.array(list(g._links.keys()), dtype=np.int64)
        w = np.fromiter(g._links.values(), dtype=np.float64)
        off = idx[:, 0] != idx[:, 1]
        rows += [idx[:, 0], idx[off, 1]]
        cols += [idx[:, 1], idx[off, 0]]
        vals += [w, w[off]]
    if not rows:
        return sp.csr_matrix((p, p), dtype=np.float64)
    A = sp.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(p, p)
    ).tocsr()  # duplicates (a link and a transition on one pair) sum here
    A.sum_duplicates()
    return A


def _jsonable(obj) -> bool:
    try:
        json.dumps(obj, allow_nan=False)
        return True
    except (TypeError, ValueError):
        return False
