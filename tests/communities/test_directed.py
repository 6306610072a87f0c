"""Directed graphs: the flow graph of the CDAM's walk, exact small cases, the undirected limit, refusals."""

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import cdam
from cdam.communities import extract, multiscale
from cdam.communities._directed import DEFAULT_TELEPORT, flow_graph, stationary_distribution


def _random_digraph(seed, p=12, density=0.4):
    """A weighted digraph made strongly connected by a directed Hamiltonian cycle."""
    rng = np.random.default_rng(seed)
    A = (rng.random((p, p)) < density) * rng.uniform(0.5, 2.0, (p, p))
    A[np.arange(p), (np.arange(p) + 1) % p] += 1.0
    np.fill_diagonal(A, 0.0)
    return A


def _dense_stationary(G):
    """pi of the row-stochastic dense matrix G: the left eigenvector of eigenvalue 1."""
    vals, vecs = np.linalg.eig(G.T)
    v = np.real(vecs[:, np.argmin(np.abs(vals - 1.0))])
    return v / v.sum()


def _two_directed_cliques():
    """Two directed 4-cliques joined by a cycle between them, 3 -> 4 and 7 -> 0."""
    G = nx.DiGraph()
    for block in (range(0, 4), range(4, 8)):
        G.add_edges_from((u, v) for u in block for v in block if u != v)
    G.add_edges_from([(3, 4), (7, 0)])
    return G


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flow_graph_strengths_are_the_stationary_distribution(seed):
    A = _random_digraph(seed)
    P = A / A.sum(axis=1, keepdims=True)
    pi = _dense_stationary(P)
    W = flow_graph(sp.csr_array(A), teleport=0)
    assert np.abs(W - W.T).max() == 0.0
    np.testing.assert_allclose(W.sum(axis=1) / W.sum(), pi, rtol=0, atol=1e-12)
    np.testing.assert_allclose(stationary_distribution(sp.csr_array(A), teleport=0), pi, rtol=0, atol=1e-12)


@pytest.mark.parametrize("gamma", [0.5, 1.0, 2.5])
def test_flow_graph_modularity_is_the_directed_markov_stability(gamma):
    """Tr H^T (Pi P - gamma pi pi^T) H equals Q_gamma of the flow graph for any partition."""
    A = _random_digraph(3)
    P = A / A.sum(axis=1, keepdims=True)
    pi = _dense_stationary(P)
    W = flow_graph(sp.csr_array(A), teleport=0).toarray()
    W = W / W.sum()
    rng = np.random.default_rng(4)
    for _ in range(5):
        H = np.eye(3)[rng.integers(0, 3, A.shape[0])]
        stability = np.trace(H.T @ (np.diag(pi) @ P - gamma * np.outer(pi, pi)) @ H)
        strengths = H.T @ W.sum(axis=1)
        modularity = np.trace(H.T @ W @ H) - gamma * float(strengths @ strengths)
        assert stability == pytest.approx(modularity, abs=1e-12)


def test_teleporting_walk_matches_the_dense_google_matrix():
    """A chain with a dangling end and an unlinked memory: re-cued at link sources by out-strength."""
    A = np.zeros((5, 5))
    A[0, 1], A[1, 2], A[1, 3], A[2, 3] = 1.0, 2.0, 1.0, 3.0  # 3 dangling, 4 without links
    tau = 0.3
    out = A.sum(axis=1)
    v = out / out.sum()
    linked = [0, 1, 2, 3]
    P = np.divide(A, out[:, None], out=np.zeros_like(A), where=out[:, None] > 0)
    G = np.where(out[:, None] > 0, (1 - tau) * P + tau * v[None, :], v[None, :])[np.ix_(linked, linked)]
    pi = np.zeros(5)
    pi[linked] = _dense_stationary(G)
    np.testing.assert_allclose(stationary_distribution(sp.csr_array(A), teleport=tau), pi, rtol=0, atol=1e-13)
    assert DEFAULT_TELEPORT == 0.5


def test_balanced_graph_flow_is_itself_for_any_teleport():
    """Where in- and out-strengths agree the out-strength is stationary: cues change nothing."""
    p = 9
    A = np.zeros((p, p))
    A[np.arange(p), (np.arange(p) + 1) % p] = 2.0  # a directed cycle, and a reciprocal pair
    A[0, 4] = A[4, 0] = 1.0
    for tau in (0.0, 0.15, 0.5, 0.9):
        W = flow_graph(sp.csr_array(A), teleport=tau).toarray()
        np.testing.assert_allclose(W, (A + A.T) / 2, rtol=1e-12, atol=1e-13)
    S = _random_digraph(5)
    S = S + S.T  # undirected: the flow graph is A itself
    np.testing.assert_allclose(flow_graph(sp.csr_array(S), teleport=0.5).toarray(), S, rtol=1e-11, atol=1e-12)


def test_teleport_near_one_is_the_symmetrised_graph():
    A = _random_digraph(6)
    W = flow_graph(sp.csr_array(A), teleport=1 - 1e-9).toarray()
    np.testing.assert_allclose(W, (A + A.T) / 2, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("kwargs", [{}, {"teleport": 0}, {"teleport": 0.15}, {"directed": "symmetrise"}])
def test_two_directed_cliques_literal_partition(kwargs):
    G = _two_directed_cliques()
    expected = [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert sorted(map(sorted, extract(G, seed=0, **kwargs))) == expected
    A = nx.to_scipy_sparse_array(G, nodelist=range(8))
    assert sorted(map(sorted, extract(A, seed=0, **kwargs))) == expected
    named = nx.relabel_nodes(G, {i: f"m{i}" for i in range(8)})
    assert sorted(map(sorted, extract(named, seed=0, **kwargs))) == [[f"m{i}" for i in b] for b in expected]


def test_multidigraph_parallel_edges_sum_and_self_loops_are_dropped():
    G = _two_directed_cliques()
    M = nx.MultiDiGraph(G)
    M.add_edges_from([(3, 4), (0, 0), (5, 5)])  # a doubled bridge; self-loops
    W = nx.DiGraph(G)
    W[3][4]["weight"] = 2.0
    levels_m = multiscale(M, seed=0, resolutions=[2.0, 1.0])
    levels_w = multiscale(W, seed=0, resolutions=[2.0, 1.0])
    assert [lvl.partition for lvl in levels_m] == [lvl.partition for lvl in levels_w]
    assert [lvl.modularity for lvl in levels_m] == [lvl.modularity for lvl in levels_w]


def test_direction_matters_where_the_flow_concentrates():
    """A sequence chain: re-cued, the walk's flow differs from the symmetrised weights."""
    A = sp.csr_array(np.diag(np.ones(5), k=1))
    W = flow_graph(A).toarray()
    assert not np.allclose(W, (A + A.T).toarray() / 2)
    assert np.count_nonzero(W) == 10  # the same links, no jump ever joins two memories


@st.composite
def _undirected_graphs(draw):
    p = draw(st.integers(4, 14))
    pairs = [(u, v) for u in range(p) for v in range(u + 1, p)]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=3 * p, unique=True))
    weights = draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0]), min_size=len(chosen), max_size=len(chosen)))
    G = nx.Graph()
    G.add_nodes_from(range(p))
    G.add_weighted_edges_from((u, v, w) for (u, v), w in zip(chosen, weights))
    return G


@settings(max_examples=25, deadline=None)
@given(G=_undirected_graphs(), seed=st.integers(0, 3), teleport=st.sampled_from([None, 0.0, 0.3]))
def test_symmetric_input_on_the_directed_path_is_the_undirected_result(G, seed, teleport):
    """Both orientations of every edge (an nx.DiGraph, a symmetric matrix): exactly the undirected levels."""
    kwargs = {"seed": seed, "resolutions": [3.0, 1.5, 0.8], "tries": 3}
    expected = multiscale(G, **kwargs)
    for directed in (G.to_directed(), nx.to_scipy_sparse_array(G, nodelist=range(G.number_of_nodes()))):
        got = multiscale(directed, teleport=teleport, **kwargs)
        assert [lvl.partition for lvl in got] == [lvl.partition for lvl in expected]
        assert [(lvl.modularity, lvl.nvi) for lvl in got] == [(lvl.modularity, lvl.nvi) for lvl in expected]


def test_walk_without_cues_refuses_a_graph_that_is_not_strongly_connected():
    chain = nx.DiGraph([(0, 1), (1, 2), (2, 3)])
    with pytest.raises(cdam.GraphError, match=r"4 strongly connected components.*teleport > 0"):
        extract(chain, teleport=0)
    with pytest.raises(cdam.GraphError, match="strongly connected"):
        extract(sp.csr_array(np.diag(np.ones(3), k=1)), teleport=0)
    assert sum(len(b) for b in extract(chain)) == 4  # the default re-cues the walk


@pytest.mark.parametrize("teleport", [1.0, -0.1, math.nan, "0.5"])
def test_bad_teleport_is_refused(teleport):
    with pytest.raises(cdam.ParameterError, match="teleport"):
        extract(_two_directed_cliques(), teleport=teleport)


def test_bad_directed_options_are_refused():
    G = _two_directed_cliques()
    with pytest.raises(cdam.ParameterError, match="unknown directed 'sideways'"):
        extract(G, directed="sideways")
    with pytest.raises(cdam.ParameterError, match="drop teleport or pass directed='flow'"):
        extract(G, directed="symmetrise", teleport=0.5)
    with pytest.raises(cdam.ParameterError, match="unknown directed"):  # checked for undirected input too
        extract(nx.karate_club_graph(), directed=True)
    for method in ("consensus", "paper"):
        with pytest.raises(cdam.ParameterError, match="directed belongs to method='markov'"):
            multiscale(G, method=method, directed="flow")
        with pytest.raises(cdam.GraphError, match="needs an undirected graph; the default method='markov'"):
            multiscale(G, method=method, a_values=[0.0])


@pytest.mark.parametrize("bad", [-1.0, math.inf, math.nan])
def test_bad_directed_weights_are_refused(bad):
    G = _two_directed_cliques()
    G[3][4]["weight"] = bad
    match = "non-negative" if bad == -1.0 else "finite"
    with pytest.raises(cdam.GraphError, match=match):
        extract(G)
    with pytest.raises(cdam.GraphError, match=match):
        extract(nx.to_scipy_sparse_array(G, nodelist=range(8)))
    G[3][4]["weight"] = "heavy"
    with pytest.raises(cdam.GraphError, match="must be numbers"):
        extract(G)


def _memory_graph(directed: bool):
    g = cdam.MemoryGraph()
    rng = np.random.default_rng(0)
    for i in range(8):
        g.add_memory(f"m{i}", rng.random(16))
    add = g.add_transitions_from if directed else g.add_links_from
    D = _two_directed_cliques()
    add([(f"m{u}", f"m{v}", 2.0) for u, v in (D if directed else D.to_undirected()).edges()])
    return g


def test_memory_graph_input_directed_and_undirected():
    blocks = [[f"m{i}" for i in range(4)], [f"m{i}" for i in range(4, 8)]]
    directed = _memory_graph(True)
    assert directed.is_directed
    assert sorted(map(sorted, extract(directed, seed=0))) == blocks
    A = nx.to_scipy_sparse_array(_two_directed_cliques(), nodelist=range(8)) * 2.0
    levels = multiscale(directed, seed=0, resolutions=[2.0, 1.0])
    from_matrix = multiscale(A, seed=0, resolutions=[2.0, 1.0])
    assert [lvl.modularity for lvl in levels] == [lvl.modularity for lvl in from_matrix]
    undirected = _memory_graph(False)
    assert not undirected.is_directed
    G = nx.Graph(_two_directed_cliques().to_undirected())
    G = nx.relabel_nodes(G, {i: f"m{i}" for i in range(8)})
    nx.set_edge_attributes(G, 2.0, "weight")
    assert [lvl.partition for lvl in multiscale(undirected, seed=0)] == [lvl.partition for lvl in multiscale(G, seed=0)]
    assert [lvl.partition for lvl in multiscale(undirected, seed=0, weight=None)] == [
        lvl.partition for lvl in multiscale(G, seed=0, weight=None)]
    with pytest.raises(cdam.GraphError, match="got MemoryGraph; the default method='markov' reads"):
        multiscale(directed, method="consensus", a_values=[0.0])
    with pytest.raises(cdam.EmptyGraphError):
        extract(cdam.MemoryGraph())
    inhibitory = _memory_graph(True)
    inhibitory.add_link("m0", "m5", -1.0)
    with pytest.raises(cdam.GraphError, match="non-negative"):
        extract(inhibitory)
