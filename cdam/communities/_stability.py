"""Agreement between partitions: the normalised variation of information, and consensus."""

from __future__ import annotations

import numpy as np

from ..errors import StateError

__all__ = ["co_assignment", "normalized_variation_of_information"]


def _labels(part, index) -> np.ndarray:
    """Integer labels in node order from a list of sets (or a label sequence)."""
    if len(part) and isinstance(next(iter(part)), (set, frozenset)):
        lab = np.full(len(index), -1, dtype=np.int64)
        for c, block in enumerate(part):
            for u in block:
                lab[index[u]] = c
        if (lab < 0).any():
            raise StateError("the partition does not cover every node; give one block per community, covering all")
        return lab
    lab = np.asarray(part)
    if lab.shape != (len(index),):
        raise StateError(f"need one label per node ({len(index)}), got shape {lab.shape}")
    return np.unique(lab, return_inverse=True)[1].ravel()


def normalized_variation_of_information(a, b, nodes=None) -> float:
    r"""Normalised variation of information between two partitions of the same nodes.

    .. math::

        \mathrm{NVI}(A, B) = \frac{H(A \mid B) + H(B \mid A)}{\ln N}
                           = \frac{2 H(A, B) - H(A) - H(B)}{\ln N},

    with entropies of the block sizes over the :math:`N` nodes. It is a metric: 0 exactly
    when the partitions are equal, symmetric, and at most 1 (all singletons against one
    block). Markov stability (Delvenne, Yaliraki and Barahona 2010; PyGenStability) uses it
    to say how reproducible a partition is across optimisations and across scales.

    Parameters
    ----------
    a, b : list of set, or label sequences
        Lists of sets of nodes (in ``nodes`` order), or one label per node.
    nodes : sequence, optional
        The node order for lists of sets; by default the sorted union of ``a``'s blocks
        when they are sets.

    Examples
    --------
    >>> normalized_variation_of_information([0, 0, 1, 1], [5, 5, 7, 7])
    0.0
    >>> round(normalized_variation_of_information([0, 0, 0, 0], [0, 1, 2, 3]), 6)
    1.0
    """
    first = next(iter(a), None)
    if nodes is None and not isinstance(first, (set, frozenset)):
        # label sequences: no node index to build (the scans compare thousands of pairs)
        la, lb = _labels(a, range(len(a))), _labels(b, range(len(a)))
    else:
        if nodes is None:
            nodes = sorted(set().union(*a))
        index = {u: i for i, u in enumerate(nodes)}
        la, lb = _labels(a, index), _labels(b, index)
    N = len(la)
    if N < 2:
        return 0.0
    # joint block sizes from one sort of the label pairs (a sparse matrix costs 10x more on the
    # scans' small graphs); the counts come in (row, column) order, as a CSR matrix's would
    joint = np.unique(la.astype(np.int64) * (int(lb.max()) + 1) + lb, return_counts=True)[1]

    def entropy(counts):
        q = counts[counts > 0] / N
        return float(-(q * np.log(q)).sum())

    vi = 2 * entropy(joint) - entropy(np.bincount(la)) - entropy(np.bincount(lb))
    return float(max(0.0, vi / np.log(N)))


def co_assignment(labels: list[np.ndarray], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Fraction of the partitions (label arrays) that put ``rows[e]`` and ``cols[e]`` together."""
    return np.mean([lab[rows] == lab[cols] for lab in labels], axis=0)
