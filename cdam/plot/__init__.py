"""Matplotlib figures (the ``plot`` extra), one module per family.

- :mod:`~cdam.plot.modes`: the phase diagram;
- :mod:`~cdam.plot.recall`: range of recall, overlaps over time, attractor correlation;
- :mod:`~cdam.plot.communities`: community levels;
- :mod:`~cdam.plot.bench`: scaling of the step cost;
- :mod:`~cdam.plot.continual`: continual learning by age.

Every function returns the :class:`matplotlib.figure.Figure` it drew on and writes it only
when given ``path=``. The figures come from one factory, :func:`new_figure`, outside
pyplot's global state: a notebook cell that ends with a plot call shows the figure once, and
nothing needs closing. None selects a matplotlib backend (no ``matplotlib.use``), so a
notebook keeps its own; matplotlib is imported on first use, and a missing one raises
:class:`~cdam.errors.MissingDependencyError` naming the ``plot`` extra.

Examples
--------
>>> import numpy as np
>>> from cdam import plot
>>> fig = plot.plot_attractor_correlation(np.eye(2))
>>> type(fig).__name__
'Figure'
"""

from ._base import _axes, new_figure, save_figure  # noqa: F401  (_axes: examples draw their own panels with it)
from .bench import plot_scaling
from .communities import plot_community_levels
from .continual import plot_continual
from .modes import MODE_COLORS, plot_phase_diagram
from .recall import plot_attractor_correlation, plot_overlaps, plot_range_of_recall

__all__ = [
    "MODE_COLORS",
    "new_figure",
    "plot_attractor_correlation",
    "plot_community_levels",
    "plot_continual",
    "plot_overlaps",
    "plot_phase_diagram",
    "plot_range_of_recall",
    "plot_scaling",
    "save_figure",
]
