"""Generators and loaders: patterns, memory graphs, and the built-in data of the examples.

One module per kind of data: :mod:`~cdam.datasets.patterns` (random patterns),
:mod:`~cdam.datasets.graphs` (the cycle, the karate club, LFR benchmark graphs),
:mod:`~cdam.datasets.images` (the digits) and :mod:`~cdam.datasets.case_task` (the Case
Sequence Task of Bhandarkar & McClelland 2025, arXiv 2511.04593). Every public name is also
here.

Examples
--------
>>> from cdam.datasets import cycle_memory_graph
>>> len(cycle_memory_graph(12, 50))
12
"""

from .case_task import CaseBatch, CaseSequenceTask
from .graphs import (
    LFR_SETTINGS,
    cycle_memory_graph,
    karate_graph,
    karate_memory_graph,
    lfr_graph,
    lfr_graphs,
    memory_graph_from_networkx,
    planted_truth,
)
from .images import load_digits_patterns
from .patterns import random_patterns

__all__ = [
    "CaseBatch",
    "CaseSequenceTask",
    "LFR_SETTINGS",
    "cycle_memory_graph",
    "karate_graph",
    "karate_memory_graph",
    "lfr_graph",
    "lfr_graphs",
    "load_digits_patterns",
    "memory_graph_from_networkx",
    "planted_truth",
    "random_patterns",
]
