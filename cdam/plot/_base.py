"""What every figure of :mod:`cdam.plot` shares: importing pyplot, a figure to draw on, saving.

matplotlib is imported on first use through :func:`cdam._optional.require`, so that cdam
works without it, and no backend is ever selected here: a notebook keeps its inline
backend, a script without a display gets matplotlib's own fallback.
"""

from __future__ import annotations

from pathlib import Path

from .._optional import require

__all__ = ["save_figure"]


def _pyplot():
    """matplotlib.pyplot, or :class:`~cdam.errors.MissingDependencyError` naming the ``plot`` extra."""
    return require("matplotlib.pyplot", extra="plot", feature="plotting")


def _axes(ax, figsize):
    """A new figure and axes of ``figsize``, or ``ax`` and its figure."""
    if ax is None:
        fig, ax = _pyplot().subplots(figsize=figsize, layout="constrained")
        return fig, ax
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
    """Write ``fig`` at ``path`` (folders created), close it, return the path.

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
    >>> from matplotlib.figure import Figure
    >>> out = save_figure(Figure(), os.path.join(tempfile.mkdtemp(), "sub", "empty.png"))
    >>> out.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    path = _write(fig, path)
    _pyplot().close(fig)
    return path
