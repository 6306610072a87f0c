r"""Agreement between two partitions of the same nodes: NMI, ARI and NVI.

A partition is either one label per node (any hashable labels; only equality matters) or a
list of sets of nodes, as networkx's community functions and
:func:`cdam.communities.multiscale` return them. :func:`partition_labels` turns either into
integer labels, and the three scores read the joint block sizes :math:`n_{ij}` (nodes in
block :math:`i` of the first partition and block :math:`j` of the second) from one sort of
the label pairs, never a dense :math:`k_A \times k_B` table, so comparing a partition of
singletons on a large graph costs :math:`O(N \log N)`. Entropies are of block sizes over the
:math:`N` nodes, :math:`H(A) = -\sum_i (n_i/N) \ln (n_i/N)`.

Examples
--------
>>> from cdam.partitions import adjusted_rand_index, normalized_mutual_info
>>> normalized_mutual_info([0, 0, 1, 1], [{0, 1}, {2, 3}])
1.0
>>> round(adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]), 6)
-0.5
"""

from __future__ import annotations

import numpy as np

from .errors import StateError

__all__ = ["adjusted_rand_index", "normalized_mutual_info", "normalized_variation_of_information", "partition_labels"]


def _is_blocks(partition) -> bool:
    """Whether ``partition`` is a collection of sets of nodes (rather than one label per node)."""
    if isinstance(partition, np.ndarray):
        return False
    return isinstance(next(iter(partition), None), (set, frozenset))


def partition_labels(partition, nodes=None) -> np.ndarray:
    """Integer labels (one per node) from a partition given as labels or as a list of sets.

    Parameters
    ----------
    partition : list of set, or sequence of labels
        Blocks of nodes (each node in exactly one block), or one label per node.
    nodes : sequence, optional
        The node order. For a list of sets it must hold exactly the partition's nodes
        (default: their sorted union); for labels it is only checked against their number.

    Returns
    -------
    numpy.ndarray of int64
        For a list of sets, the index of each node's block; for labels, their rank among
        the distinct labels.

    Examples
    --------
    >>> partition_labels([{"b", "c"}, {"a"}])
    array([1, 0, 0])
    >>> partition_labels(["x", "y", "x"])
    array([0, 1, 0])
    """
    if _is_blocks(partition):
        blocks = list(partition)
        where = {u: k for k, block in enumerate(blocks) for u in block}
        if len(where) != sum(map(len, blocks)):
            seen: set = set()
            for u in (u for block in blocks for u in block):
                if u in seen:
                    raise StateError(f"node {u!r} is in two blocks of the partition; give each node one block")
                seen.add(u)
        order = sorted(where) if nodes is None else list(nodes)
        missing = [u for u in order if u not in where]
        if missing:
            raise StateError(f"node {missing[0]!r} is in no block of the partition")
        if len(order) != len(where):
            extra = next(iter(where.keys() - set(order)))
            raise StateError(f"node {extra!r} of the partition is not among nodes; give nodes that list every "
                             "node of the partition once")
        return np.array([where[u] for u in order], dtype=np.int64)
    labels = np.asarray(partition)
    if labels.ndim != 1:
        raise StateError(f"labels must be 1-D, got shape {labels.shape}")
    if nodes is not None and labels.size != len(nodes):
        raise StateError(f"need one label per node ({len(nodes)}), got {labels.size}")
    return np.unique(labels, return_inverse=True)[1].ravel().astype(np.int64, copy=False)


def _label_pair(a, b, nodes) -> tuple[np.ndarray, np.ndarray]:
    """Both partitions as labels over one node order (by default that of the first list of sets)."""
    if nodes is None and (_is_blocks(a) or _is_blocks(b)):
        nodes = sorted(set().union(*(a if _is_blocks(a) else b)))
    la, lb = partition_labels(a, nodes), partition_labels(b, nodes)
    if la.size != lb.size:
        raise StateError(f"the partitions label {la.size} and {lb.size} nodes; they must cover the same nodes")
    if la.size == 0:
        raise StateError("the partitions are empty")
    return la, lb


def _joint_counts(la: np.ndarray, lb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The non-zero joint block sizes n_ij with their blocks i and j, in (i, j) order."""
    width = int(lb.max()) + 1
    keys, counts = np.unique(la * width + lb, return_counts=True)
    return keys // width, keys % width, counts


def _entropy(counts: np.ndarray) -> float:
    """Shannon entropy (nats) of the distribution of nodes over blocks of the given sizes."""
    q = counts[counts > 0] / counts.sum()
    return float(-(q * np.log(q)).sum())


def normalized_mutual_info(a, b, nodes=None) -> float:
    r"""Normalised mutual information of two partitions, :math:`I(A;B) / \tfrac12 (H(A) + H(B))`.

    .. math::

        I(A;B) = \sum_{ij} \frac{n_{ij}}{N} \ln \frac{N\, n_{ij}}{n_i\, n_j}.

    The arithmetic-mean normalisation (scikit-learn's default). Two trivial partitions
    (one block each) score 1.

    Parameters
    ----------
    a, b : list of set, or label sequences
        The partitions (see :func:`partition_labels`).
    nodes : sequence, optional
        The node order for lists of sets; by default the sorted nodes of the first list of sets.

    Examples
    --------
    >>> normalized_mutual_info([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    >>> round(normalized_mutual_info([0, 0, 1, 1], [0, 1, 0, 1]), 6)
    0.0
    """
    la, lb = _label_pair(a, b, nodes)
    rows, cols, joint = _joint_counts(la, lb)
    size_a, size_b = np.bincount(la), np.bincount(lb)
    ha, hb = _entropy(size_a), _entropy(size_b)
    if ha == 0.0 and hb == 0.0:
        return 1.0
    n = la.size
    pij = joint / n
    mi = float((pij * np.log(pij / ((size_a[rows] / n) * (size_b[cols] / n)))).sum())
    return max(0.0, min(1.0, mi / (0.5 * (ha + hb))))


def adjusted_rand_index(a, b, nodes=None) -> float:
    r"""Adjusted Rand index of two partitions (Hubert and Arabie 1985); 1 for identical ones.

    .. math::

        \mathrm{ARI} = \frac{\sum_{ij}\binom{n_{ij}}{2} - E}{\tfrac12\big(\sum_i\binom{n_i}{2}
        + \sum_j\binom{n_j}{2}\big) - E},\qquad
        E = \sum_i\binom{n_i}{2}\sum_j\binom{n_j}{2} \Big/ \binom{N}{2}.

    Parameters
    ----------
    a, b : list of set, or label sequences
        The partitions (see :func:`partition_labels`).
    nodes : sequence, optional
        The node order for lists of sets; by default the sorted nodes of the first list of sets.

    Examples
    --------
    >>> adjusted_rand_index([0, 0, 1, 1], [5, 5, 7, 7])
    1.0
    """
    la, lb = _label_pair(a, b, nodes)
    joint = _joint_counts(la, lb)[2]

    def pairs(x):
        return float((x * (x - 1) / 2).sum())

    n = la.size
    index, ra, rb = pairs(joint), pairs(np.bincount(la)), pairs(np.bincount(lb))
    expected = ra * rb / (n * (n - 1) / 2) if n > 1 else 0.0
    top = 0.5 * (ra + rb)
    if top == expected:
        return 1.0
    return float((index - expected) / (top - expected))


def normalized_variation_of_information(a, b, nodes=None) -> float:
    r"""Normalised variation of information between two partitions of the same nodes.

    .. math::

        \mathrm{NVI}(A, B) = \frac{H(A \mid B) + H(B \mid A)}{\ln N}
                           = \frac{2 H(A, B) - H(A) - H(B)}{\ln N}.

    It is a metric: 0 exactly when the partitions are equal, symmetric, and at most 1 (all
    singletons against one block). Markov stability (Delvenne, Yaliraki and Barahona 2010;
    PyGenStability) uses it to say how reproducible a partition is across optimisations and
    across scales; so do :func:`cdam.communities.multiscale`'s levels.

    Parameters
    ----------
    a, b : list of set, or label sequences
        The partitions (see :func:`partition_labels`).
    nodes : sequence, optional
        The node order for lists of sets; by default the sorted nodes of the first list of sets.

    Examples
    --------
    >>> normalized_variation_of_information([0, 0, 1, 1], [5, 5, 7, 7])
    0.0
    >>> round(normalized_variation_of_information([0, 0, 0, 0], [0, 1, 2, 3]), 6)
    1.0
    """
    la, lb = _label_pair(a, b, nodes)
    n = la.size
    if n < 2:
        return 0.0
    vi = 2 * _entropy(_joint_counts(la, lb)[2]) - _entropy(np.bincount(la)) - _entropy(np.bincount(lb))
    return float(max(0.0, vi / np.log(n)))
