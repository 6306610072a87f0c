"""Community levels: the graph drawn once per scale, nodes coloured by community."""

from __future__ import annotations

import numpy as np

from ._base import _finish, _pyplot

__all__ = ['plot_community_levels']


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

    from ..measures import normalized_mutual_info

    plt = _pyplot()
    levels = _distinct_levels(list(levels), max_levels)
    cols = min(3, len(levels))
    rows = -(-len(levels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.8 * rows), layout="constrained", squeeze=False)
    pos = nx.spring_layout(G, seed=seed)
    nodes = list(G)
    for ax, lvl in zip(axes.ravel(), levels):
        cmap, size = (plt.get_cmap("tab10"), 10) if lvl.n_communities <= 10 else (plt.get_cmap("tab20"), 20)
        colour = {u: cmap(k % size) for k, block in enumerate(lvl.partition) for u in block}
        nx.draw_networkx_edges(G, pos, ax=ax, alpha=0.25, width=0.6)
        nx.draw_networkx_nodes(G, pos, ax=ax, node_size=40 if len(nodes) <= 200 else 8,
                               node_color=[colour[u] for u in nodes], edgecolors="black", linewidths=0.3)
        title = f"a={lvl.a:g}, h={lvl.h:g}: {lvl.n_communities} groups, Q={lvl.modularity:.2f}"
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
