r"""The default readout: Markov stability of the CDAM's linearised coefficient walk.

Write the state as a mix of the patterns, :math:`\sigma = \sum_\nu c_\nu \xi_\nu` (plus the
mean term). The update of Burns 2024 (arXiv 2404.07123),
:math:`\sigma \leftarrow \sigma + \eta\,(w Q - c\bar\xi - \sigma)` with
:math:`Q = a\,\Xi^\top + h\,M\Xi^\top` moves the coefficients as

.. math::

    c \leftarrow (1 - \eta + \eta a)\, c + \eta h\, M^\top w .

In the linear-attention limit (attention proportional to the coefficients, :math:`w = c`)
and with :math:`M = D^{-1}A` (the random-walk form of the ``sym`` coupling
:math:`D^{-1/2}AD^{-1/2}`, to which it is similar), one step is the lazy walk

.. math::

    T = \frac{s\,I + t\,D^{-1}A}{s + t},\qquad s = 1 - \eta + \eta a,\quad t = \eta h,

with stationary distribution :math:`\pi = d / 2m`. Its Markov stability at one step
(Delvenne, Yaliraki and Barahona 2010), the probability that the walk stays in its
community minus the chance of it, is for a partition :math:`H`

.. math::

    r(H) = \operatorname{Tr} H^\top(\Pi T - \pi\pi^\top)H
         = \frac{s}{s+t} + \frac{t}{s+t}\Big[\sum_c \frac{L_c}{m}
           - \gamma \sum_c \Big(\frac{d_c}{2m}\Big)^2\Big],
    \qquad \gamma = \frac{s + t}{t} = \frac{1 - \eta(1 - a - h)}{\eta h},

so the partitions the walk keeps longest at scale :math:`(a, h)` are those of largest
modularity at resolution :math:`\gamma` (:math:`1/(\eta h)` when :math:`a + h = 1`):
auto-association (small h) reads fine structure, wide hetero-association coarse structure.
Nothing is simulated: this is the walk's exact stability, not the nonlinear dynamics'.

At each scale ``tries`` optimisations of :math:`Q_\gamma` (igraph's Leiden, modularity
objective, two passes) give partitions whose mean pairwise normalised variation of
information is the level's ``nvi`` (how reproducible the optimum is, as in Markov
stability), and the one of highest :math:`Q_\gamma` is the level's partition (``rounds``
> 0: a Lancichinetti-Fortunato consensus of them at the same :math:`\gamma` instead). A
scale whose first :data:`AGREEING_TRIES` tries give one partition, or two within
:data:`AGREEMENT_NVI` (about one node in a thousand placed differently), stops there: its
optimum is reproducible, its ``nvi`` is 0 (or those two tries' NVI), and the remaining tries
would only confirm it. A scale whose first :data:`DISAGREEING_TRIES` tries are further apart
than :data:`DISAGREEMENT_NVI` (more than a few merged communities) stops there too: its
optimum is not reproducible, and more tries would only refine how unstable it is. igraph's
graph is built once per scan; every try, scale and consensus round passes its own
weights.

The default scan does not read all 13 resolutions of :data:`MARKOV_RESOLUTIONS`. It reads
every third (:func:`coarse_positions`: 4, 2.38, 1.41, 0.84, 0.5), takes their instability
minimum (:func:`~cdam.communities.deepest_stability_minimum`) and reads the scales on
either side of it, again and again as the minimum moves, until both neighbours of the
minimum are read or lie between two read scales that gave one partition: about 8 scales
instead of 13, and the minimum at the full grid's spacing. A scale between two that gave
one partition :math:`P` is not read because an exact optimiser would give :math:`P` there
too: :math:`\max_H Q_\gamma(H)` is convex in :math:`\gamma` (a maximum of functions linear
in :math:`\gamma`) and :math:`Q_\gamma(P)` is linear, so a :math:`P` that reaches the
maximum at both ends reaches it in between (the argument of CHAMP, Weir, Emmons, Gibson,
Taylor and Mucha 2017, arXiv 1706.03675). On the planted SBMs of
``benchmarks/bench_communities_scale.py`` (1e4 to 1e6 nodes) the coarse scales 4 to 0.84
give the blocks and the scan stops after its five coarse scales.
Each scale is seeded by its place in the full scan, so a level read is the level the full
scan reads there (``refine=False`` reads every scale). The cost is at most ``tries`` Leiden
runs per scale read on the graph itself (each about half an igraph multilevel run): linear
in the edges, no p x p matrix.

On ``benchmarks/bench_communities.py``'s 33 graphs with a truth this scan's mean ARI is
0.723 against 0.728 for eight Louvain tries and their consensus at every scale, at about a
third of the time (Leiden instead of Louvain, the best try instead of the consensus: each
within 0.01 of the mean ARI, and the consensus bought nothing on the table). The refined
scan keeps that mean ARI (0.7239 against 0.7230 reading all 13 scales) at 46 igraph
multilevel runs' time (median over the table) against 87 in the same conditions. Stopping
the scales whose first three tries disagree reads 753 Leiden runs over the table instead of
1338 at a mean ARI of 0.7246: 9-42 igraph multilevel runs' time on the LFR graphs (median
26 over the table) against 11-60 (median 41) for the scan that ran all eight, in two runs
back to back.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from .. import _validation as check
from .._progress import progress_reporter
from .._random import derive_seed
from ..errors import ParameterError
from ..partitions import _entropy, _joint_counts
from ._graph import _adjacency, _scales
from ._level import Level
from ._louvain import consensus_labels, label_blocks, optimised_labels, same_partition
from ._parallel import ScanGraph, checked_spread, scale_results, spread_pool
from ._selection import deepest_stability_minimum

__all__ = ["AGREEING_TRIES", "AGREEMENT_NVI", "COARSE_STEP", "DISAGREEING_TRIES", "DISAGREEMENT_NVI",
           "MARKOV_RESOLUTIONS", "coarse_positions", "markov_levels", "mean_pairwise_nvi", "resolution_of",
           "strengths_for"]

#: The default scan: 13 resolutions, geometric from 4 (fine) to 0.5 (coarse). The scales
#: ``extract`` selects on the benchmark's graphs: 1.41-2.83 on the LFR graphs (n 1000, mean degree 20)
#: (mu 0.1-0.5), 0.71-2.38 on planted partitions of four blocks, 0.71-1.0 on the
#: heterogeneous SBMs (``benchmarks/bench_communities.py``).
MARKOV_RESOLUTIONS = tuple(float(g) for g in np.geomspace(4.0, 0.5, 13))
_CONSENSUS_RUNS = 3
#: A scale stops after this many tries when they all give one partition (its ``nvi`` is then 0).
#: On the benchmark's graphs stopping after two or three agreeing tries selected the same
#: levels (mean ARI equal to four decimals); two saves a third of the easy graphs' scan.
AGREEING_TRIES = 2
#: Those tries agree when their NVI is at most this (exactly equal partitions have NVI 0): they
#: place all but about one node in a thousand alike. NVI is the variation of information over
#: ln n, so one node placed differently costs less the larger the graph: the smallest change,
#: two single nodes joined, costs 2 ln 2 / (n ln n) (above 1e-3 below 250 nodes, where only
#: one partition agrees); one node moved between communities of 10 costs 0.00096 at n = 1000
#: and between communities of 1000 1.1e-6 at n = 1e6, where the tolerance is about 900 such
#: nodes. On the planted SBM of 1e6 nodes of ``benchmarks/bench_communities_scale.py`` the
#: eight Leiden tries at resolution 0.84 found the 1000 blocks up to a few hundred nodes (mean
#: NVI 4e-4) and, needing one partition (or NVI 1e-4), that scale ran all eight (222 s of a 636 s scan).
#: A scale that stops so keeps the NVI its two tries measured and the better of them by
#: :math:`Q_\gamma`; the selection tells instabilities apart at 0.02 and more
#: (:data:`~cdam.communities.STABLE_NVI_MARGIN`).
AGREEMENT_NVI = 1e-3
#: A scale stops after this many tries when their mean pairwise NVI is above
#: :data:`DISAGREEMENT_NVI`: its optimum is not reproducible, and the level keeps those tries'
#: NVI and the best of them by :math:`Q_\gamma`.
DISAGREEING_TRIES = 3
#: The upper end of the NVI between partitions that differ by a few merged communities (0.02-0.05
#: on LFR graphs, :data:`~cdam.communities.STABLE_NVI_MARGIN`): tries further apart than this
#: disagree on more than a few merges. Their NVI over three tries (three pairs) still ranks the
#: scale as unstable; the selection sees a noisier estimate of it, which matters only where no
#: scale is reproducible. On ``benchmarks/bench_communities.py``'s graphs the rule left every
#: partition of LFR mu 0.1-0.4 and of the easier planted partitions as it was, changed 11 of the
#: 37 (LFR mu 0.5-0.7, planted (0.2, 0.06), Davis' southern women), mean ARI 0.7246 against
#: 0.7239, at 753 Leiden runs instead of 1338 (LFR mu 0.4 seed 1: 49 instead of 74). Stopping at
#: four tries (or at NVI 0.1 after three) lost 0.002 of the mean ARI or kept 64 runs on that graph.
DISAGREEMENT_NVI = 0.05
#: igraph's Leiden (two passes) rather than its multilevel: half the time of a multilevel run
#: on LFR graphs of mu 0.3-0.5, and within 0.01 of its mean ARI on the benchmark's graphs
#: (0.7215 against 0.7279, both with the consensus); one pass lost 0.02.
#: A refined scan (:func:`coarse_positions`) first reads every third scale: on the
#: benchmark's graphs every third of the 13 default resolutions, refined around the
#: instability minimum, kept the mean ARI (0.7239 against 0.7230 for all 13) at 266 Leiden
#: runs instead of 442; every fourth (four scales) lost LFR mu 0.3 (ARI 0.998 -> 0.966).
COARSE_STEP = 3
_ALGORITHM = "leiden"
_ITERATIONS = 2


def _tries(g, weights, seeds, gamma) -> tuple[list, bool, float]:
    """Optimisations of Q_gamma, one per seed, stopping once the first :data:`AGREEING_TRIES` agree
    (one partition, or within :data:`AGREEMENT_NVI`) or the first :data:`DISAGREEING_TRIES` are
    further apart than :data:`DISAGREEMENT_NVI`: the tries, whether they are one partition, and
    their mean pairwise NVI (0 for one partition, NaN for one try)."""
    parts: list = []
    for seed in seeds:
        parts += optimised_labels(g, weights, [seed], gamma, _ALGORITHM, _ITERATIONS)
        if len(parts) == AGREEING_TRIES:
            if all(same_partition(parts[0], q) for q in parts[1:]):
                return parts, True, 0.0
            if (nvi := mean_pairwise_nvi(parts)) <= AGREEMENT_NVI:
                return parts, False, nvi
        if len(parts) == DISAGREEING_TRIES and (nvi := mean_pairwise_nvi(parts)) > DISAGREEMENT_NVI:
            return parts, False, nvi
    return parts, False, mean_pairwise_nvi(parts) if len(parts) > 1 else float("nan")


def _scale_labels(scan: ScanGraph, task) -> tuple[int, np.ndarray, float]:
    """Scale ``i``'s partition (labels 0..k-1) and ``nvi`` from its tries, wherever the task runs."""
    i, gamma, s, tries, rounds = task
    g, U = scan.graph(), scan.U
    parts, agreed, nvi = _tries(g, "weight", [s + r for r in range(tries)], gamma)
    if tries == 1 or agreed:
        lab = parts[0]
    elif rounds == 0:  # the try that optimised Q_gamma best (the first of equals)
        q_gamma = _q_gamma(U, scan.strength)
        lab = max(parts, key=lambda q: q_gamma(q, gamma))
    else:
        lab = consensus_labels(parts, U.row, U.col, scan.p, s + tries, _CONSENSUS_RUNS, rounds, gamma, graph=g,
                               algorithm=_ALGORITHM, iterations=_ITERATIONS)
    return i, np.unique(lab, return_inverse=True)[1], nvi


def _q_gamma(U: sp.coo_array, strength: np.ndarray):
    """Q_gamma(labels, gamma) on the edges ``U`` (upper triangle, no self-loops) of a graph of these strengths."""
    m = float(U.data.sum())

    def q(lab: np.ndarray, gamma: float) -> float:
        if m == 0:
            return 0.0
        inside = float(U.data[lab[U.row] == lab[U.col]].sum())
        return inside / m - gamma * float(np.sum((np.bincount(lab, weights=strength) / (2 * m)) ** 2))
    return q


def resolution_of(a: float, h: float, eta: float) -> float:
    r"""The modularity resolution :math:`\gamma = (1 - \eta(1 - a - h)) / (\eta h)` of scale (a, h).

    Examples
    --------
    >>> resolution_of(0.0, 1.0, 0.4)
    2.5
    >>> round(resolution_of(-1.5, 2.5, 0.4), 6)
    1.0
    """
    s, t = 1.0 - eta + eta * a, eta * h
    if not t > 0 or not s + t > 0:
        raise ParameterError(
            f"the linearised CDAM walk at a={a:g}, h={h:g}, eta={eta:g} is not a random walk: it needs "
            "h > 0 and 1 - eta (1 - a - h) > 0; give positive h (h = 1 - a by default, so a < 1)")
    return (s + t) / t


def strengths_for(resolution: float, eta: float) -> tuple[float, float]:
    """The scale (a, h = 1 - a) whose walk has modularity ``resolution`` (the inverse of :func:`resolution_of`).

    Examples
    --------
    >>> strengths_for(2.5, 0.4)
    (0.0, 1.0)
    """
    h = 1.0 / (eta * resolution)
    return 1.0 - h, h


def markov_levels(G, seed: int = 0, *, a_values=None, h_values=None, resolutions=None, eta: float | None = None,
                  tries: int = 8, rounds: int = 0, refine: bool | None = None, weight: str | None = "weight",
                  progress=None, directed: str = "flow", teleport: float | None = None, workers: int | None = 1,
                  scheduler=None, memory_limit: int | None = None) -> list[Level]:
    """See :func:`cdam.communities.multiscale` (``method="markov"``); ``eta`` None is 0.4.

    ``refine`` (None: True for the default scan, False for scales given) reads the scales
    as :func:`coarse_positions` describes instead of every one of them.

    Examples
    --------
    >>> import networkx as nx
    >>> [lvl.n_communities for lvl in markov_levels(nx.connected_caveman_graph(3, 5), resolutions=[20.0, 1.0])]
    [15, 3]
    """
    A, nodes = _adjacency(G, weight, directed, teleport)  # a directed G: its flow graph (_directed.py)
    eta = check.step_size(0.4 if eta is None else eta)
    tries = check.positive_int("tries", tries)
    rounds = check.positive_int("rounds", rounds, minimum=0)
    if refine is None:
        refine = resolutions is None and a_values is None
    elif isinstance(refine, (bool, np.bool_, int, np.integer)) and refine in (0, 1):
        refine = bool(refine)
    else:
        raise ParameterError(f"refine must be True, False or None, got {refine!r}")
    workers, scheduler = checked_spread(workers, scheduler, memory_limit)
    scales = _markov_scales(a_values, h_values, resolutions, eta)
    U = sp.triu(A, k=1).tocoo()
    strength = np.asarray(A.sum(axis=1)).ravel()
    # one graph for every scale, try and consensus round (per worker process when spread)
    scan_graph = ScanGraph(U, strength)
    q_gamma = _q_gamma(U, strength)

    def levels_of(positions: list[int], pool):
        # a scale's place in the scan seeds it: a refined scan reads the same levels as the full one
        tasks = [(k, scales[order[k]][2], derive_seed(seed, order[k]), tries, rounds) for k in positions]
        for k, lab, nvi in scale_results(_scale_labels, scan_graph, tasks, workers=workers, scheduler=scheduler,
                                         memory_limit=memory_limit, tries=tries, executor=pool):
            a, h, gamma = scales[order[k]]
            # Q_1 from the edges: the same number as modularity(A, lab) without its k x p product
            yield k, (Level(a, h, label_blocks(lab, nodes), q_gamma(lab, 1.0), None, nvi, resolution=gamma), lab)

    order = sorted(range(len(scales)), key=lambda i: -scales[i][2])  # fine to coarse
    read: dict[int, tuple[Level, np.ndarray]] = {}  # position in ``order`` -> (level, labels)
    apart: dict[tuple[int, int], float] = {}  # NVI of two read neighbours, computed once

    def scan() -> list[Level]:
        done = sorted(read)
        for fine, coarse in zip(done, done[1:]):
            if (fine, coarse) not in apart:
                apart[fine, coarse] = mean_pairwise_nvi([read[fine][1], read[coarse][1]])
        return [replace(read[i][0], nvi_coarser=apart.get((i, j), float("nan")))
                for i, j in zip(done, [*done[1:], -1])]

    def settled(k: int) -> bool:  # between two read scales of one partition (coarse_positions)
        below, above = [i for i in read if i < k], [i for i in read if i > k]
        return bool(below and above) and same_partition(read[max(below)][1], read[min(above)][1])

    todo = list(range(len(order))) if not refine else coarse_positions(len(order))
    with progress_reporter(progress, 0, desc="scales", unit="scale") as bar, \
            spread_pool(workers, scheduler, len(todo)) as pool:  # one pool for every round
        while todo:
            bar.grow(len(todo))  # the total grows as the refinement adds scales
            for k, found in levels_of(todo, pool):  # in the order the scales finish
                read[k] = found
                bar.advance()
            if not refine:
                break
            levels = scan()
            best = deepest_stability_minimum(levels)
            at = sorted(read)[next(j for j, lvl in enumerate(levels) if lvl is best)]
            todo = [k for k in (at - 1, at + 1) if 0 <= k < len(order) and k not in read and not settled(k)]
    return scan()


def coarse_positions(n: int) -> list[int]:
    """The positions of an ``n``-scale scan that :func:`markov_levels` reads first when it refines.

    Every :data:`COARSE_STEP`-th scale and the last (the 13 default resolutions: 4, 2.38,
    1.41, 0.84, 0.5). The refinement then reads the scales next to the instability minimum
    of those read, moving with the minimum until both its neighbours are read or lie
    between two read scales of one partition (which an exact optimiser would give there too:
    the module docstring).

    Examples
    --------
    >>> coarse_positions(13), coarse_positions(5), coarse_positions(1)
    ([0, 3, 6, 9, 12], [0, 3, 4], [0])
    """
    return sorted(set(range(0, n, COARSE_STEP)) | {n - 1})


def mean_pairwise_nvi(parts: list[np.ndarray]) -> float:
    """Mean :func:`~cdam.partitions.normalized_variation_of_information` over the pairs of label arrays.

    The same numbers, each try's labels and entropy computed once rather than once per pair
    (28 pairs for 8 tries).

    Examples
    --------
    >>> two, one = np.array([0, 0, 1, 1]), np.array([0, 0, 0, 0])
    >>> round(mean_pairwise_nvi([two, 1 - two, one]), 6)  # NVI 0, 0.5 and 0.5 (ln 2 / ln 4)
    0.333333
    """
    labels = [np.unique(lab, return_inverse=True)[1].ravel().astype(np.int64) for lab in parts]
    n = labels[0].size
    if n < 2:
        return 0.0
    h = [_entropy(np.bincount(lab)) for lab in labels]
    log_n = np.log(n)
    nvi = [max(0.0, (2 * _entropy(_joint_counts(labels[i], labels[j])[2]) - h[i] - h[j]) / log_n)
           for i, j in itertools.combinations(range(len(labels)), 2)]
    return float(np.mean(nvi))


def _markov_scales(a_values, h_values, resolutions, eta) -> list[tuple[float, float, float]]:
    if resolutions is not None and (a_values is not None or h_values is not None):
        raise ParameterError("give the scales either as resolutions or as a_values (and h_values), not both")
    if a_values is None and h_values is not None:
        raise ParameterError("h_values needs a_values, one a per h")
    if a_values is not None:
        a_values, h_values = _scales(a_values, h_values)
        return [(a, h, resolution_of(a, h, eta)) for a, h in zip(a_values, h_values)]
    gammas = [check.finite_real("resolution", g, strict_minimum=0.0)
              for g in (MARKOV_RESOLUTIONS if resolutions is None else resolutions)]
    if not gammas:
        raise ParameterError("resolutions must hold at least one positive number")
    return [(*strengths_for(g, eta), g) for g in gammas]
