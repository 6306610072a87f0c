"""Recall: range of recall, overlaps over time, attractor correlation."""

from __future__ import annotations

import numpy as np

from .._optional import require
from ._base import _axes, _finish

__all__ = ['plot_attractor_correlation', 'plot_overlaps', 'plot_range_of_recall']


def plot_range_of_recall(
    profiles: dict, reference: dict | None = None, ax=None, max_distance: int = 15, title=None, path=None
):
    """Mean attractor correlation against graph distance, one line per (a, h).

    Parameters
    ----------
    profiles : dict mapping (a, h) -> DistanceProfile
    reference : dict mapping (a, h) -> {distance: value}, optional
        Published values, drawn as hollow markers.
    ax : matplotlib.axes.Axes, optional
    max_distance : int
        Longest graph distance drawn.
    title : str, optional
    path : str or pathlib.Path, optional
        Also write the figure there (the suffix picks the format; folders created).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import cdam
    >>> g = cdam.datasets.cycle_memory_graph(8, 50)
    >>> prof = cdam.distance_profile(cdam.CDAM(g, a=0.5, h=0.5).all_starts(steps=5), g)
    >>> plot_range_of_recall({(0.5, 0.5): prof}).axes[0].get_ylabel()
    'mean attractor correlation'
    """
    fig, ax = _axes(ax, (7, 4.5))
    colors = require("matplotlib", extra="plot", feature="plotting").rcParams["axes.prop_cycle"].by_key()["color"]
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
    return _finish(fig, path)


def plot_overlaps(trajectory, run: int = 0, labels=None, ax=None, top: int = 8, title=None, path=None):
    """Overlap of one run's state with each memory over time (the ``top`` largest ever).

    Parameters
    ----------
    trajectory : cdam.Trajectory
        Run with ``record_overlaps=True``.
    run : int
        Which run of the batch.
    labels : sequence, optional
        Memory names for the legend.
    ax : matplotlib.axes.Axes, optional
    top : int
        How many memories to draw.
    title : str, optional
    path : str or pathlib.Path, optional
        Also write the figure there (the suffix picks the format; folders created).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import cdam
    >>> g = cdam.datasets.cycle_memory_graph(8, 50)
    >>> traj = cdam.CDAM(g).run(g.patterns[:, 0], 5, record_overlaps=True)
    >>> len(plot_overlaps(traj, top=3).axes[0].lines)
    3
    """
    if trajectory.overlaps is None:
        from ..errors import ParameterError

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
    return _finish(fig, path)


def plot_attractor_correlation(C, ax=None, title: str = "attractor correlation", labels=None, path=None):
    """Heat map of a correlation matrix with a colour bar, colours fixed to [-1, 1].

    Parameters
    ----------
    C : array_like (B, B)
    ax : matplotlib.axes.Axes, optional
    title : str
    labels : sequence, optional
        Tick labels, drawn when there are at most 40.
    path : str or pathlib.Path, optional
        Also write the figure there (the suffix picks the format; folders created).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> len(plot_attractor_correlation(np.eye(3)).axes)  # the heat map and its colour bar
    2
    """
    fig, ax = _axes(ax, (5.5, 4.5))
    im = ax.imshow(np.asarray(C), cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    fig.colorbar(im, ax=ax, label="Pearson correlation")
    ax.set_xlabel("run cued by memory")
    ax.set_ylabel("run cued by memory")
    if labels is not None and len(labels) <= 40:
        ax.set_xticks(range(len(labels)), [str(x) for x in labels], rotation=90, fontsize=6)
        ax.set_yticks(range(len(labels)), [str(x) for x in labels], fontsize=6)
    ax.set_title(title, fontsize=10)
    return _finish(fig, path)
