"""The paper's readout: a partition from an attractor correlation matrix."""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

__all__ = ["correlation_partition"]


def correlation_partition(C, nodes, threshold: float) -> list[set]:
    r"""Partition nodes by average-linkage clustering of an attractor correlation matrix.

    Groups are merged, closest first, while the mean correlation between their members
    exceeds ``threshold``: the dendrogram of :math:`1 - C` is cut at :math:`1 -
    \text{threshold}`. The number of groups is therefore read from the data. Blocks are
    returned largest first, ties broken by their smallest node position.

    Examples
    --------
    >>> import numpy as np
    >>> C = np.array([[1, .8, 0], [.8, 1, 0], [0, 0, 1.]])
    >>> [sorted(block) for block in correlation_partition(C, ["x", "y", "z"], threshold=0.1)]
    [['x', 'y'], ['z']]
    """
    C = np.asarray(C, dtype=np.float64)
    nodes = list(nodes)
    if len(nodes) == 1:
        return [{nodes[0]}]
    D = np.clip(1.0 - (C + C.T) / 2.0, 0.0, 2.0)
    np.fill_diagonal(D, 0.0)
    labels = fcluster(linkage(squareform(D, checks=False), method="average"), 1.0 - threshold, "distance")
    blocks: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        blocks.setdefault(int(lab), []).append(i)
    ordered = sorted(blocks.values(), key=lambda idx: (-len(idx), idx[0]))
    return [{nodes[i] for i in idx} for idx in ordered]
