"""The direct engine: the state itself, stepped by reading the storage backend."""

from __future__ import annotations

import inspect

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

    **Sparse reads** (``Retrieval.index`` (rows, k)): the view cache keeps ``index`` and the
    compact ``weights`` (rows, k); the scores over all memories are formed only if a recorder
    asks. A backend whose ``retrieve`` takes ``previous`` (read off its signature once, here) is
    passed each run's last ``index``; :meth:`seed_previous` gives the first read's (the cues).

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
        self.sparse = memory_units and getattr(backend, "sparse_k", None) is not None
        self._retrieve_previous = _takes_previous(backend.retrieve)
        attend = getattr(backend, "attend", None)
        self._attend_previous = attend is not None and _takes_previous(attend)
        self._last: torch.Tensor | None = None  # (B, j): each run's last read index, once known
        self._known: torch.Tensor | None = None  # (B,) which rows of _last hold a read, until all do

    def seed_previous(self, cues: torch.Tensor) -> None:
        """The first read's ``previous``: each run's cue (B,), for a backend that takes it."""
        if self._retrieve_previous or self._attend_previous:
            self._last = cues.reshape(-1, 1).to(device=self.sigma.device, dtype=torch.long).clone()  # written per read

    def _previous(self, rows):
        if self._last is None or (self._known is not None and not bool(self._known[rows].all())):
            return None  # a chunk's rows were all read before, or none of them (no cues: the first read)
        return self._last[rows]

    def _remember(self, rows, index: torch.Tensor) -> None:
        """Keep ``index`` (rows, j) as the runs' last read. A width that changes between reads
        (fewer candidates than k at the first) is padded by repeating the best memory: a
        repeat is one memory attended twice, which adds nothing to a previous set."""
        B, j = self.sigma.shape[0], index.shape[1]
        last = self._last
        if last is None:
            last = self._last = index.new_zeros(B, j)
            self._known = torch.zeros(B, dtype=torch.bool)
        elif last.shape[1] < j:
            last = self._last = torch.cat([last, last[:, :1].expand(B, j - last.shape[1])], dim=1)
        elif last.shape[1] > j:
            index = torch.cat([index, index[:, :1].expand(-1, last.shape[1] - j)], dim=1)
        last[rows] = index
        if self._known is not None:
            self._known[rows] = True
            if bool(self._known.all()):
                self._known = None

    # -- what a view computes when a recorder asks
    def _view_state(self, rows, cache):
        return self.sigma[rows]

    def _attend(self, rows, cache):
        backend = self.backend
        beta = _take(self.params.beta, rows)
        attend = getattr(backend, "attend", None)
        x = _get(self, rows, cache, "state")
        if attend is not None:
            r = attend(x, beta, previous=self._previous(rows)) if self._attend_previous else attend(x, beta)
        else:
            r = backend.retrieve(x, beta, previous=self._previous(rows)) if self._retrieve_previous \
                else backend.retrieve(x, beta)
        cache["weights"], cache["discarded"], cache["index"] = r.weights, r.discarded, r.index
        if r.index is None:  # a sparse read's scores cover its index only: full ones wait for a recorder
            cache["scores"] = r.scores if r.scores is not None else x @ self.Xi
        return r

    def _view_scores(self, rows, cache):
        if self.memory_units and "weights" not in cache:
            self._attend(rows, cache)
        if "scores" in cache:
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
        if self._retrieve_previous:
            r = backend.retrieve(x, beta, previous=self._previous(rows))
            if r.index is not None:
                self._remember(rows, r.index)
        else:
            r = backend.retrieve(x, beta)
        cache["read"] = r.values
        if self.memory_units:
            cache["weights"], cache["discarded"], cache["index"] = r.weights, r.discarded, r.index
            if r.scores is not None and r.index is None:
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



def _takes_previous(method) -> bool:
    """Whether a backend method accepts the keyword ``previous`` (the last step's read index)."""
    try:
        params = inspect.signature(method).parameters
    except (TypeError, ValueError):  # a builtin without a signature: the plain protocol
        return False
    return "previous" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
