r"""How a run is executed: two exact state representations, and chunks that fit a memory budget.

:meth:`cdam.CDAM.run` has one loop over time (in :mod:`cdam.dynamics`); this module supplies
what the loop steps and how much of the batch one pass may touch.

**Direct** (:class:`DirectStepper`): the state :math:`\sigma` (B, n) itself; a step reads
the store, :math:`\sigma \leftarrow (1-\eta)\sigma + \eta(wQ - c\bar\xi)`, two products of
cost :math:`Bpn`. Every backend, hook and stopping rule works here.

**Coefficient space** (:class:`CoefficientStepper`, SPEC 4): every update adds a combination
of the patterns, and :math:`\bar\xi = \Xi\mathbf 1/p` is one too, so exactly

.. math::

    \sigma_t = R_t + C_t\,\Xi^\top,\qquad R_t = \textstyle\prod_{s<t}(1-\eta)\,\sigma_0,\qquad
    C_{t+1} = (1-\eta)\,C_t + \eta\,\big(w_t K - \tfrac{c}{p}\mathbf 1^\top\big),

with :math:`K = aI + hM` (:math:`M^\top` in reverse), so :math:`Q = K\Xi^\top`. With
:math:`G = \Xi^\top\Xi` (p, p, once per patterns), the logits are
:math:`\sigma_t\Xi = R_t\Xi + C_tG`. With :math:`\Xi_c` the column-centred patterns,
:math:`m` their column means and :math:`G_c = \Xi_c^\top\Xi_c`, the Pearson statistics follow
without the state: :math:`\sigma_t\cdot\xi^c_\mu = R_t\cdot\xi^c_\mu + (C_tG_c)_\mu` and
:math:`\lVert\sigma_t - \bar\sigma_t\rVert^2 = \lVert R^c_t\rVert^2 + 2\,C_t\cdot(R_t\Xi_c) +
C_t\cdot(C_tG_c)` (the centred Gram keeps the large mean out of the difference). A step costs
:math:`Bp^2 + B\,\mathrm{nnz}(M)` instead of :math:`2Bpn`; the state is formed once, at the end,
and recorded overlaps are formed after the run from the kept :math:`C_t`, in cache-sized blocks
of steps.

**Per-row parameters.** Both steppers take ``a``, ``h``, ``beta``, ``eta`` and ``c`` either as
floats or as (B, 1) tensors, one value per run: many cells of a sweep then run as one batch
sharing :math:`\Xi`, :math:`G_c` and ``M``.

**Chunks.** The loop visits the batch in row chunks sized by :func:`plan_rows` so that the
persistent state, the recorded outputs and one chunk's temporaries fit ``memory_limit``; runs
are independent, so the result does not depend on the split. Work that cannot fit at any
split raises :class:`~cdam.errors.MemoryBudgetError` before anything large is allocated.
"""

from __future__ import annotations

import os
import resource

import torch

from .backends.slots import softmax_weights
from .couplings import _csr_torch
from .errors import MemoryBudgetError, ParameterError

__all__ = [
    "DEFAULT_MEMORY_SHARE",
    "ENGINES",
    "CoefficientStepper",
    "DirectStepper",
    "default_memory_limit",
    "plan_rows",
]

ENGINES = ("auto", "direct", "coefficient")
DEFAULT_MEMORY_SHARE = 0.5  # of the memory available when the run starts (and of the address-space headroom)
_SAFETY = 1.25  # torch's temporaries beyond the ones counted below (measured peaks stay under this)


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _address_space_headroom() -> int | None:
    """Bytes left under an address-space limit (``ulimit -v``), or None when unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return max(0, soft - int(line.split()[1]) * 1024)
    except OSError:
        pass
    return soft


def default_memory_limit() -> int:
    """The bytes a run may use when ``memory_limit=None``.

    :data:`DEFAULT_MEMORY_SHARE` (a half) of the memory the system reports available now,
    and of the headroom under an address-space limit (``ulimit -v``) when one is set.

    Examples
    --------
    >>> default_memory_limit() > 0
    True
    """
    limits = [x for x in (_meminfo_available(), _address_space_headroom()) if x is not None]
    if not limits:
        return 8 << 30
    return max(1, int(DEFAULT_MEMORY_SHARE * min(limits)))


def _gb(x: float) -> str:
    return f"{x / 1e9:.3g} GB"


def plan_rows(batch: int, *, fixed: int, per_run: int, per_chunk_row: int, budget: int, hints: str) -> int:
    """Rows per chunk so that ``fixed + batch * per_run + rows * per_chunk_row`` fits ``budget``.

    ``fixed``: bytes held whatever the batch (the model's patterns, the Gram matrix);
    ``per_run``: bytes each run keeps for the whole run (its state and recorded outputs);
    ``per_chunk_row``: temporaries of one step per row of the chunk in flight.

    Raises
    ------
    MemoryBudgetError
        When not even one row fits; the message gives the estimate and ``hints``.

    Examples
    --------
    >>> plan_rows(1000, fixed=0, per_run=10, per_chunk_row=80, budget=20_000, hints="")
    100
    """
    per_chunk_row = int(per_chunk_row * _SAFETY)
    room = budget - fixed - batch * per_run
    if room < per_chunk_row:
        need = fixed + batch * per_run + per_chunk_row
        raise MemoryBudgetError(
            f"this run needs about {_gb(need)} ({_gb(fixed)} for the model, {_gb(batch * per_run)} for the "
            f"{batch} runs' states and recorded outputs, {_gb(per_chunk_row)} per row of a step) but the memory "
            f"budget is {_gb(budget)}. To make it fit: {hints}"
        )
    return int(max(1, min(batch, room // per_chunk_row)))


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


DENSE_COUPLING_MAX_P = 512  # below this a dense (p, p) product beats the sparse one's call overhead


def _hetero_operator(couplings) -> torch.Tensor | None:
    r"""The hetero-association operator :math:`K_h` (``w K = a w + h w K_h``), ``M`` or ``M^T``.

    Dense (p, p) for small p, where one GEMM costs less than a sparse product's overhead
    (20 us against 8 us at p = 60 on this machine), else the CSR of :math:`K_h^\top`."""
    M = couplings.M if couplings.direction == "forward" else couplings.M.T
    if M.nnz == 0:
        return None
    if M.shape[0] <= DENSE_COUPLING_MAX_P:
        return torch.as_tensor(M.toarray()).to(device=couplings.Xi.device, dtype=couplings.Xi.dtype)
    return _csr_torch(M.T, couplings.Xi.dtype, couplings.Xi.device)


def _hetero(K: torch.Tensor | None, w: torch.Tensor) -> torch.Tensor | None:
    """:math:`w K_h` (B, p): a GEMM with the dense operator, or ``(K_h^T w^T)^T`` with the CSR one."""
    if K is None:
        return None
    return w @ K if K.layout == torch.strided else (K @ w.T).T


class StepView:
    """What a recorder sees of the state after ``t`` updates, for one chunk of rows.

    Quantities are computed on first access and shared by every recorder.
    """

    __slots__ = ("_stepper", "rows", "t", "_cache")

    def __init__(self, stepper, rows, t: int, cache: dict):
        self._stepper, self.rows, self.t, self._cache = stepper, rows, t, cache

    def _get(self, name):
        return _get(self._stepper, self.rows, self._cache, name)

    @property
    def state(self) -> torch.Tensor:
        """States (rows, n)."""
        return self._get("state")

    @property
    def scores(self) -> torch.Tensor:
        r"""Logits :math:`\sigma\Xi` (rows, p)."""
        return self._get("scores")

    @property
    def weights(self) -> torch.Tensor:
        """Attention over memories (rows, p): the weights the update uses."""
        return self._get("weights")

    @property
    def discarded(self) -> torch.Tensor | None:
        """Softmax mass a truncated read left out (rows,), or None."""
        self._get("weights")
        return self._cache.get("discarded")

    def peek(self, name: str):
        """A quantity if it was already computed, else None (never computes it)."""
        return self._cache.get(name)

    def overlaps(self, op) -> torch.Tensor:
        """Overlaps (rows, p) of the state with every memory, of ``op``'s kind."""
        key = ("overlaps", op.kind)
        if key not in self._cache:
            self._cache[key] = self._stepper._view_overlaps(self.rows, self._cache, op)
        return self._cache[key]


class DirectStepper:
    r"""The state itself, stepped by reading the storage backend (every backend, hook and rule).

    ``memory_units``: the backend holds one hidden unit per memory, so its weights, scores and
    discarded mass are about memories; otherwise the attention over memories is computed from
    the patterns, :math:`\operatorname{softmax}(\beta\,\sigma\Xi)`, where a recorder asks.
    """

    name = "direct"

    def __init__(self, model, x0: torch.Tensor, params: _Params, *, memory_units: bool):
        self.model = model
        self.c = model.couplings
        self.sigma = x0
        self.params = params
        self.memory_units = memory_units
        # runs with their own a, h or beta (sweep cells) read the slot values as factors
        self.per_row = params.per_row_strengths or isinstance(params.beta, torch.Tensor)
        self._Mt = _hetero_operator(self.c) if self.per_row else None

    # -- what a view computes when a recorder asks
    def _view_state(self, rows, cache):
        return self.sigma[rows]

    def _attend(self, rows, cache):
        backend = self.model.backend
        beta = _take(self.params.beta, rows)
        attend = getattr(backend, "attend", None)
        x = _get(self, rows, cache, "state")
        r = attend(x, beta) if attend is not None else backend.retrieve(x, beta)
        cache["weights"], cache["discarded"] = r.weights, r.discarded
        cache["scores"] = r.scores if r.scores is not None else x @ self.c.Xi
        return r

    def _view_scores(self, rows, cache):
        if self.memory_units:
            self._attend(rows, cache)
            return cache["scores"]
        return _get(self, rows, cache, "state") @ self.c.Xi

    def _view_weights(self, rows, cache):
        if self.memory_units:
            return self._attend(rows, cache).weights
        beta = _take(self.params.beta, rows)
        return softmax_weights(_get(self, rows, cache, "scores"), beta, self.model.softmax)

    def _view_overlaps(self, rows, cache, op):
        state = _get(self, rows, cache, "state")
        scores = cache.get("scores")
        return op(state) if scores is None else op.from_scores(scores, state)

    # -- stepping
    def read(self, rows, t: int) -> dict:
        """Read the store for ``rows``; returns the view cache (state, scores, weights, read)."""
        x = self.sigma[rows]
        cache = {"state": x}
        a, h, beta, _ = self.params.rows(rows)
        backend = self.model.backend
        if self.per_row:
            s = backend.scores(x)
            w, d = backend.weights(s, beta)
            hw = _hetero(self._Mt, w)
            u = w * a if hw is None else w * a + hw * h
            cache.update(scores=s, weights=w, discarded=d, read=u @ backend.keys)
            return cache
        r = backend.retrieve(x, beta)
        cache["read"] = r.values
        if self.memory_units:
            cache["weights"], cache["discarded"] = r.weights, r.discarded
            if r.scores is not None:
                cache["scores"] = r.scores
        return cache

    def update(self, rows, cache: dict) -> torch.Tensor:
        """Apply the update to ``rows`` in place; returns the new states (rows, n)."""
        P = self.params
        eta, keep, eta_c = _take(P.eta, rows), _take(P.keep, rows), _take(P.eta_c, rows)
        x = cache["state"]
        xbar = self.c.xbar
        if isinstance(eta, torch.Tensor):
            x.mul_(keep).add_(cache["read"] * eta).sub_(eta_c * xbar)
        else:  # one fused in-place pass: sigma + eta((read - c xbar) - sigma)
            x.mul_(keep).add_(cache["read"], alpha=eta).sub_(eta_c * xbar)
        if not isinstance(rows, slice):
            self.sigma[rows] = x
        return x

    def final_states(self) -> torch.Tensor:
        return self.sigma


def _get(stepper, rows, cache, name):
    if name not in cache:
        cache[name] = getattr(stepper, f"_view_{name}")(rows, cache)
    return cache[name]


class CoefficientStepper:
    r"""The state as :math:`R_t + C_t\Xi^\top` (SPEC 4): the slot store's dynamics, exactly.

    Needs the model's own slot backend (keys are the patterns, values :math:`K\Xi^\top`).
    With no perturbation, :math:`R_t = d_t\,\sigma_0` with the decay :math:`d_t =
    \prod_{s<t}(1-\eta)`, so :math:`R_t\Xi = d_t\,S_0` and the start's statistics are
    computed once; a step touches only ``C`` (B, p): one product for the logits
    :math:`d_tS_0 + C_tG`, the attention, and the update. Each update makes a new ``C``
    (the old one is never edited); when overlaps are recorded it is written into a history
    block, and the overlaps of every step are formed from it after the run (:meth:`overlaps_of`).
    """

    name = "coefficient"

    def __init__(self, model, x0: torch.Tensor, params: _Params):
        self.model = model
        self.c = model.couplings
        self.params = params
        Xi = self.c.Xi
        n, p = Xi.shape
        self.n, self.p = n, p
        # [G_c | m]: one product gives C G_c and C m (inside a GEMM, unlike gemv, a row's
        # result does not depend on the batch size); G for the logits
        self.Gm, self.m, self.G = model._centred_gram()
        self.nm = self.m * float(n)
        self._Mt = _hetero_operator(self.c)
        self.sigma0 = x0
        self.B = x0.shape[0]
        self._C: dict = {}  # chunk (lo, hi) -> its coefficients (rows, p), replaced by each update
        self._history: torch.Tensor | None = None  # (steps, B, p): C_1 ... C_T, when kept
        self.S0 = model.backend.scores(x0)  # sigma_0 . xi_mu
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
        w, d = self.model.backend.weights(_get(self, rows, cache, "scores"), _take(self.params.beta, rows))
        cache["discarded"] = d
        return w

    def _view_state(self, rows, cache):
        return self.decay(rows) * _part(self.sigma0, rows) + self.coefficients(rows) @ self.model.backend.keys

    def overlaps_of(self, op, rows, C: torch.Tensor, t0: int, out: torch.Tensor | None = None) -> torch.Tensor:
        r"""Overlaps (T, rows, p) of the states with coefficients ``C`` (T, rows, p), the first
        of them after ``t0`` updates; written into ``out`` when given.

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
        if op.kind == "pearson":
            num, norm2 = torch.mul(S0c, decay, out=out).add_(Lc), var  # sigma . xi^c_mu and |sigma - mean|^2
        else:
            num = torch.mul(_part(self.S0, rows), decay, out=out).add_(Lc).add_(Cm[..., None] * self.nm)
            norm2 = size2
        # a spread below round-off of the state's size is a constant state: overlap 0, as directly;
        # reciprocal norms (0 where a norm is 0) scale the big (T, B, p) block in two passes
        tiny = norm2 <= 64.0 * torch.finfo(num.dtype).eps * size2
        inv_state = torch.where(tiny | (norm2 <= 0), torch.zeros_like(norm2), norm2.rsqrt())
        inv_pattern = torch.where(op._norm > 0, 1.0 / op._norm.clamp(min=torch.finfo(num.dtype).tiny), 0.0)
        return num.mul_(inv_state[..., None]).mul_(inv_pattern).clamp_(-1.0, 1.0)

    def _view_overlaps(self, rows, cache, op):
        if self.t == 0:  # the start itself, read as the direct path reads it
            return op.from_scores(_part(self.S0, rows), _part(self.sigma0, rows))
        if op.kind == "dot":
            return _get(self, rows, cache, "scores").clone()
        return self.overlaps_of(op, rows, self.coefficients(rows)[None], self.t)[0]

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
        return self.decay(slice(None)) * self.sigma0 + C @ self.model.backend.keys


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {ENGINES}, got {engine!r}")
    return engine
