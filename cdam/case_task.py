"""The Case Sequence Task (Bhandarkar & McClelland 2025, arXiv 2511.04593).

The code lives in :mod:`cdam.datasets.case_task` now; this module keeps the old import path
working.

Examples
--------
>>> from cdam.case_task import CaseSequenceTask
>>> CaseSequenceTask(seed=0).batch(2).inputs.shape
torch.Size([2, 5, 12])
"""

from .datasets import case_task as _source
from .datasets.case_task import *  # noqa: F403

__all__ = list(_source.__all__)  # one list, the source's: a copy here would drift
