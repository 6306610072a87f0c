"""Normalised coupling matrices and the compiled tensors that drive the dynamics."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch

from . import _validation as check

__all__ = ["NORMALIZATIONS", "Couplings", "compile", "normalize", "value_matrix"]

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
    A = sp.csr_matrix(A, dtype=np.float64, copy=True)  # never change the caller's matrix
    A.sum_duplicates()
    if method == "none":
        return A
    absA = abs(A)
    d_out = np.asarray(absA.sum(axis=1)).ravel()
    if method == "row":
        # divide entry by entry: 1 / d overflows to inf for subnormal degrees (d < ~5.6e-309)
        rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
        M = A.copy()
        M.data = A.data / np.where(d_out > 0, d_out, 1.0)[rows]
        return M
    d_in = np.asarray(absA.sum(axis=0)).ravel()
    return (sp.diags(_safe_power(d_out, -0.5)) @ A @ sp.diags(_safe_power(d_in, -0.5))).tocsr()


def _safe_power(d: np.ndarray, exponent: float) -> np.ndarray:
    out = np.zeros_like(d)
    nz = d > 0
    out[nz] = d[nz] ** exponent
    return out


def _sparse_torch(M: sp.spmatrix, dtype, device) -> torch.Tensor:
    coo = M.tocoo()
    idx = torch.as_tensor(np.vstack([coo.row, coo.col]), dtype=torch.long)
    T = torch.sparse_coo_tensor(idx, torch.as_tensor(coo.data), coo.shape, check_invariants=False)
    return T.coalesce().to(device=device, dtype=dtype)


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
    XiT = Xi.T.to(torch.float64)
    Q = a * XiT
    if h != 0.0 and M.nnz:
        Ms = _sparse_torch(M if direction == "forward" else M.T, torch.float64, Xi.device)
        Q = Q + h * torch.sparse.mm(Ms, XiT)
    return Q.to(Xi.dtype).contiguous()


@dataclass(frozen=True)
class Couplings:
    r"""Everything the dynamics need, compiled once from a :class:`~cdam.MemoryGraph`.

    Attributes
    ----------
    Xi : torch.Tensor (n, p)
        Patterns, one column per memory.
    M : scipy.sparse.csr_matrix (p, p)
        Normalised coupling matrix, float64.
    xbar : torch.Tensor (n,)
        Mean pattern :math:`\bar\xi = \Xi\,\mathbf 1 / p`.
    Q : torch.Tensor (p, n)
        Value matrix :math:`a\,\Xi^\top + h\,M\Xi^\top` for the ``a`` and ``h`` given.
    """

    Xi: torch.Tensor
    M: sp.csr_matrix
    xbar: torch.Tensor
    Q: torch.Tensor
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

    def with_strengths(self, a: float, h: float) -> Couplings:
        """The same couplings with a new value matrix for ``a`` and ``h`` (M is reused)."""
        Q = value_matrix(self.Xi, self.M, a, h, self.direction)
        return Couplings(
            self.Xi, self.M, self.xbar, Q, float(a), float(h), self.normalization, self.direction, self.keys
        )


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
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point and not dtype.is_complex):
        raise check.ParameterError(f"dtype must be a real floating torch dtype, got {dtype!r}")
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise check.ParameterError(f"unknown device {device!r}: {exc}") from None
    Xi64 = torch.as_tensor(graph.patterns, dtype=torch.float64)
    xbar = Xi64.mean(dim=1)
    M = normalize(graph.adjacency(), normalization)
    Xi = Xi64.to(device=device, dtype=dtype)
    Q = value_matrix(Xi, M, a, h, direction)
    return Couplings(
        Xi=Xi,
        M=M,
        xbar=xbar.to(device=device, dtype=dtype),
        Q=Q,
        a=float(a),
        h=float(h),
        normalization=normalization,
        direction=direction,
        keys=graph.memories,
    )
