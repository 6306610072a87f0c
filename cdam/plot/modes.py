"""The phase diagram: each (a, h) cell coloured by its dynamical mode, or as a recall failure."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ._base import _axes, _finish

__all__ = ['MODE_COLORS', 'plot_phase_diagram']


MODE_COLORS = {
    "auto": "#4c72b0",
    "narrow_hetero": "#55a868",
    "wide_hetero": "#dd8452",
    "quiescent": "#8c8c8c",
    "recall_failure": "#c44e52",
}
_MODE_LABELS = {
    "auto": "auto-association",
    "narrow_hetero": "narrow hetero-association",
    "wide_hetero": "wide hetero-association",
    "quiescent": "neutral quiescence",
    "recall_failure": "recall failure",
}


def plot_phase_diagram(diagram, ax=None, which: str = "both", path=None):
    """Colour each (a, h) cell by its predicted mode; mark cells whose observed mode differs.

    Recall failures (observed only, :attr:`cdam.Mode.RECALL_FAILURE`) have a colour of their
    own. A diagram without predictions (a backend other than the slot store) draws its
    observed modes whatever ``which`` says, except ``"predicted"``, which it refuses.

    Parameters
    ----------
    diagram : cdam.modes.PhaseDiagram
    ax : matplotlib.axes.Axes, optional
        Draw there instead of on a new figure.
    which : {"both", "predicted", "observed"}
        "both": background predicted, a dot in the observed mode's colour on every cell
        where the two disagree.
    path : str or pathlib.Path, optional
        Also write the figure there (the suffix picks the format; folders created).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import cdam
    >>> g = cdam.datasets.cycle_memory_graph(8, 50)
    >>> fig = plot_phase_diagram(cdam.phase_diagram(g, [1.0, -1.0], [0.0], observe=False), which="predicted")
    >>> fig.axes[0].get_xlabel()
    'auto-association a'
    """
    if which not in ("both", "predicted", "observed"):
        raise ParameterError(f"which must be 'both', 'predicted' or 'observed', got {which!r}")
    if diagram.predicted is None:
        if which == "predicted" or diagram.observed is None:
            raise ParameterError(
                f"the diagram has no predicted modes (backend {diagram.backend}: the theory is the slot store's); "
                "draw which='observed'"
            )
        which = "observed"
    fig, ax = _axes(ax, (7, 5))
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

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
    if diagram.backend != "dense":
        title += f" ({diagram.backend})"
    ax.set_title(title, fontsize=10)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return _finish(fig, path)


def _extent(a, h):
    def edges(v):
        if v.size == 1:
            return v[0] - 0.5, v[0] + 0.5
        step = np.diff(np.sort(v)).min() / 2
        return v.min() - step, v.max() + step

    return (*edges(np.asarray(a)), *edges(np.asarray(h)))
