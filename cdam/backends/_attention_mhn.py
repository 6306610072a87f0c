"""MHNAttention: a hetero-associative modern Hopfield network read out as attention."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .. import _validation as check
from ..errors import ParameterError, StateError
from .base import Retrieval, StorageBackend

__all__ = ["MODES", "MHNAttention", "check_beta"]

MODES = ("hetero", "auto")


def check_beta(beta) -> float:
    """``beta`` as a finite float >= 0, or a ParameterError that says so."""
    return check.finite_real("beta", beta, minimum=0.0)


def _softmax(scores: torch.Tensor, beta: float) -> torch.Tensor:
    # shift before scaling: every exponent <= 0 for any finite beta >= 0
    return torch.softmax(beta * (scores - scores.amax(dim=-1, keepdim=True)), dim=-1)


class MHNAttention(nn.Module, StorageBackend):
    r"""Single-head attention computed by a hetero-associative modern Hopfield network.

    Hidden unit :math:`\mu` holds a key :math:`k_\mu = W_K x_\mu` in its incoming weights
    and a value :math:`v_\mu = W_V y_\mu` in its outgoing weights (fast weights, written
    one shot per sequence). A query :math:`q = W_Q z` is read out as

    .. math::

        w = \operatorname{softmax}(\beta\, K q),\qquad \text{out} = V^\top w,

    which, with one hidden unit per context item, is single-head softmax attention
    :math:`\operatorname{softmax}(\beta\, q K^\top) V`. ``mode="auto"`` stores each key as
    its own value (:math:`y_\mu = x_\mu`); ``mode="hetero"`` takes the values separately.
    The mode is a parameter, never inferred from the tensors.

    Each hidden unit also keeps the raw item :math:`x_\mu` (the reinstatement weights of
    the MHN-Transformer), so the store can be read with the learned projections switched
    off: ``retrieve(query, beta, project=False)`` uses raw keys and raw values.

    Parameters
    ----------
    in_channels : int
        Width of raw keys and queries.
    value_channels : int, optional
        Width of raw values (hetero mode); defaults to ``in_channels``. Auto mode requires
        it to equal ``in_channels``.
    key_channels : int, optional
        Width ``d`` of projected keys and queries; defaults to ``in_channels``.
    out_channels : int, optional
        Width of projected values; defaults to ``value_channels``.
    beta : float
        Inverse temperature, finite and >= 0 (explicit; no :math:`1/\sqrt d` is implied).
    mode : {"hetero", "auto"}
    projections : bool
        Learn :math:`W_Q, W_K, W_V` (no bias). ``False``: identities, which needs
        ``key_channels == in_channels`` and ``out_channels == value_channels``; the module
        then is a plain MHN and implements the :class:`StorageBackend` protocol for
        :class:`cdam.CDAM` exactly like :class:`DenseSlots`.

    Examples
    --------
    >>> import torch
    >>> m = MHNAttention(2, projections=False, beta=1.0)
    >>> m.store(torch.eye(2), torch.tensor([[1., 2.], [3., 4.]]))
    >>> m.retrieve(torch.tensor([[50., 0.]]), beta=1.0).values.round(decimals=4)
    tensor([[1., 2.]])
    >>> m
    MHNAttention(2, 2, key_channels=2, out_channels=2, beta=1.0, mode='hetero', projections=False)
    >>> m.n_hidden
    2
    """

    def __init__(
        self,
        in_channels: int,
        value_channels: int | None = None,
        key_channels: int | None = None,
        out_channels: int | None = None,
        *,
        beta: float = 1.0,
        mode: str = "hetero",
        projections: bool = True,
    ) -> None:
        super().__init__()
        self.in_channels = check.positive_int("in_channels", in_channels)
        self.mode = check.choice("mode", mode, MODES)
        vc = self.in_channels if value_channels is None else check.positive_int("value_channels", value_channels)
        if self.mode == "auto" and vc != self.in_channels:
            raise ParameterError(
                f"mode='auto' stores keys as their own values, so value_channels must equal in_channels "
                f"({self.in_channels}), got {vc}; use mode='hetero' for separate values"
            )
        self.value_channels = vc
        kc = self.in_channels if key_channels is None else check.positive_int("key_channels", key_channels)
        self.key_channels = kc
        self.out_channels = vc if out_channels is None else check.positive_int("out_channels", out_channels)
        self.beta = check_beta(beta)
        self.projections = bool(projections)
        if self.projections:
            self.W_Q = nn.Linear(self.in_channels, self.key_channels, bias=False)
            self.W_K = nn.Linear(self.in_channels, self.key_channels, bias=False)
            self.W_V = nn.Linear(self.value_channels, self.out_channels, bias=False)
        else:
            if self.key_channels != self.in_channels or self.out_channels != self.value_channels:
                raise ParameterError(
                    "projections=False reads raw keys and values, so key_channels must equal in_channels and "
                    "out_channels must equal value_channels; leave them unset or pass projections=True"
                )
            self.register_module("W_Q", None)
            self.register_module("W_K", None)
            self.register_module("W_V", None)
        self.reset_parameters()
        self.reset()

    # ------------------------------------------------------------------ parameters and state
    def reset_parameters(self) -> None:
        """Re-draw the projections: Gaussian :math:`\\mathcal N(0, 1/d)` for W_Q, W_K; Glorot for W_V."""
        if self.projections:
            std = 1.0 / math.sqrt(self.key_channels)
            nn.init.normal_(self.W_Q.weight, std=std)
            nn.init.normal_(self.W_K.weight, std=std)
            nn.init.xavier_uniform_(self.W_V.weight)

    def reset(self) -> None:
        """Forget every stored association (the fast weights); the projections stay."""
        self.fast_keys: torch.Tensor | None = None  # (m, key_channels): incoming weights
        self.fast_values: torch.Tensor | None = None  # (m, out_channels): outgoing weights
        self.raw_keys: torch.Tensor | None = None  # (m, in_channels): reinstatement weights
        self.raw_values: torch.Tensor | None = None  # (m, value_channels)

    @property
    def n_hidden(self) -> int:
        """Number of hidden units written so far (one per stored association)."""
        return 0 if self.fast_keys is None else int(self.fast_keys.shape[0])

    @property
    def n_stored(self) -> int:
        """Associations written so far (one hidden unit each)."""
        return self.n_hidden

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.value_channels}, key_channels={self.key_channels}, "
            f"out_channels={self.out_channels}, beta={self.beta}, mode={self.mode!r}, projections={self.projections}"
        )

    def __repr__(self) -> str:  # one line, torch_geometric style
        return f"{type(self).__name__}({self.extra_repr()})"

    # ------------------------------------------------------------------ projections
    def project_keys(self, x: torch.Tensor) -> torch.Tensor:
        """:math:`W_K x` over the last axis (identity without projections)."""
        return x if self.W_K is None else self.W_K(x)

    def project_queries(self, x: torch.Tensor) -> torch.Tensor:
        """:math:`W_Q x` over the last axis (identity without projections)."""
        return x if self.W_Q is None else self.W_Q(x)

    def project_values(self, y: torch.Tensor) -> torch.Tensor:
        """:math:`W_V y` over the last axis (identity without projections)."""
        return y if self.W_V is None else self.W_V(y)

    def _param_like(self) -> tuple[torch.dtype | None, torch.device | None]:
        if self.W_K is not None:
            return self.W_K.weight.dtype, self.W_K.weight.device
        if self.raw_keys is not None:
            return self.raw_keys.dtype, self.raw_keys.device
        return None, None

    def _as_items(self, name: str, x, width: int, *, batched: bool) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            try:
                x = torch.as_tensor(np.asarray(x, dtype=np.float64), dtype=torch.get_default_dtype())
            except (TypeError, ValueError) as exc:
                raise StateError(f"{name} could not be read as a real array: {exc}") from None
        ndim = 3 if batched else 2
        shape = "(B, m, {})" if batched else "(m, {})"
        if x.ndim != ndim or x.shape[-1] != width:
            raise StateError(f"{name} must have shape {shape.format(width)}, got {tuple(x.shape)}")
        if not x.is_floating_point():
            x = x.to(torch.get_default_dtype())
        dtype, device = self._param_like()
        if dtype is not None:
            x = x.to(dtype=dtype, device=device)
        if not torch.isfinite(x).all():
            raise StateError(f"{name} holds NaN or inf; every entry must be finite")
        return x

    def _values_for(self, keys: torch.Tensor, values, batched: bool) -> torch.Tensor:
        if self.mode == "auto":
            if values is not None:
                raise ParameterError(
                    "mode='auto' stores each key as its own value; call with values=None, or build the "
                    "module with mode='hetero' to store separate values"
                )
            return keys
        if values is None:
            raise ParameterError("mode='hetero' needs values: pass one value row per key")
        values = self._as_items("values", values, self.value_channels, batched=batched)
        if values.shape[:-1] != keys.shape[:-1]:
            raise StateError(
                f"keys and values need one row each per association, got {tuple(keys.shape)} and {tuple(values.shape)}"
            )
        return values

    # ------------------------------------------------------------------ the store (StorageBackend)
    def store(self, keys: torch.Tensor, values: torch.Tensor | None = None) -> None:
        """Write associations one shot: each row recruits a new hidden unit.

        ``keys`` (m, in_channels); ``values`` (m, value_channels) in hetero mode, ``None`` in
        auto mode. The fast weights are written without gradient (no backpropagation through
        the write); repeated calls append, as :class:`DenseSlots` does.
        """
        keys = self._as_items("keys", keys, self.in_channels, batched=False)
        values = self._values_for(keys, values, batched=False)
        with torch.no_grad():
            fk, fv = self.project_keys(keys), self.project_values(values)
        if self.fast_keys is None:
            self.fast_keys, self.fast_values = fk.contiguous(), fv.contiguous()
            self.raw_keys, self.raw_values = keys.detach().contiguous(), values.detach().contiguous()
        else:
            assert self.fast_values is not None and self.raw_keys is not None and self.raw_values is not None
            self.fast_keys = torch.cat([self.fast_keys, fk])
            self.fast_values = torch.cat([self.fast_values, fv])
            self.raw_keys = torch.cat([self.raw_keys, keys.detach()])
            self.raw_values = torch.cat([self.raw_values, values.detach()])

    def retrieve(self, query: torch.Tensor, beta: float | None = None, *, project: bool = True) -> Retrieval:
        """Read the store for ``query`` (B, in_channels).

        Returns :class:`Retrieval` with the attention over hidden units (B, n_hidden) and the
        read-out (B, out_channels), or (B, value_channels) when ``project=False`` (raw keys,
        raw values, no learned projection). ``beta`` defaults to the module's.
        """
        if self.fast_keys is None:
            raise StateError("nothing is stored yet; call store(keys, values) first")
        # the four tensors are written together (store), so one check covers them
        assert self.fast_values is not None and self.raw_keys is not None and self.raw_values is not None
        beta = self.beta if beta is None else check_beta(beta)
        query = self._as_items("query", query, self.in_channels, batched=False)
        if project:
            w = _softmax(self.project_queries(query) @ self.fast_keys.T, beta)
            return Retrieval(w, w @ self.fast_values)
        w = _softmax(query @ self.raw_keys.T, beta)
        return Retrieval(w, w @ self.raw_values)

    def reinstate(self, query: torch.Tensor, beta: float | None = None) -> torch.Tensor:
        """The blend of stored raw keys that the query reinstates, :math:`X^\\top w` (B, in_channels)."""
        w = self.retrieve(query, beta).weights
        assert w is not None and self.raw_keys is not None  # this store's reads have weights; empty ones raised
        return w @ self.raw_keys

    def energy(self, query: torch.Tensor, beta: float | None = None) -> torch.Tensor:
        r"""Modern Hopfield energy of states ``query`` (B, in_channels), auto mode only.

        .. math::

            E(\xi) = -\frac1\beta \log\sum_\mu e^{\beta\,\xi\cdot x_\mu} + \tfrac12\lVert\xi\rVert^2
                     + \frac1\beta\log m + \tfrac12 \max_\mu\lVert x_\mu\rVert^2

        over the raw stored patterns :math:`x_\mu` (Ramsauer et al. 2020). The auto-mode
        raw read-out ``retrieve(xi, beta, project=False).values`` is the CCCP step of this
        energy and never increases it. In hetero mode the read-out is not the gradient
        step of any known energy, so this raises :class:`ParameterError`.
        """
        if self.mode != "auto":
            raise ParameterError(
                "no energy is known for mode='hetero' (the values are not the keys); energy() needs mode='auto'"
            )
        if self.fast_keys is None:
            raise StateError("nothing is stored yet; call store(keys) first")
        beta = self.beta if beta is None else check_beta(beta)
        if beta == 0.0:
            raise ParameterError("energy() needs beta > 0 (the log-sum-exp term divides by beta)")
        xi = self._as_items("query", query, self.in_channels, batched=False)
        X = self.raw_keys
        assert X is not None  # written with fast_keys, checked above
        lse = torch.logsumexp(beta * (xi @ X.T), dim=-1) / beta
        const = math.log(X.shape[0]) / beta + 0.5 * float((X * X).sum(dim=1).max())
        return -lse + 0.5 * (xi * xi).sum(dim=-1) + const

    # ------------------------------------------------------------------ the layer
    def forward(
        self,
        query: torch.Tensor,
        keys: torch.Tensor,
        values: torch.Tensor | None = None,
        *,
        beta: float | None = None,
        detach_write: bool = False,
        return_weights: bool = False,
    ):
        r"""Write a fresh fast memory per sequence and read it out: batched attention.

        Parameters
        ----------
        query : torch.Tensor (B, t, in_channels) or (B, in_channels)
        keys : torch.Tensor (B, m, in_channels)
            Context items; item ``j`` of sequence ``b`` gets hidden unit ``j`` of that
            sequence's memory.
        values : torch.Tensor (B, m, value_channels), or None in auto mode
        beta : float, optional
        detach_write : bool
            Write the fast weights without gradient (the MHN-Transformer's one-shot
            write, no backpropagation through the stored items). By default gradients
            flow through the write, which gives the exact attention gradient.
        return_weights : bool
            Also return the attention weights (B, [t,] m).

        The result does not touch the module's stored memory.
        """
        beta = self.beta if beta is None else check_beta(beta)
        single = isinstance(query, torch.Tensor) and query.ndim == 2
        q = self._as_items("query", query[:, None] if single else query, self.in_channels, batched=True)
        keys = self._as_items("keys", keys, self.in_channels, batched=True)
        values = self._values_for(keys, values, batched=True)
        if q.shape[0] != keys.shape[0]:
            raise StateError(f"query and keys need the same batch size, got {q.shape[0]} and {keys.shape[0]}")
        with torch.set_grad_enabled(torch.is_grad_enabled() and not detach_write):
            K, V = self.project_keys(keys), self.project_values(values)
        w = _softmax(self.project_queries(q) @ K.transpose(1, 2), beta)  # (B, t, m)
        out = w @ V
        if single:
            out, w = out[:, 0], w[:, 0]
        return (out, w) if return_weights else out
