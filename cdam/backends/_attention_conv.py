"""CDAMConv: one CDAM step as a torch_geometric message-passing layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from .. import _validation as check
from .._optional import require
from ..couplings import NORMALIZATIONS
from ..errors import GraphError, StateError
from ._attention_mhn import check_beta

try:  # torch_geometric is an optional extra
    from torch_geometric.nn import MessagePassing
    from torch_geometric.utils import coalesce, spmm
except ImportError:  # pragma: no cover - exercised only without the extra
    MessagePassing = None

__all__ = ["CDAMConv"]

if TYPE_CHECKING:  # a type checker needs a class here, not a variable chosen at import
    from torch_geometric.nn import MessagePassing as _Base
else:
    _Base = MessagePassing if MessagePassing is not None else nn.Module


def _safe_pow(d: Tensor, exponent: float) -> Tensor:
    out = torch.zeros_like(d)
    nz = d > 0
    out[nz] = d[nz].pow(exponent)
    return out


def _normalize_edges(row: Tensor, col: Tensor, w: Tensor, n: int, method: str) -> Tensor:
    """Weights of ``M`` on the edges ``row -> col`` (as :func:`cdam.couplings.normalize`)."""
    if method == "none":
        return w
    aw = w.abs()
    d_out = torch.zeros(n, dtype=w.dtype, device=w.device).index_add_(0, row, aw)
    if method == "row":
        return w * _safe_pow(d_out, -1.0)[row]
    d_in = torch.zeros(n, dtype=w.dtype, device=w.device).index_add_(0, col, aw)
    return w * _safe_pow(d_out, -0.5)[row] * _safe_pow(d_in, -0.5)[col]


class CDAMConv(_Base):
    r"""One Correlated Dense Associative Memory step over a graph, as a message-passing layer.

    Memories are the graph's nodes with patterns :math:`\xi_j` (the node features by
    default). A state :math:`x_i` attends over all memories and moves toward the
    attended memories and, through the edges, their successors:

    .. math::

        w_{ij} = \operatorname{softmax}_j(\beta\, x_i\cdot\xi_j),\qquad
        q_j = a\,\xi_j + h \sum_{k:\, j\to k} M_{jk}\,\xi_k,\qquad
        x_i' = x_i + \eta\Big(\sum_j w_{ij}\, q_j - c\,\bar\xi - x_i\Big)

    with :math:`M` the normalised adjacency (``"sym"``, ``"row"`` or ``"none"``, as in
    :func:`cdam.couplings.normalize`) and :math:`\bar\xi` the mean pattern. The hetero
    term :math:`\sum_k M_{jk}\xi_k` is aggregated along the edges by message passing;
    ``a`` and ``h`` are learnable. With the patterns of a :class:`cdam.MemoryGraph` this is
    exactly :meth:`cdam.CDAM.step`.

    The attention is dense over the N memories: memory and time grow as B x N.

    Parameters
    ----------
    a, h : float
        Initial auto- and hetero-association strengths (learnable when
        ``learn_strengths``; :meth:`reset_parameters` restores these values).
    beta : float
        Inverse temperature, finite and >= 0.
    eta : float
        Step size in (0, 1].
    mean_coef : float
        ``c``, the mean-subtraction coefficient (default 1, as in Burns 2024's figures).
    normalization : {"sym", "row", "none"}
    direction : {"forward", "reverse"}
        Forward: attending to :math:`j` evokes its successors (edge :math:`j \to k`).
    learn_strengths : bool
        Make ``a`` and ``h`` parameters (else buffers).

    Notes
    -----
    ``forward(x, edge_index, edge_weight=None, patterns=None)`` accepts the graph as an
    ``edge_index`` (2, E) with column ``(j, k)`` the edge :math:`j \to k`, as a
    ``torch.sparse`` adjacency (COO or CSR) ``A`` with ``A[j, k]`` the weight of
    :math:`j \to k`, or as a dense float adjacency (N, N). All three give the same result.
    ``x`` is (N, F) node states, or (B, F) free states when ``patterns`` (N, F) is given.

    Examples
    --------
    >>> import torch
    >>> conv = CDAMConv(a=1.0, h=0.5, beta=1.0, eta=1.0, mean_coef=0.0, normalization="none")
    >>> conv
    CDAMConv(a=1.0, h=0.5, beta=1.0, eta=1.0, mean_coef=0.0, normalization='none', direction='forward')
    >>> x = torch.tensor([[20., 0.], [0., 20.]])
    >>> edge_index = torch.tensor([[0], [1]])  # 0 -> 1
    >>> conv(x, edge_index).detach().round(decimals=3)
    tensor([[20., 10.],
            [ 0., 20.]])
    """

    def __init__(
        self,
        a: float = 1.0,
        h: float = 0.0,
        beta: float = 1.0,
        eta: float = 0.1,
        mean_coef: float = 1.0,
        normalization: str = "sym",
        direction: str = "forward",
        learn_strengths: bool = True,
        **kwargs,
    ) -> None:
        if MessagePassing is None:  # the import above failed: say which extra installs it
            require("torch_geometric.nn", extra="pyg", feature="CDAMConv")
        kwargs.setdefault("aggr", "add")
        super().__init__(flow="source_to_target", **kwargs)
        self.a_init = check.finite_real("a", a)
        self.h_init = check.finite_real("h", h)
        self.beta = check_beta(beta)
        self.eta = check.step_size(eta)
        self.mean_coef = check.finite_real("mean_coef", mean_coef)
        self.normalization = check.choice("normalization", normalization, NORMALIZATIONS)
        self.direction = check.choice("direction", direction, ("forward", "reverse"))
        self.learn_strengths = bool(learn_strengths)
        if self.learn_strengths:
            self.a = nn.Parameter(torch.empty(()))
            self.h = nn.Parameter(torch.empty(()))
        else:
            self.register_buffer("a", torch.empty(()))
            self.register_buffer("h", torch.empty(()))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set ``a`` and ``h`` back to their initial values."""
        super().reset_parameters()
        with torch.no_grad():
            self.a.fill_(self.a_init)
            self.h.fill_(self.h_init)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(a={float(self.a.detach())}, h={float(self.h.detach())}, beta={self.beta}, "
            f"eta={self.eta}, mean_coef={self.mean_coef}, normalization={self.normalization!r}, "
            f"direction={self.direction!r})"
        )

    # ------------------------------------------------------------------ hetero term
    def hetero(self, patterns: Tensor, edge_index, edge_weight: Tensor | None = None) -> Tensor:
        r"""The hetero term :math:`M\,\Xi^\top` (N, F): each memory's successors, weighted by ``M``."""
        n = patterns.shape[0]
        sparse = (isinstance(edge_index, Tensor) and edge_index.is_sparse) or _is_sparse_compressed(edge_index)
        dense = not sparse and isinstance(edge_index, Tensor) and edge_index.is_floating_point()
        if (sparse or dense) and edge_weight is not None:
            raise GraphError("edge_weight goes with an edge_index; a sparse or dense adjacency carries its own weights")
        if sparse:
            return self._hetero_sparse(patterns, edge_index, n)
        if dense:
            return self._hetero_dense(patterns, edge_index, n)
        return self._hetero_edges(patterns, edge_index, edge_weight, n)

    def _hetero_edges(self, P: Tensor, edge_index, edge_weight, n: int) -> Tensor:
        if not isinstance(edge_index, Tensor) or edge_index.ndim != 2 or edge_index.shape[0] != 2:
            raise GraphError(
                "edge_index must be an integer tensor of shape (2, E), a torch.sparse adjacency, or a dense (N, N) "
                f"float adjacency; got {type(edge_index).__name__} {tuple(getattr(edge_index, 'shape', ()))}"
            )
        edge_index = edge_index.to(device=P.device, dtype=torch.long)
        E = edge_index.shape[1]
        if E and (int(edge_index.min()) < 0 or int(edge_index.max()) >= n):
            raise GraphError(f"edge_index refers to node {int(edge_index.max())}, but there are only {n} memories")
        if edge_weight is None:
            w = torch.ones(E, dtype=P.dtype, device=P.device)
        else:
            w = edge_weight.to(dtype=P.dtype, device=P.device)
            if w.shape != (E,):
                raise GraphError(f"edge_weight must have shape ({E},) to match edge_index, got {tuple(w.shape)}")
            if not torch.isfinite(w).all():
                raise GraphError("edge_weight holds NaN or inf; edge weights must be finite")
        # parallel edges sum their weights before the degrees are taken, as in cdam.couplings
        edge_index, w = coalesce(edge_index, w, num_nodes=n, reduce="sum")
        row, col = edge_index if self.direction == "forward" else edge_index.flip(0)
        w = _normalize_edges(row, col, w, n, self.normalization)
        # message from successor col to memory row: source col, target row
        return self.propagate(torch.stack([col, row]), x=P, edge_weight=w, size=(n, n))

    def _hetero_sparse(self, P: Tensor, adj: Tensor, n: int) -> Tensor:
        if adj.shape != (n, n):
            raise GraphError(
                f"the sparse adjacency must be ({n}, {n}) to match the {n} memories, got {tuple(adj.shape)}"
            )
        coo = adj.to_sparse_coo().coalesce() if _is_sparse_compressed(adj) else adj.coalesce()
        row, col = coo.indices()
        w = coo.values().to(P.dtype)
        if not torch.isfinite(w).all():
            raise GraphError("the adjacency holds NaN or inf; edge weights must be finite")
        if self.direction == "reverse":
            row, col = col, row
        w = _normalize_edges(row, col, w, n, self.normalization)
        M = torch.sparse_coo_tensor(torch.stack([row, col]), w, (n, n), check_invariants=False).coalesce()
        # adj_t convention of torch_geometric: out = adj_t @ x, so adj_t is M itself
        return self.propagate(M, x=P, edge_weight=None)

    def _hetero_dense(self, P: Tensor, A: Tensor, n: int) -> Tensor:
        if A.shape != (n, n):
            raise GraphError(f"the dense adjacency must be ({n}, {n}) to match the {n} memories, got {tuple(A.shape)}")
        A = A.to(P.dtype)
        if not torch.isfinite(A).all():
            raise GraphError("the adjacency holds NaN or inf; edge weights must be finite")
        if self.direction == "reverse":
            A = A.T
        if self.normalization == "row":
            A = _safe_pow(A.abs().sum(1), -1.0)[:, None] * A
        elif self.normalization == "sym":
            A = _safe_pow(A.abs().sum(1), -0.5)[:, None] * A * _safe_pow(A.abs().sum(0), -0.5)[None, :]
        return A @ P

    def message(self, x_j: Tensor, edge_weight: Tensor) -> Tensor:
        return edge_weight[:, None] * x_j

    def message_and_aggregate(self, adj_t, x: Tensor) -> Tensor:
        if isinstance(adj_t, Tensor) and adj_t.layout == torch.sparse_coo:
            return torch.sparse.mm(adj_t, x)  # COO sum: no conversion to CSR needed
        return spmm(adj_t, x, reduce="sum")

    # ------------------------------------------------------------------ the step
    def forward(
        self, x: Tensor, edge_index, edge_weight: Tensor | None = None, patterns: Tensor | None = None
    ) -> Tensor:
        """One CDAM step of the states ``x``; see the class docstring for the accepted graph forms."""
        if not isinstance(x, Tensor) or x.ndim != 2:
            raise StateError(f"x must be a (N, F) or (B, F) tensor, got {getattr(x, 'shape', type(x).__name__)}")
        if not x.is_floating_point():
            x = x.to(torch.get_default_dtype())
        P = x if patterns is None else patterns.to(dtype=x.dtype, device=x.device)
        if P.ndim != 2 or P.shape[1] != x.shape[1]:
            raise StateError(
                f"patterns must be (N, F) with F = {x.shape[1]} (the width of x), got {tuple(P.shape)}"
            )
        if not (torch.isfinite(x).all() and torch.isfinite(P).all()):
            raise StateError("x and patterns must be finite (no NaN or inf)")
        scores = x @ P.T
        w = torch.softmax(self.beta * (scores - scores.amax(dim=1, keepdim=True)), dim=1)  # (B, N)
        Q = self.a * P
        if self.learn_strengths or float(self.h.detach()) != 0.0:
            Q = Q + self.h * self.hetero(P, edge_index, edge_weight)
        read = w @ Q - self.mean_coef * P.mean(dim=0)
        return x + self.eta * (read - x)


def _is_sparse_compressed(t) -> bool:
    compressed = (torch.sparse_csr, torch.sparse_csc, torch.sparse_bsr, torch.sparse_bsc)
    return isinstance(t, Tensor) and t.layout in compressed
