"""Community levels: the graph drawn once per scale, nodes coloured by community."""

from __future__ import annotations

import numpy as np

from .._optional import require
from ._base import _finish, new_figure

__all__ = ['plot_community_levels', 'plot_community_scan', 'plot_hierarchy']


def plot_community_levels(G, levels, truth=None, seed: int = 0, max_levels: int = 9, path=None):
    """Draw ``G`` once per scale, nodes coloured by community (a grid of panels).

    Parameters
    ----------
    G : networkx.Graph
    levels : list of cdam.communities.Level
    truth : list of set, optional
        Ground truth; each panel's title then gives the NMI against it.
    seed : int
        Seed of the spring layout.
    max_levels : int
        Most panels drawn (distinct partitions only, the finest and coarsest kept).
    path : str or pathlib.Path, optional
        Also write the figure there (the suffix picks the format; folders created).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import networkx as nx
    >>> from cdam.communities import Level
    >>> G = nx.path_graph(4)
    >>> levels = [Level(1.0, 0.0, [{0, 1}, {2, 3}], 0.17, correlation=None)]
    >>> plot_community_levels(G, levels).axes[0].get_title()
    'a=1, h=0: 2 groups, Q=0.17'
    """
    import networkx as nx

    from ..partitions import normalized_mutual_info

    colormaps = require("matplotlib", extra="plot", feature="plotting").colormaps
    levels = _distinct_levels(list(levels), max_levels)
    cols = min(3, len(levels))
    rows = -(-len(levels) // cols)
    fig = new_figure((4.2 * cols, 3.8 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    pos = nx.spring_layout(G, seed=seed)
    nodes = list(G)
    for ax, lvl in zip(axes.ravel(), levels):
        cmap, size = (colormaps["tab10"], 10) if lvl.n_communities <= 10 else (colormaps["tab20"], 20)
        colour = {u: cmap(k % size) for k, block in enumerate(lvl.partition) for u in block}
        nx.draw_networkx_edges(G, pos, ax=ax, alpha=0.25, width=0.6)
        nx.draw_networkx_nodes(G, pos, ax=ax, node_size=40 if len(nodes) <= 200 else 8,
                               node_color=[colour[u] for u in nodes], edgecolors="black", linewidths=0.3)
        scale = f"gamma={lvl.resolution:.3g}" if np.isfinite(lvl.resolution) else f"a={lvl.a:g}, h={lvl.h:g}"
        title = f"{scale}: {lvl.n_communities} groups, Q={lvl.modularity:.2f}"
        if truth is not None:
            title += f", NMI={normalized_mutual_info(lvl.partition, truth, nodes):.2f}"
        ax.set_title(title, fontsize=8)
        ax.set_axis_off()
    for ax in axes.ravel()[len(levels):]:
        ax.set_axis_off()
    fig.suptitle("CDAM communities from fine (top left) to coarse", fontsize=10)
    return _finish(fig, path)


def _distinct_levels(levels, most: int):
    """Levels whose partition differs from the previous one; at most ``most``, ends kept."""
    def blocks(lvl):
        return {frozenset(b) for b in lvl.partition}

    keep = [lvl for i, lvl in enumerate(levels) if i == 0 or blocks(lvl) != blocks(levels[i - 1])]
    if len(keep) > most:
        idx = np.unique(np.round(np.linspace(0, len(keep) - 1, most)).astype(int))
        keep = [keep[i] for i in idx]
    return keep


def plot_community_scan(levels, chosen=None, path=None):
    """The scale scan: groups, NVI (within a scale, to the next scale, and the instability) and
    modularity against the resolution (``method="markov"``) or ``a``.

    Parameters
    ----------
    levels : list of cdam.communities.Level
    chosen : Level, optional
        Marked with a vertical line (e.g. :func:`cdam.communities.most_stable`).
    path : str or pathlib.Path, optional
        Also write the figure there.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from cdam.communities import Level
    >>> levels = [Level(0.5, 0.5, [{0}, {1}], 0.0, nvi=0.1, nvi_coarser=0.5), Level(0.0, 1.0, [{0, 1}], 0.0, nvi=0.0)]
    >>> [ax.get_ylabel() for ax in plot_community_scan(levels, chosen=levels[1]).axes]
    ['groups', 'NVI', 'modularity']
    """
    from ..communities import instability

    fig = new_figure((5.5, 6.5))
    axes = fig.subplots(3, 1, sharex=True)
    # method="markov" levels carry their modularity resolution: the natural axis (log, coarse left)
    by_resolution = all(np.isfinite(lvl.resolution) for lvl in levels)
    x = np.array([lvl.resolution if by_resolution else lvl.a for lvl in levels])
    order = np.argsort(x)
    x = x[order]
    pick = [levels[i] for i in order]
    score = instability(levels)
    axes[0].plot(x, [lvl.n_communities for lvl in pick], "o-")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("groups")
    spread = "between Leiden tries" if by_resolution else "between pattern draws"
    axes[1].plot(x, [lvl.nvi for lvl in pick], "o-", label=spread)
    axes[1].plot(x, [lvl.nvi_coarser for lvl in pick], "s--", label="to the next coarser level")
    axes[1].plot(x, [score[i] for i in order], "^:", label="instability (the selection's score)")
    axes[1].set_ylabel("NVI")
    axes[1].legend(fontsize=7)
    axes[2].plot(x, [lvl.modularity for lvl in pick], "o-")
    axes[2].set_ylabel("modularity")
    if by_resolution:
        axes[2].set_xscale("log")
        axes[2].set_xlabel("resolution gamma = 1 / (eta h): coarser to the left")
    else:
        axes[2].set_xlabel("a (h = 1 - a unless given): coarser to the left")
    if chosen is not None:
        for ax in axes:
            ax.axvline(chosen.resolution if by_resolution else chosen.a, color="grey", ls=":")
    fig.suptitle("CDAM community scan", fontsize=10)
    return _finish(fig, path)


def plot_hierarchy(tree, path=None):
    """Draw the tree of :func:`cdam.communities.hierarchy`: one row per level, coarse on top,
    each block a disc of area ~ its size, linked to its parent.

    Examples
    --------
    >>> from cdam.communities import Level, hierarchy
    >>> T = hierarchy([Level(1.0, 0.0, [{0}, {1}], 0.0), Level(0.0, 1.0, [{0, 1}], 0.5)])
    >>> plot_hierarchy(T).axes[0].get_ylabel()
    'level (0 = finest)'
    """
    import networkx as nx

    fig = new_figure((7, 4))
    ax = fig.add_subplot()
    pos = {}
    levels = sorted({lvl for lvl, _ in tree.nodes})
    for lvl in levels:
        row = sorted((b for li, b in tree.nodes if li == lvl))
        for k, b in enumerate(row):
            pos[(lvl, b)] = ((k + 0.5) / max(len(row), 1), lvl)
    sizes = [20 + 300 * tree.nodes[u]["size"] / max(1, max(d["size"] for _, d in tree.nodes(data=True)))
             for u in tree.nodes]
    nx.draw_networkx_edges(tree, pos, ax=ax, arrows=False, alpha=0.4)
    nx.draw_networkx_nodes(tree, pos, ax=ax, node_size=sizes, node_color="tab:blue", alpha=0.7)
    def scale(lvl):
        d = tree.nodes[(lvl, 0)]
        gamma = d.get("resolution", float("nan"))
        return f"{lvl}: gamma={gamma:.3g}" if np.isfinite(gamma) else f"{lvl}: a={d['a']:.4g}"

    ax.set_yticks(levels, [scale(lvl) for lvl in levels])
    ax.tick_params(left=True, labelleft=True)
    ax.set_ylabel("level (0 = finest)")
    ax.set_xticks([])
    ax.set_title("community hierarchy, fine (bottom) to coarse (top)", fontsize=10)
    return _finish(fig, path)
