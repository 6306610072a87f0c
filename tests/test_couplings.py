"""Normalisations, the compiled coupling matrix M and the value matrix Q."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import cdam
from cdam.couplings import compile as compile_graph
from cdam.couplings import normalize, value_matrix

pytestmark = pytest.mark.usefixtures("single_thread")

S5 = 1.0 / np.sqrt(5.0)  # 0.4472135955
S20 = 4.0 / np.sqrt(20.0)  # 0.8944271910

# path 0 - 1 - 2 with weights 1 and 4, plus an isolated memory 3: degrees 1, 5, 4, 0
A_PATH = np.array(
    [
        [0.0, 1.0, 0.0, 0.0],
        [1.0, 0.0, 4.0, 0.0],
        [0.0, 4.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
    ]
)


def test_normalize_sym_literal():
    M = normalize(A_PATH, "sym").toarray()
    expected = [
        [0.0, 0.4472135955, 0.0, 0.0],
        [0.4472135955, 0.0, 0.8944271910, 0.0],
        [0.0, 0.8944271910, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
    ]
    np.testing.assert_allclose(M, expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(M[0, 1], S5, rtol=1e-15)
    np.testing.assert_allclose(M[1, 2], S20, rtol=1e-15)


def test_normalize_row_literal():
    M = normalize(A_PATH, "row").toarray()
    np.testing.assert_allclose(
        M,
        [[0, 1, 0, 0], [0.2, 0, 0.8, 0], [0, 1, 0, 0], [0, 0, 0, 0]],
        rtol=0,
        atol=1e-15,
    )


def test_normalize_none_literal():
    np.testing.assert_array_equal(normalize(A_PATH, "none").toarray(), A_PATH)


def test_normalize_signed_weights_use_absolute_degrees():
    # link 0-1 weight -1, link 1-2 weight 3: |degrees| 1, 4, 3; no sqrt of a negative number
    A = np.array([[0.0, -1.0, 0.0], [-1.0, 0.0, 3.0], [0.0, 3.0, 0.0]])
    np.testing.assert_allclose(
        normalize(A, "row").toarray(), [[0, -1, 0], [-0.25, 0, 0.75], [0, 1, 0]], rtol=0, atol=1e-15
    )
    np.testing.assert_allclose(
        normalize(A, "sym").toarray(),
        [[0, -0.5, 0], [-0.5, 0, 3 / np.sqrt(12)], [0, 3 / np.sqrt(12), 0]],
        rtol=0,
        atol=1e-15,
    )


def test_normalize_directed_sym_keeps_edges_into_sinks():
    # 0 -> 1 (2), 1 -> 2 (1), 0 -> 2 (2): node 2 is a sink (out-degree 0)
    A = np.array([[0.0, 2.0, 2.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    M = normalize(A, "sym").toarray()
    # D_out = (4, 1, 0), D_in = (0, 2, 3): M = D_out^-1/2 A D_in^-1/2
    expected = [[0, 2 / np.sqrt(8), 2 / np.sqrt(12)], [0, 0, 1 / np.sqrt(3)], [0, 0, 0]]
    np.testing.assert_allclose(M, expected, rtol=0, atol=1e-15)
    assert M[0, 2] > 0.5 and M[1, 2] > 0.5  # edges into the sink survive
    # the literal D_out^-1/2 A D_out^-1/2 (0^-1/2 := 0) would have removed them
    d = A.sum(axis=1)
    inv = np.where(d > 0, 1 / np.sqrt(np.where(d > 0, d, 1)), 0)
    assert (inv[:, None] * A * inv[None, :])[:, 2].sum() == 0.0


def test_normalize_row_for_directed_rows_sum_to_one():
    A = np.array([[0.0, 2.0, 2.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(normalize(A, "row").toarray(), [[0, 0.5, 0.5], [0, 0, 1], [0, 0, 0]], atol=1e-15)


def test_normalize_tiny_weights_do_not_overflow():
    # a subnormal degree: 1 / d overflows to inf, the normalised weight is still exactly 1
    A = np.array([[0.0, 2.2e-313], [5e-324, 0.0]])
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(normalize(A, "row").toarray(), [[0, 1], [1, 0]])
        np.testing.assert_allclose(normalize(A, "sym").toarray(), [[0, 1], [1, 0]], rtol=1e-12)


def test_normalize_unknown_method():
    with pytest.raises(cdam.ParameterError, match="normalization"):
        normalize(A_PATH, "laplacian")


@pytest.mark.parametrize("kind", ["undirected", "directed", "mixed"])
@pytest.mark.parametrize("weights", ["unit", "positive", "signed"])
@pytest.mark.parametrize("method", ["sym", "row", "none"])
def test_zero_degree_rows_stay_zero(random_graph, kind, weights, method):
    with np.errstate(all="raise"):  # any division by zero would raise here
        g = random_graph(30, 8, seed=11, kind=kind, weights=weights, isolated=3)
        c = g.compile(method)
    M = c.M.toarray()
    assert np.all(np.isfinite(M))
    A = g.adjacency().toarray()
    out_deg = np.abs(A).sum(axis=1)
    assert out_deg[-3:].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_array_equal(M[out_deg == 0], 0.0)
    np.testing.assert_array_equal(M[-3:], 0.0)
    np.testing.assert_array_equal(M[:, -3:], 0.0)
    assert np.all(torch.isfinite(c.Q).numpy())


@pytest.mark.parametrize("seed", range(4))
def test_sym_is_symmetric_and_equals_spec_on_undirected_graphs(random_graph, seed):
    g = random_graph(20, 12, seed=seed, kind="undirected", weights="signed", isolated=1)
    g.add_link(3, 3, 0.7)  # a self-loop too
    M = g.compile("sym").M.toarray()
    np.testing.assert_allclose(M, M.T, rtol=0, atol=1e-15)
    A = g.adjacency().toarray()
    D = np.abs(A).sum(axis=1)  # sym: D^-1/2 A D^-1/2, D the degree
    Dm = np.diag([1 / np.sqrt(d) if d > 0 else 0.0 for d in D])
    np.testing.assert_allclose(M, Dm @ A @ Dm, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kind", ["undirected", "directed", "mixed"])
def test_row_sums_are_one_for_non_isolated_nodes(random_graph, kind):
    g = random_graph(20, 10, seed=4, kind=kind, weights="positive", isolated=2)
    M = g.compile("row").M
    sums = np.asarray(M.sum(axis=1)).ravel()
    deg = np.asarray(g.adjacency().sum(axis=1)).ravel()
    np.testing.assert_allclose(sums[deg > 0], 1.0, rtol=1e-12)
    np.testing.assert_array_equal(sums[deg == 0], 0.0)
    assert (deg == 0).sum() >= 2


@pytest.mark.parametrize("method", ["sym", "row", "none"])
def test_compile_types_and_shapes(random_graph, method):
    g = random_graph(40, 9, seed=2, kind="mixed")
    c = g.compile(method)
    assert sp.issparse(c.M) and c.M.format == "csr" and c.M.shape == (9, 9) and c.M.dtype == np.float64
    assert tuple(c.Xi.shape) == (40, 9) and c.Xi.dtype == torch.float32
    assert tuple(c.Q.shape) == (9, 40)
    assert tuple(c.xbar.shape) == (40,)
    np.testing.assert_allclose(c.xbar.numpy(), g.patterns.mean(axis=1), rtol=1e-6)
    assert c.keys == g.memories
    assert c.n_neurons == 40 and c.n_memories == 9
    c64 = compile_graph(g, method, dtype=torch.float64)
    np.testing.assert_array_equal(c64.Xi.numpy(), g.patterns)


@pytest.mark.parametrize("method", ["sym", "row", "none"])
@pytest.mark.parametrize("direction", ["forward", "reverse"])
@pytest.mark.parametrize(("a", "h"), [(1.0, 0.0), (0.5, 2.0), (-2.0, 3.0), (0.0, -1.5)])
def test_value_matrix_matches_dense_numpy(random_graph, method, direction, a, h):
    g = random_graph(30, 7, seed=8, kind="mixed", weights="signed", isolated=1)
    c = compile_graph(g, method, a=a, h=h, direction=direction, dtype=torch.float64)
    Xi = g.patterns
    M = c.M.toarray()
    Mdir = M if direction == "forward" else M.T
    # the CDAM update (Burns 2024): Q = (a Xi + h Xi M^T)^T = a Xi^T + h M Xi^T  (reverse: M^T in place of M)
    expected = (a * Xi + h * Xi @ Mdir.T).T
    np.testing.assert_allclose(c.Q.numpy(), expected, rtol=1e-12, atol=1e-12)
    assert c.a == a and c.h == h and c.direction == direction


def test_value_matrix_literal_from_docstring():
    # path 0-1-2, patterns = identity, row normalisation, a = 1, h = 0.5
    g = cdam.MemoryGraph.from_patterns(np.eye(3))
    g.add_link(0, 1)
    g.add_link(1, 2)
    c = g.compile("row", a=1.0, h=0.5)
    np.testing.assert_allclose(c.Q.numpy(), [[1, 0.5, 0], [0.25, 1, 0.25], [0, 0.5, 1]], rtol=1e-7)


def test_value_matrix_reverse_uses_predecessors():
    # 0 -> 1 only; patterns = identity, normalisation none
    g = cdam.MemoryGraph.from_patterns(np.eye(2))
    g.add_transition(0, 1, 2.0)
    fwd = compile_graph(g, "none", a=1.0, h=1.0, direction="forward", dtype=torch.float64).Q.numpy()
    rev = compile_graph(g, "none", a=1.0, h=1.0, direction="reverse", dtype=torch.float64).Q.numpy()
    np.testing.assert_array_equal(fwd, [[1, 2], [0, 1]])  # attending to 0 writes its successor 1
    np.testing.assert_array_equal(rev, [[1, 0], [2, 1]])  # attending to 1 writes its predecessor 0


def test_with_strengths_reuses_m_and_rebuilds_q(random_graph):
    g = random_graph(25, 6, seed=1, kind="undirected")
    c = compile_graph(g, "sym", dtype=torch.float64)
    c2 = c.with_strengths(-1.0, 2.0)
    assert c2.M is c.M
    np.testing.assert_allclose(c2.Q.numpy(), (-1.0 * g.patterns + 2.0 * g.patterns @ c.M.toarray().T).T, rtol=1e-12)


def test_value_matrix_accepts_sparse_m_without_densifying():
    Xi = torch.rand(10, 4, dtype=torch.float64)
    M = sp.random(4, 4, density=0.5, format="csr", random_state=0)
    Q = value_matrix(Xi, M, 0.5, 2.0)
    np.testing.assert_allclose(Q.numpy(), 0.5 * Xi.numpy().T + 2.0 * M.toarray() @ Xi.numpy().T, rtol=1e-12)


# ---------------------------------------------------------------------------- relabelling
@st.composite
def labelled_graphs(draw):
    p = draw(st.integers(2, 7))
    n = draw(st.integers(3, 12))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    pats = rng.random((n, p))
    edges = draw(
        st.lists(st.tuples(st.integers(0, p - 1), st.integers(0, p - 1), st.floats(-3, 3), st.booleans()), max_size=15)
    )
    perm = draw(st.permutations(range(p)))
    return pats, edges, np.array(perm)


def _build(pats, edges, order):
    """Memories added in ``order``; keys are the original indices."""
    g = cdam.MemoryGraph()
    for k in order:
        g.add_memory(f"m{k}", pats[:, k])
    for i, j, w, directed in edges:
        (g.add_transition if directed else g.add_link)(f"m{i}", f"m{j}", w)
    return g


@settings(max_examples=40, deadline=None)
@given(
    spec=labelled_graphs(),
    method=st.sampled_from(["sym", "row", "none"]),
    direction=st.sampled_from(["forward", "reverse"]),
)
def test_compile_is_invariant_under_relabelling(spec, method, direction):
    pats, edges, perm = spec
    p = pats.shape[1]
    g = _build(pats, edges, range(p))
    gp = _build(pats, edges, perm)  # node i of gp is memory perm[i]
    assert gp.memories == [f"m{k}" for k in perm]
    kw = dict(a=0.7, h=-1.3, direction=direction, dtype=torch.float64)
    c, cp = compile_graph(g, method, **kw), compile_graph(gp, method, **kw)
    np.testing.assert_array_equal(cp.Xi.numpy(), c.Xi.numpy()[:, perm])
    np.testing.assert_allclose(cp.M.toarray(), c.M.toarray()[np.ix_(perm, perm)], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(cp.Q.numpy(), c.Q.numpy()[perm], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cp.xbar.numpy(), c.xbar.numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------- factored values
@pytest.mark.parametrize("direction", ["forward", "reverse"])
@pytest.mark.parametrize(("a", "h"), [(1.0, 0.0), (0.5, 2.0), (-2.0, 3.0), (0.0, -1.5)])
def test_factored_values_equal_the_dense_value_matrix(random_graph, direction, a, h):
    g = random_graph(30, 9, seed=3, kind="mixed", weights="signed", isolated=2)
    c = compile_graph(g, "sym", a=a, h=h, direction=direction, dtype=torch.float64)
    V = c.factored_values()
    assert V.shape == tuple(c.Q.shape) == (11, 30)
    np.testing.assert_allclose(V.materialize().numpy(), c.Q.numpy(), rtol=1e-12, atol=1e-12)
    w = torch.softmax(torch.randn(5, 11, dtype=torch.float64, generator=torch.Generator().manual_seed(0)), 1)
    np.testing.assert_allclose(V.matmul(w).numpy(), (w @ c.Q).numpy(), rtol=1e-12, atol=1e-12)
    idx = torch.tensor([[3, 0, 10], [10, 10, 7]])  # repeated rows and an isolated memory
    np.testing.assert_allclose(V.rows(idx).numpy(), c.Q[idx.reshape(-1)].numpy(), rtol=1e-12, atol=1e-12)


def test_q_is_built_only_when_asked(random_graph):
    c = compile_graph(random_graph(20, 5, seed=0), "sym", a=0.5, h=1.0)
    assert "Q" not in c.__dict__  # compile() no longer pays for Q up front
    c.factored_values()
    assert "Q" not in c.__dict__
    assert tuple(c.Q.shape) == (5, 20) and "Q" in c.__dict__


def test_compile_refuses_bad_strengths(random_graph):
    g = random_graph(20, 5, seed=0)
    with pytest.raises(cdam.ParameterError, match="a must be"):
        compile_graph(g, "sym", a=float("nan"))
    with pytest.raises(cdam.ParameterError, match="direction"):
        compile_graph(g, "sym", direction="sideways")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("p", [1, 3])
def test_value_matrix_never_changes_the_patterns(dtype, p):
    Xi = torch.arange(1.0, 1.0 + 4 * p, dtype=dtype).reshape(4, p)
    before = Xi.clone()
    for M in (sp.csr_matrix((p, p)), sp.identity(p, format="csr")):
        Q = value_matrix(Xi, M, -2.0, 3.0)
        expected = -2.0 * Xi.double().T + 3.0 * torch.from_numpy(M.toarray()) @ Xi.double().T
        torch.testing.assert_close(Q, expected.to(dtype))
    assert torch.equal(Xi, before)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_compiled_patterns_are_a_copy_in_the_usual_layout(random_graph, dtype):
    g = random_graph(20, 6, seed=4)
    before = g.patterns
    c = compile_graph(g, "sym", dtype=dtype)
    assert c.Xi.is_contiguous() and c.Xi.dtype == dtype
    c.Xi.mul_(0.0)  # writing to the model's copy never reaches the graph
    np.testing.assert_array_equal(g.patterns, before)


@settings(max_examples=60, deadline=None)
@given(p=st.integers(1, 30), density=st.floats(0.0, 0.6), seed=st.integers(0, 10_000), zeros=st.booleans())
def test_normalize_in_place_equals_the_diagonal_products_bit_for_bit(p, density, seed, zeros):
    # normalize scales entry by entry; it must give exactly what D_out^-1/2 A D_in^-1/2 gives,
    # the same stored entries (zeros the products drop dropped) and the same bits
    rng = np.random.default_rng(seed)
    A = sp.random(p, p, density=density, random_state=rng, format="csr")
    A.data = rng.normal(size=A.data.size) * 10.0 ** rng.integers(-6, 6, A.data.size)
    if zeros:
        A.data[rng.random(A.data.size) < 0.3] = 0.0
    absA = abs(A)
    d_out, d_in = np.asarray(absA.sum(axis=1)).ravel(), np.asarray(absA.sum(axis=0)).ravel()
    power = [np.where(d > 0, np.where(d > 0, d, 1.0) ** -0.5, 0.0) for d in (d_out, d_in)]
    want = (sp.diags(power[0]) @ A @ sp.diags(power[1])).tocsr()
    got = normalize(A, "sym")
    assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
    assert np.array_equal(got.data.view(np.int64), want.data.view(np.int64))
