"""``method="paper"``: the readout of Burns 2024 ("Semantically-correlated memories in a dense
associative model", ICML 2024, arXiv 2404.07123) unchanged: one pattern draw, the attractor
correlation matrix of all-starts runs, average-linkage clustering of it."""

from __future__ import annotations

import inspect

import networkx as nx
import numpy as np
from networkx.algorithms.community import modularity as nx_modularity

from .. import _validation as check
from .._progress import progress_reporter
from ..datasets import memory_graph_from_networkx
from ..dynamics import CDAM
from ..measures import attractor_correlation
from ._graph import _scales, _undirected
from ._level import Level
from ._readout import correlation_partition

__all__ = ["DEFAULT_A_VALUES", "MODEL_OPTIONS", "paper_levels"]

#: a from auto-association (1) to wide hetero-association (-2); h = 1 - a by default.
#: Dense between 0.5 and 0: on graphs of mean degree ~20 the whole range from neighbourhoods
#: to a single group is crossed there. Below about -3 the dynamics stop converging.
DEFAULT_A_VALUES = (1.0, 0.75, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0, -0.25, -0.5, -1.0, -1.5, -2.0)

#: The options ``paper_levels`` passes on to :class:`cdam.CDAM` (the scales a and h are its own).
MODEL_OPTIONS = frozenset(inspect.signature(CDAM).parameters) - {"graph", "a", "h"}


def paper_levels(
    G,
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
    """See :func:`cdam.communities.multiscale` (``method="paper"``); ``model_kwargs`` go to :class:`cdam.CDAM`.

    Burns 2024 (arXiv 2404.07123), section 1.5's procedure as it was: one draw, the
    average-linkage readout of the attractor correlation matrix.

    Examples
    --------
    >>> import networkx as nx
    >>> levels = paper_levels(nx.connected_caveman_graph(3, 5), a_values=[1.0, -1.0], n_neurons=400)
    >>> [lvl.n_communities for lvl in levels]
    [15, 3]
    """
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
