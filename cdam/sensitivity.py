r"""Sensitivity to the start: twin runs, a finite-time Lyapunov estimate, and state sizes.

In wide hetero-association the dynamics can amplify a rounding difference until two runs
that agree to the last bit at the start end in visibly different states (our measurement,
``benchmarks/spread.py``). Statistics of such a regime are reproducible only in distribution:
another CPU kernel, thread count or seed moves them by the spread of the distribution, not by
rounding. :func:`twin_divergence` tells a user which regime a model is in.

:class:`StateSize` is a recorder of the state's size over time; the update keeps every entry
inside a box fixed by the start and the value matrix (:func:`state_bounds`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from . import _validation as check
from ._random import as_generator
from .dynamics import Recorder
from .errors import ParameterError

__all__ = ["StateSize", "TwinDivergence", "lyapunov_estimate", "state_bounds", "twin_divergence"]


def _row_index(rows, batch: int) -> torch.Tensor:
    # the loop passes a slice or an index tensor; pairing twins needs plain indices
    if isinstance(rows, slice):
        return torch.arange(batch)[rows]
    return torch.as_tensor(rows).reshape(-1).cpu()


class StateSize(Recorder):
    """Records the size of every state: ``max_abs`` and ``norm`` (L2), each (T + 1, B).

    Row ``t`` is the state after ``t`` updates (``t = 0`` is ``x0``). Use as
    ``model.run(x0, T, recorders=[StateSize()])``; the arrays (float64 numpy) are there
    after the run.

    Examples
    --------
    >>> import cdam
    >>> from cdam.sensitivity import StateSize
    >>> g = cdam.datasets.cycle_memory_graph(10, 200, seed=0)
    >>> model = cdam.CDAM(g, a=-2.0, h=3.0)
    >>> size = StateSize()
    >>> _ = model.run(model.initial_states(), 50, recorders=[size])
    >>> size.max_abs.shape, size.norm.shape
    ((51, 10), (51, 10))
    >>> bool((size.max_abs <= size.norm + 1e-9).all())
    True
    """

    def begin(self, batch, steps, model):
        self.max_abs = np.empty((steps + 1, batch))
        self.norm = np.empty((steps + 1, batch))

    def observe(self, t, rows, view):
        s = view.state.to(torch.float64)
        idx = _row_index(rows, self.max_abs.shape[1]).numpy()
        self.max_abs[t, idx] = s.abs().amax(dim=1).cpu().numpy()
        self.norm[t, idx] = torch.linalg.vector_norm(s, dim=1).cpu().numpy()

    def finish(self, done):
        self.max_abs = self.max_abs[: done + 1]
        self.norm = self.norm[: done + 1]


class _TwinDistance(Recorder):
    """Distance between rows 2k and 2k + 1 at every t, pairing across chunk boundaries."""

    def begin(self, batch, steps, model):
        self.batch = batch
        self.out = np.full((steps + 1, batch // 2), np.nan)
        self.scale = np.full_like(self.out, np.nan)  # the larger twin's norm: sets the rounding floor
        self._pending: dict[tuple[int, int], torch.Tensor] = {}  # a twin whose partner is in another chunk

    def observe(self, t, rows, view):
        s = view.state.to(torch.float64).cpu()
        idx = _row_index(rows, self.batch)
        pos = {int(r): k for k, r in enumerate(idx)}
        for r, k in pos.items():
            pair, partner = r // 2, r ^ 1
            if partner in pos:
                if r % 2 == 0:
                    self._pair(t, pair, s[k], s[pos[partner]])
            elif (t, partner) in self._pending:
                self._pair(t, pair, s[k], self._pending.pop((t, partner)))
            else:
                self._pending[(t, r)] = s[k].clone()

    def _pair(self, t, pair, x, y):
        self.out[t, pair] = torch.linalg.vector_norm(x - y).item()
        self.scale[t, pair] = max(torch.linalg.vector_norm(x).item(), torch.linalg.vector_norm(y).item())

    def finish(self, done):
        self.out = self.out[: done + 1]
        self.scale = self.scale[: done + 1]


@dataclass(frozen=True)
class TwinDivergence:
    """Result of :func:`twin_divergence`.

    Attributes
    ----------
    distance : numpy.ndarray (T + 1, B)
        :math:`d_t = \\lVert\\sigma_t - \\sigma'_t\\rVert_2` for each twin pair; ``distance[0]``
        is ``eps`` up to rounding.
    lyapunov : numpy.ndarray (B,)
        Finite-time Lyapunov estimate per pair, :math:`(1/T)\\log(d_T/d_0)` per update.
    chaotic : numpy.ndarray (B,) of bool
        ``lyapunov > threshold``.
    threshold : float
        The threshold used (default :math:`\\log(10)/T`: the twins moved at least ten times
        further apart than they started).
    eps : float
        The size of the start perturbation.
    """

    distance: np.ndarray
    lyapunov: np.ndarray
    chaotic: np.ndarray
    threshold: float
    eps: float

    @property
    def fraction_chaotic(self) -> float:
        """Share of the pairs classed chaotic."""
        return float(self.chaotic.mean())


def lyapunov_estimate(distance, floor: float | None = None) -> np.ndarray:
    r"""Finite-time Lyapunov estimates from twin distances (T + 1, B): :math:`(1/T)\log(d_T/d_0)`.

    ``floor`` (a number or one per run, default the smallest positive float64) replaces
    final distances below it: the distance at which two states can no longer be told apart.
    :func:`twin_divergence` passes the rounding resolution of the final state.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[1e-6, 1e-6], [1e-5, 1e-7], [1e-4, 1e-8]])
    >>> np.round(lyapunov_estimate(d) / np.log(10), 6)
    array([ 1., -1.])
    """
    d = np.asarray(distance, dtype=np.float64)
    if d.ndim != 2 or d.shape[0] < 2:
        raise ParameterError(f"distance must be (T + 1, B) with T >= 1, got shape {d.shape}")
    floor = np.finfo(np.float64).tiny if floor is None else floor
    steps = d.shape[0] - 1
    return np.log(np.maximum(d[-1], floor) / np.maximum(d[0], np.finfo(np.float64).tiny)) / steps


def twin_divergence(
    model, x0, steps: int = 100, *, eps: float = 1e-3, seed=0, threshold: float | None = None, **run_kwargs
) -> TwinDivergence:
    r"""Run each start beside a twin ``eps`` away and follow their distance over time.

    For every start :math:`x_0^{(b)}` a direction :math:`u^{(b)}` is drawn uniformly on the
    unit sphere (a normalised Gaussian vector, from ``seed``) and the twin starts at
    :math:`x_0^{(b)} + \epsilon u^{(b)}`. Both run together, as one batch of 2B rows, and
    the distance :math:`d_t = \lVert\sigma_t - \sigma'_t\rVert_2` is recorded at every
    step. The finite-time Lyapunov estimate per pair is

    .. math::

        \lambda = \frac{1}{T} \log\frac{d_T}{d_0},

    the mean exponential rate per update at which the twins separated (:math:`\lambda > 0`)
    or merged (:math:`\lambda < 0`). It is a finite-time, finite-size estimate: the distance
    saturates at the attractor's diameter, so a larger ``T`` lowers a positive
    :math:`\lambda`; and two states closer than the rounding resolution of the model's dtype
    (machine epsilon times :math:`\lVert\sigma_T\rVert`, about 1e-6 for float32 states of
    norm 10) are one state to the model, so :math:`d_T` is floored there, which bounds a
    negative :math:`\lambda` from below by :math:`(1/T)\log(\text{floor}/\epsilon)`.
    ``eps`` (default 1e-3, absolute) should sit well above that floor and well below the
    patterns' scale; use ``dtype=torch.float64`` models to resolve faster contraction.

    A pair is classed chaotic when :math:`\lambda` exceeds ``threshold``, by default
    :math:`\log(10)/T` (the twins ended at least ten times further apart than they started).
    There, statistics of the final states are reproducible only in distribution.

    Parameters
    ----------
    model : CDAM
    x0 : array or tensor, (n,) or (B, n)
    steps : int
        T >= 1 updates.
    eps : float
        Size of the start perturbation, > 0.
    seed : int, None or torch.Generator
        For the perturbation directions.
    threshold : float, optional
        Lyapunov value above which a pair counts as chaotic.
    **run_kwargs
        Passed to :meth:`CDAM.run` (``engine``, ``perturb`` ...).

    Returns
    -------
    TwinDivergence

    Examples
    --------
    >>> import cdam
    >>> from cdam.sensitivity import twin_divergence
    >>> g = cdam.datasets.cycle_memory_graph(30, 1000, seed=0)
    >>> auto = twin_divergence(cdam.CDAM(g, a=1.0, h=0.0), cdam.CDAM(g).initial_states(), 50)
    >>> auto.distance.shape, bool((auto.lyapunov < 0).all()), auto.fraction_chaotic
    ((51, 30), True, 0.0)
    """
    steps = check.positive_int("steps", steps)
    eps = check.finite_real("eps", eps, strict_minimum=0.0)
    x = torch.as_tensor(x0).to(device="cpu", dtype=torch.float64)
    if x.ndim == 1:
        x = x[None]
    if x.ndim != 2 or x.shape[1] != model.n_neurons:
        raise ParameterError(
            f"x0 must be (n,) or (B, n) with n = {model.n_neurons} neurons, got shape {tuple(x.shape)}"
        )
    gen = as_generator(seed)
    u = torch.randn(x.shape, generator=gen, dtype=torch.float64)
    u = u / torch.linalg.vector_norm(u, dim=1, keepdim=True)
    # twins side by side (rows 2b, 2b + 1), so a chunk of the batch rarely splits a pair
    both = torch.stack([x, x + eps * u], dim=1).reshape(-1, x.shape[1])
    rec = _TwinDistance()
    model.run(both.to(device=model.device, dtype=model.dtype), steps, recorders=[rec, *run_kwargs.pop("recorders", ())],
              **run_kwargs)
    # below the final states' rounding resolution two twins are the same state to the model
    lyap = lyapunov_estimate(rec.out, floor=torch.finfo(model.dtype).eps * rec.scale[-1])
    if threshold is None:
        threshold = math.log(10.0) / (rec.out.shape[0] - 1)
    return TwinDivergence(rec.out, lyap, lyap > threshold, float(threshold), float(eps))


def state_bounds(model, x0) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Per-entry box that every state of a run from ``x0`` stays in, (B, n) lower and upper.

    One step is :math:`\sigma_{t+1} = (1 - \eta)\sigma_t + \eta r_t` with
    :math:`r_t = w_t Q - c\bar\xi`. The attention :math:`w_t` is a probability vector, so
    :math:`w_t Q` is a convex combination of the rows of ``Q`` and entry ``i`` of
    :math:`r_t` lies in :math:`[\min_\mu Q_{\mu i} - c\bar\xi_i,\ \max_\mu Q_{\mu i} -
    c\bar\xi_i]`. With :math:`\eta \in (0, 1]` each :math:`\sigma_{t+1,i}` is a convex
    combination of :math:`\sigma_{t,i}` and :math:`r_{t,i}`, so by induction, for all t,

    .. math::

        \min(x_{0,i},\ \min_\mu Q_{\mu i} - c\bar\xi_i) \le \sigma_{t,i}
        \le \max(x_{0,i},\ \max_\mu Q_{\mu i} - c\bar\xi_i).

    Holds for any ``a``, ``h`` (of any sign), ``beta`` and softmax; a top-k attention is a
    probability vector too.

    Examples
    --------
    >>> import cdam
    >>> g = cdam.datasets.cycle_memory_graph(6, 50, seed=0)
    >>> model = cdam.CDAM(g, a=-2.0, h=3.0)
    >>> x0 = model.initial_states()
    >>> lo, hi = state_bounds(model, x0)
    >>> s = model.run(x0, 200).final.double()
    >>> bool(((lo <= s + 1e-5) & (s <= hi + 1e-5)).all())
    True
    """
    c = model.couplings
    Q = c.Q.to(torch.float64).cpu()
    shift = model.mean_coef * c.xbar.to(torch.float64).cpu()
    x = torch.as_tensor(x0).to(device="cpu", dtype=torch.float64)
    x = x[None] if x.ndim == 1 else x
    lo = torch.minimum(x, (Q.amin(dim=0) - shift)[None])
    hi = torch.maximum(x, (Q.amax(dim=0) - shift)[None])
    return lo, hi
