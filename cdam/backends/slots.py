"""DenseSlots: one hidden unit per memory, the CDAM default storage."""

from __future__ import annotations

from typing import Any

import torch

from .._validation import choice
from ..couplings import FactoredValues
from ..errors import ParameterError, StateError
from .base import Retrieval, StorageBackend

__all__ = ["DenseSlots", "SOFTMAX_KINDS", "softmax_weights"]

SOFTMAX_KINDS = ("stable", "legacy")
_LEGACY_EPS = 2.220446049250313e-16  # float64 machine epsilon, as in the authors' notebooks


def softmax_weights(scores: torch.Tensor, beta: float, kind: str = "stable") -> torch.Tensor:
    r"""Attention weights :math:`\operatorname{softmax}(\beta s)` over the last axis.

    ``"stable"`` computes :math:`\exp(\beta(s - \max s))` normalised: shifting before
    scaling keeps every exponent :math:`\le 0`, so any finite ``beta`` and finite scores
    give finite weights. ``"legacy"`` reproduces the authors' notebooks,
    :math:`(e^{\beta s} + \epsilon)/(\sum e^{\beta s} + \epsilon)` with no shift: every
    weight tends to 1 when all exponents fall below about -36, and it overflows above
    about 709 (it is computed in float64, as the notebooks' numpy did). Use it only to
    reproduce those figures.
    """
    if kind == "stable":
        z = scores - scores.amax(dim=-1, keepdim=True)
        return torch.softmax(z.mul_(beta), dim=-1)
    # in float64 like the notebooks' numpy: float32 would overflow above 88, not 709
    e = torch.exp(beta * scores.double())
    if torch.isinf(e).any():
        raise ParameterError(
            f"the legacy softmax overflowed (a logit above 709, largest {float(beta * scores.max()):.4g}); "
            "it reproduces the notebooks only where they did not overflow: use softmax='stable'"
        )
    return ((e + _LEGACY_EPS) / (e.sum(dim=-1, keepdim=True) + _LEGACY_EPS)).to(scores.dtype)


def gather_read(values, index: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    r"""The read :math:`\sum_j w_{bj} V_{i_{bj}}` of the rows ``index`` (B, k) with ``weights``
    (B, k): only those rows are gathered (built from the factors for ``FactoredValues``)."""
    if isinstance(values, FactoredValues):
        rows = values.rows(index).view(*index.shape, -1)
    else:
        rows = values[index]  # (B, k, d)
    return torch.bmm(weights.unsqueeze(1).to(rows.dtype), rows).squeeze(1)


class DenseSlots(StorageBackend):
    r"""Each memory in its own hidden unit: keys are patterns, values are rows of ``Q``.

    .. math::

        w = \operatorname{softmax}(\beta\, q K^\top),\qquad \text{read} = w V

    with ``K`` (p, n) the stored keys and ``V`` (p, d) the stored values. ``V`` may be a
    :class:`~cdam.couplings.FactoredValues`, which reads :math:`wV` without forming ``V``.

    With ``topk=k`` only the ``k`` largest scores of each query are kept and renormalised,
    and the read gathers those ``k`` rows of ``V`` (cost :math:`Bkd` instead of
    :math:`Bpd`). If :math:`\varepsilon` is the softmax mass outside the ``k`` kept
    (computed exactly from all scores, reported as :attr:`Retrieval.discarded`), the read is off
    by at most :math:`2\varepsilon\max_\mu\lVert V_\mu\rVert_\infty` per entry: the
    kept weights are rescaled by :math:`1/(1-\varepsilon)` and the dropped ones sum to
    :math:`\varepsilon`.

    Parameters
    ----------
    keys, values : torch.Tensor, optional
        Initial associations, (p, n) and (p, d).
    softmax : {"stable", "legacy"}
    topk : int, optional
        Keep the ``topk`` largest scores (stable softmax only).

    Examples
    --------
    >>> import torch
    >>> s = DenseSlots(torch.eye(2), torch.tensor([[1., 2.], [3., 4.]]))
    >>> s.retrieve(torch.tensor([[50., 0.]]), beta=1.0).values.round(decimals=4)
    tensor([[1., 2.]])
    >>> s1 = DenseSlots(torch.eye(2), torch.tensor([[1., 2.], [3., 4.]]), topk=1)
    >>> r = s1.retrieve(torch.tensor([[1., 0.]]), beta=1.0)
    >>> r.values
    tensor([[1., 2.]])
    >>> round(float(r.discarded.max()), 4)  # 1 / (1 + e)
    0.2689
    """

    accepts_factored_values = True  # values may be a FactoredValues (read from the factors)

    def __init__(
        self,
        keys: torch.Tensor | None = None,
        values=None,
        softmax: str = "stable",
        topk: int | None = None,
    ):
        self.softmax = choice("softmax", softmax, SOFTMAX_KINDS)
        if topk is not None:
            if isinstance(topk, bool) or not isinstance(topk, int) or topk < 1:
                raise ParameterError(f"topk must be a positive int (memories kept per read), got {topk!r}")
            if self.softmax != "stable":
                raise ParameterError("topk needs softmax='stable': the legacy form has no top-k meaning")
        self.topk = topk
        self.keys: torch.Tensor | None = None
        self.values: Any = None  # a (m, d) tensor or FactoredValues once stored
        if keys is not None or values is not None:
            if keys is None or values is None:
                raise ParameterError("give both keys and values, or neither")
            self.store(keys, values)

    def store(self, keys: torch.Tensor, values) -> None:
        if keys.ndim != 2 or len(values.shape) != 2 or keys.shape[0] != values.shape[0]:
            raise StateError(
                "keys (m, n) and values (m, d) need the same number of rows, "
                f"got {tuple(keys.shape)} and {tuple(values.shape)}"
            )
        factored = isinstance(values, FactoredValues)
        if self.keys is None:
            self.keys, self.values = keys.contiguous(), values if factored else values.contiguous()
        else:
            if factored or isinstance(self.values, FactoredValues):
                raise StateError("factored values are written once; build a new DenseSlots to store more")
            if keys.shape[1] != self.keys.shape[1] or values.shape[1] != self.values.shape[1]:
                raise StateError("new keys/values must match the widths of those already stored")
            self.keys = torch.cat([self.keys, keys])
            self.values = torch.cat([self.values, values])

    def scores(self, query: torch.Tensor) -> torch.Tensor:
        """Raw match scores ``query @ keys.T`` (B, p)."""
        if self.keys is None:
            raise StateError("nothing is stored yet; call store(keys, values) first")
        return query @ self.keys.T

    def weights(self, scores: torch.Tensor, beta: float) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Attention (B, p) for raw ``scores`` (B, p), and the softmax mass a top-k read
        leaves out (B,) (None without ``topk``).

        The coefficient-space engine calls this with logits it formed without the states.
        """
        w, discarded, _ = self._select(scores, beta)
        return w, discarded

    def _select(self, s: torch.Tensor, beta: float):
        """Weights, discarded mass, and for a truncated read the kept (indices, weights)."""
        if self.topk is None:
            return softmax_weights(s, beta, self.softmax), None, None
        if self.topk >= s.shape[1]:  # every memory kept: exact
            return softmax_weights(s, beta, self.softmax), s.new_zeros(s.shape[0]), None
        top, idx = s.topk(self.topk, dim=1)
        z = top.mul(beta)
        lse_top = torch.logsumexp(z, dim=1)
        # the mass outside the kept scores, summed directly (1 - kept/total would cancel)
        e = torch.exp((s - top[:, :1]).mul_(beta))
        total = e.sum(dim=1)
        discarded = e.scatter_(1, idx, 0.0).sum(dim=1).div_(total)
        wk = torch.exp(z - lse_top[:, None])  # (B, k), sums to 1
        w = torch.zeros_like(s).scatter_(1, idx, wk)
        return w, discarded, (idx, wk)

    def attend(self, query: torch.Tensor, beta: float) -> Retrieval:
        """The attention at ``query`` without reading values (``values`` is None)."""
        s = self.scores(query)
        w, discarded, _ = self._select(s, beta)
        return Retrieval(w, None, s, discarded)

    def retrieve(self, query: torch.Tensor, beta: float) -> Retrieval:
        s = self.scores(query)
        w, discarded, kept = self._select(s, beta)
        if kept is not None:
            read = gather_read(self.values, *kept)
        else:
            read = self.values.matmul(w) if isinstance(self.values, FactoredValues) else w @ self.values
        return Retrieval(w, read, s, discarded)

    @property
    def n_hidden(self) -> int:
        return 0 if self.keys is None else int(self.keys.shape[0])

    @property
    def n_stored(self) -> int:
        return self.n_hidden

    def __repr__(self) -> str:
        shape = None if self.keys is None else tuple(self.keys.shape)
        extra = "" if self.topk is None else f", topk={self.topk}"
        kind = ", values=factored" if isinstance(self.values, FactoredValues) else ""
        return f"DenseSlots(keys={shape}, softmax={self.softmax!r}{kind}{extra})"
