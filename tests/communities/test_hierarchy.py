"""The levels as a tree, as node attributes and as JSON."""

import networkx as nx
import pytest

from cdam.communities import Level, hierarchy, hierarchy_json, set_community_attributes

# statistics of the dynamics: run again under ATEN_CPU_CAPABILITY=default in .ci/run
pytestmark = pytest.mark.scientific


def test_hierarchy_tree_attributes_and_json():
    import json


    levels = [Level(1.0, 0.0, [{0, 1}, {2}, {3}], 0.1), Level(0.0, 1.0, [{0, 1}, {2, 3}], 0.3, nvi=0.0)]
    T = hierarchy(levels)
    assert nx.is_forest(T.to_undirected()) and T.in_degree((0, 2)) == 1
    G = nx.path_graph(4)
    set_community_attributes(G, levels)
    assert [G.nodes[u]["community_1"] for u in G] == [0, 0, 1, 1]
    doc = json.loads(hierarchy_json(levels))
    assert [c["parent"] for c in doc["levels"][0]["communities"]] == [0, 1, 1]
    assert doc["levels"][0]["nvi"] is None  # NaN written as null
