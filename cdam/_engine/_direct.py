"""The direct engine: the state itself, stepped by reading the storage backend."""

from __future__ import annotations

import torch

from ..backends.slots import softmax_weights
from ._operators import _hetero
from ._params import _Params, _take
from ._view import _get


class DirectStepper:
    r"""The state itself, stepped by reading the storage backend (every backend, hook and rule).

    ``memory_units``: the backend holds one hidden unit per memory, so its weights, scores and
    discarded mass are about memories; otherwise the attention over memories is computed from
    the patterns, :math:`\operatorname{softmax}(\beta\,\sigma\Xi)`, where a recorder asks.

    Parameters
    ----------
    x0 : torch.Tensor (B, n)
        The starts; stepped in place.
    params : _Params
        a, h, beta, eta, c: floats, or one value per run.
    backend : StorageBackend
        The store every step reads.
    patterns : torch.Tensor (n, p)
        :math:`\Xi`, for logits a backend does not report.
    xbar : torch.Tensor (n,)
        The mean pattern :math:`\bar\xi` the update subtracts.
    softmax : str
        The softmax kind of attention formed from the patterns.
    memory_units : bool
    hetero : torch.Tensor, optional
        :math:`K_h` (:func:`hetero_operator`); needed when ``params.per_row_reads``: runs with
        their own a, h or beta (sweep cells) read the slot values as factors.
    """

    name = "direct"

    def __init__(self, x0: torch.Tensor, params: _Params, *, backend, patterns: torch.Tensor, xbar: torch.Tensor,
                 softmax: str, memory_units: bool, hetero: torch.Tensor | None = None):
        self.sigma = x0
        self.params = params
        self.backend, self.Xi, self.xbar, self.softmax = backend, patterns, xbar, softmax
        self.memory_units = memory_units
        self.per_row = params.per_row_reads
        self._Mt = hetero

    # -- what a view computes when a recorder asks
    def _view_state(self, rows, cache):
        return self.sigma[rows]

    def _attend(self, rows, cache):
        backend = self.backend
        beta = _take(self.params.beta, rows)
        attend = getattr(backend, "attend", None)
        x = _get(self, rows, cache, "state")
        r = attend(x, beta) if attend is not None else backend.retrieve(x, beta)
        cache["weights"], cache["discarded"] = r.weights, r.discarded
        cache["scores"] = r.scores if r.scores is not None else x @ self.Xi
        return r

    def _view_scores(self, rows, cache):
        if self.memory_units:
            self._attend(rows, cache)
            return cache["scores"]
        return _get(self, rows, cache, "state") @ self.Xi

    def _view_weights(self, rows, cache):
        if self.memory_units:
            return self._attend(rows, cache).weights
        beta = _take(self.params.beta, rows)
        return softmax_weights(_get(self, rows, cache, "scores"), beta, self.softmax)

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
        backend = self.backend
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
        xbar = self.xbar
        if isinstance(eta, torch.Tensor):
            x.mul_(keep).add_(cache["read"] * eta).sub_(eta_c * xbar)
        else:  # one fused in-place pass: sigma + eta((read - c xbar) - sigma)
            x.mul_(keep).add_(cache["read"], alpha=eta).sub_(eta_c * xbar)
        if not isinstance(rows, slice):
            self.sigma[rows] = x
        return x

    def final_states(self) -> torch.Tensor:
        return self.sigma

