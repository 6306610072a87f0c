"""Multi-scale community extraction from CDAM attractors (SPEC 1.5).

Each node of a graph gets a random pattern; every node is then used as a cue
(all-starts) and the runs' final states are compared. Anti-Hebbian auto-association
(a < 0, h = 1 - a) widens hetero-association from single memories to neighbourhoods to
communities, so sweeping ``a`` downward reads the graph's structure at coarser and
coarser scales, from one mechanism.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
from networkx.algorithms.community import modularity as nx_modularity

from .. import _validation as check
from .._progress import progress_reporter
from ..errors import ParameterError
from ._graph import _undirected
from ._readout import correlation_partition

__all__ = ["DEFAULT_A_VALUES", "Level", "extract", "multiscale"]

#: a from auto-association (1) to wide hetero-association (-2); h = 1 - a by default.
#: Dense between 0.5 and 0: on graphs of mean degree ~20 the whole range from neighbourhoods
#: to a single group is crossed there. Below about -3 the dynamics stop converging (SPEC 1.5).
DEFAULT_A_VALUES = (1.0, 0.75, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0, -0.25, -0.5, -1.0, -1.5, -2.0)


@dataclass(frozen=True)
class Level:
    """One scale of the hierarchy.

    Attributes
    ----------
    a, h : float
        Auto- and hetero-association used at this scale.
    partition : list of set
        Communities, largest first, like networkx's community functions.
    modularity : float
        Newman modularity of ``partition`` on the input graph.
    correlation : numpy.ndarray (p, p)
        Attractor correlation matrix the partition was read from (node order of ``G``).
    """

    a: float
    h: float
    partition: list
    modularity: float
    correlation: np.ndarray = field(repr=False)

    @property
    def n_communities(self) -> int:
        return len(self.partition)

    def __repr__(self) -> str:
        # community sizes rather than the sets: a karate-club level would print 34 nodes
        sizes = [len(c) for c in self.partition]
        shown = ", ".join(map(str, sizes[:8])) + (", ..." if len(sizes) > 8 else "")
        groups = f"{len(sizes)} communit{'y' if len(sizes) == 1 else 'ies'}"
        return f"Level(a={self.a:g}, h={self.h:g}, {groups}, sizes=[{shown}], modularity={self.modularity:.4f})"


def multiscale(
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
    r"""Communities of ``G`` at every scale of an anti-Hebbian sweep, fine to coarse.

    For each ``a`` (with ``h = 1 - a`` unless ``h_values`` is given): one U[0,1) pattern of
    ``n_neurons`` per node, all-starts CDAM runs (``sym`` normalisation, eta 0.1, beta 1,
    T 100, c 1 unless overridden), the attractor correlation matrix ``C``, and the partition
    :func:`correlation_partition` reads from it. The default ``threshold`` is
    :math:`\max(3, \sqrt{2\ln(p(p-1)/2)})/\sqrt{n}`: the expected largest of the chance
    correlations between attractors of unrelated random patterns (each about
    :math:`N(0, 1/n)`), so that chance never merges two groups. Where the number of groups
    falls by more than half between neighbouring ``a`` (with ``h = 1 - a``), the sweep adds
    the midpoint, ``refine`` times over.

    Parameters
    ----------
    G : networkx.Graph
        Undirected (weighted or not); directed graphs are refused with a message.
    seed : int
        Seeds the patterns and the start noise.
    a_values, h_values : sequences of float, optional
        The scales. By default ``DEFAULT_A_VALUES`` with ``h = 1 - a``, refined where the
        partition coarsens abruptly (see ``refine``); given values are used as they are.
    weight : str or None
        Edge attribute of the weights (None: unweighted).
    progress : bool or callable
        ``True``: a progress bar over the scales (with tqdm, on a terminal or in a
        notebook); or ``progress(done, total)``, called after each scale (``total`` grows
        when the sweep is refined). The protocol is :mod:`cdam._progress`.

    Returns
    -------
    list of Level, ordered from the finest partition to the coarsest.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.connected_caveman_graph(3, 5)
    >>> levels = multiscale(G, seed=0, a_values=[1.0, -1.0], n_neurons=400)
    >>> [lvl.n_communities for lvl in levels]
    [15, 3]
    """
    from ..datasets import memory_graph_from_networkx
    from ..dynamics import CDAM
    from ..measures import attractor_correlation

    G = _undirected(G, weight)
    default_sweep = a_values is None and h_values is None
    a_values = [check.finite_real("a", a) for a in (DEFAULT_A_VALUES if a_values is None else a_values)]
    if not a_values:
        raise ParameterError("a_values must hold at least one value")
    h_values = [1.0 - a for a in a_values] if h_values is None else [check.finite_real("h", h) for h in h_values]
    if len(h_values) != len(a_values):
        raise ParameterError(f"{len(a_values)} a values but {len(h_values)} h values; give one h per a")
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


def extract(G: nx.Graph, seed: int = 0, **kwargs) -> list[set]:
    """One partition of ``G``: the most modular level of :func:`multiscale`.

    Returns a list of sets of nodes, largest first, like networkx's community functions.

    Examples
    --------
    >>> import networkx as nx
    >>> parts = extract(nx.connected_caveman_graph(3, 5), n_neurons=400)
    >>> sorted(len(p) for p in parts)
    [5, 5, 5]
    """
    levels = multiscale(G, seed=seed, **kwargs)
    best = max(levels, key=lambda lvl: lvl.modularity)
    return [set(b) for b in best.partition]
