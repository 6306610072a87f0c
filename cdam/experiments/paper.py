"""The cycle experiments of Burns 2024 as functions, with the published numbers.

Burns 2024, arXiv 2404.07123: the four dynamical modes and the range of recall on a 30-memory
cycle, and the karate-club multi-scale communities.

The examples, the ``cdam demo`` command and the tests all call these, so a reproduction
is computed one way only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validation as check
from ..datasets import cycle_memory_graph
from ..dynamics import CDAM
from ..measures import DistanceProfile, distance_profile
from ..modes import Mode, classify_mode, predict_mode

__all__ = [
    "KARATE_TABLE",
    "KarateRow",
    "faction_agreement",
    "karate_table",
    "MODE_TABLE",
    "RANGE_OF_RECALL",
    "RANGE_DISTANCES",
    "ModeRow",
    "mode_table",
    "range_of_recall",
]

#: The range-of-recall experiment (Burns 2024): mean attractor correlation at graph distance d
#: on the 30-cycle (h = 1 - a).
RANGE_DISTANCES = (1, 2, 3, 4, 5, 6, 10)
RANGE_OF_RECALL = {
    (1.0, 0.0): (-0.05, -0.03, -0.03, -0.03, -0.03, -0.04, -0.04),
    (0.5, 0.5): (0.63, 0.08, -0.09, -0.09, -0.09, -0.09, -0.10),
    (-0.5, 1.5): (0.78, 0.57, 0.34, 0.16, -0.01, -0.11, -0.23),
    (-2.0, 3.0): (0.63, 0.50, 0.41, 0.29, 0.15, 0.02, -0.28),
}

#: The mode table (Burns 2024): (a, h) settings on the 30-cycle and the mode reported for each.
MODE_TABLE = {
    (1.0, 0.0): Mode.AUTO,
    (0.5, 2.0): Mode.NARROW_HETERO,
    (1.0, 3.0): Mode.NARROW_HETERO,
    (-0.5, 1.0): Mode.WIDE_HETERO,
    (-1.0, 2.0): Mode.WIDE_HETERO,
    (-2.0, 3.0): Mode.WIDE_HETERO,
    (0.0, 0.0): Mode.QUIESCENT,
    (-1.0, 1.0): Mode.QUIESCENT,
    (-2.0, 2.0): Mode.QUIESCENT,
}


def range_of_recall(
    settings=tuple(RANGE_OF_RECALL),
    *,
    p: int = 30,
    n: int = 1000,
    seeds=(0,),
    steps: int = 100,
    noise: float = 1.0,
    **model_kwargs,
) -> dict[tuple[float, float], DistanceProfile]:
    """Distance profiles of the attractor correlation on a ``p``-cycle, averaged over seeds.

    Each seed draws new patterns and new start noise. Defaults are the paper's: n = 1000,
    sym normalisation, eta 0.1, beta 1, T 100, c 1, noise 1.

    Examples
    --------
    >>> prof = range_of_recall([(0.5, 0.5)], n=300)
    >>> round(prof[(0.5, 0.5)].at(1), 1)
    0.6
    """
    seeds = check.seed_list(seeds)
    out = {}
    for a, h in settings:
        per_seed = []
        for seed in seeds:
            g = cycle_memory_graph(p, n, seed=seed)
            traj = CDAM(g, a=a, h=h, **model_kwargs).all_starts(steps, noise, seed=seed)
            per_seed.append(distance_profile(traj, g))
        d = per_seed[0].distance
        means = np.stack([q.mean for q in per_seed])
        out[(float(a), float(h))] = DistanceProfile(
            d, means.mean(axis=0), means.std(axis=0), per_seed[0].count * len(per_seed)
        )
    return out


@dataclass(frozen=True)
class ModeRow:
    a: float
    h: float
    paper: Mode
    predicted: Mode
    observed: Mode


def mode_table(settings=None, *, p: int = 30, n: int = 1000, seed: int = 0, steps: int = 100) -> list[ModeRow]:
    """Predicted and observed mode for each (a, h) of the mode table (Burns 2024) on a ``p``-cycle."""
    settings = MODE_TABLE if settings is None else settings
    g = cycle_memory_graph(p, n, seed=seed)
    base = CDAM(g)
    x0 = base.initial_states(1.0, seed)
    rows = []
    for (a, h), paper in settings.items():
        model = base.with_strengths(a, h)
        traj = model.run(x0, steps, cues=np.arange(p))
        rows.append(ModeRow(a, h, paper, predict_mode(model), classify_mode(traj, g)))
    return rows


#: The karate-club multi-scale communities experiment (Burns 2024), (a, h = 1 - a): within-faction
#: C, between C, groups (components of C > 0.9), agreement with the two factions.
KARATE_TABLE = {
    1.0: (-0.03, -0.03, 34, 0.62),
    0.0: (0.28, -0.23, 11, 0.94),
    -0.5: (0.47, -0.33, 4, 0.97),
    -2.0: (0.74, -0.44, 9, 0.97),
}


@dataclass(frozen=True)
class KarateRow:
    a: float
    within: float
    between: float
    groups: int
    agreement: float


def faction_agreement(C, factions) -> float:
    """Fraction of members put with their faction when C is cut into two groups.

    Average-linkage clustering of ``1 - C`` cut into two clusters, matched to the two
    factions the better way round.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    D = np.clip(1.0 - C, 0.0, 2.0)
    np.fill_diagonal(D, 0.0)
    labels = fcluster(linkage(squareform(D, checks=False), "average"), 2, "maxclust")
    truth = np.asarray(factions)
    agree = np.mean((labels == labels[0]) == (truth == truth[0]))
    return float(max(agree, 1.0 - agree))


def karate_table(a_values=tuple(KARATE_TABLE), *, n: int = 1000, seed: int = 0, steps: int = 100) -> list[KarateRow]:
    """The karate-club statistics of Burns 2024 for each ``a`` (h = 1 - a)."""
    from scipy.sparse.csgraph import connected_components

    from ..datasets import karate_memory_graph
    from ..measures import attractor_correlation

    g = karate_memory_graph(n=n, seed=seed)
    club = np.array(g.metadata["club"])
    same = club[:, None] == club[None, :]
    off = ~np.eye(len(club), dtype=bool)
    base = CDAM(g)
    x0 = base.initial_states(1.0, seed)
    rows = []
    for a in a_values:
        traj = base.with_strengths(a, 1.0 - a).run(x0, steps, cues=np.arange(len(club)))
        C = attractor_correlation(traj)
        groups = connected_components(C > 0.9, directed=False)[0]
        rows.append(KarateRow(float(a), float(C[same & off].mean()), float(C[~same].mean()), int(groups),
                              faction_agreement(C, club)))
    return rows
