"""Benchmarks behind ``cdam bench``: every claim is a ratio measured side by side in one run.

The code lives in :mod:`cdam.experiments.bench` now; this module keeps the old import path
working.

Examples
--------
>>> from cdam.bench import best_of
>>> best_of(lambda: None, 1) >= 0.0
True
"""

from .experiments.bench import *  # noqa: F403
from .experiments.bench import (  # noqa: F401
    LFR_SETTINGS,
    _first_starts,
    _sparse_memory_graph,
    bench_automaton_words,
    bench_community_time,
    bench_notebook,
    bench_raw,
    bench_scaling,
    best_of,
    compare_communities,
    lfr_graph,
    lfr_graphs,
    notebook_run,
    peak_rss_mb,
    planted_truth,
    random_words,
    torch_threads,
)

__all__ = [
    "LFR_SETTINGS",
    "best_of",
    "bench_automaton_words",
    "bench_community_time",
    "bench_notebook",
    "bench_raw",
    "bench_scaling",
    "compare_communities",
    "lfr_graph",
    "lfr_graphs",
    "notebook_run",
    "peak_rss_mb",
    "planted_truth",
    "random_words",
    "torch_threads",
]
