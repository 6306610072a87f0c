"""Continual learning with K-winner and 1-winner modern Hopfield networks (Bhandarkar & McClelland
2025, "Neural Computation Without Slots", arXiv 2511.04593).

The code lives in :mod:`cdam.experiments.continual` now, and its figure,
:func:`~cdam.plot.plot_continual`, in :mod:`cdam.plot.continual` (the protocol imports no
plot module); this module keeps the old import path of both working.

Examples
--------
>>> from cdam.continual import KWINNER
>>> KWINNER.k
50
"""

from .experiments import continual as _source
from .experiments.continual import *  # noqa: F403
from .plot.continual import plot_continual

__all__ = [*_source.__all__, "plot_continual"]  # the source's list, not a copy that would drift
