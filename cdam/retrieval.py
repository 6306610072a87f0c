"""Image retrieval: column-wise and row-wise retrieval scores, and the digits run.

The image-retrieval experiment of Burns 2024, arXiv 2404.07123. The code lives in
:mod:`cdam.experiments.retrieval` now; this module keeps the old import path working.

Examples
--------
>>> from cdam.retrieval import DIGITS_P
>>> DIGITS_P
(10, 20, 30)
"""

from .experiments import retrieval as _source
from .experiments.retrieval import *  # noqa: F403

__all__ = list(_source.__all__)  # one list, the source's: a copy here would drift
