"""The storage-backend protocol: where and how the node patterns are held.

A backend keeps key/value associations in hidden units. The CDAM dynamics only ever call
:meth:`StorageBackend.retrieve`; how keys are matched (one slot per memory, a sparse
K-winner ensemble, an attention layer) is the backend's business.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import NamedTuple

import torch

__all__ = ["Retrieval", "StorageBackend"]


class Retrieval(NamedTuple):
    """What a read returns: attention over hidden units and the values read out."""

    weights: torch.Tensor  # (B, n_hidden)
    values: torch.Tensor  # (B, d_value)
    # raw match scores query . key (B, n_hidden) where the backend computes them anyway;
    # the dynamics read overlaps off them instead of doing one more product
    scores: torch.Tensor | None = None


class StorageBackend(ABC):
    """Abstract key/value store read by softmax-like attention.

    Subclasses implement :meth:`store` (write associations) and :meth:`retrieve`
    (read them for a batch of queries at inverse temperature ``beta``).
    """

    @abstractmethod
    def store(self, keys: torch.Tensor, values: torch.Tensor) -> None:
        """Write ``keys`` (m, n) with ``values`` (m, d), one association per row, in order."""

    @abstractmethod
    def retrieve(self, query: torch.Tensor, beta: float) -> Retrieval:
        """Read the store for ``query`` (B, n) at inverse temperature ``beta``."""

    @property
    @abstractmethod
    def n_hidden(self) -> int:
        """Number of hidden units."""

    @property
    def n_stored(self) -> int | None:
        """Associations written so far (None for a store that does not count them).

        CDAM refuses a backend that already holds associations, so that one store never
        mixes two graphs' memories."""
        return None
