"""Overlaps, attractor correlations and distance profiles."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import cdam
from cdam.measures import pearson_matrix

pytestmark = pytest.mark.usefixtures("single_thread")

# patterns (n = 4, p = 3) and two states, with hand-computed overlaps
XI = np.array([[1.0, 0.0, 2.0], [2.0, 1.0, 2.0], [3.0, 0.0, 2.0], [4.0, 1.0, 2.0]])
S = np.array([[1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0]])


def test_pearson_literal():
    # column 0 = (1, 2, 3, 4); column 1 = (0, 1, 0, 1): r((1,2,3,4),(0,1,0,1)) = 1 / sqrt(5) = 0.4472...
    # column 2 is constant: no defined correlation, overlap 0
    got = cdam.overlaps(S, XI, "pearson")
    np.testing.assert_allclose(
        got, [[1.0, 0.4472135954999579, 0.0], [-1.0, -0.4472135954999579, 0.0]], rtol=1e-12, atol=1e-15
    )


def test_cosine_literal():
    # cos((1,2,3,4),(0,1,0,1)) = 6 / (sqrt(30) sqrt(2)); cos((1,2,3,4),(2,2,2,2)) = 20 / (sqrt(30) 4)
    got = cdam.overlaps(S, XI, "cosine")
    np.testing.assert_allclose(
        got,
        [[1.0, 0.7745966692414834, 0.9128709291752769], [0.6666666666666666, 0.5163977794943222, 0.9128709291752769]],
        rtol=1e-12,
    )


def test_dot_literal():
    got = cdam.overlaps(S, XI, "dot")
    np.testing.assert_array_equal(got, [[30.0, 6.0, 20.0], [20.0, 4.0, 20.0]])


def test_single_state_and_docstring_example():
    np.testing.assert_allclose(cdam.overlaps(S[0], XI), [[1.0, 0.4472135954999579, 0.0]], rtol=1e-12)
    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    np.testing.assert_allclose(cdam.overlaps(X.T, X), [[1.0, 0.5], [0.5, 1.0]], rtol=1e-12)


def test_constant_vectors_give_zero():
    rng = np.random.default_rng(0)
    P = rng.random((7, 4))
    for value in (0.0, 0.1, 1.0 / 3.0, -2.5, 1e9):
        const = np.full(7, value)
        np.testing.assert_array_equal(cdam.overlaps(const, P, "pearson"), np.zeros((1, 4)))
        Pc = P.copy()
        Pc[:, 2] = value
        assert cdam.overlaps(rng.random(7), Pc, "pearson")[0, 2] == 0.0
    np.testing.assert_array_equal(cdam.overlaps(np.zeros(7), P, "cosine"), np.zeros((1, 4)))
    # two constant final states: 0 between them (a rounding residue must not become +-1), 1 on the diagonal
    C = pearson_matrix(np.array([[0.1] * 7, [0.1] * 7, [0.3] * 7, [1.0, 2, 3, 4, 5, 6, 7]]))
    np.testing.assert_array_equal(C, np.eye(4))


@settings(max_examples=50, deadline=None)
@given(
    states=arrays(np.float64, (3, 9), elements=st.floats(-1e6, 1e6)),
    pats=arrays(np.float64, (9, 4), elements=st.floats(-1e6, 1e6)),
)
def test_pearson_and_cosine_stay_in_range(states, pats):
    for kind in ("pearson", "cosine"):
        m = cdam.overlaps(states, pats, kind)
        assert m.shape == (3, 4)
        assert np.all(np.isfinite(m))
        assert np.all(m >= -1.0) and np.all(m <= 1.0)


def test_pearson_matches_numpy_corrcoef():
    rng = np.random.default_rng(3)
    P = rng.random((40, 6))
    X = rng.standard_normal((5, 40))
    got = cdam.overlaps(X, P)
    expected = np.array([[np.corrcoef(x, P[:, mu])[0, 1] for mu in range(6)] for x in X])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    # torch input and float32 input work too
    np.testing.assert_allclose(cdam.overlaps(torch.from_numpy(X), torch.from_numpy(P)), expected, rtol=1e-12)


def test_attractor_correlation_equals_corrcoef():
    rng = np.random.default_rng(4)
    g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(8), rng.random((60, 8)))
    traj = cdam.CDAM(g, a=0.5, h=1.0, dtype=torch.float64).all_starts(steps=30, seed=1)
    C = cdam.attractor_correlation(traj)
    assert C.shape == (8, 8)
    np.testing.assert_allclose(C, np.corrcoef(traj.final.numpy()), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(cdam.attractor_correlation(traj.final), C, rtol=1e-12)
    np.testing.assert_allclose(cdam.attractor_correlation(traj.final.numpy()), C, rtol=1e-12)


def test_attractor_correlation_docstring_literal():
    C = cdam.attractor_correlation(np.array([[0.0, 1.0, 2.0], [0.0, 2.0, 4.0], [2.0, 1.0, 0.0]]))
    np.testing.assert_allclose(C, [[1, 1, -1], [1, 1, -1], [-1, -1, 1]], atol=1e-12)


def _cycle(p):
    g = cdam.MemoryGraph.from_patterns(np.eye(p))
    for k in range(p):
        g.add_link(k, (k + 1) % p)
    return g


def test_distance_profile_cycle_by_distance():
    g = _cycle(6)
    value = {1: 0.9, 2: 0.5, 3: -0.2}
    C = np.eye(6)
    for i in range(6):
        for j in range(6):
            if i != j:
                d = min(abs(i - j), 6 - abs(i - j))
                C[i, j] = value[d]
    prof = cdam.distance_profile(C, g)
    assert prof.distance.tolist() == [1.0, 2.0, 3.0]
    np.testing.assert_allclose(prof.mean, [0.9, 0.5, -0.2], rtol=1e-12)
    np.testing.assert_allclose(prof.std, [0.0, 0.0, 0.0], atol=1e-12)
    assert prof.count.tolist() == [12, 12, 6]  # ordered pairs
    assert prof.at(2) == pytest.approx(0.5)
    with pytest.raises(KeyError):
        prof.at(4)


def test_distance_profile_cycle_literal_means():
    # 5-cycle, C[i, j] = 0.1 i j: distance-1 pairs sum i j = 0+2+6+12+0 = 20 -> mean 0.4,
    # distance-2 pairs 0+3+8+0+4 = 15 -> mean 0.3
    g = _cycle(5)
    i = np.arange(5)
    C = 0.1 * np.outer(i, i)
    prof = cdam.distance_profile(C, g)
    assert prof.as_dict() == pytest.approx({1.0: 0.4, 2.0: 0.3})
    assert prof.count.tolist() == [10, 10]
    # population std over the ordered pairs: (0, .2, .6, 1.2, 0) -> sqrt(.208); (0, .3, .8, 0, .4) -> sqrt(.088)
    np.testing.assert_allclose(prof.std, [np.sqrt(0.208), np.sqrt(0.088)], rtol=1e-12)
    # a nested list and a torch tensor are the matrix itself, as an array is
    assert cdam.distance_profile(C.tolist(), g).as_dict() == pytest.approx({1.0: 0.4, 2.0: 0.3})
    assert cdam.distance_profile(torch.from_numpy(C), g).as_dict() == pytest.approx({1.0: 0.4, 2.0: 0.3})


def test_distance_profile_directed_and_unreachable():
    g = cdam.MemoryGraph.from_patterns(np.eye(3))
    g.add_transition(0, 1)
    g.add_transition(1, 2)
    C = np.array([[1.0, 0.5, 0.2], [0.4, 1.0, 0.6], [0.1, 0.3, 1.0]])
    prof = cdam.distance_profile(C, g)
    assert prof.distance.tolist() == [1.0, 2.0, np.inf]
    np.testing.assert_allclose(prof.mean, [0.55, 0.2, (0.4 + 0.1 + 0.3) / 3], rtol=1e-12)
    assert prof.count.tolist() == [2, 1, 3]
    und = cdam.distance_profile(C, g, directed=False)
    np.testing.assert_allclose(und.mean, [(0.5 + 0.6 + 0.4 + 0.3) / 4, (0.2 + 0.1) / 2], rtol=1e-12)


def test_distance_profile_ignores_zero_weight_edges():
    g = _cycle(4)
    g.add_link(0, 2, 0.0)  # a zero-weight link couples nothing
    g.add_link(1, 3, 1.0)
    g.add_link(1, 3, -1.0)  # cancels to zero
    C = np.full((4, 4), 0.25) + 0.75 * np.eye(4)
    prof = cdam.distance_profile(C, g)
    assert prof.distance.tolist() == [1.0, 2.0]
    assert prof.count.tolist() == [8, 4]


def test_distance_profile_from_trajectory():
    rng = np.random.default_rng(0)
    g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(8), rng.random((50, 8)))
    traj = cdam.CDAM(g, a=0.5, h=1.0).all_starts(steps=20, seed=0)
    a = cdam.distance_profile(traj, g)
    b = cdam.distance_profile(cdam.attractor_correlation(traj), g)
    np.testing.assert_allclose(a.mean, b.mean, rtol=1e-12)
    assert a.distance.tolist() == [1.0, 2.0, 3.0, 4.0]


# ------------------------------------------------------------------ overlaps from logits
@pytest.mark.parametrize("kind", ["pearson", "cosine", "dot"])
def test_overlaps_from_scores_equal_the_direct_product(kind):
    rng = np.random.default_rng(5)
    Xi = torch.from_numpy(rng.random((200, 12)))
    Xi[:, 4] = 0.25  # a constant pattern
    X = torch.from_numpy(rng.random((6, 200)) * 3 - 1)
    X[2] = 0.7  # a constant state
    from cdam.measures import OverlapOperator

    op = OverlapOperator(Xi, kind)
    fused = op.from_scores(X @ Xi, X)
    np.testing.assert_allclose(fused.numpy(), op(X).numpy(), rtol=1e-12, atol=1e-12)
    if kind == "pearson":  # no defined correlation for a constant state or pattern
        assert float(fused[2].abs().max()) == 0.0 and float(fused[:, 4].abs().max()) == 0.0
    # float32: within the documented error bound
    op32 = OverlapOperator(Xi.float(), kind)
    X32 = X.float()
    np.testing.assert_allclose(op32.from_scores(X32 @ Xi.float(), X32).numpy(), op(X).numpy(), rtol=2e-5, atol=2e-5)


def test_overlaps_from_scores_fall_back_when_a_mean_dwarfs_the_spread():
    from cdam.measures import OverlapOperator

    rng = np.random.default_rng(1)
    Xi = torch.from_numpy(rng.random((100, 5))).float()
    X = (1e4 + torch.from_numpy(rng.random((3, 100)))).float()  # |x| / |x - mean| ~ 3e4
    op = OverlapOperator(Xi)
    exact = OverlapOperator(Xi.double())(X.double())
    np.testing.assert_allclose(op.from_scores(X @ Xi, X).numpy(), exact.numpy(), atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(
    states=arrays(np.float64, (3, 9), elements=st.floats(-1e3, 1e3)),
    pats=arrays(np.float64, (9, 4), elements=st.floats(-1e3, 1e3)),
)
def test_overlaps_from_scores_match_and_stay_in_range(states, pats):
    from cdam.measures import OverlapOperator

    X, P = torch.from_numpy(states), torch.from_numpy(pats)
    for kind in ("pearson", "cosine"):
        op = OverlapOperator(P, kind)
        m = op.from_scores(X @ P, X)
        assert torch.isfinite(m).all() and float(m.abs().max()) <= 1.0
        np.testing.assert_allclose(m.numpy(), op(X).numpy(), atol=1e-6)


def test_overlap_statistics_computed_in_column_chunks_are_the_same(monkeypatch):
    import cdam.overlap as overlap

    rng = np.random.default_rng(2)
    Xi = torch.from_numpy(rng.random((30, 50)))
    Xi[:, 9] = 0.3  # a constant pattern inside a chunk
    X = torch.from_numpy(rng.random((4, 30)))
    whole = overlap.OverlapOperator(Xi)
    monkeypatch.setattr(overlap, "_COLUMNS_PER_CHUNK", 7)  # 50 columns: 8 chunks, the last partial
    chunked = overlap.OverlapOperator(Xi)
    torch.testing.assert_close(chunked._norm, whole._norm, rtol=0, atol=1e-15)
    np.testing.assert_allclose(chunked.from_scores(X @ Xi, X).numpy(), whole(X).numpy(), atol=1e-13)
    assert float(chunked.from_scores(X @ Xi, X)[:, 9].abs().max()) == 0.0
