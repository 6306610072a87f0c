"""One scale of a community scan: :class:`Level`, and the NVI between neighbouring levels."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..partitions import normalized_variation_of_information

__all__ = ["Level", "with_neighbour_nvi"]


@dataclass(frozen=True)
class Level:
    r"""One scale of the hierarchy.

    Attributes
    ----------
    a, h : float
        Auto- and hetero-association used at this scale.
    partition : list of set
        Communities, largest first, like networkx's community functions.
    modularity : float
        Newman modularity of ``partition`` on the input graph.
    correlation : numpy.ndarray (p, p) or None
        ``method="paper"``: the attractor correlation matrix the partition was read from
        (node order of ``G``). None for the default method, which never forms it.
    nvi : float
        Mean normalised variation of information between the partitions of the pattern
        draws (``"consensus"``) or of the Leiden tries (``"markov"``) at this scale (0: all
        gave the same partition; NaN with one).
    nvi_coarser : float
        NVI between this partition and the next coarser level's (NaN for the coarsest).
    chance : float
        Default method: median attractor correlation of random node pairs (mean over the
        draws). Near 0 the runs kept states of their own and the edge weights carry the
        dynamics' information; near 1 every run fell into one global state, all edge
        weights are ~1 and the level is a consensus of Louvain on the graph itself.
        NaN for the other methods.
    resolution : float
        ``method="markov"``: the modularity resolution :math:`\gamma` that the linearised
        walk of scale (a, h) optimises (:func:`cdam.communities.resolution_of`). NaN otherwise.

    Examples
    --------
    >>> Level(0.0, 1.0, [{0, 1, 2}, {3, 4}], 0.2)
    Level(a=0, h=1, 2 communities, sizes=[3, 2], modularity=0.2000)
    """

    a: float
    h: float
    partition: list
    modularity: float
    correlation: np.ndarray | None = field(default=None, repr=False)
    nvi: float = float("nan")
    nvi_coarser: float = float("nan")
    chance: float = float("nan")
    resolution: float = float("nan")

    @property
    def n_communities(self) -> int:
        return len(self.partition)

    def __repr__(self) -> str:
        # community sizes rather than the sets: a karate-club level would print 34 nodes
        sizes = [len(c) for c in self.partition]
        shown = ", ".join(map(str, sizes[:8])) + (", ..." if len(sizes) > 8 else "")
        groups = f"{len(sizes)} communit{'y' if len(sizes) == 1 else 'ies'}"
        scale = f"a={self.a:g}, h={self.h:g}" + (f", resolution={self.resolution:.3g}" if np.isfinite(self.resolution)
                                                 else "")
        return f"Level({scale}, {groups}, sizes=[{shown}], modularity={self.modularity:.4f})"


def with_neighbour_nvi(levels: list[Level], nodes) -> list[Level]:
    """``levels`` (fine to coarse) with each one's ``nvi_coarser``: its NVI to the next level (NaN for the last)."""
    out = []
    for fine, coarse in zip(levels, levels[1:] + [None]):
        nv = float("nan") if coarse is None else normalized_variation_of_information(
            fine.partition, coarse.partition, nodes)
        out.append(replace(fine, nvi_coarser=nv))
    return out
