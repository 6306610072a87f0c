"""What a recorder sees of one chunk's state: quantities formed on first access, then shared."""

from __future__ import annotations

import torch


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
        """Attention over memories (rows, p): the weights the update uses. For a sparse read,
        formed from :attr:`index` and :attr:`index_weights` on first access (a (rows, p)
        array: recorders of large stores read those two instead)."""
        w = self._get("weights")
        index = self._cache.get("index")
        if index is None:
            return w
        dense = self._cache.get("dense_weights")
        if dense is None:
            p = self._stepper.Xi.shape[1]
            dense = w.new_zeros(w.shape[0], p).scatter_add_(1, index, w)  # padding's weight 0 adds nothing
            self._cache["dense_weights"] = dense
        return dense

    @property
    def index(self) -> torch.Tensor | None:
        """A sparse read's memories (rows, k), int64 (``Retrieval.index``); None for a dense read."""
        self._get("weights")
        return self._cache.get("index")

    @property
    def index_weights(self) -> torch.Tensor:
        """The weights (rows, k) over :attr:`index` for a sparse read; for a dense read, :attr:`weights`."""
        return self._get("weights")

    @property
    def sparse_reads(self) -> bool:
        """Whether the run's reads are sparse (the backend declares ``sparse_k``)."""
        return bool(getattr(self._stepper, "sparse", False))

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


def _get(stepper, rows, cache, name):
    if name not in cache:
        cache[name] = getattr(stepper, f"_view_{name}")(rows, cache)
    return cache[name]



def pattern_norms(op) -> torch.Tensor:
    """The norms (p,) of the patterns that overlaps of ``op``'s kind divide by (centred for
    Pearson): the one place the engine reads them off an :class:`~cdam.measures.OverlapOperator`."""
    return op._norm
