"""Multi-scale community extraction from CDAM attractors (SPEC 1.5).

The public surface; the implementation lives in small private files: ``_levels.py`` (the
scale sweep, :func:`multiscale` and :func:`extract`), ``_readout.py`` (the attractor
readout, :func:`correlation_partition`) and ``_graph.py`` (the input checks).

Examples
--------
>>> import networkx as nx
>>> from cdam.communities import extract
>>> sorted(len(block) for block in extract(nx.connected_caveman_graph(3, 5), n_neurons=400))
[5, 5, 5]
"""

from ._levels import DEFAULT_A_VALUES, Level, extract, multiscale
from ._readout import correlation_partition

__all__ = ["DEFAULT_A_VALUES", "Level", "correlation_partition", "extract", "multiscale"]
