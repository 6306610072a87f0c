"""What every figure of cdam shares: the one factory that makes it, a figure to draw on, saving.

Every plot function of the package (:mod:`cdam.plot`, the automaton plots) draws on a figure
from :func:`new_figure`: a :class:`matplotlib.figure.Figure` that pyplot does not manage, so
a notebook shows it once and nothing needs closing. matplotlib is imported on first use
through :func:`cdam._optional.require`, so that cdam works without it, and no backend is
ever selected here: a notebook keeps its inline backend, a script without a display gets
matplotlib's own fallback.
"""

from __future__ import annotations

from pathlib import Path

from .._optional import require

__all__ = ["new_figure", "save_figure"]


def new_figure(figsize=None, *, layout: str | None = "constrained", **kwargs):
    """A new, empty figure outside pyplot's global state: the factory of every cdam plot.

    Parameters
    ----------
    figsize : (float, float), optional
        Width and height in inches (matplotlib's default when omitted).
    layout : str or None
        matplotlib's layout engine (``"constrained"``, ``"tight"``, ``None``).
    **kwargs
        Passed on to :class:`matplotlib.figure.Figure`.

    Returns
    -------
    matplotlib.figure.Figure
        On an Agg canvas, so ``fig.savefig`` and ``fig.canvas.draw()`` work under any
        backend; registered with no pyplot list, so it needs no closing, and a notebook cell
        that ends with it shows it exactly once.

    Raises
    ------
    MissingDependencyError
        If matplotlib is not installed (the ``plot`` extra).

    Examples
    --------
    >>> fig = new_figure((4, 3))
    >>> ax = fig.add_subplot()
    >>> fig.get_size_inches().tolist(), fig.get_layout_engine() is not None
    ([4.0, 3.0], True)
    """
    require("matplotlib", extra="plot", feature="plotting")  # names the extra when it is missing
    from ._figure import Figure

    return Figure(figsize=figsize, layout=layout, **kwargs)


def _axes(ax, figsize):
    """A new figure and axes of ``figsize``, or ``ax`` and its figure."""
    if ax is None:
        fig = new_figure(figsize)
        return fig, fig.add_subplot()
    return ax.figure, ax


def _write(fig, path) -> Path:
    """Write ``fig`` at ``path`` (format from the suffix, folders created); the figure stays open."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path


def _finish(fig, path):
    """The figure, written at ``path`` first when one is given."""
    if path is not None:
        _write(fig, path)
    return fig


def save_figure(fig, path) -> Path:
    """Write ``fig`` at ``path`` (folders created), close it if pyplot manages it, return the path.

    A figure from a cdam plot function needs no closing (pyplot does not hold it); one the
    caller made with pyplot is closed, so that a script writing many figures does not keep
    them all.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or pathlib.Path
        Where to write; the suffix picks the format (``.png``, ``.svg``, ``.pdf``).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import os, tempfile
    >>> out = save_figure(new_figure(), os.path.join(tempfile.mkdtemp(), "sub", "empty.png"))
    >>> out.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    path = _write(fig, path)
    if getattr(fig.canvas, "manager", None) is not None:  # only pyplot gives a figure a manager
        require("matplotlib.pyplot", extra="plot", feature="plotting").close(fig)
    return path
