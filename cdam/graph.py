"""MemoryGraph: memories as nodes, semantic links and transitions as weighted edges."""

from __future__ import annotations

import copy
import json
from collections.abc import Hashable, Iterable, Iterator, Mapping

import numpy as np

from . import _validation as check
from ._edges import EdgeTable
from .errors import (
    DuplicateKeyError,
    EmptyGraphError,
    FileFormatError,
    GraphError,
    PatternError,
    UnknownNodeError,
)
from .io import read_header, read_npz, write_npz

# the names these helpers had here before cdam.io held them
atomic_savez, parse_header = write_npz, read_header

__all__ = ["MemoryGraph"]

FILE_FORMAT = "cdam.MemoryGraph"
FILE_VERSION = 2  # 2: float32 patterns (graphs built from float32 by from_edges/from_scipy_sparse)
GRAPH_ARRAYS = ["header", "patterns", "link_index", "link_weight", "transition_index", "transition_weight"]


class MemoryGraph:
    r"""A weighted graph whose nodes are memories, each holding one pattern vector.

    Memories have hashable keys and real-valued patterns of a common length ``n`` (the
    number of neurons), fixed by the first pattern added. Edges are either *links*
    (undirected: "recalling u evokes v and v evokes u") or *transitions* (directed:
    "recalling u evokes v"). Self-loops are allowed and parallel edges sum their weights,
    so the weighted adjacency matrix is

    .. math::

        A_{\mu\nu} = \sum_{\text{transitions } \mu\to\nu} w
                   + \sum_{\text{links } \{\mu,\nu\}} w ,

    where an undirected self-loop ``{mu, mu}`` counts once. Node order is the order of
    insertion: ``g.memories[i]`` is the key of column ``i`` of :attr:`patterns` and of
    row ``i`` of every coupling matrix.

    Weights may be negative (inhibitory links). Normalisations then use absolute degrees,
    see :func:`cdam.couplings.normalize`.

    Examples
    --------
    >>> import numpy as np, cdam
    >>> g = cdam.MemoryGraph()
    >>> rng = np.random.default_rng(0)
    >>> for k in "abc":
    ...     g.add_memory(k, rng.random(50))
    >>> g.add_link("a", "b")
    >>> g.add_transition("b", "c", weight=2.0)
    >>> len(g), g.n_neurons, g.index("c")
    (3, 50, 2)
    >>> g.adjacency().toarray()
    array([[0., 1., 0.],
           [1., 0., 2.],
           [0., 0., 0.]])
    """

    def __init__(self, metadata: Mapping | None = None) -> None:
        # keys: a list, or range(p) for the default keys of a bulk constructor (a list and a
        # dict of 1e7 keys cost 0.9 GB); _index is then None until a lookup needs a dict
        self._keys: list[Hashable] | range = []
        self._index: dict[Hashable, int] | None = {}
        self._rows = np.empty((0, 0), dtype=np.float64)  # (capacity, n), row i is memory i
        self._n: int | None = None
        self._links = EdgeTable()  # (i, j) with i <= j -> summed weight
        self._transitions = EdgeTable()  # (i, j) -> summed weight
        self.metadata: dict = dict(metadata or {})
        self._version = 0  # bumped by every change of memories or edges (models compiled from it check it)

    # ------------------------------------------------------------------ memories
    def add_memory(self, key: Hashable, pattern) -> None:
        """Add a memory ``key`` holding ``pattern`` (1-D, length ``n``, finite).

        Raises
        ------
        DuplicateKeyError
            If ``key`` is already a memory.
        PatternError
            If the pattern is not 1-D, has the wrong length, or holds NaN or inf.
        """
        self.add_memories([key], [pattern])

    def add_memories(self, keys: Iterable[Hashable], patterns) -> None:
        """Add several memories at once; all are checked before any is added.

        ``patterns`` is a sequence of 1-D vectors, or an array of shape ``(n, m)`` whose
        column ``j`` is the pattern of ``keys[j]`` (the same layout as :attr:`patterns`).
        """
        keys = list(keys)
        if hasattr(patterns, "detach"):  # a torch tensor: same (n, m) layout as an array, not rows
            patterns = patterns.detach().cpu().numpy()
        block = None
        if isinstance(patterns, np.ndarray) and patterns.ndim == 2:
            if patterns.shape[1] != len(keys):
                raise PatternError(
                    f"patterns has shape {patterns.shape} but {len(keys)} keys were given; "
                    "pass an (n, m) array with one column per key"
                )
            # checked as one block: a per-column check costs seconds at 1e5 memories
            block = check.pattern_block(patterns, self._n, keys)
        else:
            patterns = list(patterns)
            if len(patterns) != len(keys):
                raise PatternError(f"{len(keys)} keys but {len(patterns)} patterns; give one pattern per key")
        seen = set()
        n = self._n
        rows = []
        for j, key in enumerate(keys):
            _check_hashable(key)
            if self._has_key(key) or key in seen:
                raise DuplicateKeyError(f"memory {key!r} already exists; keys must be unique")
            seen.add(key)
            if block is None:
                vec = check.pattern_vector(patterns[j], n, key=key)
                n = vec.size
                rows.append(vec)
        if not keys:
            return
        if block is not None:
            self._append_rows(block, block.shape[1])
        else:
            assert n is not None  # set by the first pattern of the loop
            self._append_rows(np.stack(rows), n)
        self._list_keys()
        assert self._index is not None and isinstance(self._keys, list)
        for key in keys:
            self._index[key] = len(self._keys)
            self._keys.append(key)
        self._version += 1

    def _append_rows(self, rows: np.ndarray, n: int) -> None:
        # add_memories stores float64; a float32 graph (from_edges, from_scipy_sparse) turns
        # float64 when such rows arrive, so no value is rounded
        p = len(self._keys)
        if self._n is None:
            self._n = n
            self._rows = np.empty((max(16, rows.shape[0]), n), dtype=np.float64)
        need = p + rows.shape[0]
        if need > self._rows.shape[0] or self._rows.dtype != np.float64:
            grown = np.empty((max(need, 2 * self._rows.shape[0]), self._n), dtype=np.float64)
            grown[:p] = self._rows[:p]
            self._rows = grown
        self._rows[p:need] = rows

    def _set_bulk(self, rows: np.ndarray, keys) -> None:
        """Memories of an empty graph from checked (p, n) float32 or float64 ``rows`` (kept,
        not copied) and ``keys`` (None for ``0 .. p-1``, else a list of distinct keys)."""
        assert not self._keys and rows.dtype in (np.float32, np.float64)
        self._n = int(rows.shape[1])
        self._rows = rows
        if keys is None:
            self._keys, self._index = range(rows.shape[0]), None
        else:
            self._keys, self._index = keys, {k: i for i, k in enumerate(keys)}
        self._version += 1

    def _list_keys(self) -> None:
        """Turn range keys into a list and a dict, before a memory with any key is added."""
        if isinstance(self._keys, range):
            self._keys = list(self._keys)
            self._index = {k: i for i, k in enumerate(self._keys)}

    def _position(self, key) -> int:
        """The row of ``key``, as a dict lookup finds it (so ``1.0`` and ``True`` find 1)."""
        if self._index is not None:
            return self._index[key]
        p = len(self._keys)
        if isinstance(key, (float, np.floating)):
            if not float(key).is_integer():
                raise KeyError(key)  # no int key equals it
            key = int(key)
        if isinstance(key, (int, np.integer)):
            if 0 <= key < p:
                return int(key)
            raise KeyError(key)
        hash(key)  # unhashable keys raise TypeError, as a dict would
        self._index = {k: i for i, k in enumerate(self._keys)}  # an unusual numeric type: let a dict decide
        return self._index[key]

    def _has_key(self, key) -> bool:
        try:
            self._position(key)
            return True
        except KeyError:
            return False

    @classmethod
    def from_patterns(cls, patterns, keys: Iterable[Hashable] | None = None) -> MemoryGraph:
        """A graph with no edges whose memories are the columns of ``patterns`` (n, p).

        Keys default to ``0 .. p-1``.

        Examples
        --------
        >>> import numpy as np, cdam
        >>> g = cdam.MemoryGraph.from_patterns(np.eye(4))
        >>> g.memories
        [0, 1, 2, 3]
        """
        arr = np.asarray(patterns)
        if arr.ndim != 2:
            raise PatternError(f"patterns must be a 2-D (n, p) array, got shape {arr.shape}")
        g = cls()
        g.add_memories(range(arr.shape[1]) if keys is None else keys, arr)
        return g

    @property
    def memories(self) -> list[Hashable]:
        """Keys of the memories, in node order."""
        return list(self._keys)

    def index(self, key: Hashable) -> int:
        """Position of memory ``key`` in node order.

        Raises
        ------
        UnknownNodeError
            If no memory has this key.
        """
        try:
            return self._position(key)
        except (KeyError, TypeError):
            raise UnknownNodeError(_unknown_message(key, self._keys)) from None

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key) -> bool:
        try:
            return self._has_key(key)
        except TypeError:
            return False

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._keys if isinstance(self._keys, range) else list(self._keys))

    @property
    def n_neurons(self) -> int | None:
        """Length ``n`` of every pattern; None until the first memory is added."""
        return self._n

    def _pattern_rows(self) -> np.ndarray:
        """The stored rows (p, n), memory ``i`` in row ``i``: a view, no copy. Callers copy
        what they keep and never write to it (compile reads it once)."""
        return self._rows[: len(self._keys)] if self._n is not None else np.empty((0, 0))

    @property
    def patterns(self) -> np.ndarray:
        """The patterns as an array of shape ``(n, p)``; column ``i`` is memory ``i``.

        float64, or float32 for a graph that :meth:`from_edges` or :meth:`from_scipy_sparse`
        built from float32 patterns. A copy: changing it does not change the graph.
        """
        if self._n is None:
            return np.empty((0, 0), dtype=np.float64)
        return self._rows[: len(self._keys)].T.copy()

    def pattern(self, key: Hashable) -> np.ndarray:
        """A copy of the pattern of memory ``key``."""
        return self._rows[self.index(key)].copy()

    # ------------------------------------------------------------------ edges
    def add_link(self, u: Hashable, v: Hashable, weight: float = 1.0) -> None:
        """Add an undirected link between memories ``u`` and ``v`` (both directions).

        Adding the same link again adds its weight to the existing one.
        """
        self.add_links_from([(u, v, weight)])

    def add_transition(self, u: Hashable, v: Hashable, weight: float = 1.0) -> None:
        """Add a directed transition ``u -> v``: recalling ``u`` should evoke ``v``."""
        self.add_transitions_from([(u, v, weight)])

    def add_links_from(self, edges: Iterable) -> None:
        """Add undirected links from ``(u, v)`` or ``(u, v, weight)`` tuples, all or none."""
        i, j, w = self._checked_edges(edges, "link")
        self._links.add([min(a, b) for a, b in zip(i, j)], [max(a, b) for a, b in zip(i, j)], w)
        self._version += 1

    def add_transitions_from(self, edges: Iterable) -> None:
        """Add directed transitions from ``(u, v)`` or ``(u, v, weight)`` tuples, all or none."""
        self._transitions.add(*self._checked_edges(edges, "transition"))
        self._version += 1

    def _add_index_links(self, rows, cols, weights) -> None:
        """Links between memory positions (``rows[k] <= cols[k]``, no pair twice, finite
        weights): what a caller that validated a whole adjacency matrix already knows, set
        without the per-edge checks of :meth:`add_links_from` (0.1 s per 14k links)."""
        self._links.add(np.asarray(rows), np.asarray(cols), np.asarray(weights, dtype=np.float64))
        self._version += 1

    def _checked_edges(self, edges: Iterable, kind: str) -> tuple[list[int], list[int], list[float]]:
        """The source and target positions and float weights of ``(u, v[, w])`` edges, all checked."""
        checked = []
        for edge in edges:
            if not isinstance(edge, (tuple, list)) or len(edge) not in (2, 3):
                raise GraphError(f"each {kind} must be (u, v) or (u, v, weight), got {edge!r}")
            u, v = edge[0], edge[1]
            w = edge[2] if len(edge) == 3 else 1.0
            i, j = self.index(u), self.index(v)
            w = check.finite_real(f"weight of {kind} {u!r} -> {v!r}", w)
            checked.append((i, j, w))
        if not checked:
            return [], [], []
        rows, cols, weights = zip(*checked)
        return list(rows), list(cols), list(weights)

    @property
    def links(self) -> list[tuple[Hashable, Hashable, float]]:
        """Undirected links as ``(u, v, weight)``, parallel links already summed."""
        return [(self._keys[i], self._keys[j], w) for (i, j), w in self._links.items()]

    @property
    def transitions(self) -> list[tuple[Hashable, Hashable, float]]:
        """Directed transitions as ``(u, v, weight)``, parallel ones already summed."""
        return [(self._keys[i], self._keys[j], w) for (i, j), w in self._transitions.items()]

    @property
    def is_directed(self) -> bool:
        """True when the graph holds at least one transition."""
        return bool(self._transitions)

    def number_of_edges(self) -> int:
        """Number of distinct links plus distinct transitions."""
        return len(self._links) + len(self._transitions)

    def adjacency(self):
        """The weighted adjacency ``A`` (p, p) as scipy CSR; ``A[mu, nu]`` is mu -> nu."""
        from .convert import to_scipy_sparse

        return to_scipy_sparse(self)

    def compile(self, normalization: str = "sym", **kwargs):
        """Compile to :class:`cdam.couplings.Couplings`; see :func:`cdam.couplings.compile`."""
        from .couplings import compile as _compile

        return _compile(self, normalization=normalization, **kwargs)

    def require_nonempty(self) -> None:
        """Raise :class:`EmptyGraphError` if the graph has no memories."""
        if not self._keys:
            raise EmptyGraphError("the memory graph is empty; add memories with add_memory(key, pattern) first")

    def copy(self) -> MemoryGraph:
        """An independent copy."""
        g = MemoryGraph(copy.deepcopy(self.metadata))
        if self._keys:
            keys = None if isinstance(self._keys, range) else list(self._keys)
            g._set_bulk(self._pattern_rows().copy(), keys)
        g._links = self._links.copy()
        g._transitions = self._transitions.copy()
        return g

    def __repr__(self) -> str:
        kind = "directed" if self.is_directed else "undirected"
        return (
            f"MemoryGraph({len(self)} memories, n={self._n}, {len(self._links)} links, "
            f"{len(self._transitions)} transitions, {kind})"
        )

    # ------------------------------------------------------------------ conversions (cdam.convert)
    @classmethod
    def from_networkx(
        cls, G, patterns=None, *, pattern_attr: str = "pattern", weight: str = "weight"
    ) -> MemoryGraph:
        """Build a memory graph from a networkx graph.

        Parameters
        ----------
        G : networkx.Graph, DiGraph, MultiGraph or MultiDiGraph
            Nodes become memories (keys are the node names, in ``G``'s node order).
            Undirected edges become links, directed edges transitions; parallel edges sum.
        patterns : mapping, array or None
            A mapping ``node -> vector``, or an array of shape ``(n, p)`` whose column ``i``
            is the pattern of the ``i``-th node of ``G``. None reads the node attribute
            ``pattern_attr``.
        weight : str
            Edge attribute holding the weight; a missing attribute means 1.

        Examples
        --------
        >>> import networkx as nx, numpy as np, cdam
        >>> G = nx.cycle_graph(5)
        >>> g = cdam.MemoryGraph.from_networkx(G, np.random.default_rng(0).random((100, 5)))
        >>> len(g), len(g.links)
        (5, 5)
        """
        from .convert import from_networkx

        return from_networkx(G, patterns, pattern_attr=pattern_attr, weight=weight, cls=cls)

    @classmethod
    def from_edges(
        cls, edge_index, patterns, weights=None, directed: bool = False, *, keys: Iterable[Hashable] | None = None
    ) -> MemoryGraph:
        r"""Build a memory graph from an edge list, without a Python object per edge.

        Parameters
        ----------
        edge_index : array or tensor of int, shape (2, E)
            Column ``k`` is an edge from memory ``edge_index[0, k]`` to ``edge_index[1, k]``
            (positions, as in torch_geometric). Self-loops are allowed; parallel edges sum.
        patterns : array or tensor, shape (n, p)
            Column ``mu`` is the pattern of memory ``mu``. float32 stays float32 (half the
            memory: 2.56 GB at p = 1e7, n = 64); any other dtype is stored as float64.
        weights : array or tensor, shape (E,), optional
            Edge weights, finite (negative ones are inhibitory); ones when omitted.
        directed : bool
            False: column ``k`` is the undirected link ``{u, v}``, so the adjacency is
            :math:`A_{uv} = A_{vu} = \sum_k w_k` over the columns joining ``u`` and ``v``
            in either order. An ``edge_index`` that lists each link in both directions (as
            torch_geometric's undirected graphs do) therefore doubles every weight: pass
            ``edge_index[:, edge_index[0] <= edge_index[1]]``, or use :meth:`from_pyg`.
            True: column ``k`` is the transition ``u -> v``, :math:`A_{uv} = \sum_k w_k`.
        keys : sequence of p distinct hashables, optional
            The memories' keys; ``0 .. p-1`` when omitted.

        The graph equals the one built by :meth:`from_patterns` and :meth:`add_links_from`
        (or :meth:`add_transitions_from`) with the same edges in the same order: the same
        links, summed weights and compiled couplings.

        Raises
        ------
        GraphError
            If ``edge_index`` is not (2, E) integer or names a position outside ``0 .. p-1``,
            or the keys are not ``p`` distinct hashables (:class:`DuplicateKeyError`).
        ParameterError
            If ``weights`` has the wrong length or holds NaN or inf.
        PatternError
            If ``patterns`` is not 2-D or holds NaN or inf.

        Examples
        --------
        >>> import numpy as np, cdam
        >>> patterns = np.random.default_rng(0).random((100, 4), dtype=np.float32)
        >>> g = cdam.MemoryGraph.from_edges(np.array([[0, 1, 1], [1, 2, 2]]), patterns)
        >>> g.links, g.patterns.dtype
        ([(0, 1, 1.0), (1, 2, 2.0)], dtype('float32'))
        >>> g = cdam.MemoryGraph.from_edges([[0, 3], [1, 3]], patterns, weights=[0.5, -1.0], directed=True)
        >>> g.adjacency().toarray()
        array([[ 0. ,  0.5,  0. ,  0. ],
               [ 0. ,  0. ,  0. ,  0. ],
               [ 0. ,  0. ,  0. ,  0. ],
               [ 0. ,  0. ,  0. , -1. ]])
        """
        from .convert import from_edges

        return from_edges(edge_index, patterns, weights, directed, keys=keys, cls=cls)

    @classmethod
    def from_scipy_sparse(cls, A, patterns, keys: Iterable[Hashable] | None = None) -> MemoryGraph:
        r"""Build a memory graph from a weighted adjacency matrix, without a Python object per edge.

        Parameters
        ----------
        A : scipy.sparse matrix or array, or a dense array, shape (p, p)
            ``A[mu, nu]`` is the weight of the edge mu -> nu (finite; negative weights are
            inhibitory; the diagonal holds self-loops). Duplicate entries of a COO input sum.
            ``A`` is read as a whole: if it equals its transpose (the same stored entries with
            the same values) each stored entry on or above the diagonal becomes an undirected
            link; otherwise every stored entry becomes a directed transition, a symmetric pair
            inside an asymmetric ``A`` included (two transitions, not one link). Either way
            :meth:`adjacency` returns ``A`` and :meth:`compile` gives the same couplings.
            An explicitly stored zero is kept as an edge of weight 0 (it changes no coupling;
            call ``A.eliminate_zeros()`` first to drop such entries); a dense array's zeros
            are no edges.
        patterns : array or tensor, shape (n, p)
            Column ``mu`` is the pattern of memory ``mu``; float32 stays float32, any other
            dtype is stored as float64.
        keys : sequence of p distinct hashables, optional
            The memories' keys, in the order of ``A``'s rows; ``0 .. p-1`` when omitted.

        Raises
        ------
        GraphError
            If ``A`` is not (p, p) for the ``p`` columns of ``patterns``, or the keys are not
            ``p`` distinct hashables (:class:`DuplicateKeyError`).
        ParameterError
            If ``A`` holds NaN, inf or complex values.
        PatternError
            If ``patterns`` is not 2-D or holds NaN or inf.

        Examples
        --------
        >>> import numpy as np, scipy.sparse as sp, cdam
        >>> A = sp.csr_array(np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 2.0], [0.0, 2.0, 1.0]]))
        >>> g = cdam.MemoryGraph.from_scipy_sparse(A, np.eye(3), keys=["a", "b", "c"])
        >>> g.links
        [('a', 'b', 1.0), ('b', 'c', 2.0), ('c', 'c', 1.0)]
        >>> cdam.MemoryGraph.from_scipy_sparse(sp.triu(A), np.eye(3)).transitions
        [(0, 1, 1.0), (1, 2, 2.0), (2, 2, 1.0)]
        """
        from .convert import from_scipy_sparse

        return from_scipy_sparse(A, patterns, keys, cls=cls)

    def to_networkx(self, pattern_attr: str = "pattern"):
        """A networkx ``Graph`` (no transitions) or ``DiGraph`` (links become two arcs).

        Each node carries a copy of its pattern in ``pattern_attr``; edges carry ``weight``.
        """
        from .convert import to_networkx

        return to_networkx(self, pattern_attr)

    def to_pyg(self, dtype=None):
        """A torch_geometric ``Data`` with ``x`` (p, n), ``edge_index`` and ``edge_weight``.

        Links appear once in each direction, as torch_geometric's undirected graphs do.
        ``data.memory_keys`` holds the keys in node order. ``dtype`` defaults to float64 so
        the round trip through :meth:`from_pyg` is exact; pass ``torch.float32`` for layers.
        """
        from .convert import to_pyg

        return to_pyg(self, dtype)

    @classmethod
    def from_pyg(cls, data, keys: Iterable[Hashable] | None = None) -> MemoryGraph:
        """Build a memory graph from a torch_geometric ``Data``.

        ``data.x`` (p, n) holds the patterns; ``edge_weight`` defaults to ones. Duplicate
        edges sum. An edge set that is symmetric (with equal weights) becomes undirected
        links, anything else directed transitions. Keys come from ``keys``, else
        ``data.memory_keys``, else ``0 .. p-1``.
        """
        from .convert import from_pyg

        return from_pyg(data, keys, cls=cls)

    # ------------------------------------------------------------------ persistence
    def save(self, path) -> None:
        """Save to ``path`` exactly: keys, patterns (float64 bits), links, transitions, metadata.

        The file is a NumPy ``.npz`` archive (no pickle) holding the arrays and a JSON
        header with format name and version. The write is atomic: a temporary file in the
        same folder is renamed over ``path``, so an interrupted save never leaves a broken
        file under the target name.

        Keys may be str, int, float, bool, None or tuples of these; metadata must be JSON.
        """
        write_npz(path, self._to_arrays())

    def _to_arrays(self, fmt: str = FILE_FORMAT, **extra) -> dict[str, np.ndarray]:
        """The arrays of a cdam file: this graph, and ``extra`` entries in the JSON header."""
        header = {
            "format": fmt,
            "version": 2 if self._rows.dtype == np.float32 else 1,  # float64 graphs stay readable by version 1
            "n": self._n,
            "keys": [_encode_key(k) for k in self._keys],
            "metadata": self.metadata,
            **extra,
        }
        try:
            header_bytes = json.dumps(header, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            raise GraphError(
                f"metadata cannot be saved as JSON ({exc}); keep it to str, numbers, lists, dicts"
            ) from None
        if json.loads(header_bytes)["metadata"] != self.metadata:  # tuples, int keys: JSON would change them
            raise GraphError(
                "metadata would not load back unchanged (tuples become lists, non-str dict keys become str); "
                "keep it to str keys, numbers, str, bool, None, lists and dicts"
            )
        arrays: dict[str, np.ndarray] = {
            "header": np.frombuffer(header_bytes, dtype=np.uint8),
            "patterns": self._rows[: len(self._keys)] if self._n is not None else np.empty((0, 0)),
            "link_index": self._links.index_array(),
            "link_weight": self._links.weight_array(),
            "transition_index": self._transitions.index_array(),
            "transition_weight": self._transitions.weight_array(),
        }
        return arrays

    @classmethod
    def load(cls, path) -> MemoryGraph:
        """Load a graph written by :meth:`save`.

        Raises
        ------
        FileFormatError
            If the file is truncated, corrupted, not a cdam graph, or of a newer version.
        """
        arrays = read_npz(path, GRAPH_ARRAYS)
        header = read_header(arrays["header"], FILE_FORMAT, FILE_VERSION, path)
        return cls._from_arrays(arrays, header, path)

    @classmethod
    def _from_arrays(cls, arrays: dict, header: dict, path) -> MemoryGraph:
        """Rebuild a graph from the arrays and header of a cdam file, checking every part."""
        try:
            keys = [_decode_key(k) for k in header["keys"]]
            pats = arrays["patterns"]
            allowed = (np.float64, np.float32) if header["version"] >= 2 else (np.float64,)
            if pats.dtype not in allowed or pats.ndim != 2 or pats.shape[0] != len(keys):
                raise ValueError("pattern array does not match the keys")
            if keys and pats.shape[1] != header["n"]:
                raise ValueError("pattern length does not match the header")
            g = cls(metadata=header.get("metadata") or {})
            if keys:
                check.pattern_block(pats.T, None, keys)  # finite, checked as one block
                g._set_bulk(np.ascontiguousarray(pats), checked_keys(keys, len(keys)))
            for name, table in (("link", g._links), ("transition", g._transitions)):
                idx, w = arrays[f"{name}_index"], arrays[f"{name}_weight"]
                if idx.ndim != 2 or idx.shape[1] != 2 or w.shape != (idx.shape[0],):
                    raise ValueError(f"{name} arrays have inconsistent shapes")
                if idx.size and (idx.min() < 0 or idx.max() >= len(keys)):
                    raise ValueError(f"{name} index out of range")
                w = np.asarray(w, dtype=np.float64)
                if not np.issubdtype(idx.dtype, np.integer) or not np.isfinite(w).all():
                    raise ValueError(f"{name} arrays must hold integer positions and finite weights")
                if name == "link":
                    table.add(idx.min(axis=1), idx.max(axis=1), w)
                else:
                    table.add(idx[:, 0], idx[:, 1], w)
        except FileFormatError:
            raise
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise FileFormatError(f"{path!s} is not a valid cdam graph file: {exc}") from None
        return g


# ---------------------------------------------------------------------- helpers
def _check_hashable(key) -> None:
    try:
        hash(key)
    except TypeError:
        raise GraphError(f"memory keys must be hashable, got {type(key).__name__} {key!r}") from None


def _unknown_message(key, keys) -> str:
    shown = ", ".join(repr(k) for k in keys[:5]) + (", ..." if len(keys) > 5 else "")
    return f"unknown memory {key!r}; add it with add_memory first (known: {shown or 'none'})"


def checked_keys(keys, p: int) -> list:
    """``keys`` as a list of ``p`` distinct hashables, or a GraphError saying what to fix."""
    keys = list(keys)
    if len(keys) != p:
        raise GraphError(f"{len(keys)} keys for {p} memories; give one key per column of patterns, or keys=None")
    for key in keys:
        _check_hashable(key)
    if len(set(keys)) != p:
        seen: set = set()
        for dup in keys:
            if dup in seen:
                break
            seen.add(dup)
        raise DuplicateKeyError(f"key {dup!r} appears twice; keys must be distinct")
    return keys


def _encode_key(key):
    # fixed type tags: type(key).__name__ named subclasses (numpy.str_ -> "str_") that load refused
    if key is None:
        return {"t": "NoneType", "v": None}
    if isinstance(key, bool):
        return {"t": "bool", "v": key}
    if isinstance(key, str):
        return {"t": "str", "v": str.__str__(key)}  # the characters, not a subclass __str__
    if isinstance(key, int):
        return {"t": "int", "v": int(key)}
    if isinstance(key, float):
        if key != key or key in (float("inf"), float("-inf")):
            raise GraphError(f"key {key!r} cannot be saved; use finite floats, str or int keys")
        return {"t": "float", "v": float(key)}
    if isinstance(key, tuple):
        return {"t": "tuple", "v": [_encode_key(k) for k in key]}
    if isinstance(key, (np.integer, np.floating, np.bool_)):
        return _encode_key(key.item())
    raise GraphError(
        f"key {key!r} of type {type(key).__name__} cannot be saved; use str, int, float, bool, None or tuples of these"
    )


def _decode_key(obj):
    t, v = obj["t"], obj["v"]
    if t == "tuple":
        return tuple(_decode_key(k) for k in v)
    expected = {"NoneType": type(None), "bool": bool, "str": str, "int": int, "float": (float, int)}
    if t not in expected or not isinstance(v, expected[t]) or (t == "int" and isinstance(v, bool)):
        raise ValueError(f"bad key record {obj!r}")
    return float(v) if t == "float" else v
