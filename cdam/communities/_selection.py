"""Which level of a scan to take: by stability across optimisations and scales, or by modularity.

The rules :func:`cdam.communities.extract` applies (its docstring gives the math); each takes
the levels fine to coarse, as :func:`cdam.communities.multiscale` returns them.
"""

from __future__ import annotations

import numpy as np

from .. import _validation as check

__all__ = ["SELECTIONS", "STABLE_NVI_MARGIN", "deepest_stability_minimum", "instability", "most_modular_stable",
           "most_stable", "selected_level"]

SELECTIONS = ("stability_minimum", "stable_modularity", "stability", "modularity")

#: ``select="stable_modularity"``: levels whose NVI between draws is within this of the
#: smallest count as stable. Partitions of LFR graphs (mu 0.3-0.6) that differ by a few
#: merged communities are 0.02-0.05 apart; unstable scales (a near auto-association) 0.2-0.6.
STABLE_NVI_MARGIN = 0.1


def selected_level(levels, select: str):
    """The level ``select`` picks (one of :data:`SELECTIONS`; see :func:`cdam.communities.extract`).

    Examples
    --------
    >>> from cdam.communities import Level
    >>> levels = [Level(1.0, 0.0, [{0}, {1}, {2}, {3}], -0.25), Level(0.0, 1.0, [{0, 1}, {2, 3}], 0.17)]
    >>> selected_level(levels, "modularity").n_communities
    2
    """
    select = check.choice("select", select, SELECTIONS)
    if select == "modularity":
        return max(levels, key=lambda lvl: lvl.modularity)
    if select == "stability_minimum":
        return deepest_stability_minimum(levels)
    if select == "stability":
        return most_stable(levels)
    return most_modular_stable(levels)


def _nontrivial(levels) -> list:
    p = sum(len(b) for b in levels[0].partition)
    return [lvl for lvl in levels if 1 < lvl.n_communities < p] or list(levels)


def most_modular_stable(levels, margin: float = STABLE_NVI_MARGIN):
    """The most modular level among the stable ones (see :func:`cdam.communities.extract`)."""
    candidates = _nontrivial(levels)
    nvi = np.array([lvl.nvi for lvl in candidates], dtype=float)
    if np.isfinite(nvi).any():
        floor = np.nanmin(nvi)
        candidates = [lvl for lvl, v in zip(candidates, nvi) if not v > floor + margin]
    return max(candidates, key=lambda lvl: lvl.modularity)


def instability(levels) -> list[float]:
    """Each level's NVI between draws plus the mean NVI to its neighbouring scales (:func:`cdam.communities.extract`).

    Examples
    --------
    >>> from cdam.communities import Level
    >>> fine = Level(0.5, 0.5, [{0}, {1, 2}], 0.0, nvi=0.25, nvi_coarser=0.5)
    >>> levels = [fine, Level(0.0, 1.0, [{0, 1, 2}], 0.0, nvi=0.0)]
    >>> instability(levels)
    [0.75, 0.5]
    """
    out = []
    for i, lvl in enumerate(levels):
        near = [levels[i - 1].nvi_coarser] if i > 0 else []
        near += [lvl.nvi_coarser] if i + 1 < len(levels) else []
        out.append(lvl.nvi + (float(np.mean(near)) if near else 0.0))
    return out


def most_stable(levels):
    """The level of least :func:`instability`, non-trivial levels first, ties to higher modularity."""
    p = sum(len(b) for b in levels[0].partition)
    score = instability(levels)
    candidates = [i for i, lvl in enumerate(levels) if 1 < lvl.n_communities < p] or range(len(levels))
    return levels[min(candidates, key=lambda i: (round(score[i], 9), -levels[i].modularity))]


def deepest_stability_minimum(levels, window: int = 2):
    """The level at the lowest local minimum of :func:`instability` (see :func:`cdam.communities.extract`).

    Levels are taken in the scan's order (fine to coarse). A level is a minimum when its
    instability is at most that of every level up to ``window`` scales away on either side,
    all of them inside the scan (shorter scans use the widest window that fits, down to 1).
    The window keeps a dip of one noisy scale from counting: on faint planted partitions
    (4 x 32 nodes, p_in 0.2, p_out 0.06) a window of 1 took a 22-group level at resolution
    3.36 (ARI 0.11) on one of three graphs. Without a minimum among the non-trivial levels,
    the most modular non-trivial level.

    Examples
    --------
    >>> import networkx as nx
    >>> from cdam.communities import multiscale
    >>> K = nx.karate_club_graph()
    >>> best = deepest_stability_minimum(multiscale(K))
    >>> round(best.resolution, 3), sorted(len(block) for block in best.partition)
    (1.189, [5, 6, 11, 12])
    """
    window = check.positive_int("window", window)
    w = min(window, (len(levels) - 1) // 2)
    p = sum(len(b) for b in levels[0].partition)
    score = instability(levels)
    candidates = [] if w < 1 else [
        i for i in range(w, len(levels) - w) if 1 < levels[i].n_communities < p
        and all(score[i] <= score[j] for j in range(i - w, i + w + 1))]
    if not candidates:
        return max(_nontrivial(levels), key=lambda lvl: lvl.modularity)
    return levels[min(candidates, key=lambda i: (round(score[i], 9), -levels[i].modularity))]
