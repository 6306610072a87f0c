"""Multi-scale community extraction at the CDAM's scales: the scan and the selection.

After the karate-club multi-scale communities experiment of Burns 2024, arXiv 2404.07123.
Anti-Hebbian auto-association (a < 0, h = 1 - a) widens hetero-association from single
memories to neighbourhoods to communities, so sweeping ``a`` downward reads the graph's
structure at coarser and coarser scales. The default method reads each scale through the
stability of the CDAM's linearised walk (``_markov.py``); the others simulate the runs,
every node a cue (all-starts), and compare their final states.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from networkx.algorithms.community import modularity as nx_modularity

from .. import _validation as check
from .._progress import progress_reporter
from ..errors import ParameterError
from ._graph import _scales, _undirected
from ._readout import correlation_partition

__all__ = ["CONSENSUS_A_VALUES", "DEFAULT_A_VALUES", "METHODS", "SELECTIONS", "STABLE_NVI_MARGIN", "Level",
           "deepest_stability_minimum", "extract", "instability", "most_modular_stable", "most_stable",
           "multiscale", "selected_level"]

#: a from auto-association (1) to wide hetero-association (-2); h = 1 - a by default.
#: Dense between 0.5 and 0: on graphs of mean degree ~20 the whole range from neighbourhoods
#: to a single group is crossed there. Below about -3 the dynamics stop converging (Burns 2024).
DEFAULT_A_VALUES = (1.0, 0.75, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0, -0.25, -0.5, -1.0, -1.5, -2.0)

#: The consensus method's default scales: on LFR graphs (mean degree 20) a = 0.3 already
#: reads neighbourhoods as communities, while a >= 0.5 stays near auto-association (every
#: run near its own cue). From a = 0 down every run of such graphs falls into one global
#: state (``Level.chance`` ~ 1), so one scale below 0 (-0.5, which karate still splits)
#: stands for them all. Each scale costs ``draws`` all-starts runs.
CONSENSUS_A_VALUES = (0.3, 0.15, 0.0, -0.5)

METHODS = ("markov", "consensus", "paper")


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
        draws (``"consensus"``) or of the Louvain tries (``"markov"``) at this scale (0: all
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


def multiscale(
    G,
    seed: int = 0,
    *,
    method: str = "markov",
    a_values=None,
    h_values=None,
    resolutions=None,
    tries: int = 8,
    n_neurons: int | None = None,
    steps: int | None = None,
    noise: float = 1.0,
    draws: int = 3,
    similarity: str = "edges",
    k: int = 10,
    threshold: float | None = None,
    weight: str | None = "weight",
    refine: int = 2,
    attention: str = "auto",
    neighbours: int = 16,
    restarts: int = 3,
    rounds: int = 2,
    progress=None,
    **model_kwargs,
) -> list[Level]:
    r"""Communities of ``G`` at every scale of an anti-Hebbian sweep, fine to coarse.

    ``method="markov"`` (the default) reads each scale (a, h) through the linearised CDAM
    walk: in the linear-attention limit one step of the coefficient dynamics is the lazy
    random walk :math:`T = (sI + tD^{-1}A)/(s + t)`, :math:`s = 1 - \eta + \eta a`,
    :math:`t = \eta h`, and its Markov stability is, up to constants, the modularity at
    resolution :math:`\gamma = (s + t)/t` (:mod:`cdam.communities._markov`; nothing is
    simulated). At every scale ``tries`` Louvain optimisations of :math:`Q_\gamma` give the
    level's ``nvi`` (their mean pairwise NVI) and, through a consensus at the same
    :math:`\gamma`, its partition. The scan runs over ``resolutions`` (by default
    :data:`cdam.communities.MARKOV_RESOLUTIONS`, 4 down to 0.5) or over ``a_values`` (and
    ``h_values``), with ``eta`` 0.4 unless given. Its cost is about 14 Louvain runs per
    scale, linear in the edges.

    For ``method="consensus"`` and ``method="paper"`` each node gets a random U[0,1)
    pattern of ``n_neurons``; every node cues one run (all-starts, ``sym`` normalisation,
    c 1), for each ``a`` of the sweep with ``h = 1 - a`` unless ``h_values`` is given. All
    scales of one pattern draw run as one batch (:meth:`cdam.CDAM.run_cells`). The final
    states are then read out by ``method``.

    ``method="consensus"`` is a consensus of modularity optimisations on
    CDAM similarity graphs. For each of ``draws`` pattern draws :math:`d` it builds the
    sparse similarity graph :math:`W^{(d)}` of the attractors (:func:`similarity_graph`;
    by default the graph's own edges weighted by the positive attractor correlation,
    :math:`W_{ij} = A_{ij}\max(C_{ij}, 0)`, which down-weights edges between nodes whose
    runs settle in different states), and partitions it ``restarts`` times with Louvain
    (igraph's multilevel, a dependency), :math:`P^{(d,r)}`. These R = D x restarts
    partitions are combined on the union of the edges by the co-assignment fraction

    .. math::

        W^{c}_{ij} = \frac1R \sum_{d,r} [P^{(d,r)}(i) = P^{(d,r)}(j)],

    and ``restarts`` Louvain runs on :math:`W^{c}` give the next R partitions, up to
    ``rounds`` times or until they agree (consensus clustering, Lancichinetti and Fortunato
    2012); the first is the level's partition. The mean pairwise normalised variation of
    information between the draws' first partitions is the level's ``nvi``: how much the
    partition depends on the random patterns. Nothing of size p x p is formed.

    The runs (:mod:`cdam.communities._attractors`) keep only the final states. Unless given,
    ``n_neurons`` is 64 and ``beta`` is :math:`\kappa / (n/12)` with :math:`\kappa = 1000/12`,
    the paper's signal at beta 1 and n = 1000 (measured on the LFR graphs of
    ``benchmarks/bench_communities.py``); ``eta`` is 0.4 and ``steps`` 20, the
    same fixed points as eta 0.1, T 100, reached to about the same residual
    (:math:`0.6^{20} \approx 3.7\times10^{-5}`, :math:`0.9^{100} \approx 2.7\times10^{-5}`). Attention runs over
    every memory up to ``DENSE_MAX`` nodes (cost :math:`2 p^2 n` per step per scale), above
    that over graph neighbourhoods (``attention="local"``, cost :math:`2 p\,k(k+1)\,n` for
    ``k = neighbours``). ``Level.chance`` says whether a scale kept information: on LFR
    graphs of mean degree 20 every run falls into one global state for :math:`a \le 0`
    (chance ~ 1), and those levels are a consensus of Louvain on the graph itself.

    ``method="paper"`` is the procedure of the karate-club communities experiment (Burns 2024)
    unchanged: one draw, eta 0.1, T 100, the
    attractor correlation matrix ``C`` (dense, p x p) and average-linkage clustering of it
    cut at ``threshold`` (:func:`correlation_partition`), by default
    :math:`\max(3, \sqrt{2\ln(p(p-1)/2)})/\sqrt{n}`, the largest chance correlation between
    unrelated attractors. Its default sweep is refined where the number of groups falls by
    more than half between neighbouring ``a``, ``refine`` times over.

    Parameters
    ----------
    G : networkx.Graph or scipy.sparse matrix
        Undirected (weighted or not); a sparse matrix is a symmetric adjacency matrix on
        nodes 0..p-1. Directed graphs are refused with a message.
    seed : int
        Seeds the patterns, the start noise and Louvain. Draw 0 uses ``seed`` itself.
    method : {"markov", "consensus", "paper"}
    a_values, h_values : sequences of float, optional
        The scales; by default :data:`DEFAULT_A_VALUES` (``"paper"``),
        :data:`CONSENSUS_A_VALUES` (``"consensus"``) or those of :data:`MARKOV_RESOLUTIONS`
        (``"markov"``), with ``h = 1 - a``.
    resolutions : sequence of float, optional
        ``"markov"`` only: the scales as modularity resolutions :math:`\gamma > 0` instead
        of a values (:math:`h = 1/(\eta\gamma)`, :math:`a = 1 - h`).
    tries : int
        ``"markov"`` only: Louvain optimisations per scale (their spread is ``Level.nvi``).
    n_neurons : int, optional
        Pattern length n (default 64 for ``"consensus"``, 1000 for ``"paper"``). The signal
        grows with :math:`\kappa = \beta n \operatorname{var}` (measured on the LFR graphs of
        ``benchmarks/bench_communities.py``): the consensus
        method's default ``beta`` keeps it; for ``"paper"`` raise ``beta`` in proportion.
    steps : int, optional
        Steps per run (default 20 for ``"consensus"``, 100 for ``"paper"``).
    draws : int
        ``"consensus"`` only: independent pattern draws per scale (at least 1).
    similarity : {"edges", "knn", "both"}
        ``"consensus"`` only: which pairs get a similarity (see :func:`similarity_graph`).
    k : int
        Neighbours per node for ``similarity="knn"`` or ``"both"``.
    threshold : float, optional
        ``"paper"`` only: the correlation at which groups stop merging.
    weight : str or None
        Edge attribute of the weights (None: unweighted).
    refine : int
        ``"paper"`` only: rounds of refinement of the default sweep.
    attention : {"auto", "dense", "local"}
        ``"consensus"`` only: attention over every memory, or over the memories attended
        last step and their ``neighbours`` strongest links (``"auto"``: dense up to
        ``DENSE_MAX`` nodes).
    neighbours : int
        ``"consensus"``, local attention: memories kept per run and links per memory.
    restarts, rounds : int
        ``"consensus"``: Louvain runs per similarity graph and per consensus round;
        ``rounds`` (both consensus methods): the most consensus rounds.
    progress : bool or callable
        ``True``: a progress bar over the scales (with tqdm); or ``progress(done, total)``
        after each scale (``"paper"``) or each draw of all scales (``"consensus"``).
    **model_kwargs
        ``"paper"``: passed to :class:`cdam.CDAM` (``beta``, ``eta``, ``memory_limit``, ...);
        ``"consensus"``: ``beta``, ``eta`` and ``mean_coef`` of the update; ``"markov"``:
        ``eta``.

    Returns
    -------
    list of Level, ordered from the finest partition to the coarsest.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.connected_caveman_graph(3, 5)
    >>> levels = multiscale(G, seed=0, a_values=[1.0, -1.0], n_neurons=400, method="paper")
    >>> [lvl.n_communities for lvl in levels]
    [15, 3]
    >>> levels = multiscale(G, seed=0, a_values=[0.5, 0.0], n_neurons=400, method="consensus")
    >>> [(lvl.n_communities, lvl.nvi) for lvl in levels]
    [(3, 0.0), (3, 0.0)]
    >>> [(round(lvl.resolution, 2), lvl.n_communities) for lvl in multiscale(G, resolutions=[20.0, 1.0])]
    [(20.0, 15), (1.0, 3)]
    """
    method = check.choice("method", method, METHODS)
    if method == "markov":
        from ._markov import markov_levels

        if any(v is not None for v in (n_neurons, steps)):
            raise ParameterError("method='markov' simulates nothing: drop n_neurons and steps, or use "
                                 "method='consensus' or 'paper'")
        return markov_levels(G, seed, a_values=a_values, h_values=h_values, resolutions=resolutions,
                             eta=model_kwargs.pop("eta", None), tries=tries, rounds=rounds, weight=weight,
                             progress=progress, **model_kwargs)
    if resolutions is not None:
        raise ParameterError(f"resolutions are the scales of method='markov'; method={method!r} takes a_values")
    if method == "paper":
        return _paper_levels(
            G, seed, a_values=a_values, h_values=h_values, n_neurons=1000 if n_neurons is None else n_neurons,
            steps=100 if steps is None else steps, noise=noise, threshold=threshold, weight=weight,
            refine=refine, progress=progress, **model_kwargs,
        )
    from ._consensus import consensus_levels

    return consensus_levels(
        G, seed, a_values=CONSENSUS_A_VALUES if a_values is None else a_values, h_values=h_values,
        n_neurons=64 if n_neurons is None else n_neurons, steps=20 if steps is None else steps, noise=noise,
        draws=draws, similarity=similarity, k=k, weight=weight, progress=progress, attention=attention,
        neighbours=neighbours, restarts=restarts, rounds=rounds, **model_kwargs,
    )


def _paper_levels(
    G: nx.Graph,
    seed: int = 0,
    *,
    a_values=None,
    h_values=None,
    n_neurons: int = 1000,
    steps: int = 100,
    noise: float = 1.0,
    threshold: float | None = None,
    weight: str | None = "weight",
    refine: int = 2,
    progress=None,
    **model_kwargs,
) -> list[Level]:
    """The karate-club procedure of Burns 2024 as it was: one draw, average-linkage readout of C."""
    from ..datasets import memory_graph_from_networkx
    from ..dynamics import CDAM
    from ..measures import attractor_correlation

    G = _undirected(G, weight)
    default_sweep = a_values is None and h_values is None
    a_values, h_values = _scales(DEFAULT_A_VALUES if a_values is None else a_values, h_values)
    n_neurons = check.positive_int("n_neurons", n_neurons, minimum=2)
    refine = check.positive_int("refine", refine, minimum=0)
    p = G.number_of_nodes()
    if threshold is None:
        # the largest of the p(p-1)/2 chance correlations between unrelated attractors,
        # each ~ N(0, 1/n): sqrt(2 ln pairs / n), and never below 3 standard deviations
        pairs = max(p * (p - 1) / 2, 1.0)
        threshold = max(3.0, np.sqrt(2.0 * np.log(pairs))) / np.sqrt(n_neurons)
    else:
        threshold = check.finite_real("threshold", threshold)
    if weight is None:
        H = nx.Graph()  # drop weights, keep the node order and isolated nodes
        H.add_nodes_from(G.nodes)
        H.add_edges_from(G.edges())
        G = H
    elif weight != "weight":
        G = nx.relabel_nodes(G, {u: u for u in G})
        nx.set_edge_attributes(G, {(u, v): d.get(weight, 1.0) for u, v, d in G.edges(data=True)}, "weight")
    nodes = list(G.nodes)
    g = memory_graph_from_networkx(G, n=n_neurons, seed=seed)
    base = CDAM(g, **model_kwargs)
    x0 = base.initial_states(noise, seed)
    mod_weight = "weight" if weight is not None else None
    def level(a, h):
        traj = base.with_strengths(a, h).run(x0, steps, cues=np.arange(len(nodes)))
        C = attractor_correlation(traj)
        part = correlation_partition(C, nodes, threshold)
        return Level(a, h, part, float(nx_modularity(G, part, weight=mod_weight)), C)

    scales = list(zip(a_values, h_values))
    with progress_reporter(progress, len(scales), desc="scales", unit="scale") as bar:

        def counted(a, h):
            lvl = level(a, h)
            bar.advance()
            return lvl

        levels = [counted(a, h) for a, h in scales]
        if default_sweep:
            for _ in range(refine):
                added = _refinements(levels)
                if not added:
                    break
                bar.grow(len(added))
                levels += [counted(a, 1.0 - a) for a in added]
    levels.sort(key=lambda lvl: (-lvl.n_communities, -lvl.a))  # fine to coarse
    return levels


def _refinements(levels) -> list[float]:
    """Midpoints of neighbouring a values across which the number of groups falls by more
    than half: the sweep is refined where the partition coarsens abruptly."""
    ordered = sorted(levels, key=lambda lvl: -lvl.a)
    out = []
    for fine, coarse in zip(ordered, ordered[1:]):
        if fine.n_communities > 2 * coarse.n_communities and fine.a - coarse.a > 1e-3:
            out.append(round((fine.a + coarse.a) / 2, 6))
    return out


SELECTIONS = ("stability_minimum", "stable_modularity", "stability", "modularity")

#: ``select="stable_modularity"``: levels whose NVI between draws is within this of the
#: smallest count as stable. Partitions of LFR graphs (mu 0.3-0.6) that differ by a few
#: merged communities are 0.02-0.05 apart; unstable scales (a near auto-association) 0.2-0.6.
STABLE_NVI_MARGIN = 0.1


def extract(G, seed: int = 0, *, select: str | None = None, **kwargs) -> list[set]:
    r"""One partition of ``G``: the level of :func:`multiscale` at the deepest minimum of instability.

    ``select="stability_minimum"`` (the default for ``method="markov"``) scores each level
    :math:`\ell` of the scan (fine to coarse) by its :func:`instability`

    .. math::

        I(\ell) = \mathrm{NVI}(\ell) + \tfrac12\big(\mathrm{NVI}(\ell, \ell-1)
        + \mathrm{NVI}(\ell, \ell+1)\big),

    the spread of its own optimisations plus its distance to the neighbouring scales, and
    takes the lowest of its local minima (no higher than any level up to two scales away on
    either side) among the non-trivial levels (more than one group, fewer than one per
    node), ties to the more modular: a scale whose partition is reproducible and persists
    across scales, as Markov stability selects its scales. The two scales at either end of
    the scan are not minima (the coarsest trivially reproduces one group), and a trivial
    neighbour still counts with its own score. Where :math:`I` has no such minimum (no
    scale is more stable than its neighbours: faint structure), it
    takes the most modular non-trivial level (:func:`deepest_stability_minimum`).

    ``select="stable_modularity"`` (the default for ``method="consensus"``) takes, among the
    non-trivial levels :math:`L` (more than one group, fewer than one per node) whose
    partition depends little on the random patterns,

    .. math::

        \ell^* = \operatorname*{arg\,max}_{\ell \in S} Q_G(\ell),\qquad
        S = \{\ell \in L : \mathrm{NVI}_{\text{draws}}(\ell) \le
        \min_{L} \mathrm{NVI}_{\text{draws}} + 0.1\},

    the one of highest Newman modularity :math:`Q_G` on the input graph
    (:data:`STABLE_NVI_MARGIN`). Stability alone cannot rank levels that are all
    reproducible, and modularity alone prefers a scale whose partition changes with the
    patterns. ``select="stability"`` takes the smallest

    .. math::

        \mathrm{NVI}_{\text{draws}}(\ell) + \tfrac12\big(\mathrm{NVI}(\ell, \ell-1)
        + \mathrm{NVI}(\ell, \ell+1)\big),

    as Markov stability selects its scales, ties going to the more modular.
    ``select="modularity"`` (the default, and the only choice with one draw, for
    ``method="paper"``) takes the level of highest modularity.

    Parameters
    ----------
    G : networkx.Graph or scipy.sparse matrix
    seed : int
    select : {"stability_minimum", "stable_modularity", "stability", "modularity"}, optional
    **kwargs
        Passed to :func:`multiscale` (``method``, ``a_values``, ``draws``, ...).

    Returns
    -------
    list of set
        Communities, largest first, like networkx's community functions.

    Examples
    --------
    >>> import networkx as nx
    >>> parts = extract(nx.connected_caveman_graph(3, 5))
    >>> sorted(len(p) for p in parts)
    [5, 5, 5]
    """
    method = kwargs.get("method", "markov")
    default = {"markov": "stability_minimum", "consensus": "stable_modularity"}.get(method, "modularity")
    select = check.choice("select", default if select is None else select, SELECTIONS)
    repeats = kwargs.get("tries", 8) if method == "markov" else kwargs.get("draws", 3)
    if select != "modularity" and (method == "paper" or repeats < 2):
        raise ParameterError(f"select={select!r} needs the spread of several partitions per scale: use "
                             "method='markov' with tries >= 2 or 'consensus' with draws >= 2, or select='modularity'")
    levels = multiscale(G, seed=seed, **kwargs)
    return [set(b) for b in selected_level(levels, select).partition]


def selected_level(levels, select: str):
    """The level ``select`` picks (one of :data:`SELECTIONS`; see :func:`extract`)."""
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
    """The most modular level among the stable ones (see :func:`extract`)."""
    candidates = _nontrivial(levels)
    nvi = np.array([lvl.nvi for lvl in candidates], dtype=float)
    if np.isfinite(nvi).any():
        floor = np.nanmin(nvi)
        candidates = [lvl for lvl, v in zip(candidates, nvi) if not v > floor + margin]
    return max(candidates, key=lambda lvl: lvl.modularity)


def instability(levels) -> list[float]:
    """Each level's NVI between draws plus the mean NVI to its neighbouring scales (see :func:`extract`)."""
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
    """The level at the lowest local minimum of :func:`instability` (see :func:`extract`).

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
