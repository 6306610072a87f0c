"""MemoryGraph.from_edges and from_scipy_sparse: the same graphs as the per-edge constructors."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import cdam
from cdam.couplings import NORMALIZATIONS

# dyadic weights: every order of summation gives the same float, so sums compare exactly
WEIGHTS = st.sampled_from([1.0, 0.5, -0.25, 2.0, 0.0, -1.5])


@st.composite
def edge_lists(draw):
    p = draw(st.integers(1, 7))
    pair = st.tuples(st.integers(0, p - 1), st.integers(0, p - 1), WEIGHTS)
    edges = draw(st.lists(pair, max_size=100))  # 64 and more: the one-sort path
    return p, edges


def _patterns(p, dtype=np.float64, n=5):
    return np.random.default_rng(p).random((n, p)).astype(dtype)


def assert_same_graph(g, h):
    assert g.memories == h.memories
    assert g.n_neurons == h.n_neurons
    np.testing.assert_array_equal(g.patterns, h.patterns)
    assert g.links == h.links
    assert g.transitions == h.transitions
    assert g.is_directed == h.is_directed and g.number_of_edges() == h.number_of_edges()
    A, B = g.adjacency(), h.adjacency()
    np.testing.assert_array_equal(A.toarray(), B.toarray())
    for norm in NORMALIZATIONS:
        cg, ch = g.compile(norm), h.compile(norm)
        np.testing.assert_array_equal(cg.M.toarray(), ch.M.toarray())
        assert torch.equal(cg.Xi, ch.Xi) and torch.equal(cg.xbar, ch.xbar)


@settings(max_examples=60, deadline=None)
@given(edge_lists(), st.booleans())
def test_from_edges_equals_add_links_and_transitions(data, directed):
    p, edges = data
    pats = _patterns(p)
    ref = cdam.MemoryGraph.from_patterns(pats)
    (ref.add_transitions_from if directed else ref.add_links_from)(edges)
    ei = np.array([[u for u, _, _ in edges], [v for _, v, _ in edges]], dtype=np.int64).reshape(2, -1)
    w = np.array([x for _, _, x in edges])
    g = cdam.MemoryGraph.from_edges(ei, pats, w, directed=directed)
    assert_same_graph(g, ref)
    t = cdam.MemoryGraph.from_edges(torch.from_numpy(ei), torch.from_numpy(pats), torch.from_numpy(w), directed)
    assert_same_graph(t, ref)


@settings(max_examples=40, deadline=None)
@given(edge_lists(), st.booleans())
def test_from_edges_equals_from_networkx_multigraph(data, directed):
    p, edges = data
    G = nx.MultiDiGraph() if directed else nx.MultiGraph()
    G.add_nodes_from(range(p))
    G.add_weighted_edges_from(edges)
    ref = cdam.MemoryGraph.from_networkx(G, _patterns(p))
    ei = np.array([[u for u, _, _ in edges], [v for _, v, _ in edges]], dtype=np.int64).reshape(2, -1)
    g = cdam.MemoryGraph.from_edges(ei, _patterns(p), [x for _, _, x in edges], directed=directed)
    # networkx lists a multigraph's edges grouped by node, so compare the edge sets
    assert sorted(g.links) == sorted(ref.links) and sorted(g.transitions) == sorted(ref.transitions)
    np.testing.assert_array_equal(g.adjacency().toarray(), ref.adjacency().toarray())
    for norm in NORMALIZATIONS:
        np.testing.assert_array_equal(g.compile(norm).M.toarray(), ref.compile(norm).M.toarray())


@settings(max_examples=60, deadline=None)
@given(edge_lists(), st.booleans())
def test_from_scipy_sparse_reads_back_any_adjacency(data, symmetrize):
    p, edges = data
    rows, cols, w = (np.array(c, dtype=float).astype(t) for c, t in zip(zip(*edges), (int, int, float))) if edges else (
        np.zeros(0, int), np.zeros(0, int), np.zeros(0))  # fmt: skip
    A = sp.coo_array((w, (rows, cols)), shape=(p, p))  # duplicates sum
    if symmetrize:
        A = A + A.T
    A = sp.csr_array(A)
    pats = _patterns(p)
    g = cdam.MemoryGraph.from_scipy_sparse(A, pats)
    np.testing.assert_array_equal(g.adjacency().toarray(), A.toarray())
    ref = cdam.MemoryGraph.from_patterns(pats)
    coo = A.tocoo()
    triples = sorted(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()))
    if (A != A.T).nnz == 0 and np.array_equal(sp.csr_array(A.T).indices, A.indices):
        ref.add_links_from([(i, j, x) for i, j, x in triples if i <= j])
        assert not g.is_directed
    else:
        ref.add_transitions_from(triples)
        assert g.is_directed
    assert_same_graph(g, ref)
    # and the adjacency of any graph builds the graph's couplings again
    again = cdam.MemoryGraph.from_scipy_sparse(g.adjacency(), g.patterns)
    assert_same_graph(again, g)


@settings(max_examples=30, deadline=None)
@given(edge_lists(), st.booleans(), st.sampled_from([np.float32, np.float64]))
def test_save_load_round_trip_is_exact(tmp_path_factory, data, directed, dtype):
    p, edges = data
    ei = np.array([[u for u, _, _ in edges], [v for _, v, _ in edges]], dtype=np.int64).reshape(2, -1)
    g = cdam.MemoryGraph.from_edges(ei, _patterns(p, dtype), [x for _, _, x in edges], directed=directed)
    path = tmp_path_factory.mktemp("g") / "g.cdam"
    g.save(path)
    h = cdam.MemoryGraph.load(path)
    assert h.patterns.dtype == dtype
    assert_same_graph(h, g)
    header = json.loads(bytes(np.load(path)["header"]).decode())
    assert header["version"] == (2 if dtype == np.float32 else 1)  # float64 files stay version 1


def test_float32_patterns_stay_float32_until_float64_ones_arrive():
    pats = np.random.default_rng(0).random((10, 3), dtype=np.float32)
    g = cdam.MemoryGraph.from_edges(np.array([[0], [1]]), pats)
    assert g.patterns.dtype == np.float32 and g._pattern_rows().dtype == np.float32
    np.testing.assert_array_equal(g.patterns, pats)
    pats[0, 0] = 7.0  # the graph holds a copy
    assert g.patterns[0, 0] != 7.0
    c = g.compile("sym")
    assert c.xbar.dtype == torch.float32
    np.testing.assert_allclose(c.xbar.numpy(), g.patterns.astype(np.float64).mean(axis=1), rtol=1e-7)
    g.add_memory("x", np.full(10, 1 / 3))  # float64: the graph turns float64 and rounds nothing
    assert g.patterns.dtype == np.float64
    assert g.pattern("x")[0] == 1 / 3
    np.testing.assert_array_equal(g.patterns[:, :3], g.copy().patterns[:, :3])
    assert cdam.MemoryGraph.from_edges([[0], [1]], pats.astype(np.float16)).patterns.dtype == np.float64
    assert cdam.MemoryGraph.from_edges([[0], [1]], torch.ones(4, 2, dtype=torch.bfloat16)).patterns.dtype == np.float64
    assert g.copy().patterns.dtype == np.float64
    f = cdam.MemoryGraph.from_edges([[0], [1]], pats)
    assert f.copy().patterns.dtype == np.float32


def test_default_keys_behave_as_a_list_of_ints():
    g = cdam.MemoryGraph.from_edges(np.array([[0, 1], [1, 2]]), np.eye(3))
    assert isinstance(g._keys, range)  # no list or dict of p keys until one is needed
    assert g.memories == [0, 1, 2] and list(g) == [0, 1, 2]
    assert g.index(2) == 2 and g.index(np.int64(1)) == 1 and g.index(1.0) == 1 and g.index(True) == 1
    assert 2 in g and 3 not in g and "a" not in g and [1] not in g and 0.5 not in g
    with pytest.raises(cdam.UnknownNodeError, match="unknown memory 3"):
        g.index(3)
    with pytest.raises(cdam.UnknownNodeError, match="unknown memory 'a'"):
        g.index("a")
    with pytest.raises(cdam.DuplicateKeyError):
        g.add_memory(1, np.ones(3))
    g.add_link(0, 2, 0.5)
    g.add_memory("a", np.ones(3))
    g.add_transition("a", 0)
    assert g.memories == [0, 1, 2, "a"] and g.index("a") == 3
    assert g.links == [(0, 1, 1.0), (1, 2, 1.0), (0, 2, 0.5)] and g.transitions == [("a", 0, 1.0)]


def test_keys_name_the_memories():
    A = sp.csr_array(np.array([[0, 1], [1, 0]]))
    g = cdam.MemoryGraph.from_scipy_sparse(A, np.eye(2), keys=("x", ("t", 1)))
    assert g.memories == ["x", ("t", 1)] and g.links == [("x", ("t", 1), 1.0)]
    h = cdam.MemoryGraph.from_edges([[0], [0]], np.eye(2), keys=["x", "y"])
    assert h.links == [("x", "x", 1.0)]  # a self-loop


def test_explicit_zeros_are_kept_as_zero_weight_edges():
    A = sp.csr_array((np.array([0.0, 2.0]), np.array([1, 0]), np.array([0, 1, 2])), shape=(2, 2))
    g = cdam.MemoryGraph.from_scipy_sparse(A, np.eye(2))
    assert g.transitions == [(0, 1, 0.0), (1, 0, 2.0)]  # (0, 1) stored as 0: not symmetric
    A.eliminate_zeros()
    assert cdam.MemoryGraph.from_scipy_sparse(A, np.eye(2)).transitions == [(1, 0, 2.0)]
    dense = cdam.MemoryGraph.from_scipy_sparse(np.array([[0, 3], [3, 0]]), np.eye(2))
    assert dense.links == [(0, 1, 3.0)]


def test_a_mixed_adjacency_becomes_transitions_only():
    A = sp.csr_array(np.array([[0, 1, 0], [1, 0, 2], [0, 0, 0]]))
    g = cdam.MemoryGraph.from_scipy_sparse(A, np.eye(3))
    assert g.links == [] and g.transitions == [(0, 1, 1.0), (1, 0, 1.0), (1, 2, 2.0)]


def test_a_coo_with_duplicates_sums_them():
    A = sp.coo_array((np.array([1.0, 2.0, 3.0]), (np.array([0, 0, 1]), np.array([1, 1, 0]))), shape=(2, 2))
    assert cdam.MemoryGraph.from_scipy_sparse(A, np.eye(2)).links == [(0, 1, 3.0)]


P2 = np.eye(2)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: cdam.MemoryGraph.from_edges([[0, 1, 2]], P2), cdam.GraphError, r"shape \(2, E\)"),
        (lambda: cdam.MemoryGraph.from_edges(np.zeros((3, 2), int), P2), cdam.GraphError, "edge_index.T"),
        (lambda: cdam.MemoryGraph.from_edges([[0.0], [1.0]], P2), cdam.GraphError, "integer"),
        (lambda: cdam.MemoryGraph.from_edges([[0], [2]], P2), cdam.GraphError, r"edge_index\[1, 0\] is 2.*0 \.\. 1"),
        (lambda: cdam.MemoryGraph.from_edges([[-1], [0]], P2), cdam.GraphError, "is -1"),
        (lambda: cdam.MemoryGraph.from_edges([[0], [1]], P2, [1.0, 2.0]), cdam.ParameterError, "one weight per edge"),
        (lambda: cdam.MemoryGraph.from_edges([[0], [1]], P2, [np.nan]), cdam.ParameterError, "finite"),
        (lambda: cdam.MemoryGraph.from_edges([[0], [1]], P2, [np.inf]), cdam.ParameterError, "finite"),
        (lambda: cdam.MemoryGraph.from_edges([[0], [1]], P2, [True]), cdam.ParameterError, "booleans"),
        (lambda: cdam.MemoryGraph.from_edges([[0], [1]], P2, ["a"]), cdam.ParameterError, "real numbers"),
        (lambda: cdam.MemoryGraph.from_edges([[0], [1]], P2, directed="yes"), cdam.ParameterError, "True or False"),
        (lambda: cdam.MemoryGraph.from_edges([[0], [1]], np.ones(2)), cdam.PatternError, "2-D"),
        (lambda: cdam.MemoryGraph.from_edges([[0], [1]], np.array([[1, np.nan]])), cdam.PatternError, "non-finite"),
        (lambda: cdam.MemoryGraph.from_edges([[0], [1]], P2, keys=["a"]), cdam.GraphError, "1 keys for 2"),
        (lambda: cdam.MemoryGraph.from_edges([[0], [1]], P2, keys=["a", "a"]), cdam.DuplicateKeyError, "'a' appears"),
        (lambda: cdam.MemoryGraph.from_edges([[0], [1]], P2, keys=[[1], 2]), cdam.GraphError, "hashable"),
        (lambda: cdam.MemoryGraph.from_scipy_sparse(sp.csr_array((2, 3)), P2), cdam.GraphError, r"must be \(2, 2\)"),
        (lambda: cdam.MemoryGraph.from_scipy_sparse(sp.csr_array((3, 3)), P2), cdam.GraphError, "hold 2 memories"),
        (lambda: cdam.MemoryGraph.from_scipy_sparse(np.ones(4), P2), cdam.GraphError, "2-D"),
        (lambda: cdam.MemoryGraph.from_scipy_sparse(np.array([[0, np.inf], [0, 0]]), P2), cdam.ParameterError,
         r"A\[0, 1\] is inf"),
        (lambda: cdam.MemoryGraph.from_scipy_sparse(sp.csr_array(np.eye(2) * 1j), P2), cdam.ParameterError, "real"),
        (lambda: cdam.MemoryGraph.from_scipy_sparse(sp.eye(2), P2, keys="abc"), cdam.GraphError, "3 keys for 2"),
        (lambda: cdam.MemoryGraph.from_scipy_sparse(sp.eye(2), P2[:, :1]), cdam.GraphError, "hold 1 memories"),
    ],
)  # fmt: skip
def test_bad_input_says_what_to_fix(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_negative_weights_and_self_loops_are_kept():
    g = cdam.MemoryGraph.from_edges(np.array([[0, 1, 1], [0, 0, 1]]), P2, [-1.0, 2.0, 0.5], directed=False)
    assert g.links == [(0, 0, -1.0), (0, 1, 2.0), (1, 1, 0.5)]
    np.testing.assert_array_equal(g.adjacency().toarray(), [[-1.0, 2.0], [2.0, 0.5]])


def test_an_empty_edge_list_gives_isolated_memories():
    g = cdam.MemoryGraph.from_edges(np.empty((2, 0)), np.eye(3))
    assert len(g) == 3 and g.number_of_edges() == 0
    assert cdam.MemoryGraph.from_scipy_sparse(sp.csr_array((3, 3)), np.eye(3)).number_of_edges() == 0


def test_many_small_additions_after_a_bulk_build_sum_like_a_dict():
    rng = np.random.default_rng(1)
    p, E = 300, 5000
    ei = rng.integers(0, p, (2, E))
    w = rng.choice([0.5, 1.0, -2.0], E)
    g = cdam.MemoryGraph.from_edges(ei, _patterns(p), w)
    ends, ws = rng.integers(0, p, (2, 3000)), rng.choice([0.25, 1.0], 3000)
    extra = [(int(u), int(v), float(x)) for u, v, x in zip(*ends, ws)]
    for u, v, x in extra[:2000]:  # one by one: the lookup path and the pending dict
        g.add_link(u, v, x)
    g.add_links_from(extra[2000:])
    ref = {}
    for u, v, x in [*zip(ei[0].tolist(), ei[1].tolist(), w.tolist()), *extra]:
        key = (min(u, v), max(u, v))
        ref[key] = ref.get(key, 0.0) + x
    assert g.links == [(i, j, x) for (i, j), x in ref.items()]


def test_from_scipy_sparse_leaves_a_canonical_input_as_it_was():
    A = sp.csr_array((np.array([-0.0, 2.0, -0.0, 2.0, 1.0]), np.array([1, 2, 0, 0, 2]), np.array([0, 2, 3, 5])),
                     shape=(3, 3))
    before = [x.copy() for x in (A.indptr, A.indices, A.data)]
    g = cdam.MemoryGraph.from_scipy_sparse(A, np.eye(3, dtype=np.float32))
    assert all(np.array_equal(x, y) and np.array_equal(np.signbit(x), np.signbit(y))
               for x, y in zip(before, (A.indptr, A.indices, A.data)))
    # a stored -0.0 is an edge of weight +0.0, as every other way of adding it gives
    assert g.links == [(0, 1, 0.0), (0, 2, 2.0), (2, 2, 1.0)]
    assert not np.signbit(g._links.weight_array()).any()
