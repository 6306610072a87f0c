"""Matplotlib figures (the ``plot`` extra). Every function returns the Figure it drew on."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = [
    "MODE_COLORS",
    "plot_attractor_correlation",
    "plot_community_levels",
    "plot_overlaps",
    "plot_phase_diagram",
    "plot_range_of_recall",
    "plot_scaling",
    "save_figure",
]

MODE_COLORS = {
    "auto": "#4c72b0",
    "narrow_hetero": "#55a868",
    "wide_hetero": "#dd8452",
    "quiescent": "#8c8c8c",
}
_MODE_LABELS = {
    "auto": "auto-association",
    "narrow_hetero": "narrow hetero-association",
    "wide_hetero": "wide hetero-association",
    "quiescent": "neutral quiescence",
}


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        from .errors import CDAMError

        raise CDAMError("plotting needs matplotlib: pip install 'cdam[plot]'") from exc
    return plt


def _axes(ax, figsize):
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    return ax.figure, ax


def save_figure(fig, path) -> Path:
    """Write ``fig`` as a PNG at ``path`` (folders created), close it, return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    _pyplot().close(fig)
    return path


def plot_phase_diagram(diagram, ax=None, which: str = "both"):
    """Colour each (a, h) cell by its predicted mode; mark cells whose observed mode differs.

    ``which`` is "predicted", "observed" or "both" (background predicted, a dot in the
    observed mode's colour on every cell where the two disagree).
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    fig, ax = _axes(ax, (7, 5))
    order = list(MODE_COLORS)
    grid_src = diagram.observed if which == "observed" else diagram.predicted
    codes = np.vectorize(lambda m: order.index(m.value))(grid_src)
    a, h = diagram.a_values, diagram.h_values
    ax.imshow(
        codes,
        origin="lower",
        aspect="auto",
        cmap=ListedColormap([MODE_COLORS[k] for k in order]),
        vmin=-0.5,
        vmax=len(order) - 0.5,
        extent=_extent(a, h),
        interpolation="nearest",
    )
    if which == "both" and diagram.observed is not None:
        for i in range(h.size):
            for j in range(a.size):
                obs = diagram.observed[i, j]
                if obs != diagram.predicted[i, j]:
                    ax.scatter(a[j], h[i], s=40, color=MODE_COLORS[obs.value], edgecolor="black", zorder=3)
    # the theory's boundaries on a cycle-like graph: a = 0 and a + h = 0
    ax.axvline(0.0, color="black", lw=0.8, ls="--")
    hh = np.linspace(h.min(), h.max(), 50)
    ax.plot(-hh, hh, color="black", lw=0.8, ls=":")
    ax.set_xlim(*_extent(a, h)[:2])
    ax.set_ylim(*_extent(a, h)[2:])
    ax.set_xlabel("auto-association a")
    ax.set_ylabel("hetero-association h")
    handles = [Patch(color=MODE_COLORS[k], label=_MODE_LABELS[k]) for k in order]
    title = {"predicted": "predicted modes", "observed": "observed modes"}.get(which, "predicted modes (cells)")
    if which == "both" and diagram.observed is not None:
        title += f", observed where different (dots); agreement {diagram.agreement:.0%}"
    ax.set_title(title, fontsize=10)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig


def _extent(a, h):
    def edges(v):
        if v.size == 1:
            return v[0] - 0.5, v[0] + 0.5
        step = np.diff(np.sort(v)).min() / 2
        return v.min() - step, v.max() + step

    return (*edges(np.asarray(a)), *edges(np.asarray(h)))


def plot_range_of_recall(profiles: dict, reference: dict | None = None, ax=None, max_distance: int = 15, title=None):
    """Mean attractor correlation against graph distance, one line per (a, h).

    Parameters
    ----------
    profiles : dict mapping (a, h) -> DistanceProfile
    reference : dict mapping (a, h) -> {distance: value}, optional
        Published values, drawn as hollow markers.
    """
    fig, ax = _axes(ax, (7, 4.5))
    colors = _pyplot().rcParams["axes.prop_cycle"].by_key()["color"]
    for k, ((a, h), prof) in enumerate(profiles.items()):
        keep = np.isfinite(prof.distance) & (prof.distance <= max_distance)
        color = colors[k % len(colors)]
        ax.plot(prof.distance[keep], prof.mean[keep], "-o", ms=3, color=color, label=f"a={a:g}, h={h:g}")
        if reference and (a, h) in reference:
            d, v = zip(*sorted(reference[(a, h)].items()))
            ax.scatter(d, v, facecolors="none", edgecolors=color, s=45, zorder=3)
    ax.axhline(0.0, color="black", lw=0.6)
    ax.set_xlabel("graph distance between cue memories")
    ax.set_ylabel("mean attractor correlation")
    ax.set_title(title or "Range of recall (lines: cdam; circles: paper)", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def plot_overlaps(trajectory, run: int = 0, labels=None, ax=None, top: int = 8, title=None):
    """Overlap of one run's state with each memory over time (the ``top`` largest ever)."""
    if trajectory.overlaps is None:
        from .errors import ParameterError

        raise ParameterError("the trajectory has no overlaps; run with record_overlaps=True")
    fig, ax = _axes(ax, (7, 4))
    ov = trajectory.overlaps_with_initial()[:, run, :].numpy()  # step 0 is the cue
    keep = np.argsort(ov.max(axis=0))[::-1][:top]
    for mu in keep:
        name = labels[mu] if labels is not None else mu
        ax.plot(np.arange(ov.shape[0]), ov[:, mu], label=str(name))
    ax.set_xlabel("step")
    ax.set_ylabel(f"{trajectory.overlap_kind} overlap")
    p = trajectory.params
    ax.set_title(title or f"run {run}: a={p.get('a')}, h={p.get('h')}, beta={p.get('beta')}", fontsize=10)
    ax.legend(fontsize=7, ncol=2, title="memory", title_fontsize=7)
    return fig


def plot_attractor_correlation(C, ax=None, title: str = "attractor correlation", labels=None):
    """Heat map of a correlation matrix with a colour bar, colours fixed to [-1, 1]."""
    fig, ax = _axes(ax, (5.5, 4.5))
    im = ax.imshow(np.asarray(C), cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    fig.colorbar(im, ax=ax, label="Pearson correlation")
    ax.set_xlabel("run cued by memory")
    ax.set_ylabel("run cued by memory")
    if labels is not None and len(labels) <= 40:
        ax.set_xticks(range(len(labels)), [str(x) for x in labels], rotation=90, fontsize=6)
        ax.set_yticks(range(len(labels)), [str(x) for x in labels], fontsize=6)
    ax.set_title(title, fontsize=10)
    return fig


def plot_community_levels(G, levels, truth=None, seed: int = 0, max_levels: int = 9):
    """Draw ``G`` once per scale, nodes coloured by community (a grid of panels).

    Parameters
    ----------
    G : networkx.Graph
    levels : list of cdam.communities.Level
    truth : list of set, optional
        Ground truth; each panel's title then gives the NMI against it.
    """
    import networkx as nx

    from .measures import normalized_mutual_info

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
    return fig


def _distinct_levels(levels, most: int):
    """Levels whose partition differs from the previous one; at most ``most``, ends kept."""
    def blocks(lvl):
        return {frozenset(b) for b in lvl.partition}

    keep = [lvl for i, lvl in enumerate(levels) if i == 0 or blocks(lvl) != blocks(levels[i - 1])]
    if len(keep) > most:
        idx = np.unique(np.round(np.linspace(0, len(keep) - 1, most)).astype(int))
        keep = [keep[i] for i in idx]
    return keep


def plot_scaling(result, ax=None):
    """Time per step and peak memory against the number of memories (log-log)."""
    fig, ax = _axes(ax, (6.5, 4))
    rows = result["rows"]
    p = [r["p"] for r in rows]
    ax.loglog(p, [r["step_s"] for r in rows], "-o", color="#4c72b0", label="time per step")
    ax.set_xlabel("number of memories p")
    ax.set_ylabel("seconds per step", color="#4c72b0")
    ax2 = ax.twinx()
    ax2.loglog(p, [r["peak_rss_mb"] for r in rows], "--s", color="#dd8452", label="peak memory")
    ax2.set_ylabel("peak resident memory (MiB)", color="#dd8452")
    B, n = rows[0]["B"], rows[0]["n"]
    ax.set_title(f"CDAM step cost, B={B}, n={n}, mean degree 10: time ~ p^{result['time_exponent']:.2f}", fontsize=9)
    return fig
