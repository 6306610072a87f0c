r"""The K-winner modern Hopfield network: sparse ensembles instead of one slot per memory.

Bhandarkar and McClelland, "Neural Computation Without Slots" (2025, arXiv 2511.04593). Each of
``n_hidden`` hidden units is wired to :math:`m = \lfloor f\,n_v \rfloor` random visible
units; the same wiring (mask) carries the input weights :math:`W_{in}` (n_h, n_v) and the
output weights :math:`W_{out}` (n_v, n_h). A pattern activates the ``k`` hidden units with
the largest input, and only those learn.

Used as a CDAM storage backend (``CDAM(graph, backend=KWinnerMHN(...))``), each memory's key
is its pattern and its value is its row of ``Q``; what changes with respect to the slot
backend is spelled out in :class:`KWinnerMHN`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch

from .. import _validation as check
from .._executor import _single_thread
from .._random import as_generator
from ..errors import ParameterError, PatternError, StateError
from .base import Retrieval, StorageBackend

__all__ = ["KWinnerMHN"]


# An int seed takes its own stream: equal to torch.Generator().manual_seed(seed), which
# CDAM.initial_states draws its start noise from, it would correlate that noise with the
# untrained units' weights.
_SALT = 0x4B574D48  # "KWMH"


class KWinnerMHN(torch.nn.Module, StorageBackend):
    r"""K-winner modern Hopfield network with sparse random wiring (Bhandarkar & McClelland 2025).

    Hidden unit :math:`j` sees the inputs in its mask row :math:`\mathbf m_j` (exactly
    :math:`\lfloor f n_v\rfloor` ones, drawn at random); :math:`W_{in}` and :math:`W_{out}^\top`
    are independent :math:`U(0,1)` draws times the same mask. Recall of a cue :math:`x`:

    .. math::

        h = W_{in} x,\qquad y = \operatorname{top}_k(h) \in \{0,1\}^{n_h},\qquad
        o = W_{out}\, y,\qquad \hat x = \operatorname{top}_s(o) \in \{0,1\}^{n_v}.

    Storing a pattern :math:`x` (one exposure, online) moves every winner
    :math:`j \in \operatorname{top}_k(W_{in} x)` toward it on the connections it has,
    at rate :math:`\epsilon` (``lr``); all other weights stay as they are:

    .. math::

        W_{in}[j] \mathrel{+}= \epsilon\,(x - W_{in}[j]) \odot \mathbf m_j,\qquad
        W_{out}[:, j] \mathrel{+}= \epsilon\,(v - W_{out}[:, j]) \odot \mathbf m_j,

    with :math:`v = x` for auto-association (:meth:`store` with one argument) and
    :math:`v` the value for hetero-association (``store(keys, values)``, the backend
    protocol). The 1-winner MHN of the experiments is ``KWinnerMHN(n_v, 100, k=1)``
    (``fan_in=1``, ``lr=1``: hard winner-take-all, the winner is overwritten).

    The weights are held compactly, one row of :math:`m` entries per hidden unit
    (``index``, ``w_in``, ``w_out``); :attr:`W_in`, :attr:`W_out` and :attr:`mask` give
    the dense matrices.

    **As a CDAM backend.** ``CDAM(graph, backend=KWinnerMHN(n, n_h, k, ...))`` stores each
    memory's pattern as a key and its row of ``Q`` as the value, in memory order, and the
    dynamics read :math:`w Q` from :meth:`retrieve`. What changes against the slot
    backend (:class:`~cdam.backends.DenseSlots`):

    - attention is over hidden units, not memories: the ``k`` winners of
      :math:`\sigma W_{in}^\top` get weight :math:`1/k` each, the rest 0. ``beta`` is not
      used: selection is already the :math:`\beta \to \infty` (hard) limit;
    - memories share hidden units: a later memory can take over (``lr = 1``) or blend into
      (``lr < 1``) the units of an earlier one, and unused units keep their random
      weights and can win;
    - with ``fan_in < 1`` keys and values are seen only on each unit's mask, and with
      ``lr < 1`` they are stored only partly, so the read is an approximation of ``Q``;
    - values must have the visible width ``n_v`` (the output mask is the input mask).

    With ``k = 1``, ``fan_in = 1``, ``lr = 1`` and each memory in a unit of its own, the
    read is exactly the slot backend's hard-attention limit (``beta`` large).

    Parameters
    ----------
    n_visible : int
        Number of visible units :math:`n_v` (pattern length).
    n_hidden : int
        Number of hidden units :math:`n_h`.
    k : int
        Number of winners, ``1 <= k <= n_hidden``.
    fan_in : float
        Fraction :math:`f \in (0, 1]` of the visible units wired to each hidden unit.
    lr : float
        Learning rate :math:`\epsilon \in (0, 1]`.
    seed : int, torch.Generator or None
        Draws the wiring and the initial weights (mask, then ``W_in``, then ``W_out``). An
        int draws its own stream (``as_generator(seed, stream=...)``, see
        :mod:`cdam._random`), so it never reproduces the stream of
        ``torch.Generator().manual_seed(seed)`` used elsewhere (e.g. for start noise).
        None draws fresh entropy.
    dtype, device
        Of the weights.

    Examples
    --------
    >>> import torch
    >>> m = KWinnerMHN(n_visible=8, n_hidden=4, k=1, seed=0)
    >>> m
    KWinnerMHN(n_visible=8, n_hidden=4, k=1, fan_in=1.0, lr=1.0, connections=32)
    >>> x = torch.tensor([1., 1., 0., 0., 0., 0., 1., 0.])
    >>> _ = m.store(x)
    >>> m.recall(x, n_active=3)
    tensor([1., 1., 0., 0., 0., 0., 1., 0.])
    >>> m.recall(torch.tensor([1., 0., 0., 0., 0., 0., 0., 0.]), n_active=3)  # a third of the cue
    tensor([1., 1., 0., 0., 0., 0., 1., 0.])
    """

    # buffers (register_buffer): declared so that type checkers see tensors, not Module attributes
    index: torch.Tensor
    w_in: torch.Tensor
    w_out: torch.Tensor
    stored: torch.Tensor
    _dense_in: tuple | None

    def __init__(
        self,
        n_visible: int,
        n_hidden: int,
        k: int,
        fan_in: float = 1.0,
        lr: float = 1.0,
        seed: int | torch.Generator = 0,
        *,
        dtype: torch.dtype = torch.float32,
        device="cpu",
    ) -> None:
        super().__init__()
        self.n_visible = check.positive_int("n_visible", n_visible)
        self._n_hidden = check.positive_int("n_hidden", n_hidden)
        self.k = check.positive_int("k", k)
        if self.k > self._n_hidden:
            raise ParameterError(f"k = {self.k} winners exceeds n_hidden = {self._n_hidden}; use k <= n_hidden")
        self.fan_in = check.fraction("fan_in", fan_in, "the fraction of inputs wired")
        self.n_fan = math.floor(self.fan_in * self.n_visible + 1e-9)
        if self.n_fan < 1:
            raise ParameterError(
                f"fan_in = {self.fan_in} wires floor({self.fan_in} * {self.n_visible}) = 0 inputs per hidden unit; "
                f"use fan_in >= {1.0 / self.n_visible:.6g}"
            )
        self.lr = check.fraction("lr", lr, "the fraction of the way moved per store")
        if not dtype.is_floating_point:
            raise ParameterError(f"dtype must be a floating-point torch dtype, got {dtype}")
        self.seed = seed
        self._gen = as_generator(seed, stream=_SALT)
        self._gen_state = self._gen.get_state()
        self.register_buffer("index", torch.empty(self._n_hidden, self.n_fan, dtype=torch.long, device=device))
        self.register_buffer("w_in", torch.empty(self._n_hidden, self.n_fan, dtype=dtype, device=device))
        self.register_buffer("w_out", torch.empty(self._n_hidden, self.n_fan, dtype=dtype, device=device))
        self.register_buffer("stored", torch.zeros((), dtype=torch.long, device=device))
        self.reset_parameters()

    # ------------------------------------------------------------------ parameters
    def reset_parameters(self) -> None:
        """Redraw the wiring and the initial weights; forget everything stored.

        With an int ``seed`` the network is the one built by the constructor; with a
        ``torch.Generator`` the draws restart from the state it had at construction.
        """
        gen = self._gen
        gen.set_state(self._gen_state)
        n_h, n_v, m = self._n_hidden, self.n_visible, self.n_fan
        if m == n_v:
            index = torch.arange(n_v).expand(n_h, n_v)
        else:  # m distinct random inputs per unit: the m smallest of n_v uniform scores
            index = torch.rand(n_h, n_v, generator=gen).topk(m, dim=1, largest=False).indices.sort(dim=1).values
        w_in = torch.rand(n_h, m, generator=gen, dtype=torch.float64)
        w_out = torch.rand(n_h, m, generator=gen, dtype=torch.float64)
        self.index.copy_(index)
        self.w_in.copy_(w_in)
        self.w_out.copy_(w_out)
        self.stored.zero_()
        self._dense_in = None

    @property
    def n_hidden(self) -> int:
        """Number of hidden units."""
        return self._n_hidden

    @property
    def n_stored(self) -> int:
        """Patterns (associations) stored since construction or the last :meth:`reset_parameters`.

        Unlike a slot store, a K-winner network has all its hidden units from the start, so
        ``n_hidden > 0`` does not mean that it holds memories; this count does.
        """
        return int(self.stored)

    @property
    def n_connections(self) -> int:
        """Connections per direction, ``n_hidden * floor(fan_in * n_visible)``."""
        return self._n_hidden * self.n_fan

    @property
    def mask(self) -> torch.Tensor:
        """Dense wiring mask (n_hidden, n_visible), bool."""
        out = torch.zeros(self._n_hidden, self.n_visible, dtype=torch.bool, device=self.index.device)
        return out.scatter_(1, self.index, True)

    def _weights_key(self) -> tuple:
        # changes whenever w_in or index is replaced (.to, load_state_dict) or edited in place
        return (self.w_in.data_ptr(), self.w_in._version, self.index.data_ptr(), self.index._version)

    @property
    def W_in(self) -> torch.Tensor:
        """Dense input weights (n_hidden, n_visible); zero off the mask. Cached until the weights change."""
        if self._dense_in is None or self._dense_in[0] != self._weights_key():
            out = torch.zeros(self._n_hidden, self.n_visible, dtype=self.w_in.dtype, device=self.w_in.device)
            self._dense_in = (self._weights_key(), out.scatter_(1, self.index, self.w_in))
        return self._dense_in[1]

    @property
    def W_out(self) -> torch.Tensor:
        """Dense output weights (n_visible, n_hidden); zero off the (transposed) mask."""
        out = torch.zeros(self._n_hidden, self.n_visible, dtype=self.w_out.dtype, device=self.w_out.device)
        return out.scatter_(1, self.index, self.w_out).T

    def extra_repr(self) -> str:
        return (
            f"n_visible={self.n_visible}, n_hidden={self._n_hidden}, k={self.k}, fan_in={self.fan_in}, "
            f"lr={self.lr}, connections={self.n_connections}"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    # ------------------------------------------------------------------ input checks
    def _patterns(self, x, name: str, *, binary: bool, error=PatternError) -> tuple[torch.Tensor, bool]:
        if isinstance(x, torch.Tensor):
            t = x.detach()
        else:
            t = torch.from_numpy(np.ascontiguousarray(check.as_numpy(name, x, error)))
        if t.is_complex():
            raise error(f"{name} must hold real numbers, got dtype {t.dtype}")
        single = t.ndim == 1
        if t.ndim not in (1, 2):
            raise error(f"{name} must have shape (n_visible,) or (m, n_visible), got {tuple(t.shape)}")
        if single:
            t = t.unsqueeze(0)
        if t.shape[1] != self.n_visible:
            raise error(
                f"{name} has length {t.shape[1]} but the network has n_visible = {self.n_visible}; "
                "give one value per visible unit"
            )
        t = t.to(device=self.w_in.device, dtype=self.w_in.dtype)
        if binary:
            if not ((t == 0) | (t == 1)).all():
                bad = t[(t != 0) & (t != 1)][0].item()
                hint = "it holds NaN or inf" if not math.isfinite(bad) else f"found {bad}"
                raise error(
                    f"{name} must be binary (0/1) for the auto-associative K-winner network, {hint}; "
                    "threshold it, or use store(keys, values) for real-valued associations"
                )
        elif not torch.isfinite(t).all():
            raise error(f"{name} holds NaN or inf; every entry must be finite")
        return t, single

    # ------------------------------------------------------------------ learning
    @torch.no_grad()
    def store(self, x, values=None) -> torch.Tensor:  # type: ignore[override]  # also returns the winners
        r"""Store patterns online, one exposure each, in order.

        Parameters
        ----------
        x : array or tensor, (n_visible,) or (m, n_visible)
            One pattern or a batch written sequentially (row 0 first). Binary (0/1) when
            ``values`` is not given.
        values : array or tensor, (m, n_visible), optional
            Hetero-association (the :class:`StorageBackend` protocol): ``W_out`` learns
            these instead of ``x``, and ``x`` may be real-valued.

        Returns
        -------
        torch.Tensor (m, k)
            The winners (hidden units) that learned each pattern.
        """
        keys, _ = self._patterns(x, "x" if values is None else "keys", binary=values is None)
        if values is None:
            vals = keys
        else:
            vals, _ = self._patterns(values, "values", binary=False)
            if vals.shape[0] != keys.shape[0]:
                raise PatternError(
                    f"keys and values need the same number of rows, got {keys.shape[0]} and {vals.shape[0]}"
                )
        index, w_in, w_out, k, lr = self.index, self.w_in, self.w_out, self.k, self.lr
        WT = self.W_in.T.contiguous()  # (n_v, n_h) dense copy kept in step: fast hidden input for sparse x
        self._dense_in = None
        sparse = values is None  # binary keys: sum the rows of WT at the active inputs
        winners = torch.empty(keys.shape[0], k, dtype=torch.long, device=index.device)
        with _single_thread():  # the per-pattern ops are small; intra-op threads only add latency
            for t in range(keys.shape[0]):  # online learning: each pattern sees the weights left by the previous
                xt = keys[t]
                if sparse:
                    hid = WT.index_select(0, xt.nonzero().squeeze(1)).sum(dim=0)
                else:
                    hid = xt @ WT
                win = hid.topk(k, sorted=False).indices if k > 1 else hid.argmax().reshape(1)
                idx = index[win]
                new_in = w_in[win].lerp_(xt[idx], lr)
                w_in[win] = new_in
                WT[idx, win.unsqueeze(1)] = new_in
                w_out[win] = w_out[win].lerp_(vals[t][idx], lr)
                winners[t] = win
        self.stored += keys.shape[0]
        self._dense_in = (self._weights_key(), WT.T)
        return winners

    # ------------------------------------------------------------------ reading
    @torch.no_grad()
    def hidden(self, x) -> torch.Tensor:
        """Hidden input :math:`W_{in} x` for cues (n_v,) or (B, n_v); one matrix product."""
        t, single = self._patterns(x, "cue", binary=False, error=StateError)
        h = t @ self.W_in.T
        return h[0] if single else h

    def _winners(self, x: torch.Tensor) -> torch.Tensor:
        return (x @ self.W_in.T).topk(self.k, dim=1, sorted=False).indices  # (B, k)

    def _read(self, win: torch.Tensor) -> torch.Tensor:
        # o = W_out y for k-hot y, as a scatter of the winners' output rows: B * k * m operations
        B = win.shape[0]
        rows = self.w_out[win].reshape(B, -1)
        cols = self.index[win].reshape(B, -1)
        out = torch.zeros(B, self.n_visible, dtype=self.w_out.dtype, device=self.w_out.device)
        return out.scatter_add_(1, cols, rows)

    @torch.no_grad()
    def recall(self, cue, n_active: int) -> torch.Tensor:
        r"""One feed-forward pass, re-sparsified to ``n_active`` bits.

        :math:`\hat x = \operatorname{top}_{s}(W_{out}\operatorname{top}_k(W_{in} x))`
        with :math:`s` = ``n_active``; a batch (B, n_v) is read in one tensor operation.

        Parameters
        ----------
        cue : array or tensor, (n_visible,) or (B, n_visible)
            Binary (0/1) cue, e.g. a stored pattern with some active bits removed.
        n_active : int
            Number of active bits of the output, ``1 <= n_active <= n_visible``.

        Returns
        -------
        torch.Tensor
            Binary (0/1) output of the cue's shape, exactly ``n_active`` ones per row.
            Ties in :math:`o` are broken by :func:`torch.topk`.
        """
        t, single = self._patterns(cue, "cue", binary=True, error=StateError)
        if isinstance(n_active, bool) or not isinstance(n_active, numbers.Integral):
            raise ParameterError(f"n_active must be an integer, got {n_active!r}")
        if not 1 <= n_active <= self.n_visible:
            raise ParameterError(
                f"n_active must be in [1, n_visible = {self.n_visible}], got {n_active}; "
                "it is the number of active bits of the stored patterns"
            )
        o = self._read(self._winners(t))
        top = o.topk(int(n_active), dim=1, sorted=False).indices
        out = torch.zeros_like(o).scatter_(1, top, 1.0)
        return out[0] if single else out

    def forward(self, cue, n_active: int) -> torch.Tensor:
        """Same as :meth:`recall`."""
        return self.recall(cue, n_active)

    @torch.no_grad()
    def retrieve(self, query: torch.Tensor, beta: float) -> Retrieval:
        r"""Backend read for CDAM: :math:`w = y / k`, read :math:`= W_{out}\, w`.

        ``query`` (B, n_v) is any real state. ``beta`` is accepted for the protocol and
        not used (the top-k selection is the hard-attention limit). ``weights`` (B, n_hidden)
        hold :math:`1/k` on the winners.
        """
        q = query.to(device=self.w_in.device, dtype=self.w_in.dtype)
        if q.ndim != 2 or q.shape[1] != self.n_visible:
            raise StateError(f"query must have shape (B, {self.n_visible}), got {tuple(query.shape)}")
        win = self._winners(q)
        w = torch.zeros(q.shape[0], self._n_hidden, dtype=q.dtype, device=q.device)
        w.scatter_(1, win, 1.0 / self.k)
        values = self._read(win).div_(self.k) if self.k > 1 else self._read(win)
        return Retrieval(w, values.to(query.dtype))
