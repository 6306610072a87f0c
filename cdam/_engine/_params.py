"""Per-run parameters: a, h, beta, eta and c as floats, or one value per run of the batch."""

from __future__ import annotations

import torch


def _take(x, rows):
    """A per-run parameter (B, 1) restricted to ``rows``; floats pass through."""
    return x[rows] if isinstance(x, torch.Tensor) else x


def _part(t: torch.Tensor, rows) -> torch.Tensor:
    """``t[rows]``, or ``t`` itself when ``rows`` is the whole batch (one call less a step)."""
    if isinstance(rows, slice) and rows.start in (0, None) and (rows.stop is None or rows.stop >= t.shape[0]):
        return t
    return t[rows]


class _Params:
    """a, h, beta, eta, c: floats, or (B,) float64 tensors with one value per run.

    Per-run values become (B, 1) columns of the model's dtype. The derived factors
    (``1 - eta``, ``eta c``, ``c / p``) are formed in float64 and rounded once, exactly as a
    Python float is, so a cell run in a stacked batch does the same arithmetic as alone.
    """

    def __init__(self, a, h, beta, eta, c, dtype, device):
        self.dtype, self.device = dtype, device
        self._raw = {"a": a, "h": h, "beta": beta, "eta": eta, "c": c}
        self.a, self.h, self.beta, self.eta = (self._col(v) for v in (a, h, beta, eta))
        self.keep = self._col(1.0 - eta)
        self.eta_c = self._col(eta * c)
        # the coefficient update's factors: C <- keep C + (eta a) w + (eta h) w K_h - eta c / p
        self.eta_a, self.eta_h = self._col(eta * a), self._col(eta * h)
        self._eta_c_over_p: dict = {}
        self.per_row_strengths = isinstance(self.a, torch.Tensor) or isinstance(self.h, torch.Tensor)
        # a read with per-run strengths or beta combines the slot values' factors per row
        self.per_row_reads = self.per_row_strengths or isinstance(self.beta, torch.Tensor)

    def _col(self, v):
        if isinstance(v, torch.Tensor):
            return v.to(device=self.device, dtype=self.dtype).reshape(-1, 1)
        return float(v)

    def eta_c_over_p(self, p: int):
        if p not in self._eta_c_over_p:
            self._eta_c_over_p[p] = self._col(self._raw["eta"] * self._raw["c"] / p)
        return self._eta_c_over_p[p]

    def rows(self, rows) -> tuple:
        return tuple(_take(v, rows) for v in (self.a, self.h, self.beta, self.eta))

