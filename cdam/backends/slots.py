"""DenseSlots: one hidden unit per memory, the CDAM default storage."""

from __future__ import annotations

import torch

from .._validation import choice
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


class DenseSlots(StorageBackend):
    r"""Each memory in its own hidden unit: keys are patterns, values are rows of ``Q``.

    .. math::

        w = \operatorname{softmax}(\beta\, q K^\top),\qquad \text{read} = w V

    with ``K`` (p, n) the stored keys and ``V`` (p, d) the stored values.

    Parameters
    ----------
    keys, values : torch.Tensor, optional
        Initial associations, (p, n) and (p, d).
    softmax : {"stable", "legacy"}

    Examples
    --------
    >>> import torch
    >>> s = DenseSlots(torch.eye(2), torch.tensor([[1., 2.], [3., 4.]]))
    >>> s.retrieve(torch.tensor([[50., 0.]]), beta=1.0).values.round(decimals=4)
    tensor([[1., 2.]])
    """

    def __init__(self, keys: torch.Tensor | None = None, values: torch.Tensor | None = None, softmax: str = "stable"):
        self.softmax = choice("softmax", softmax, SOFTMAX_KINDS)
        self.keys: torch.Tensor | None = None
        self.values: torch.Tensor | None = None
        if keys is not None or values is not None:
            if keys is None or values is None:
                raise ParameterError("give both keys and values, or neither")
            self.store(keys, values)

    def store(self, keys: torch.Tensor, values: torch.Tensor) -> None:
        if keys.ndim != 2 or values.ndim != 2 or keys.shape[0] != values.shape[0]:
            raise StateError(
                "keys (m, n) and values (m, d) need the same number of rows, "
                f"got {tuple(keys.shape)} and {tuple(values.shape)}"
            )
        if self.keys is None:
            self.keys, self.values = keys.contiguous(), values.contiguous()
        else:
            if keys.shape[1] != self.keys.shape[1] or values.shape[1] != self.values.shape[1]:
                raise StateError("new keys/values must match the widths of those already stored")
            self.keys = torch.cat([self.keys, keys])
            self.values = torch.cat([self.values, values])

    def scores(self, query: torch.Tensor) -> torch.Tensor:
        """Raw match scores ``query @ keys.T`` (B, p)."""
        return query @ self.keys.T

    def retrieve(self, query: torch.Tensor, beta: float) -> Retrieval:
        if self.keys is None:
            raise StateError("nothing is stored yet; call store(keys, values) first")
        w = softmax_weights(self.scores(query), beta, self.softmax)
        return Retrieval(w, w @ self.values)

    @property
    def n_hidden(self) -> int:
        return 0 if self.keys is None else int(self.keys.shape[0])

    @property
    def n_stored(self) -> int:
        return self.n_hidden

    def __repr__(self) -> str:
        shape = None if self.keys is None else tuple(self.keys.shape)
        return f"DenseSlots(keys={shape}, softmax={self.softmax!r})"
