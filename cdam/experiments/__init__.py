"""The papers' protocols: each module reproduces one study on top of the core.

- :mod:`~cdam.experiments.paper`: the CDAM paper's numbers (range of recall, mode table,
  karate club; Burns 2024, arXiv 2404.07123);
- :mod:`~cdam.experiments.continual`: continual learning with K-winner ensembles
  (Bhandarkar & McClelland 2025, arXiv 2511.04593);
- :mod:`~cdam.experiments.case_sequence`: the Case Sequence Task trainer (Bhandarkar & McClelland 2025);
- :mod:`~cdam.experiments.retrieval`: image retrieval scores (Burns 2024);
- :mod:`~cdam.experiments.bench`: the benchmarks behind ``cdam bench``.

The modules load on first use; nothing here is imported by ``import cdam``.

Examples
--------
>>> from cdam.experiments import paper
>>> paper.RANGE_DISTANCES[:3]
(1, 2, 3)
"""

import importlib

__all__ = ["bench", "case_sequence", "continual", "paper", "retrieval"]


def __getattr__(name):
    if name in __all__:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
