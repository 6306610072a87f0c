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
import torch

from . import _validation as check
from ._optional import require
from .errors import GraphError, ParameterError, PatternError
from .graph import MemoryGraph, checked_keys

__all__ = ["from_edges", "from_networkx", "from_pyg", "from_scipy_sparse", "to_networkx", "to_pyg", "to_scipy_sparse"]


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
        idx = g._transitions.index_array()
        rows.append(idx[:, 0])
        cols.append(idx[:, 1])
        vals.append(g._transitions.weight_array())
    if g._links:
        idx = g._links.index_array()
        w = g._links.weight_array()
        off = idx[:, 0] != idx[:, 1]
        rows += [idx[:, 0], idx[off, 1]]
        cols += [idx[:, 1], idx[off, 0]]
        vals += [w, w[off]]
    if not rows:
        return sp.csr_matrix((p, p), dtype=np.float64)
    # int32 positions where they fit (scipy's own index dtype then): at 1e8 entries each
    # int64 copy is 0.8 GB
    pos = np.int32 if p < np.iinfo(np.int32).max else np.int64
    A = sp.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows, dtype=pos), np.concatenate(cols, dtype=pos))), shape=(p, p)
    ).tocsr()  # duplicates (a link and a transition on one pair) sum here
    A.sum_duplicates()
    return A


def from_edges(
    edge_index, patterns, weights=None, directed: bool = False, *, keys=None, cls=MemoryGraph
) -> MemoryGraph:
    """A memory graph from an edge list; see :meth:`cdam.MemoryGraph.from_edges`.

    Examples
    --------
    >>> import numpy as np
    >>> g = from_edges(np.array([[0, 1], [1, 2]]), np.eye(3))
    >>> g.links
    [(0, 1, 1.0), (1, 2, 1.0)]
    """
    if not isinstance(directed, (bool, np.bool_)):
        raise ParameterError(f"directed must be True or False, got {directed!r}")
    rows = _bulk_rows(patterns)
    p = rows.shape[0]
    ei = _edge_index(edge_index, p)
    w = _edge_weights(weights, ei.shape[1])
    g = cls()
    g._set_bulk(rows, None if keys is None else checked_keys(keys, p))
    if directed:
        g._transitions.add(ei[0], ei[1], w)
    else:
        g._links.add(np.minimum(ei[0], ei[1]), np.maximum(ei[0], ei[1]), w)
    return g


def from_scipy_sparse(A, patterns, keys=None, *, cls=MemoryGraph) -> MemoryGraph:
    """A memory graph from an adjacency matrix; see :meth:`cdam.MemoryGraph.from_scipy_sparse`.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> g = from_scipy_sparse(sp.csr_array([[0, 2], [0, 0]]), np.eye(2), keys="ab")
    >>> g.transitions
    [('a', 'b', 2.0)]
    """
    rows = _bulk_rows(patterns)
    p = rows.shape[0]
    if not sp.issparse(A):
        A = check.as_numpy("A", A, GraphError)
        if A.ndim != 2:
            raise GraphError(f"A must be a 2-D (p, p) adjacency matrix, got shape {A.shape}")
    if A.shape != (p, p):
        raise GraphError(
            f"A has shape {tuple(A.shape)} but patterns hold {p} memories; A must be ({p}, {p}), "
            "row and column mu being memory mu (column mu of patterns)"
        )
    if not (sp.issparse(A) and A.format == "csr" and A.has_canonical_format):
        A = sp.csr_array(A, copy=True)  # sums duplicate entries of a COO input: parallel edges sum
        A.sum_duplicates()  # also sorts the indices: A and its transpose compare entry by entry
    # a canonical CSR input is read, never copied or changed: at p = 1e7 with 1e8 entries
    # every copy of it is 0.8 to 1.2 GB
    if A.dtype == object or np.issubdtype(A.dtype, np.complexfloating):
        raise ParameterError(f"A must hold real weights, got dtype {A.dtype}")
    bad = ~np.isfinite(A.data)
    if bad.any():
        k = int(np.argmax(bad))
        i = int(np.searchsorted(A.indptr, k, side="right") - 1)
        raise ParameterError(f"A[{i}, {int(A.indices[k])}] is {float(A.data[k])}; edge weights must be finite")
    del bad
    g = cls()
    g._set_bulk(rows, None if keys is None else checked_keys(keys, p))
    symmetric = _is_symmetric(A)
    src = np.repeat(np.arange(p, dtype=A.indices.dtype), np.diff(A.indptr))
    take: np.ndarray | slice = src <= A.indices if symmetric else slice(None)
    # canonical CSR holds each pair once, in row-major order: the table's first-added order
    pairs = np.empty((int(np.count_nonzero(np.asarray(take))) if symmetric else src.size, 2), dtype=np.int64)
    pairs[:, 0] = src[take]
    del src
    pairs[:, 1] = A.indices[take]
    weights = A.data[take].astype(np.float64)
    weights += 0.0  # as summed from 0.0 (-0.0 becomes 0.0), like every other way of adding edges
    (g._links if symmetric else g._transitions).add_unique(pairs, weights)
    return g


def _is_symmetric(A: sp.csr_array) -> bool:
    """Whether canonical ``A`` equals its transpose: the same stored entries, equal values."""
    T = sp.csr_array(A.T)
    T.sum_duplicates()
    return (
        np.array_equal(A.indptr, T.indptr) and np.array_equal(A.indices, T.indices) and np.array_equal(A.data, T.data)
    )


def _bulk_rows(patterns) -> np.ndarray:
    """The (p, n) rows of an (n, p) ``patterns`` array or tensor, a C-ordered copy: float32
    stays float32, every other dtype becomes float64. Checked finite as one block."""
    if hasattr(patterns, "detach"):  # torch: numpy has no bfloat16; other dtypes convert as they are
        if patterns.dtype not in (torch.float32, torch.float64):
            patterns = patterns.to(torch.float64)
    arr = check.as_numpy("patterns", patterns, PatternError)
    if arr.ndim != 2:
        raise PatternError(
            f"patterns must be a 2-D (n, p) array, column mu the pattern of memory mu; got shape {arr.shape}"
        )
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)
    # NaN and inf make a column sum non-finite; the exact per-entry check runs only then
    # (it costs ten times the sums: 1.1 s at p = 3e5, n = 256)
    if arr.size and not np.isfinite(np.add.reduce(arr, axis=0, dtype=np.float64)).all():
        check.pattern_block(arr, None, range(arr.shape[1]))
    elif arr.shape[1] and not arr.shape[0]:
        check.pattern_block(arr, None, range(arr.shape[1]))  # says a pattern needs a neuron
    if arr.flags.writeable:  # torch transposes 3.5x faster than numpy (1.3 s against 4.7 s for 300 MB)
        return torch.from_numpy(arr).T.clone(memory_format=torch.contiguous_format).numpy()
    return np.array(arr.T, order="C")


def _edge_index(edge_index, p: int) -> np.ndarray:
    """``edge_index`` as a (2, E) int64 array of positions below ``p``, or a GraphError."""
    ei = check.as_numpy("edge_index", edge_index, GraphError)
    if ei.ndim != 2 or ei.shape[0] != 2:
        raise GraphError(
            f"edge_index must have shape (2, E) as in torch_geometric, got {ei.shape}; "
            "an (E, 2) array of pairs is edge_index.T"
        )
    if ei.size == 0:
        return np.empty((2, 0), dtype=np.int64)
    if not np.issubdtype(ei.dtype, np.integer):
        raise GraphError(f"edge_index must hold integer memory positions, got dtype {ei.dtype}")
    out = ei.astype(np.int64)
    bad = (out < 0) | (out >= p)
    if bad.any():
        r, k = (int(x[0]) for x in np.nonzero(bad))
        raise GraphError(
            f"edge_index[{r}, {k}] is {int(out[r, k])} but patterns hold {p} memories; "
            f"positions must lie in 0 .. {p - 1}"
        )
    return out


def _edge_weights(weights, E: int) -> np.ndarray:
    """``weights`` as (E,) finite float64, ones when None, or a ParameterError."""
    if weights is None:
        return np.ones(E, dtype=np.float64)
    w = check.as_numpy("weights", weights, ParameterError)
    if w.dtype == bool:
        raise ParameterError("weights must be real numbers, got booleans; pass weights.astype(float)")
    if w.shape != (E,):
        raise ParameterError(f"weights has shape {w.shape} but edge_index has {E} edges; give one weight per edge")
    w = w.astype(np.float64)
    bad = ~np.isfinite(w)
    if bad.any():
        k = int(np.argmax(bad))
        raise ParameterError(f"weights[{k}] is {w[k]}; edge weights must be finite")
    return w


def _jsonable(obj) -> bool:
    try:
        json.dumps(obj, allow_nan=False)
        return True
    except (TypeError, ValueError):
        return False
