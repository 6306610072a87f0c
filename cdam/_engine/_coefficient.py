"""The coefficient engine: the state as a decayed start plus a combination of the patterns."""

from __future__ import annotations

import torch

from ._operators import _hetero
from ._params import _Params, _part, _take
from ._view import _get, pattern_norms


class CoefficientStepper:
    r"""The state as :math:`R_t + C_t\Xi^\top` (coefficient space): the slot store's dynamics, exactly.

    Needs the model's own slot backend (keys are the patterns, values :math:`K\Xi^\top`).
    With no perturbation, :math:`R_t = d_t\,\sigma_0` with the decay :math:`d_t =
    \prod_{s<t}(1-\eta)`, so :math:`R_t\Xi = d_t\,S_0` and the start's statistics are
    computed once; a step touches only ``C`` (B, p): one product for the logits
    :math:`d_tS_0 + C_tG`, the attention, and the update. Each update makes a new ``C``
    (the old one is never edited); when overlaps are recorded it is written into a history
    block, and the overlaps of every step are formed from it after the run (:meth:`overlaps_of`).

    Parameters
    ----------
    x0 : torch.Tensor (B, n)
        The starts.
    params : _Params
        a, h, beta, eta, c: floats, or one value per run.
    backend : DenseSlots
        The slot store: its ``keys`` (p, n) are :math:`\Xi^\top`, its ``scores`` and
        ``weights`` the attention.
    gram : tuple of torch.Tensor
        ``(Gm, m, G)`` of :func:`centred_gram`: :math:`[G_c \mid m]`, the column means and
        :math:`G`.
    hetero : torch.Tensor or None
        :math:`K_h` (:func:`hetero_operator`), None without couplings.
    """

    name = "coefficient"

    def __init__(self, x0: torch.Tensor, params: _Params, *, backend, gram: tuple, hetero: torch.Tensor | None):
        self.backend = backend
        self.params = params
        p, n = backend.keys.shape
        self.n, self.p = n, p
        # [G_c | m]: one product gives C G_c and C m (inside a GEMM, unlike gemv, a row's
        # result does not depend on the batch size); G for the logits
        self.Gm, self.m, self.G = gram
        self.nm = self.m * float(n)
        self._Mt = hetero
        self.sigma0 = x0
        self.B = x0.shape[0]
        self._C: dict = {}  # chunk (lo, hi) -> its coefficients (rows, p), replaced by each update
        self._history: torch.Tensor | None = None  # (steps, B, p): C_1 ... C_T, when kept
        self.S0 = backend.scores(x0)  # sigma_0 . xi_mu
        self.sum0 = x0.sum(dim=1, keepdim=True)
        centred = x0 - x0.mean(dim=1, keepdim=True)
        self.Rc20 = (centred * centred).sum(dim=1, keepdim=True)
        self.S0c = self.S0 - self.sum0 * self.m  # sigma_0 . xi^c_mu
        # the decay d_t, multiplied up once per step in float64 (a float, or one per run)
        keep = params._raw["eta"]
        self._keep64 = (1.0 - keep.reshape(-1, 1).to(torch.float64)) if isinstance(keep, torch.Tensor) else 1.0 - keep
        self._decays: list = [1.0 if not isinstance(keep, torch.Tensor) else torch.ones_like(self._keep64)]
        self.t = 0
        # one cell: the update's factors as floats, looked up once instead of every step
        factors = (params.keep, params.eta_a, params.eta_h, params.eta_c_over_p(p))
        self._float_factors = factors if all(isinstance(v, float) for v in factors) else None

    def _key(self, rows) -> tuple[int, int]:
        lo = rows.start or 0
        return lo, self.B if rows.stop is None else min(rows.stop, self.B)

    def coefficients(self, rows) -> torch.Tensor:
        r""":math:`C_t` (rows, p) of the chunk ``rows`` (a slice: this engine never freezes rows)."""
        key = self._key(rows)
        C = self._C.get(key)
        if C is None:
            C = self._C[key] = torch.zeros(key[1] - key[0], self.p, dtype=self.S0.dtype, device=self.S0.device)
        return C

    def keep_history(self, steps: int) -> None:
        """Have every update write :math:`C_{t+1}` into a (steps, B, p) block, read by
        :meth:`history` (the overlap recorder's source: no copy, no allocation per step)."""
        if self._history is None:
            self._history = torch.empty(steps, self.B, self.p, dtype=self.S0.dtype, device=self.S0.device)

    def history(self, rows, t0: int, t1: int) -> torch.Tensor:
        r""":math:`C_{t_0+1}, \dots, C_{t_1}` of the runs ``rows``, (t1 - t0, rows, p), contiguous."""
        assert self._history is not None  # keep_history was called before the first update
        lo, hi = self._key(rows)
        return self._history[t0:t1, lo:hi].contiguous()

    def decay64(self, t: int):
        """:math:`d_t` in float64: a float, or a (B, 1) column."""
        while len(self._decays) <= t:
            self._decays.append(self._decays[-1] * self._keep64)
        return self._decays[t]

    def decay(self, rows, t: int | None = None):
        """:math:`d_t` (the current step by default), as a float or a (rows, 1) column of the dtype."""
        d = self.decay64(self.t if t is None else t)
        return d if not isinstance(d, torch.Tensor) else d[rows].to(device=self.S0.device, dtype=self.S0.dtype)

    def _view_scores(self, rows, cache):
        return (_part(self.S0, rows) * self.decay(rows)).add_(self.coefficients(rows) @ self.G)

    def _view_weights(self, rows, cache):
        w, d = self.backend.weights(_get(self, rows, cache, "scores"), _take(self.params.beta, rows))
        cache["discarded"] = d
        return w

    def _view_state(self, rows, cache):
        return self.decay(rows) * _part(self.sigma0, rows) + self.coefficients(rows) @ self.backend.keys

    def overlaps_of(self, kind: str, norms: torch.Tensor, rows, C: torch.Tensor, t0: int,
                    out: torch.Tensor | None = None) -> torch.Tensor:
        r"""Overlaps (T, rows, p) of ``kind`` ("pearson" or "cosine") of the states with
        coefficients ``C`` (T, rows, p), the first of them after ``t0`` updates; written into
        ``out`` when given. ``norms`` (p,): the patterns' norms, centred for Pearson
        (:func:`pattern_norms`).

        With :math:`S^c_0 = \sigma_0\Xi_c` and :math:`L = C_tG_c`: the numerator is
        :math:`d_tS^c_0 + L`, the centred norm :math:`d_t^2\lVert\sigma^c_0\rVert^2 +
        2d_t\,C_t\cdot S^c_0 + C_t\cdot L` and the sum of the state :math:`d_t\sum\sigma_0 +
        n\,C_tm`; every step at once, in about ten passes over (T, rows, p)."""
        LM = C @ self.Gm
        Lc, Cm = LM[..., : self.p], LM[..., self.p]
        S0c = _part(self.S0c, rows)
        cs, cl = (C * S0c).sum(dim=-1), (C * Lc).sum(dim=-1)
        ds = [self.decay(rows, t) for t in range(t0, t0 + C.shape[0])]
        decay = (torch.stack(ds) if isinstance(ds[0], torch.Tensor)
                 else torch.tensor(ds, dtype=C.dtype, device=C.device).view(-1, 1, 1))
        sum0, Rc20 = _part(self.sum0, rows).squeeze(1), _part(self.Rc20, rows).squeeze(1)
        d = decay.squeeze(-1)
        var = (Rc20 * d * d + 2.0 * d * cs + cl).clamp_(min=0.0)
        total = sum0 * d + self.n * Cm
        size2 = var + total * total / self.n  # |sigma|^2
        if kind == "pearson":
            num, norm2 = torch.mul(S0c, decay, out=out).add_(Lc), var  # sigma . xi^c_mu and |sigma - mean|^2
        else:
            num = torch.mul(_part(self.S0, rows), decay, out=out).add_(Lc).add_(Cm[..., None] * self.nm)
            norm2 = size2
        # a spread below round-off of the state's size is a constant state: overlap 0, as directly;
        # reciprocal norms (0 where a norm is 0) scale the big (T, B, p) block in two passes
        tiny = norm2 <= 64.0 * torch.finfo(num.dtype).eps * size2
        inv_state = torch.where(tiny | (norm2 <= 0), torch.zeros_like(norm2), norm2.rsqrt())
        inv_pattern = torch.where(norms > 0, 1.0 / norms.clamp(min=torch.finfo(num.dtype).tiny), 0.0)
        return num.mul_(inv_state[..., None]).mul_(inv_pattern).clamp_(-1.0, 1.0)

    def _view_overlaps(self, rows, cache, op):
        if self.t == 0:  # the start itself, read as the direct path reads it
            return op.from_scores(_part(self.S0, rows), _part(self.sigma0, rows))
        if op.kind == "dot":
            return _get(self, rows, cache, "scores").clone()
        return self.overlaps_of(op.kind, pattern_norms(op), rows, self.coefficients(rows)[None], self.t)[0]

    def read(self, rows, t: int) -> dict:
        self.t = t
        cache: dict = {}
        _get(self, rows, cache, "weights")
        return cache

    def update(self, rows, cache: dict) -> None:
        w = cache["weights"]
        if self._float_factors is not None:
            keep, eta_a, eta_h, eta_c_over_p = self._float_factors
        else:
            P = self.params
            keep, eta_a, eta_h = _take(P.keep, rows), _take(P.eta_a, rows), _take(P.eta_h, rows)
            eta_c_over_p = _take(P.eta_c_over_p(self.p), rows)
        # a new tensor (the recorded C_t stays as it was), in the history block when one is kept
        lo, hi = self._key(rows)
        out = None if self._history is None else self._history[self.t, lo:hi]
        C = torch.mul(self.coefficients(rows), keep, out=out)
        C.add_(w * eta_a)
        if self._Mt is not None and not (isinstance(eta_h, float) and eta_h == 0.0):
            hw = _hetero(self._Mt, w)
            assert hw is not None  # the operator exists
            C.add_(hw.mul_(eta_h))
        self._C[(lo, hi)] = C.sub_(eta_c_over_p)

    def final_states(self) -> torch.Tensor:
        blocks = [self._C[k] for k in sorted(self._C)] if self._C else [self.coefficients(slice(0, self.B))]
        C = blocks[0] if len(blocks) == 1 else torch.cat(blocks)
        return self.decay(slice(None)) * self.sigma0 + C @ self.backend.keys

