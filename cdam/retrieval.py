"""Image retrieval (SPEC 1.7): column-wise and row-wise retrieval scores, and the digits run.

The code lives in :mod:`cdam.experiments.retrieval` now; this module keeps the old import path
working.

Examples
--------
>>> from cdam.retrieval import DIGITS_P
>>> DIGITS_P
(10, 20, 30)
"""

from .experiments import retrieval as _source
from .experiments.retrieval import *  # noqa: F403

__all__ = list(_source.__all__)  # one list, the source's: a copy here would drift
