r"""The storage-backend protocol: where and how the node patterns are held.

A backend keeps key/value associations in hidden units. The CDAM dynamics only ever call
:meth:`StorageBackend.store` once and :meth:`StorageBackend.retrieve` each step; how keys are
matched (one slot per memory, a sparse K-winner ensemble, an attention layer) is the backend's
business.

How the model reads a backend, with no special case for any class:

- A backend whose store grew from 0 to exactly p hidden units when CDAM stored the p
  memories holds **one unit per memory**: its ``weights`` are the attention over memories
  (recorded, averaged for mode classification), its ``scores`` (when given) are the logits
  that overlaps are read off, and its ``discarded`` mass is reported.
- Any other backend (a K-winner network has all its units from the start) has hidden units
  that are not memories: the model computes the attention over memories itself,
  :math:`\operatorname{softmax}(\beta\,\sigma\Xi)`, where a recorder needs it.
- An optional method ``attend(query, beta) -> Retrieval`` (weights, scores and discarded
  mass, ``values=None``) lets a store skip the value read where only the attention is
  needed (the final state); without it, ``retrieve`` is called.
- **Sparse reads.** A read that attends to ``k`` memories per query returns them in
  :attr:`Retrieval.index` (B, k), with ``weights`` and ``scores`` (B, k) over those memories:
  nothing (B, p) is formed. A backend whose reads are sparse says so with an attribute
  ``sparse_k`` (the ``k``), so that the run's budget counts ``k`` per run instead of ``p`` and
  its attention summaries are kept as (B, p) torch sparse CSR tensors.
- **Previous reads.** A ``retrieve`` (and ``attend``) that accepts a keyword ``previous`` is
  passed each run's ``index`` of the last step's read (at the first read, each run's cue as a
  (B, 1) column when the run knows it, else None): the memories attended last step, from
  which a graph-seeded store finds its candidates. The loop reads the signature once per run.
- **Factored values.** A store whose :meth:`StorageBackend.store` can take the values as a
  :class:`~cdam.couplings.FactoredValues` (their factors, never the (p, n) matrix) says so
  with ``accepts_factored_values = True``; the model then gives it the factors wherever the
  slot store would use them (``CDAM(values=...)``), so a million-memory store holds the
  patterns once, not the patterns and ``Q``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import NamedTuple

import torch

__all__ = ["Retrieval", "StorageBackend"]


class Retrieval(NamedTuple):
    """What a read returns: attention over hidden units and the values read out.

    Attributes
    ----------
    weights : torch.Tensor (B, n_hidden)
        Attention over the hidden units (may be None only for a read whose caller asked
        for values alone).
    values : torch.Tensor (B, d)
        What the read writes: ``weights @ V`` for a slot store. None for a read that only
        looked at the weights (an optional ``attend`` method).
    scores : torch.Tensor (B, n_hidden), optional
        Raw match scores ``query . key`` where the backend computed them anyway; the dynamics
        read overlaps off them instead of doing one more product.
    discarded : torch.Tensor (B,), optional
        Softmax mass a truncated (top-k) read left out, per query; None for an exact read.
    index : torch.Tensor (B, k), int64, optional
        A sparse read: the hidden units attended; ``weights`` and ``scores`` are then (B, k)
        over them (an entry of weight 0 is padding). None: ``weights`` cover every unit.
    """

    weights: torch.Tensor | None
    values: torch.Tensor | None
    scores: torch.Tensor | None = None
    discarded: torch.Tensor | None = None
    index: torch.Tensor | None = None  # type: ignore[assignment]  # shadows tuple.index, as the contract names it


class StorageBackend(ABC):
    """Abstract key/value store read by softmax-like attention.

    Subclasses implement :meth:`store` (write associations) and :meth:`retrieve`
    (read them for a batch of queries at inverse temperature ``beta``).
    """

    #: ``store`` may be given a :class:`~cdam.couplings.FactoredValues` as ``values``
    accepts_factored_values: bool = False

    @abstractmethod
    def store(self, keys: torch.Tensor, values: torch.Tensor) -> None:
        """Write ``keys`` (m, n) with ``values`` (m, d), one association per row, in order."""

    @abstractmethod
    def retrieve(self, query: torch.Tensor, beta: float) -> Retrieval:
        """Read the store for ``query`` (B, n) at inverse temperature ``beta``.

        A subclass may take a keyword ``previous`` too (see the module docstring)."""

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
