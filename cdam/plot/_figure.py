"""The figure class every cdam plot draws on: a matplotlib Figure that pyplot does not manage.

Importing this module imports matplotlib (a missing one raises
:class:`~cdam.errors.MissingDependencyError` naming the ``plot`` extra); use
:func:`cdam.plot._base.new_figure`, which imports it on first use.

Why not pyplot: a figure made by ``pyplot.subplots`` is registered in pyplot's global list, so
a notebook cell that returns it shows it twice (once when the inline backend flushes that
list, once as the cell's value), and a long script leaks every figure it does not close. This
one is registered nowhere: it is shown once, as the value of the cell, and freed with its
last reference. No backend is selected either; the Agg canvas it carries is what
``fig.savefig`` and ``fig.canvas.draw()`` use, whatever backend the user chose.
"""

from __future__ import annotations

import io

from .._optional import require

_figure = require("matplotlib.figure", extra="plot", feature="plotting")
_agg = require("matplotlib.backends.backend_agg", extra="plot", feature="plotting")

__all__ = ["Figure"]


class Figure(_figure.Figure):  # type: ignore[name-defined]  # a module loaded through require()
    """A :class:`matplotlib.figure.Figure` on an Agg canvas that displays itself in Jupyter.

    Jupyter shows the value of a cell through its ``_repr_png_``; when the inline backend
    has registered its own PNG printer for matplotlib figures, that printer takes precedence
    (IPython looks printers up by type first), so the cell still holds exactly one PNG.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _agg.FigureCanvasAgg(self)  # attaches itself as self.canvas

    def __setstate__(self, state):
        super().__setstate__(state)  # an unpickled figure gets a bare FigureCanvasBase
        _agg.FigureCanvasAgg(self)

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        # bbox "tight" as the inline backend draws, so a notebook looks the same either way
        self.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()
