"""Continual learning with K-winner and 1-winner modern Hopfield networks.

The continual-learning experiment of Bhandarkar & McClelland 2025, arXiv 2511.04593. The code
lives in :mod:`cdam.experiments.continual` now; this module keeps the old import path working.

Examples
--------
>>> from cdam.continual import KWINNER
>>> KWINNER.k
50
"""

from .experiments import continual as _source
from .experiments.continual import *  # noqa: F403

__all__ = list(_source.__all__)  # one list, the source's: a copy here would drift
