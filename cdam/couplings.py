"""Normalised coupling matrices and the compiled tensors that drive the dynamics."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp
import torch

from . import _validation as check

__all__ = [
    "NORMALIZATIONS", "SHARED_PATTERNS_MIN_BYTES", "Couplings", "FactoredValues", "compile", "normalize",
    "value_matrix",
]

NORMALIZATIONS = ("sym", "row", "none")


def normalize(A, method: str = "sym") -> sp.csr_matrix:
    r"""Normalise a weighted adjacency matrix into the coupling matrix ``M``.

    .. math::

        M_\text{sym} = D_\text{out}^{-1/2} A D_\text{in}^{-1/2},\qquad
        M_\text{row} = D_\text{out}^{-1} A,\qquad M_\text{none} = A,

    with :math:`D_\text{out} = \operatorname{diag}(\sum_\nu |A_{\mu\nu}|)` and
    :math:`D_\text{in} = \operatorname{diag}(\sum_\mu |A_{\mu\nu}|)`. For an undirected
    graph the two degrees agree and ``sym`` is :math:`D^{-1/2} A D^{-1/2}`. Using the
    in-degree on the right for directed graphs keeps every edge: with the out-degree on both
    sides an edge into a memory that has no outgoing edge would be multiplied by
    :math:`0^{-1/2} := 0` and vanish. Absolute weights make degrees of signed graphs
    non-negative, so no square root of a negative number is taken. A memory of zero degree
    keeps a zero row (and column): never a division by zero.

    Parameters
    ----------
    A : scipy.sparse matrix or array, shape (p, p)
    method : {"sym", "row", "none"}

    Returns
    -------
    scipy.sparse.csr_matrix, float64

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[0., 1.], [1., 0.]])
    >>> normalize(A, "row").toarray()
    array([[0., 1.],
           [1., 0.]])
    """
    check.choice("normalization", method, NORMALIZATIONS)
    return _normalized(sp.csr_matrix(A, dtype=np.float64, copy=True), method)  # never change the caller's


def _normalized(A: sp.csr_matrix, method: str) -> sp.csr_matrix:
    """:func:`normalize` of a float64 CSR matrix ``A`` that is the caller's to change: scaled
    in place (at 1e8 entries each copy is 1.2 GB), entry by entry as the products
    ``diag(d_out^-1/2) @ A @ diag(d_in^-1/2)`` would, with the zeros they drop dropped."""
    A.sum_duplicates()
    if method == "none":
        return A
    absA = sp.csr_matrix((np.abs(A.data), A.indices, A.indptr), shape=A.shape)  # shares A's indices
    d_out = np.asarray(absA.sum(axis=1)).ravel()
    rows = np.repeat(np.arange(A.shape[0], dtype=A.indices.dtype), np.diff(A.indptr))
    if method == "row":
        # divide entry by entry: 1 / d overflows to inf for subnormal degrees (d < ~5.6e-309)
        A.data /= np.where(d_out > 0, d_out, 1.0)[rows]
        return A
    d_in = np.asarray(absA.sum(axis=0)).ravel()
    del absA
    A.data *= _safe_power(d_out, -0.5)[rows]
    del rows
    A.data *= _safe_power(d_in, -0.5)[A.indices]
    A.eliminate_zeros()
    return A


def _safe_power(d: np.ndarray, exponent: float) -> np.ndarray:
    out = np.zeros_like(d)
    nz = d > 0
    out[nz] = d[nz] ** exponent
    return out


def value_matrix(Xi: torch.Tensor, M: sp.spmatrix, a: float, h: float, direction: str = "forward") -> torch.Tensor:
    r"""The value matrix :math:`Q = (a\,\Xi + h\,\Xi M^\top)^\top = a\,\Xi^\top + h\,M\,\Xi^\top`.

    Row ``mu`` is what attending to memory ``mu`` writes into the state: its own pattern
    times ``a`` plus its successors' patterns times ``h``. ``direction="reverse"`` uses
    :math:`M^\top` (predecessors instead of successors). The product is a sparse-dense
    matrix product; ``M`` is never densified. Work is in float64, then cast to ``Xi``'s dtype.

    Returns
    -------
    torch.Tensor, shape (p, n)
    """
    check.choice("direction", direction, ("forward", "reverse"))
    a = check.finite_real("a", a)
    h = check.finite_real("h", h)
    # a fresh row-major (p, n) float64 copy, always: it is scaled in place below, and the
    # sparse product walks its rows (on the column-major view of Xi it was 8x slower,
    # 11 s against 1.4 s at p = 5e4, n = 1000)
    XiT = torch.empty(Xi.shape[1], Xi.shape[0], dtype=torch.float64, device=Xi.device).copy_(Xi.T)
    if h != 0.0 and M.nnz:
        Ms = _csr_torch(M if direction == "forward" else M.T, torch.float64, Xi.device)
        # in place: at p = 2e5 each (p, n) float64 temporary is 1.6 GB
        Q = (Ms @ XiT).mul_(h).add_(XiT, alpha=a)
    else:
        Q = XiT.mul_(a)
    return Q.to(Xi.dtype).contiguous()


def _csr_tensor(crow: torch.Tensor, col: torch.Tensor, values: torch.Tensor, shape) -> torch.Tensor:
    with warnings.catch_warnings():
        # torch flags all CSR tensors as beta; the products used here are long-standing ones
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return torch.sparse_csr_tensor(crow, col, values, shape, check_invariants=False)


def _csr_torch(M: sp.spmatrix, dtype, device) -> torch.Tensor:
    M = sp.csr_matrix(M)
    M.sort_indices()
    crow = torch.as_tensor(M.indptr, dtype=torch.long)
    return _csr_tensor(crow, torch.as_tensor(M.indices, dtype=torch.long), torch.as_tensor(M.data), M.shape).to(
        device=device, dtype=dtype
    )


class FactoredValues:
    r"""The value matrix :math:`Q = a\,\Xi^\top + h\,M\,\Xi^\top` kept as its factors.

    A read-out :math:`wQ` is computed as

    .. math::

        w\,Q = \big(a\,w + h\,w M\big)\,\Xi^\top,

    one sparse product of cost :math:`B\cdot\mathrm{nnz}(M)` and one dense product of the
    same cost as :math:`wQ` itself, so ``Q`` (``p x n``), or any block of it, is never
    formed: the memory needed is that of the patterns and ``M`` alone. :meth:`rows` builds
    only the rows a top-k read needs.

    Parameters
    ----------
    Xi : torch.Tensor (n, p)
    M : scipy.sparse matrix (p, p)
        Already oriented: ``M`` for forward dynamics, ``M.T`` for reverse.
    a, h : float

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp, torch
    >>> Xi = torch.eye(3, dtype=torch.float64)
    >>> V = FactoredValues(Xi, sp.csr_matrix(np.array([[0., 1, 0], [0, 0, 1], [0, 0, 0]])), a=1.0, h=0.5)
    >>> V.matmul(torch.tensor([[1.0, 0, 0]], dtype=torch.float64))
    tensor([[1.0000, 0.5000, 0.0000]], dtype=torch.float64)
    >>> torch.equal(V.rows(torch.tensor([0, 1])), V.materialize()[[0, 1]])
    True
    """

    def __init__(self, Xi: torch.Tensor, M: sp.spmatrix, a: float, h: float, *, rows: torch.Tensor | None = None):
        self.Xi = Xi
        # the patterns as contiguous rows (p, n): both products below read rows of it.
        # ``rows`` lets a slot store share the copy it already holds as its keys.
        self.XiT = Xi.T.contiguous() if rows is None else rows
        self.a = float(a)
        self.h = float(h)
        self._coupling = sp.csr_matrix(M)  # a forward model's own M: no copy
        self._use_M = self.h != 0.0 and self._coupling.nnz > 0

    # torch copies of M, each built on first use: a top-k or candidate read needs only the
    # rows of M, a full read only M^T (1.2 GB each at 1e8 entries). Two threads may both
    # build one; they build equal tensors.
    @cached_property
    def _Mt(self) -> torch.Tensor | None:
        # w M is computed as (M^T w^T)^T: a CSR matrix times a dense block
        return _csr_torch(self._coupling.T, self.Xi.dtype, self.Xi.device) if self._use_M else None

    @cached_property
    def _M(self) -> torch.Tensor | None:
        return _csr_torch(self._coupling, self.Xi.dtype, self.Xi.device) if self._use_M else None

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.XiT.shape[0]), int(self.XiT.shape[1]))

    @property
    def dtype(self) -> torch.dtype:
        return self.Xi.dtype

    def matmul(self, w: torch.Tensor) -> torch.Tensor:
        """:math:`wQ` for weights ``w`` (B, p); returns (B, n)."""
        u = w * self.a if self.a != 1.0 else w
        if self._use_M:
            assert self._Mt is not None  # built whenever _use_M
            wM = (self._Mt @ w.T).T
            u = u + self.h * wM if self.a != 0.0 else self.h * wM
        return u @ self.XiT

    def rows(self, index: torch.Tensor) -> torch.Tensor:
        """Rows ``Q[index]`` (len(index), n), computed from the factors."""
        index = index.reshape(-1)
        out = self.XiT.index_select(0, index)
        if self.a != 1.0:
            out = out * self.a
        if self._use_M:
            # the gathered rows of h M, as a CSR matrix (len(index), p), times the patterns
            assert self._M is not None  # built whenever _use_M
            crow, col, val = _gather_csr_rows(self._M, index)
            out = out + _csr_tensor(crow, col, val * self.h, (index.numel(), self.shape[0])) @ self.XiT
        return out

    def materialize(self) -> torch.Tensor:
        """The dense ``Q`` (p, n), for inspection: exactly what factoring avoids."""
        return self.rows(torch.arange(self.shape[0], device=self.XiT.device))

    def __repr__(self) -> str:
        return f"FactoredValues(p={self.shape[0]}, n={self.shape[1]}, a={self.a}, h={self.h})"


def _gather_csr_rows(M: torch.Tensor, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The given rows of a CSR tensor, in that order, as a new CSR (crow, col, values); vectorised."""
    crow, col, val = M.crow_indices(), M.col_indices(), M.values()
    start, length = crow[rows], crow[rows + 1] - crow[rows]
    new_crow = torch.zeros(rows.numel() + 1, dtype=crow.dtype, device=crow.device)
    torch.cumsum(length, 0, out=new_crow[1:])
    out_row = torch.repeat_interleave(torch.arange(rows.numel(), device=rows.device), length)
    # position of each gathered entry: its row's start plus its offset within the row
    pos = start[out_row] + torch.arange(out_row.numel(), device=rows.device) - new_crow[:-1][out_row]
    return new_crow, col[pos], val[pos]


#: Pattern bytes above which a compiled model reads the graph's own pattern rows instead of a
#: copy (when they already have the model's dtype and live on the CPU): at p = 1e7, n = 64
#: each float32 copy is 2.56 GB. Below it the patterns are copied row-major, as always.
SHARED_PATTERNS_MIN_BYTES = 1 << 30


def _shares_patterns(rows: np.ndarray, dtype: torch.dtype, device: torch.device) -> bool:
    """Whether :func:`compile` reads the graph's rows (p, n) in place: large, writeable (torch
    views only those), in the model's dtype and on the CPU. The graph never changes the rows
    of memories it holds (it appends, into new storage once a float32 block grows), so the
    view stays the model's patterns."""
    return (
        device.type == "cpu" and rows.flags.writeable and rows.nbytes > SHARED_PATTERNS_MIN_BYTES
        and torch.from_numpy(rows[:0]).dtype == dtype
    )


@dataclass(frozen=True)
class Couplings:
    r"""Everything the dynamics need, compiled once from a :class:`~cdam.MemoryGraph`.

    Attributes
    ----------
    Xi : torch.Tensor (n, p)
        Patterns, one column per memory: a row-major copy, or, above
        :data:`SHARED_PATTERNS_MIN_BYTES`, the transpose of the graph's own rows (no copy).
    M : scipy.sparse.csr_matrix (p, p)
        Normalised coupling matrix, float64.
    xbar : torch.Tensor (n,)
        Mean pattern :math:`\bar\xi = \Xi\,\mathbf 1 / p`.
    Q : torch.Tensor (p, n)
        Value matrix :math:`a\,\Xi^\top + h\,M\Xi^\top` for the ``a`` and ``h`` given,
        built on first use (a model with ``values="factored"`` never builds it).
    """

    Xi: torch.Tensor
    M: sp.csr_matrix
    xbar: torch.Tensor
    a: float
    h: float
    normalization: str
    direction: str
    keys: list = field(repr=False)

    @property
    def n_neurons(self) -> int:
        return int(self.Xi.shape[0])

    @property
    def n_memories(self) -> int:
        return int(self.Xi.shape[1])

    @cached_property
    def Q(self) -> torch.Tensor:
        return value_matrix(self.Xi, self.M, self.a, self.h, self.direction)

    def factored_values(self, rows: torch.Tensor | None = None) -> FactoredValues:
        """``Q`` as its factors (see :class:`FactoredValues`), never materialised.

        ``rows``: the patterns as a contiguous (p, n) tensor, when the caller holds one."""
        M = self.M if self.direction == "forward" else self.M.T
        return FactoredValues(self.Xi, M, self.a, self.h, rows=rows)

    def __repr__(self) -> str:
        # the sizes, not the tensors (a dataclass repr would print Xi in full)
        return (
            f"Couplings(p={self.n_memories}, n={self.n_neurons}, nnz={self.M.nnz}, a={self.a}, h={self.h}, "
            f"normalization={self.normalization!r}, direction={self.direction!r})"
        )

    def with_strengths(self, a: float, h: float) -> Couplings:
        """The same couplings for new ``a`` and ``h`` (M is reused; ``Q`` is rebuilt on use)."""
        a = check.finite_real("a", a)
        h = check.finite_real("h", h)
        return Couplings(self.Xi, self.M, self.xbar, a, h, self.normalization, self.direction, self.keys)


def compile(
    graph,
    normalization: str = "sym",
    *,
    a: float = 1.0,
    h: float = 0.0,
    direction: str = "forward",
    dtype: torch.dtype = torch.float32,
    device="cpu",
) -> Couplings:
    r"""Compile a memory graph into patterns, the coupling matrix and the value matrix.

    Parameters
    ----------
    graph : MemoryGraph
    normalization : {"sym", "row", "none"}
        See :func:`normalize`.
    a, h : float
        Auto- and hetero-association strengths used for ``Q``.
    direction : {"forward", "reverse"}
        Forward: attending to ``mu`` evokes its successors.
    dtype, device
        Where the tensors live.

    Examples
    --------
    >>> import numpy as np, networkx as nx, cdam
    >>> g = cdam.MemoryGraph.from_networkx(nx.path_graph(3), np.eye(3))
    >>> c = g.compile("row", a=1.0, h=0.5)
    >>> c.M.toarray()
    array([[0. , 1. , 0. ],
           [0.5, 0. , 0.5],
           [0. , 1. , 0. ]])
    >>> c.Q.numpy()
    array([[1.  , 0.5 , 0.  ],
           [0.25, 1.  , 0.25],
           [0.  , 0.5 , 1.  ]], dtype=float32)
    """
    graph.require_nonempty()
    check.choice("normalization", normalization, NORMALIZATIONS)
    check.choice("direction", direction, ("forward", "reverse"))
    a = check.finite_real("a", a)
    h = check.finite_real("h", h)
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point and not dtype.is_complex):
        raise check.ParameterError(f"dtype must be a real floating torch dtype, got {dtype!r}")
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise check.ParameterError(f"unknown device {device!r}: {exc}") from None
    # a view of the graph's (p, n) rows (float64, or float32 as a bulk constructor kept them):
    # graph.patterns would copy them first
    rows = graph._pattern_rows()
    Xi_graph = torch.from_numpy(rows).T
    if rows.dtype == np.float32:  # summed in float64; numpy's cast is 13x faster than torch's here
        xbar = torch.from_numpy(np.add.reduce(rows, axis=0, dtype=np.float64) / rows.shape[0])
    else:
        xbar = Xi_graph.mean(dim=1)
    M = _normalized(graph.adjacency(), normalization)  # a fresh matrix: normalised in place
    if _shares_patterns(rows, dtype, device):
        Xi = Xi_graph  # (n, p) column-major: the slot store's keys Xi^T are the graph's rows, no copy
    else:
        # one copy into the model's dtype and a row-major (n, p) layout
        Xi = torch.empty(Xi_graph.shape, dtype=dtype, device=device).copy_(Xi_graph)
    return Couplings(
        Xi=Xi,
        M=M,
        xbar=xbar.to(device=device, dtype=dtype),
        a=a,
        h=h,
        normalization=normalization,
        direction=direction,
        keys=graph.memories,
    )
