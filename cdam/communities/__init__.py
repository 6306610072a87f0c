"""Multi-scale community extraction from CDAM attractors (the karate-club multi-scale communities
experiment of Burns 2024, arXiv 2404.07123).

The public surface; the implementation lives in small private files: ``_levels.py`` (the
scale sweep, :func:`multiscale` and :func:`extract`), ``_markov.py`` (the default readout:
Markov stability of the linearised CDAM walk, modularity at the scale's resolution),
``_consensus.py`` (consensus of Louvain partitions of CDAM similarity graphs), ``_similarity.py``
(sparse similarity graphs of the attractors), ``_stability.py`` (NVI, co-assignment),
``_readout.py`` (the paper's readout, :func:`correlation_partition`) and ``_graph.py``
(the input checks, networkx or scipy.sparse) and ``_hierarchy.py`` (the levels as a tree,
its node-attribute and JSON exports).

Examples
--------
>>> import networkx as nx
>>> from cdam.communities import extract
>>> sorted(len(block) for block in extract(nx.connected_caveman_graph(3, 5)))
[5, 5, 5]
"""

from ._hierarchy import hierarchy, hierarchy_json, set_community_attributes
from ._levels import (
    CONSENSUS_A_VALUES,
    DEFAULT_A_VALUES,
    STABLE_NVI_MARGIN,
    Level,
    deepest_stability_minimum,
    extract,
    instability,
    most_modular_stable,
    most_stable,
    multiscale,
    selected_level,
)
from ._markov import MARKOV_RESOLUTIONS, resolution_of, strengths_for
from ._readout import correlation_partition
from ._similarity import similarity_graph
from ._stability import normalized_variation_of_information

__all__ = [
    "CONSENSUS_A_VALUES",
    "DEFAULT_A_VALUES",
    "MARKOV_RESOLUTIONS",
    "STABLE_NVI_MARGIN",
    "Level",
    "correlation_partition",
    "deepest_stability_minimum",
    "extract",
    "hierarchy",
    "hierarchy_json",
    "instability",
    "most_modular_stable",
    "most_stable",
    "multiscale",
    "normalized_variation_of_information",
    "resolution_of",
    "selected_level",
    "set_community_attributes",
    "similarity_graph",
    "strengths_for",
]
