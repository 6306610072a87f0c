r"""CandidateSlots: a slot store that reads only a candidate set of memories per query.

:class:`~cdam.backends.DenseSlots` scores every memory, :math:`O(Bpn)` per step. For
:math:`p` in the millions that scan is the whole cost of a step; a read with ``topk=k`` then
uses only :math:`k` of the :math:`p` scores. :class:`CandidateSlots` finds a small candidate
set per query instead, scores the candidates exactly, and attends over the best ``k`` of them:

1. **Approximate nearest neighbours** (the ``ann`` extra, faiss-cpu): an inner-product index
   over the keys returns ``candidates`` memories per query, :math:`O(B\,c\,n)` plus the
   index's own search cost.
2. **The graph neighbourhood** (optional, ``neighbours=M``): the memories linked in ``M`` to
   the best candidates join the set. Hetero-association moves the attention from a memory to
   its successors, so the next attended memory is, as a rule, a neighbour of the current one.
   :meth:`CandidateSlots.read` also takes ``previous``, the memories attended last step, and
   adds them and their neighbours; :meth:`cdam.CDAM.run` passes each run's last read (its cue
   at the first read).

:meth:`CandidateSlots.retrieve` returns the read in its compact form (``Retrieval.index``,
(B, k) weights): a step never forms a (B, p) array, and the run keeps its attention summaries
sparse.

The candidates' scores :math:`q\cdot\xi_\mu` are recomputed exactly in torch (the index only
chooses who is scored), so a read whose candidate set holds the true top ``k`` equals
``DenseSlots(topk=k)`` to round-off.

faiss is imported on first use (building a store that needs an index), never by ``import cdam``.
"""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
import torch

from .. import _validation as check
from .._optional import require
from ..couplings import FactoredValues
from ..errors import ParameterError, StateError
from .base import Retrieval, StorageBackend
from .slots import gather_read

__all__ = ["CandidateRead", "CandidateSlots", "INDEX_KINDS"]

INDEX_KINDS = ("hnsw", "ivf", "flat")
# rows of queries scored at once: keeps the gathered candidate keys (rows, c, n) near 64 MiB
_GATHER_ELEMENTS = 1 << 24


class CandidateRead(NamedTuple):
    """A candidate read in its compact form: ``k`` memories per query, not ``p`` weights.

    Attributes
    ----------
    index : torch.Tensor (B, k), int64
        The memories attended, best first (an entry whose weight is 0 is padding).
    weights : torch.Tensor (B, k)
        Their attention; each row sums to 1.
    values : torch.Tensor (B, d) or None
        ``weights`` times the gathered value rows (None from :meth:`CandidateSlots.attend`).
    scores : torch.Tensor (B, k)
        Their exact scores ``query . key`` (``-inf`` for padding).
    discarded : torch.Tensor (B,), float64
        The estimate of the softmax mass left out: ``discarded_high``.
    discarded_low, discarded_high : torch.Tensor (B,), float64
        Bounds on the mass outside ``index`` (see :class:`CandidateSlots`).
    n_scored : torch.Tensor (B,), int64
        Distinct memories scored exactly for each query.
    """

    index: torch.Tensor  # type: ignore[assignment]  # the field's name shadows tuple.index, on purpose
    weights: torch.Tensor
    values: torch.Tensor | None
    scores: torch.Tensor
    discarded: torch.Tensor
    discarded_low: torch.Tensor
    discarded_high: torch.Tensor
    n_scored: torch.Tensor


class CandidateSlots(StorageBackend):
    r"""One slot per memory, read over a candidate set found without scanning every memory.

    For a query :math:`q` with candidate set :math:`C` (exactly scored,
    :math:`s_\mu = q\cdot\xi_\mu`) and its ``k`` best :math:`K\subseteq C`,

    .. math::

        w_\mu = \frac{e^{\beta s_\mu}}{\sum_{\nu\in K} e^{\beta s_\nu}}\ (\mu\in K),\qquad
        \text{read} = \sum_{\mu\in K} w_\mu V_\mu .

    **Discarded mass.** The exact mass outside :math:`K` is
    :math:`\varepsilon = (Z_C - Z_K + Z_U)/(Z_C + Z_U)` with :math:`Z_S = \sum_{\mu\in S}
    e^{\beta(s_\mu - m)}`, :math:`m` the best candidate score and :math:`U` the
    :math:`p - |C|` memories not scored. :math:`\varepsilon` grows with :math:`Z_U \ge 0`, so

    .. math::

        \varepsilon_{\text{low}} = \frac{Z_C - Z_K}{Z_C} \;\le\; \varepsilon \;\le\;
        \varepsilon_{\text{high}} = \frac{Z_C - Z_K + \bar Z_U}{Z_C + \bar Z_U},\qquad
        \bar Z_U = (p - |C|)\,e^{\beta(t - m)},

    where :math:`t` is the lowest score among the index's candidates (among all candidates for
    ``index=None``, where the bound is only a guess: a graph neighbourhood promises no
    ranking). The lower bound always holds. The upper bound holds whenever no unscored memory
    scores above :math:`t`: always for ``index="flat"`` (the index returns the true top
    ``candidates``), and as far as the approximate index's recall goes for ``"hnsw"`` and
    ``"ivf"`` (a missed memory scoring above :math:`t` can push :math:`\varepsilon` past it).
    :attr:`Retrieval.discarded` is the conservative :math:`\varepsilon_{\text{high}}`;
    :meth:`read` returns both bounds. The read is off by at most
    :math:`2\varepsilon\max_\mu\lVert V_\mu\rVert_\infty` per entry, as for
    ``DenseSlots(topk=k)``.

    **Scores and centring.** The index holds :math:`\xi_\mu - \bar\xi` (``center_keys=True``):
    :math:`q\cdot(\xi_\mu - \bar\xi) = q\cdot\xi_\mu - q\cdot\bar\xi` differs from the model's
    score by a constant per query, so the inner-product ranking of every query is exactly the
    model's, while the keys stop pointing all along the mean (U[0,1) patterns make every
    raw key nearly parallel, which hurts graph- and cluster-based indexes). The query is never
    centred: :math:`(q-\bar\xi)\cdot\xi_\mu` ranks memories differently.

    Parameters
    ----------
    keys, values : torch.Tensor, optional
        Initial associations, (p, n) and (p, d); ``values`` may be a
        :class:`~cdam.couplings.FactoredValues`. CDAM passes them through :meth:`store`.
    k : int
        Memories attended per query (the ``topk`` of ``DenseSlots``).
    candidates : int, optional
        Memories the index returns per query, ``>= k`` (default ``max(4 k, 32)``).
    index : {"hnsw", "ivf", "flat"} or faiss.Index
        ``"hnsw"``: ``faiss.IndexHNSWFlat`` (no training; build cost grows with ``p log p``).
        ``"ivf"``: ``faiss.IndexIVFFlat`` with ``nlist`` k-means cells, ``nprobe`` searched.
        ``"flat"``: ``faiss.IndexFlatIP``, exact (a reference: it scans every key).
        An empty faiss index built with ``METRIC_INNER_PRODUCT`` is used as given (trained
        here on the keys if it needs it).
    hnsw_m, ef_construction, ef_search : int
        HNSW links per node, build and search beam widths (``ef_search`` is raised to
        ``candidates`` when smaller). Random U[0,1) patterns are the hard case for any index
        (no structure to exploit): at n = 256 the true top 16 needed ``ef_search`` ~ 512 to
        be found 3 times in 4 (``benchmarks/bench_candidates.py``).
    nlist, nprobe : int, optional
        IVF cells (default about :math:`4\sqrt p`) and cells searched per query (default 16).
    neighbours : scipy.sparse matrix (p, p), optional
        Coupling matrix (``Couplings.M``) whose links, in both directions, extend the
        candidates: the up to ``max_neighbours`` strongest links of each of the ``expand``
        best index candidates (and of ``previous`` in :meth:`read`).
    follow : int, optional
        Use only the first ``follow`` memories of ``previous`` (a read's index is best first):
        they and their neighbours join the candidates. Default: all of them.
    max_neighbours : int
        Links kept per memory (the strongest by absolute weight).
    expand : int, optional
        How many of the best index candidates bring their neighbours (default ``k``).
    center_keys : bool
        Index :math:`\xi_\mu - \bar\xi` (see above); False indexes the raw keys.
    seed : int
        Seed of the IVF k-means. HNSW built on several threads is not bit-reproducible
        (faiss's insertion order races); the exact re-scoring keeps results exact whenever
        the true top ``k`` are among the candidates.

    Examples
    --------
    Without an index (``index=None``) the candidates come from the graph alone, through
    ``previous``; this needs no faiss:

    >>> import numpy as np, scipy.sparse as sp, torch
    >>> keys = torch.eye(4)
    >>> ring = sp.csr_matrix(np.roll(np.eye(4), 1, axis=1))  # 0 -> 1 -> 2 -> 3 -> 0
    >>> s = CandidateSlots(keys, keys, k=2, index=None, neighbours=ring)
    >>> r = s.read(torch.tensor([[1., 5., 1., 0.]]), beta=1.0, previous=torch.tensor([[0]]))
    >>> r.index.tolist()  # scored: 0 and its neighbours 1 and 3; 2 was never looked at
    [[1, 0]]
    >>> r.weights.round(decimals=4)
    tensor([[0.9820, 0.0180]])
    >>> s.neighbour_table.tolist()  # both directions of each link, padded with the memory itself
    [[1, 3], [0, 2], [1, 3], [0, 2]]

    With faiss installed (``pip install 'cdam[ann]'``) the index finds the candidates:
    ``CandidateSlots(k=16, index="hnsw")`` as the ``backend=`` of :class:`cdam.CDAM`.
    """

    accepts_factored_values = True  # values may be a FactoredValues (read from the factors)

    def __init__(
        self,
        keys: torch.Tensor | None = None,
        values=None,
        *,
        k: int = 16,
        candidates: int | None = None,
        index="hnsw",
        hnsw_m: int = 32,
        ef_construction: int = 40,
        ef_search: int = 128,
        nlist: int | None = None,
        nprobe: int = 16,
        neighbours=None,
        max_neighbours: int = 16,
        expand: int | None = None,
        follow: int | None = None,
        center_keys: bool = True,
        seed: int = 0,
    ):
        self.k = check.positive_int("k", k)
        self.candidates = max(4 * self.k, 32) if candidates is None else check.positive_int("candidates", candidates)
        if self.candidates < self.k:
            raise ParameterError(
                f"candidates ({self.candidates}) must be >= k ({self.k}): the k attended come from the candidates"
            )
        if index is None:
            if neighbours is None:
                raise ParameterError("index=None finds candidates from the graph alone: give neighbours=M too")
        elif isinstance(index, str):
            check.choice("index", index, INDEX_KINDS)
        elif not hasattr(index, "search") or not hasattr(index, "add"):
            raise ParameterError(f"index must be one of {INDEX_KINDS}, None or an empty faiss index, got {index!r}")
        self.index_kind = index
        self.hnsw_m = check.positive_int("hnsw_m", hnsw_m, minimum=2)
        self.ef_construction = check.positive_int("ef_construction", ef_construction)
        self.ef_search = check.positive_int("ef_search", ef_search)
        self.nlist = None if nlist is None else check.positive_int("nlist", nlist)
        self.nprobe = check.positive_int("nprobe", nprobe)
        if self.nlist is not None and self.nprobe > self.nlist:
            raise ParameterError(f"nprobe ({self.nprobe}) cannot exceed nlist ({self.nlist}), the cells there are")
        if neighbours is not None and not sp.issparse(neighbours):
            raise ParameterError(
                f"neighbours must be a scipy.sparse (p, p) matrix such as Couplings.M, got {type(neighbours).__name__}"
            )
        # the table is built now and the matrix not kept: at p = 1e7 each is over 1 GB
        self._graph_width = None if neighbours is None else _checked_square(neighbours)
        self.max_neighbours = check.positive_int("max_neighbours", max_neighbours)
        self.expand = self.k if expand is None else check.positive_int("expand", expand, minimum=0)
        if self.expand > self.candidates:
            raise ParameterError(f"expand ({self.expand}) cannot exceed candidates ({self.candidates})")
        self.follow = None if follow is None else check.positive_int("follow", follow)
        if not isinstance(center_keys, bool):
            raise ParameterError(f"center_keys must be True or False, got {center_keys!r}")
        self.center_keys = center_keys
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
            raise ParameterError(f"seed must be an int (the IVF k-means seed), got {seed!r}")
        self.seed: int = int(seed)
        self.keys: torch.Tensor | None = None
        self.values: Any = None  # a (p, d) tensor or FactoredValues, once stored
        self.index: Any = None  # the faiss index, once built
        self.neighbour_table: torch.Tensor | None = (
            None if neighbours is None else _neighbour_table(neighbours, self.max_neighbours)
        )
        if keys is not None or values is not None:
            if keys is None or values is None:
                raise ParameterError("give both keys and values, or neither")
            self.store(keys, values)

    # -- writing
    def store(self, keys: torch.Tensor, values) -> None:
        """Write all ``keys`` (p, n) and ``values`` (p, d) and build the index (once)."""
        if self.keys is not None:
            raise StateError("a CandidateSlots is written once (its index covers all keys); build a new one")
        if keys.ndim != 2 or len(values.shape) != 2 or keys.shape[0] != values.shape[0]:
            raise StateError(
                "keys (m, n) and values (m, d) need the same number of rows, "
                f"got {tuple(keys.shape)} and {tuple(values.shape)}"
            )
        p = int(keys.shape[0])
        if p < self.k:
            raise ParameterError(f"k ({self.k}) exceeds the {p} memories stored; use k <= {p}")
        if self.neighbour_table is not None:
            if self._graph_width != p:
                raise ParameterError(
                    f"neighbours must be ({p}, {p}), the memories stored; got {(self._graph_width,) * 2}"
                )
            self.neighbour_table = self.neighbour_table.to(keys.device)
        if self.index_kind is not None:
            self.index = self._build_index(keys)
        self.keys = keys.contiguous()
        self.values = values if isinstance(values, FactoredValues) else values.contiguous()

    def _build_index(self, keys: torch.Tensor):
        faiss = require("faiss", extra="ann", feature="CandidateSlots with an index")
        p, n = keys.shape
        x = keys.detach().to("cpu", torch.float32)
        if self.center_keys:
            x = x - x.mean(dim=0)
        rows = np.ascontiguousarray(x.numpy())
        kind = self.index_kind
        if kind == "flat":
            index = faiss.IndexFlatIP(n)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(n, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = self.ef_construction
        elif kind == "ivf":
            nlist = self.nlist if self.nlist is not None else max(1, min(p // 39, int(4 * np.sqrt(p))))
            if nlist > p:
                raise ParameterError(f"nlist ({nlist}) exceeds the {p} keys; use nlist <= {p}")
            if self.nprobe > nlist:
                raise ParameterError(f"nprobe ({self.nprobe}) exceeds nlist ({nlist}); lower nprobe")
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(n), n, nlist, faiss.METRIC_INNER_PRODUCT)
            index.cp.seed = self.seed
            self.nlist = nlist
        else:  # a user's own faiss index
            index = kind
            if index.d != n:
                raise ParameterError(f"the given faiss index has d={index.d}; the keys have n={n}")
            if index.ntotal:
                raise StateError(f"the given faiss index already holds {index.ntotal} vectors; give an empty one")
            if index.metric_type != faiss.METRIC_INNER_PRODUCT:
                raise ParameterError("the given faiss index must use faiss.METRIC_INNER_PRODUCT, as the model scores")
        if not index.is_trained:
            index.train(rows)
        index.add(rows)
        if kind == "ivf":
            index.nprobe = self.nprobe
        return index

    # -- reading
    def read(self, query: torch.Tensor, beta, *, previous: torch.Tensor | None = None, values: bool = True):
        """The compact read: ``k`` memories per query, their weights, the read-out, bounds.

        Parameters
        ----------
        query : torch.Tensor (B, n)
        beta : float or torch.Tensor (B,)
        previous : torch.Tensor (B, j), int64, optional
            Memories attended at the last step (``CandidateRead.index`` of that read): they
            and their neighbours in ``neighbours`` join the candidates. Needed with
            ``index=None``.
        values : bool
            Read the values (False: attention only, ``values=None``).

        Returns
        -------
        CandidateRead
        """
        if self.keys is None:
            raise StateError("nothing is stored yet; call store(keys, values) first")
        if query.ndim != 2 or query.shape[1] != self.keys.shape[1]:
            raise StateError(f"query must be (B, {self.keys.shape[1]}), got {tuple(query.shape)}")
        if previous is not None:
            if self.index is None and self.neighbour_table is None:
                raise ParameterError("previous needs neighbours=M (or an index) to find candidates")
            previous = torch.as_tensor(previous, dtype=torch.long, device=query.device)
            if previous.ndim != 2 or previous.shape[0] != query.shape[0]:
                raise StateError(
                    f"previous must be (B, j) memory indices, B={query.shape[0]}; got {tuple(previous.shape)}"
                )
            if self.follow is not None:
                previous = previous[:, : self.follow]
        elif self.index is None:
            raise ParameterError(
                "with index=None every read needs previous=, the memories attended last step "
                "(cdam.CDAM.run passes each run's cue at the first read: give the run cues=)"
            )
        B = query.shape[0]
        width = (self.candidates if self.index is not None else 0) + (0 if previous is None else previous.shape[1])
        table = self.neighbour_table
        if table is not None:
            width += (self.expand + (0 if previous is None else previous.shape[1])) * table.shape[1]
        rows = max(1, _GATHER_ELEMENTS // max(1, width * self.keys.shape[1]))
        parts = [
            self._read_rows(
                query[i : i + rows],
                beta[i : i + rows] if isinstance(beta, torch.Tensor) and beta.ndim else beta,
                None if previous is None else previous[i : i + rows],
                values,
            )
            for i in range(0, B, rows)
        ]
        if len(parts) == 1:
            return parts[0]
        return CandidateRead(*(None if f[0] is None else torch.cat(f) for f in zip(*parts)))  # type: ignore[arg-type]

    def _read_rows(self, q, beta, previous, want_values):
        B, p = q.shape[0], self.keys.shape[0]
        device = q.device
        groups = []
        n_index = 0
        if self.index is not None:
            qn = np.ascontiguousarray(q.detach().to("cpu", torch.float32).numpy())
            if self.index_kind == "hnsw":
                self.index.hnsw.efSearch = max(self.ef_search, self.candidates)
            _, ids = self.index.search(qn, self.candidates)  # -1 where fewer were found
            groups.append(torch.from_numpy(ids).to(device))
            n_index = self.candidates
        table = self.neighbour_table
        if previous is not None:
            groups.append(previous)
            if table is not None:
                groups.append(table[previous.clamp_min(0)].reshape(B, -1))
        cand = torch.cat(groups, dim=1)
        s = self._scores(q, cand)
        if table is not None and self.index is not None and self.expand:
            # the neighbours of the best index candidates, scored in a second pass
            best = cand.gather(1, s[:, :n_index].topk(self.expand, dim=1).indices)
            extra = table[best].reshape(B, -1)
            cand = torch.cat([cand, extra], dim=1)
            s = torch.cat([s, self._scores(q, extra)], dim=1)
        # the threshold of the upper bound (see the class): the index's lowest candidate score,
        # taken before the graph's candidates join (they may score lower)
        lead = s[:, :n_index] if n_index else s
        thresh = lead.masked_fill(cand[:, : lead.shape[1]] < 0, float("inf")).amin(dim=1)
        # one score per distinct memory: sort the ids, mask repeats and padding (-1)
        cand, order = cand.sort(dim=1)
        s = s.gather(1, order)
        bad = cand < 0
        bad[:, 1:] |= cand[:, 1:] == cand[:, :-1]
        s = s.masked_fill(bad, float("-inf"))
        n_scored = (~bad).sum(dim=1)
        k = min(self.k, cand.shape[1])
        top, pos = s.topk(k, dim=1)
        idx = cand.gather(1, pos).clamp_min(0)  # padding (weight 0) points at memory 0
        b = beta[:, None] if isinstance(beta, torch.Tensor) and beta.ndim else beta
        wk = torch.softmax(top * b, dim=1)
        # the masses in float64, relative to the best candidate score m (all exponents <= 0)
        m = top[:, :1].double()
        bd = b.double() if isinstance(b, torch.Tensor) else float(b)
        e = torch.exp((s.double() - m) * bd)  # 0 at masked entries
        z_c = e.sum(dim=1)
        out = e.scatter(1, pos, 0.0).sum(dim=1)  # scored but not kept
        bcol = bd[:, 0] if isinstance(bd, torch.Tensor) else bd
        z_u = (p - n_scored).double() * torch.exp((thresh.double() - m[:, 0]) * bcol)
        z_u = torch.nan_to_num(z_u, nan=0.0)  # no threshold (every memory scored): nothing unscored
        low = out / z_c
        high = (out + z_u) / (z_c + z_u)
        read = gather_read(self.values, idx, wk) if want_values else None
        return CandidateRead(idx, wk, read, top, high, low, high, n_scored)

    def _scores(self, q: torch.Tensor, cand: torch.Tensor) -> torch.Tensor:
        """Exact ``q . key`` for the candidates ``cand`` (B, c) (padding -1 scores key 0)."""
        assert self.keys is not None  # read() checked that something is stored
        keys = self.keys[cand.clamp_min(0)]  # (B, c, n)
        return torch.bmm(keys, q.unsqueeze(2).to(keys.dtype)).squeeze(2)

    def attend(self, query: torch.Tensor, beta, previous: torch.Tensor | None = None) -> Retrieval:
        """The compact attention at ``query`` (see :meth:`retrieve`), no value read."""
        r = self.read(query, beta, previous=previous, values=False)
        return Retrieval(r.weights, None, r.scores, r.discarded, r.index)

    def retrieve(self, query: torch.Tensor, beta, previous: torch.Tensor | None = None) -> Retrieval:
        """The protocol's read, sparse: ``index`` (B, k) the memories attended, ``weights`` and
        ``scores`` (B, k) over them, the read-out, ``discarded`` (the upper bound).

        ``previous`` as in :meth:`read` (the run loop passes the last step's ``index``)."""
        r = self.read(query, beta, previous=previous)
        return Retrieval(r.weights, r.values, r.scores, r.discarded, r.index)

    @property
    def sparse_k(self) -> int:
        """Memories each read attends (the width of ``Retrieval.index``): the reads are sparse."""
        return self.k if self.keys is None else min(self.k, int(self.keys.shape[0]))

    @property
    def n_hidden(self) -> int:
        return 0 if self.keys is None else int(self.keys.shape[0])

    @property
    def n_stored(self) -> int:
        return self.n_hidden

    def __repr__(self) -> str:
        shape = None if self.keys is None else tuple(self.keys.shape)
        kind = self.index_kind if isinstance(self.index_kind, str) or self.index_kind is None else "custom"
        graph = "" if self.neighbour_table is None else f", max_neighbours={self.max_neighbours}"
        return f"CandidateSlots(keys={shape}, k={self.k}, candidates={self.candidates}, index={kind!r}{graph})"


def _is_symmetric(M) -> bool:
    """Whether ``M`` is canonical CSR and equals its transpose entry by entry."""
    if M.format != "csr" or not M.has_canonical_format:
        return False
    T = sp.csr_matrix(M.T)
    T.sort_indices()
    return bool(np.array_equal(M.indptr, T.indptr) and np.array_equal(M.indices, T.indices)
                and np.array_equal(M.data, T.data))


def _symmetric_abs(M):
    """|M| without its stored zeros (as the sum |M| + |M^T| drops them)."""
    S = abs(M)
    S.eliminate_zeros()
    return S


def _checked_square(M) -> int:
    """``p`` for a (p, p) ``neighbours`` matrix, or a ParameterError."""
    if len(M.shape) != 2 or M.shape[0] != M.shape[1]:
        raise ParameterError(f"neighbours must be a square (p, p) matrix, one row per memory; got {M.shape}")
    return int(M.shape[0])


_TABLE_BLOCK = 1 << 20  # memories whose links _neighbour_table ranks at once


def _neighbour_table(M, width: int) -> torch.Tensor:
    """(p, w) int64, w <= width: each memory's strongest links in ``M`` and ``M.T``, padded with itself.

    Padding with the memory itself (a repeat, masked out when scoring) keeps the table
    rectangular, so a gather serves a whole batch."""
    p = int(M.shape[0])
    # |M| + |M^T| ranks like |M| when M is symmetric (canonical, so the entries keep their
    # order): one matrix instead of four, 1.2 GB each at 1e8 entries
    S = sp.csr_matrix(_symmetric_abs(M) if _is_symmetric(M) else abs(M) + abs(M.T))  # no stored zeros
    indptr, indices, data = S.indptr, S.indices, S.data
    degree = np.diff(indptr) - (S.diagonal() != 0)  # links to other memories
    width = max(1, min(width, int(degree.max(initial=0))))
    table = np.repeat(np.arange(p, dtype=np.int64)[:, None], width, axis=1)
    # rows in blocks: the sort's temporaries are a block's (at 1e8 entries, all at once, 5 GB)
    for lo in range(0, p, _TABLE_BLOCK):
        hi = min(p, lo + _TABLE_BLOCK)
        a, b = indptr[lo], indptr[hi]
        row = np.repeat(np.arange(lo, hi), np.diff(indptr[lo : hi + 1]))
        keep = row != indices[a:b]
        row, col, val = row[keep], indices[a:b][keep], data[a:b][keep]
        order = np.lexsort((-val, row))  # by row, strongest first
        row, col = row[order], col[order]
        rank = np.arange(row.size) - np.searchsorted(row, np.arange(lo, hi))[row - lo]
        take = rank < width
        table[row[take], rank[take]] = col[take]
    return torch.from_numpy(table)
