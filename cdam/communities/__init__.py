"""Multi-scale community extraction from CDAM attractors (the karate-club multi-scale communities
experiment of Burns 2024, arXiv 2404.07123).

The public surface; the implementation lives in small private files, each importing only
those below it: ``_levels.py`` (:func:`multiscale`, a dispatcher that checks each method's
options, and :func:`extract`) on top of the three methods, ``_markov.py`` (the default
readout: Markov stability of the linearised CDAM walk, modularity at the scale's
resolution), ``_consensus.py`` (consensus of Louvain partitions of CDAM similarity graphs)
and ``_paper.py`` (the paper's procedure); below them ``_selection.py`` (which level to
take), ``_level.py`` (:class:`Level`), ``_louvain.py`` (igraph's Louvain and the consensus
of partitions), ``_similarity.py`` (sparse similarity graphs of the attractors),
``_attractors.py`` (the all-starts runs), ``_readout.py`` (the paper's readout,
:func:`correlation_partition`), ``_graph.py`` (the input checks, networkx or scipy.sparse), ``_directed.py``
(directed graphs: the flow graph of the CDAM's walk)
and ``_hierarchy.py`` (the levels as a tree, its node-attribute and JSON exports).
Partition comparisons (NMI, ARI, NVI) are :mod:`cdam.partitions`.

Examples
--------
>>> import networkx as nx
>>> from cdam.communities import extract
>>> sorted(len(block) for block in extract(nx.connected_caveman_graph(3, 5)))
[5, 5, 5]
"""

from ..partitions import normalized_variation_of_information
from ._consensus import CONSENSUS_A_VALUES
from ._hierarchy import hierarchy, hierarchy_json, set_community_attributes
from ._level import Level
from ._levels import METHOD_OPTIONS, METHODS, extract, multiscale
from ._markov import MARKOV_RESOLUTIONS, resolution_of, strengths_for
from ._paper import DEFAULT_A_VALUES
from ._readout import correlation_partition
from ._selection import (
    STABLE_NVI_MARGIN,
    deepest_stability_minimum,
    instability,
    most_modular_stable,
    most_stable,
    selected_level,
)
from ._similarity import similarity_graph

__all__ = [
    "CONSENSUS_A_VALUES",
    "DEFAULT_A_VALUES",
    "MARKOV_RESOLUTIONS",
    "METHODS",
    "METHOD_OPTIONS",
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
