"""The levels as a tree, fine to coarse, and its exports (node attributes, JSON)."""

from __future__ import annotations

import json

import networkx as nx

__all__ = ["hierarchy", "hierarchy_json", "set_community_attributes"]


def hierarchy(levels) -> nx.DiGraph:
    r"""The levels as a tree: each block points to the coarser block holding most of it.

    Node ``(l, b)`` is block ``b`` of level ``l`` (levels fine to coarse, as
    :func:`multiscale` returns them) with attributes ``a``, ``h``, ``size`` and ``nodes``;
    an edge ``(l + 1, c) -> (l, b)`` links a block to its parent,
    :math:`c = \arg\max_c |B_b^{(l)} \cap B_c^{(l+1)}|`, with ``overlap``, the fraction of
    the fine block inside its parent (1 when the levels nest exactly). Roots are the
    coarsest level's blocks.

    Examples
    --------
    >>> from cdam.communities import Level
    >>> levels = [Level(1.0, 0.0, [{0, 1}, {2}, {3}], 0.0), Level(0.0, 1.0, [{0, 1}, {2, 3}], 0.0)]
    >>> sorted(hierarchy(levels).edges)
    [((1, 0), (0, 0)), ((1, 1), (0, 1)), ((1, 1), (0, 2))]
    """
    T = nx.DiGraph()
    owner = []
    for li, lvl in enumerate(levels):
        where = {}
        for bi, block in enumerate(lvl.partition):
            T.add_node((li, bi), level=li, a=lvl.a, h=lvl.h, resolution=lvl.resolution, size=len(block),
                       nodes=sorted(block, key=str))
            where.update(dict.fromkeys(block, bi))
        owner.append(where)
    for li in range(len(levels) - 1):
        for bi, block in enumerate(levels[li].partition):
            counts: dict[int, int] = {}
            for u in block:
                counts[owner[li + 1][u]] = counts.get(owner[li + 1][u], 0) + 1
            parent = max(counts, key=lambda c: (counts[c], -c))
            T.add_edge((li + 1, parent), (li, bi), overlap=counts[parent] / len(block))
    return T


def set_community_attributes(G: nx.Graph, levels, prefix: str = "community") -> None:
    """Write each node's block index at every level as node attributes of ``G`` (in place).

    Level ``l`` goes to attribute ``f"{prefix}_{l}"`` (0 the finest); ``G.graph[prefix]``
    lists the levels' ``a`` and ``h``, so a GraphML or GEXF export carries the hierarchy.

    Examples
    --------
    >>> import networkx as nx
    >>> from cdam.communities import Level
    >>> G = nx.path_graph(3)
    >>> set_community_attributes(G, [Level(0.0, 1.0, [{0, 1}, {2}], 0.0)])
    >>> dict(G.nodes(data="community_0"))
    {0: 0, 1: 0, 2: 1}
    """
    for li, lvl in enumerate(levels):
        nx.set_node_attributes(G, {u: bi for bi, block in enumerate(lvl.partition) for u in block}, f"{prefix}_{li}")
    G.graph[prefix] = [{"level": li, "a": lvl.a, "h": lvl.h} for li, lvl in enumerate(levels)]


def hierarchy_json(levels) -> str:
    """The scan and its tree as JSON: per level ``a``, ``h``, ``resolution`` (null outside
    ``method="markov"``), ``modularity``, ``nvi``,
    ``nvi_coarser`` and ``communities`` (lists of nodes), each with its ``parent`` index in
    the next coarser level (None at the coarsest). Nodes are written as JSON values (str if
    they are not numbers or strings).

    Examples
    --------
    >>> import json
    >>> from cdam.communities import Level
    >>> doc = json.loads(hierarchy_json([Level(1.0, 0.0, [{0}, {1}], 0.0), Level(0.0, 1.0, [{0, 1}], 0.5)]))
    >>> [c["parent"] for c in doc["levels"][0]["communities"]]
    [0, 0]
    """
    T = hierarchy(levels)

    def value(u):
        return u if isinstance(u, (int, float, str)) else str(u)

    def finite(x):
        return None if x != x else x  # NaN is not JSON

    out = []
    for li, lvl in enumerate(levels):
        comms = []
        for bi, block in enumerate(lvl.partition):
            parents = [c for c, _ in T.in_edges((li, bi))]
            comms.append({"nodes": [value(u) for u in sorted(block, key=str)],
                          "parent": parents[0][1] if parents else None})
        out.append({"a": lvl.a, "h": lvl.h, "resolution": finite(lvl.resolution), "modularity": lvl.modularity,
                    "nvi": finite(lvl.nvi),
                    "nvi_coarser": finite(lvl.nvi_coarser), "communities": comms})
    return json.dumps({"levels": out}, indent=1)
