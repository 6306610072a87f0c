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
:math:`\Xi_c` the column-centred patterns, :math:`m` their column means and
:math:`G_c = \Xi_c^\top\Xi_c` (p, p, once per model), the logits are
:math:`\sigma_t\Xi = R_t\Xi + C_tG_c + n\,(C_t m)\,m^\top`, and the Pearson statistics follow
without the state: :math:`\sigma_t\cdot\xi^c_\mu = R_t\cdot\xi^c_\mu + (C_tG_c)_\mu` and
:math:`\lVert\sigma_t - \bar\sigma_t\rVert^2 = \lVert R^c_t\rVert^2 + 2\,C_t\cdot(R_t\Xi_c) +
C_t\cdot(C_tG_c)` (the centred Gram keeps the large mean out of the difference). A step costs
:math:`Bp^2 + B\,\mathrm{nnz}(M)` instead of :math:`2Bpn`; the state is formed once, at the end.

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
        self.per_row_strengths = isinstance(self.a, torch.Tensor) or isinstance(self.h, torch.Tensor)

    def _col(self, v):
        if isinstance(v, torch.Tensor):
            return v.to(device=self.device, dtype=self.dtype).reshape(-1, 1)
        return float(v)

    def c_over_p(self, p: int):
        return self._col(self._raw["c"] / p)

    def rows(self, rows) -> tuple:
        return tuple(_take(v, rows) for v in (self.a, self.h, self.beta, self.eta))


def _sparse_right(couplings) -> torch.Tensor | None:
    """CSR of :math:`K_h^\\top` where :math:`wK = a\\,w + h\\,wK_h`: ``w K_h = (K_h^T w^T)^T``."""
    M = couplings.M if couplings.direction == "forward" else couplings.M.T
    if M.nnz == 0:
        return None
    return _csr_torch(M.T, couplings.Xi.dtype, couplings.Xi.device)


def _hetero(Mt: torch.Tensor | None, w: torch.Tensor) -> torch.Tensor | None:
    return None if Mt is None else (Mt @ w.T).T


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
        """Logits :math:`\\sigma\\Xi` (rows, p)."""
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
    """The state itself, stepped by reading the storage backend (every backend, hook and rule).

    ``memory_units``: the backend holds one hidden unit per memory, so its weights, scores and
    discarded mass are about memories; otherwise the attention over memories is computed from
    the patterns, :math:`\\operatorname{softmax}(\beta\\,\\sigma\\Xi)`, where a recorder asks.
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
        self._Mt = _sparse_right(self.c) if self.per_row else None

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
    """The state as :math:`R_t + C_t\\Xi^\\top` (SPEC 4): the slot store's dynamics, exactly.

    Needs the model's own slot backend (keys are the patterns, values :math:`K\\Xi^\\top`).
    """

    name = "coefficient"

    def __init__(self, model, x0: torch.Tensor, params: _Params):
        self.model = model
        self.c = model.couplings
        self.params = params
        Xi = self.c.Xi
        n, p = Xi.shape
        self.n = n
        self.Gc, self.m = model._centred_gram()
        self._Mt = _sparse_right(self.c)
        self.sigma0 = x0
        B = x0.shape[0]
        dt = Xi.dtype
        self.C = torch.zeros(B, p, dtype=dt, device=Xi.device)
        self.RX = model.backend.scores(x0)  # R_t . xi_mu, decays with R
        self.S0 = self.RX.clone()
        self.sumR = x0.sum(dim=1, keepdim=True)
        centred = x0 - x0.mean(dim=1, keepdim=True)
        self.Rc2 = (centred * centred).sum(dim=1, keepdim=True)
        self.scale = torch.ones(B, 1, dtype=dt, device=Xi.device)
        self.t = 0

    @staticmethod
    def bytes_per_run(p: int, n: int, elem: int) -> int:
        return elem * (3 * p + n + 4)

    def _view_scores(self, rows, cache):
        C = self.C[rows]
        Lc = C @ self.Gc
        cache["Lc"] = Lc
        # row sums, not BLAS gemv/ger: those round differently with the batch size, and a cell
        # must compute the same bits alone or stacked with other cells
        Cm = (C * self.m).sum(dim=1, keepdim=True)
        return (self.RX[rows] + Lc).add_(Cm.mul_(float(self.n)) * self.m)

    def _view_weights(self, rows, cache):
        w, d = self.model.backend.weights(_get(self, rows, cache, "scores"), _take(self.params.beta, rows))
        cache["discarded"] = d
        return w

    def _view_state(self, rows, cache):
        return self.scale[rows] * self.sigma0[rows] + self.C[rows] @ self.model.backend.keys

    def _view_overlaps(self, rows, cache, op):
        if self.t == 0:  # the start itself, read as the direct path reads it
            return op.from_scores(self.S0[rows], self.sigma0[rows])
        scores = _get(self, rows, cache, "scores")
        if op.kind == "dot":
            return scores.clone()
        C, Lc = self.C[rows], cache["Lc"]
        RXc = self.RX[rows] - self.sumR[rows] * self.m  # R . xi^c_mu
        var = (self.Rc2[rows].squeeze(1) + 2.0 * (C * RXc).sum(dim=1) + (C * Lc).sum(dim=1)).clamp_(min=0.0)
        total = self.sumR[rows].squeeze(1) + self.n * (C * self.m).sum(dim=1)
        size2 = var + total * total / self.n  # |sigma|^2
        if op.kind == "pearson":
            num, norm2 = RXc + Lc, var  # sigma . xi^c_mu and |sigma - mean|^2
        else:
            num, norm2 = scores.clone(), size2
        # a spread below round-off of the state's size is a constant state: overlap 0, as directly
        tiny = norm2 <= 64.0 * torch.finfo(num.dtype).eps * size2
        snorm = torch.where(tiny, torch.zeros_like(norm2), norm2.sqrt())
        den = snorm[:, None] * op._norm
        out = num.div_(torch.where(den > 0, den, torch.ones_like(den)))
        return out.masked_fill_(den == 0, 0.0).clamp_(-1.0, 1.0)

    def read(self, rows, t: int) -> dict:
        self.t = t
        cache: dict = {}
        _get(self, rows, cache, "weights")
        return cache

    def update(self, rows, cache: dict) -> None:
        a, h, _, eta = self.params.rows(rows)
        keep = _take(self.params.keep, rows)
        w = cache["weights"]
        hw = _hetero(self._Mt, w)
        u = w * a if hw is None else (w * a).add_(hw * h)
        u = u - _take(self.params.c_over_p(w.shape[1]), rows)
        C = self.C[rows]
        C.mul_(keep).add_(u * eta)
        self.RX[rows] = self.RX[rows] * keep
        self.sumR[rows] = self.sumR[rows] * keep
        self.Rc2[rows] = self.Rc2[rows] * (keep * keep)
        self.scale[rows] = self.scale[rows] * keep
        if not isinstance(rows, slice):
            self.C[rows] = C

    def final_states(self) -> torch.Tensor:
        return self.scale * self.sigma0 + self.C @ self.model.backend.keys


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {ENGINES}, got {engine!r}")
    return engine
