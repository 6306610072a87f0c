"""CDAM dynamics against an independent float64 numpy implementation of the CDAM update (Burns 2024)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import cdam
from cdam.backends.slots import softmax_weights

pytestmark = pytest.mark.usefixtures("single_thread")


# ---------------------------------------------------------------------------- reference
def ref_coupling(A, method):
    """The sym/row/none normalisations; degrees are absolute (signed weights) and, for "sym", the
    documented choice D_out^-1/2 A D_in^-1/2 (equal to D^-1/2 A D^-1/2 when A is symmetric)."""
    if method == "none":
        return A.copy()
    d_out = np.abs(A).sum(axis=1)
    d_in = np.abs(A).sum(axis=0)

    def inv(d, e):
        return np.where(d > 0, np.where(d > 0, d, 1.0) ** e, 0.0)

    if method == "row":
        return inv(d_out, -1.0)[:, None] * A
    return inv(d_out, -0.5)[:, None] * A * inv(d_in, -0.5)[None, :]


def ref_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def ref_run(Xi, M, x0, *, a, h, beta, eta, c, steps, direction="forward"):
    """The CDAM update (Burns 2024), written from the equations: states (T + 1, B, n), float64.

    w     = softmax(beta * sigma @ Xi)
    Q     = (a * Xi + h * Xi @ M.T).T        (reverse: M.T in place of M)
    sigma = sigma + eta * ((w @ Q - c * xbar) - sigma)
    """
    Mdir = M if direction == "forward" else M.T
    Q = (a * Xi + h * Xi @ Mdir.T).T
    xbar = Xi.mean(axis=1)
    sigma = np.atleast_2d(np.asarray(x0, dtype=np.float64))
    out = [sigma]
    for _ in range(steps):
        w = ref_softmax(beta * sigma @ Xi)
        sigma = sigma + eta * ((w @ Q - c * xbar) - sigma)
        out.append(sigma)
    return np.stack(out)


def assert_rel_close(actual, expected, rel=1e-6):
    actual = np.asarray(actual, dtype=np.float64)
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(actual, expected, rtol=rel, atol=rel * scale)


# ---------------------------------------------------------------------------- graphs
def _graph(kind, n=60, p=10, seed=0):
    rng = np.random.default_rng(seed)
    g = cdam.MemoryGraph()
    for k in range(p):
        g.add_memory(k, rng.random(n))
    if kind == "cycle":
        for k in range(p):
            g.add_link(k, (k + 1) % p)
    elif kind == "weighted":
        for k in range(p - 1):
            g.add_link(k, k + 1, float(rng.uniform(0.2, 3.0)))
        g.add_link(0, 5, 2.5)
        g.add_link(2, 2, 0.5)
    elif kind == "signed":
        for k in range(p - 1):
            g.add_link(k, k + 1, float(rng.uniform(0.5, 2.0)))
        g.add_link(0, 4, -1.5)
        g.add_link(3, 7, -0.75)
        g.add_transition(6, 1, -2.0)
    elif kind == "directed":
        for k in range(p - 1):
            g.add_transition(k, k + 1, float(rng.uniform(0.5, 2.0)))  # memory p-1 is a sink
        g.add_transition(3, 0, 1.0)
        g.add_transition(5, 5, 0.7)
    elif kind == "isolated":  # half the memories have zero degree
        for k in range(0, p // 2 - 1):
            g.add_link(k, k + 1)
        g.add_transition(p // 2 - 1, 0, 2.0)
    elif kind == "edgeless":
        pass
    else:
        raise AssertionError(kind)
    return g


PARAMS = [
    # a, h, beta, eta, c
    (1.0, 0.0, 1.0, 0.1, 1.0),
    (0.5, 2.0, 1.0, 0.1, 1.0),
    (-1.0, 2.0, 2.0, 0.3, 0.5),
    (-2.0, 3.0, 0.5, 1.0, 0.0),
    (0.0, 1.0, 3.0, 0.2, 1.0 / 60),
    (1.0, -1.0, 0.7, 0.5, -0.5),
]


@pytest.mark.parametrize("kind", ["cycle", "weighted", "signed", "directed", "isolated", "edgeless"])
@pytest.mark.parametrize("method", ["sym", "row", "none"])
@pytest.mark.parametrize("direction", ["forward", "reverse"])
@pytest.mark.parametrize("values", ["dense", "factored"])
def test_matches_numpy_reference(kind, method, direction, values):
    g = _graph(kind)
    Xi = g.patterns
    M = ref_coupling(g.adjacency().toarray(), method)
    rng = np.random.default_rng(1)
    x0 = Xi.T[[0, 3, 7]] + (rng.random((3, Xi.shape[0])) - 0.5)
    for a, h, beta, eta, c in PARAMS:
        model = cdam.CDAM(
            g, a=a, h=h, beta=beta, eta=eta, mean_coef=c, normalization=method, direction=direction,
            dtype=torch.float64, values=values,
        )  # fmt: skip
        assert model.dtype == torch.float64
        traj = model.run(x0, steps=25, record_states=True)
        ref = ref_run(Xi, M, x0, a=a, h=h, beta=beta, eta=eta, c=c, steps=25, direction=direction)
        assert traj.states.shape == (25, 3, 60)  # the state after each update (DESIGN: T, B, .)
        assert traj.steps == 25
        assert_rel_close(traj.initial.numpy(), ref[0])
        assert_rel_close(traj.states.numpy(), ref[1:])
        assert_rel_close(traj.final.numpy(), ref[-1])
        assert_rel_close(np.asarray(traj.final), ref[-1])


def test_matches_reference_float32_loosely():
    g = _graph("weighted", n=100, p=8)
    Xi = g.patterns
    M = ref_coupling(g.adjacency().toarray(), "sym")
    x0 = Xi.T + 0.3
    traj = cdam.CDAM(g, a=-0.5, h=1.5).run(x0, steps=20)
    assert traj.final.dtype == torch.float32
    ref = ref_run(Xi, M, x0, a=-0.5, h=1.5, beta=1.0, eta=0.1, c=1.0, steps=20)
    assert_rel_close(traj.final.numpy(), ref[-1], rel=1e-4)


def test_step_is_one_update_and_defaults():
    g = _graph("cycle")
    model = cdam.CDAM(g, dtype=torch.float64)
    assert (model.a, model.h, model.beta, model.eta, model.mean_coef) == (1.0, 0.0, 1.0, 0.1, 1.0)
    assert model.normalization == "sym" and model.softmax == "stable"
    x0 = g.patterns.T[:2] * 0.9
    ref = ref_run(g.patterns, ref_coupling(g.adjacency().toarray(), "sym"), x0, a=1, h=0, beta=1, eta=0.1, c=1, steps=1)
    assert_rel_close(model.step(x0).numpy(), ref[1])
    assert_rel_close(model.step(torch.from_numpy(x0[0])).numpy(), ref[1][0])


# ---------------------------------------------------------------------------- shapes and inputs
def test_single_state_and_batch_agree_numpy_and_torch():
    g = _graph("weighted")
    model = cdam.CDAM(g, a=0.5, h=1.0, dtype=torch.float64)
    rng = np.random.default_rng(3)
    X = rng.random((4, 60))
    batch = model.run(X, steps=15).final.numpy()
    batch_t = model.run(torch.from_numpy(X), steps=15).final.numpy()
    batch_t32 = model.run(torch.from_numpy(X).float(), steps=15).final.numpy()  # cast to the model dtype
    np.testing.assert_allclose(batch_t, batch, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(batch_t32, batch, rtol=1e-6, atol=1e-6)
    for b in range(4):
        single = model.run(X[b], steps=15).final
        assert tuple(single.shape) == (1, 60)
        np.testing.assert_allclose(single.numpy()[0], batch[b], rtol=1e-12, atol=1e-12)
        single_t = model.run(torch.from_numpy(X[b]), steps=15).final.numpy()[0]
        np.testing.assert_allclose(single_t, batch[b], rtol=1e-12, atol=1e-12)
        assert tuple(model.step(X[b]).shape) == (60,)
    assert tuple(model.step(X).shape) == (4, 60)
    assert tuple(model.attention(X[0]).shape) == (10,)
    assert tuple(model.attention(X).shape) == (4, 10)


def test_run_does_not_modify_its_input():
    g = _graph("cycle")
    model = cdam.CDAM(g, dtype=torch.float64)
    X = np.random.default_rng(0).random((3, 60))
    Xc = X.copy()
    T = torch.from_numpy(X.copy())
    model.run(X, steps=5)
    model.run(T, steps=5)
    model.step(T)
    np.testing.assert_array_equal(X, Xc)
    np.testing.assert_array_equal(T.numpy(), Xc)


def test_steps_zero_returns_the_initial_state():
    g = _graph("cycle")
    X = np.random.default_rng(0).random((2, 60))
    traj = cdam.CDAM(g, dtype=torch.float64).run(X, steps=0, record_overlaps=True)
    np.testing.assert_array_equal(traj.final.numpy(), X)
    assert traj.steps == 0 and tuple(traj.overlaps.shape) == (0, 2, 10)
    assert tuple(traj.initial_overlaps.shape) == (2, 10)
    np.testing.assert_array_equal(traj.final_overlaps().numpy(), traj.initial_overlaps.numpy())


# ---------------------------------------------------------------------------- all-starts
def test_all_starts_equals_run_from_noisy_patterns():
    g = _graph("cycle", n=80, p=8)
    model = cdam.CDAM(g, a=-0.5, h=1.5, dtype=torch.float64)
    noise, seed = 0.7, 123
    gen = torch.Generator().manual_seed(seed)
    U = torch.rand(8, 80, generator=gen, dtype=torch.float64).numpy()
    x0 = g.patterns.T + noise * (U - 0.5)  # the paper's start: xi_s + noise * (U[0,1)^n - 0.5)
    np.testing.assert_allclose(model.initial_states(noise, seed).numpy(), x0, rtol=0, atol=1e-15)
    traj = model.all_starts(steps=30, noise=noise, seed=seed)
    assert traj.batch_size == 8
    assert traj.cues.tolist() == list(range(8))
    np.testing.assert_allclose(traj.final.numpy(), model.run(x0, steps=30).final.numpy(), rtol=1e-12, atol=1e-12)
    M = ref_coupling(g.adjacency().toarray(), "sym")
    ref = ref_run(g.patterns, M, x0, a=-0.5, h=1.5, beta=1.0, eta=0.1, c=1.0, steps=30)
    assert_rel_close(traj.final.numpy(), ref[-1])


def test_all_starts_is_deterministic_per_seed():
    g = _graph("cycle")
    model = cdam.CDAM(g, a=0.5, h=0.5)
    a1 = model.all_starts(steps=10, seed=5).final
    a2 = model.all_starts(steps=10, seed=5).final
    b = model.all_starts(steps=10, seed=6).final
    assert torch.equal(a1, a2)
    assert not torch.allclose(a1, b)
    gen_a = torch.Generator().manual_seed(5)
    assert torch.equal(model.all_starts(steps=10, seed=gen_a).final, a1)
    x0 = model.initial_states(noise=1.0, seed=9).numpy().astype(np.float64)
    dev = x0 - g.patterns.T
    assert dev.min() >= -0.5 - 1e-6 and dev.max() < 0.5 + 1e-6 and dev.std() > 0.2  # uniform in [-1/2, 1/2)
    np.testing.assert_allclose(model.initial_states(noise=0.0, seed=9).numpy(), g.patterns.T, rtol=1e-6)


def test_auto_association_recalls_every_cue():
    # Burns 2024: a = 1, h = 0 settles on the cued memory
    g = _graph("cycle", n=300, p=10, seed=4)
    traj = cdam.CDAM(g, a=1.0, h=0.0).all_starts(steps=100, noise=1.0, seed=0, record_overlaps=True)
    assert traj.overlaps[-1].argmax(dim=1).tolist() == list(range(10))
    assert float(traj.overlaps[-1].diagonal().min()) > 0.9


# ---------------------------------------------------------------------------- modern Hopfield
def test_modern_hopfield_literal():
    # Xi = [[1, 0], [0, 1], [0, 0]]; one step with eta = 1, a = 1, h = 0, c = 0 is Xi softmax(beta Xi^T sigma)
    g = cdam.MemoryGraph.from_patterns(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    g.add_link(0, 1, 5.0)  # h = 0: edges must have no effect
    model = cdam.CDAM(g, a=1.0, h=0.0, beta=1.0, eta=1.0, mean_coef=0.0, dtype=torch.float64)
    out = model.step(np.array([1.0, 0.0, 0.0])).numpy()
    np.testing.assert_allclose(out, [0.7310585786300049, 0.2689414213699951, 0.0], rtol=1e-12, atol=1e-15)
    model2 = cdam.CDAM(g, a=1.0, h=0.0, beta=2.0, eta=1.0, mean_coef=0.0, dtype=torch.float64)
    out = model2.step(np.array([0.5, 0.25, 1.0])).numpy()  # logits 2 * (0.5, 0.25) = (1, 0.5)
    np.testing.assert_allclose(out, [0.6224593312018546, 0.3775406687981454, 0.0], rtol=1e-12, atol=1e-15)


def test_modern_hopfield_random():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((50, 12))
    g = cdam.MemoryGraph.from_patterns(X)
    for k in range(11):
        g.add_transition(k, k + 1)
    model = cdam.CDAM(g, a=1.0, h=0.0, beta=0.3, eta=1.0, mean_coef=0.0, dtype=torch.float64)
    xi = rng.standard_normal((5, 50))
    # Ramsauer et al. 2020: xi_new = X softmax(beta X^T xi), columns as states
    z = 0.3 * (X.T @ xi.T)
    p = np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0)
    np.testing.assert_allclose(model.step(xi).numpy(), (X @ p).T, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------- energy
def test_energy_literal():
    g = cdam.MemoryGraph.from_patterns(np.eye(2))
    m0 = cdam.CDAM(g, beta=1.0, mean_coef=0.0, dtype=torch.float64)
    # MHN energy (Ramsauer 2020): -1/beta logsumexp(beta sigma Xi) + |sigma|^2 / 2 = -log(e + 1) + 0.5
    assert float(m0.energy(np.array([1.0, 0.0]))) == pytest.approx(-0.8132616875182228, rel=1e-12)
    m2 = cdam.CDAM(g, beta=2.0, mean_coef=0.0, dtype=torch.float64)
    assert float(m2.energy(np.array([1.0, 0.0]))) == pytest.approx(-np.log(np.exp(2.0) + 1.0) / 2 + 0.5, rel=1e-12)
    # with c != 0 the documented extension adds c xbar . sigma (xbar = (0.5, 0.5))
    m1 = cdam.CDAM(g, beta=1.0, mean_coef=1.0, dtype=torch.float64)
    assert float(m1.energy(np.array([1.0, 0.0]))) == pytest.approx(-0.3132616875182228, rel=1e-12)
    assert tuple(m1.energy(np.eye(2)).shape) == (2,)


@settings(max_examples=40, deadline=None)
@given(
    eta=st.floats(0.01, 1.0),
    beta=st.floats(0.05, 8.0),
    c=st.floats(-1.0, 2.0),
    seed=st.integers(0, 2**16),
    noise=st.floats(0.0, 3.0),
)
def test_energy_never_increases(eta, beta, c, seed, noise):
    g = _graph("cycle", n=40, p=6, seed=seed % 7)
    model = cdam.CDAM(g, a=1.0, h=0.0, beta=beta, eta=eta, mean_coef=c, dtype=torch.float64)
    traj = model.all_starts(steps=20, noise=noise, seed=seed, record_states=True)
    states = torch.cat([traj.initial[None], traj.states])
    E = np.stack([model.energy(s).numpy() for s in states])  # (T + 1, B)
    assert np.all(np.isfinite(E))
    dE = np.diff(E, axis=0)
    assert np.all(dE <= 1e-10 * (1.0 + np.abs(E[:-1]))), dE.max()


@pytest.mark.parametrize(("a", "h"), [(0.5, 0.0), (1.0, 0.5), (1.0, 1e-9), (-1.0, 2.0), (0.0, 0.0)])
def test_energy_undefined_raises(a, h):
    model = cdam.CDAM(_graph("cycle"), a=a, h=h)
    with pytest.raises(cdam.ParameterError, match="energy"):
        model.energy(np.zeros(60))
    assert issubclass(cdam.ParameterError, cdam.CDAMError)


def test_energy_needs_positive_beta():
    model = cdam.CDAM(_graph("cycle"), beta=0.0)
    with pytest.raises(cdam.ParameterError, match="beta"):
        model.energy(np.zeros(60))


# ---------------------------------------------------------------------------- extremes
@pytest.mark.parametrize(
    ("a", "h", "beta"),
    [(1e6, 1e6, 1e6), (-1e6, 1e6, 1e6), (1e6, -1e6, 1.0), (1.0, 0.0, 1e6), (-1e6, -1e6, 1e-6), (1.0, 0.0, 0.0)],
)
def test_extreme_valid_parameters_stay_finite(a, h, beta):
    g = _graph("signed", n=80, p=10)
    model = cdam.CDAM(g, a=a, h=h, beta=beta, eta=0.5, dtype=torch.float32)
    x0 = np.random.default_rng(0).random((3, 80)) * 1e6
    traj = model.run(x0, steps=20, record_overlaps=True, record_attention=True)
    assert torch.isfinite(traj.final).all()
    assert torch.isfinite(traj.overlaps).all()
    assert torch.isfinite(traj.attention).all()
    np.testing.assert_allclose(traj.attention.sum(dim=-1).numpy(), 1.0, rtol=1e-5)
    assert torch.isfinite(model.all_starts(steps=10).final).all()


def test_beta_zero_gives_uniform_attention():
    g = _graph("cycle")
    w = cdam.CDAM(g, beta=0.0, dtype=torch.float64).attention(np.random.default_rng(0).random(60) * 100)
    np.testing.assert_allclose(w.numpy(), np.full(10, 0.1), rtol=1e-12)


# ---------------------------------------------------------------------------- softmax
def test_stable_softmax_literal_and_shift_invariance():
    s = torch.tensor([[0.0, 1.0, 2.0]], dtype=torch.float64)
    e = np.exp([0.0, 1.0, 2.0])
    np.testing.assert_allclose(softmax_weights(s, 1.0).numpy()[0], e / e.sum(), rtol=1e-12)
    np.testing.assert_allclose(softmax_weights(s - 1000.0, 1.0).numpy()[0], e / e.sum(), rtol=1e-12)
    np.testing.assert_allclose(softmax_weights(s * 1000.0, 1.0).numpy()[0], [0.0, 0.0, 1.0], atol=1e-300)


def test_legacy_softmax_reproduces_the_notebooks():
    eps = np.finfo(np.float64).eps
    low = torch.full((1, 3), -50.0, dtype=torch.float64)
    w = softmax_weights(low, 1.0, "legacy").numpy()[0]
    assert np.all(w > 0.999)  # every weight ~1 when all logits are far below -36
    np.testing.assert_allclose(w, (np.exp(-50.0) + eps) / (3 * np.exp(-50.0) + eps), rtol=1e-12)
    w40 = softmax_weights(torch.full((1, 3), -40.0, dtype=torch.float64), 1.0, "legacy").numpy()[0]
    assert np.all(w40 > 0.9) and w40.sum() > 2.5
    # the stable default stays a distribution there
    np.testing.assert_allclose(softmax_weights(low, 1.0).numpy()[0], [1 / 3] * 3, rtol=1e-12)
    # for moderate logits the two agree
    mid = torch.tensor([[0.1, -0.3, 0.5, 2.0]], dtype=torch.float64)
    np.testing.assert_allclose(
        softmax_weights(mid, 1.5, "legacy").numpy(), softmax_weights(mid, 1.5).numpy(), rtol=1e-12
    )


def test_legacy_softmax_is_opt_in():
    g = _graph("cycle")
    x = np.full(60, -10.0)  # logits sigma @ Xi ~ -300
    default = cdam.CDAM(g, dtype=torch.float64)
    legacy = cdam.CDAM(g, softmax="legacy", dtype=torch.float64)
    assert default.softmax == "stable" and default.params()["softmax"] == "stable"
    assert legacy.params()["softmax"] == "legacy"
    assert float(default.attention(x).sum()) == pytest.approx(1.0, rel=1e-12)
    np.testing.assert_allclose(legacy.attention(x).numpy(), 1.0, rtol=1e-9)


# ---------------------------------------------------------------------------- recording
def test_record_overlaps_are_pearson_per_pair():
    g = _graph("weighted", n=50, p=6)
    Xi = g.patterns
    rng = np.random.default_rng(2)
    x0 = rng.random((3, 50))
    model = cdam.CDAM(g, a=0.5, h=1.0, dtype=torch.float64)
    traj = model.run(x0, steps=5, record_overlaps=True, record_states=True, record_attention=True)
    assert tuple(traj.overlaps.shape) == (5, 3, 6)
    assert tuple(traj.attention.shape) == (5, 3, 6)
    ref = ref_run(Xi, ref_coupling(g.adjacency().toarray(), "sym"), x0, a=0.5, h=1.0, beta=1, eta=0.1, c=1, steps=5)
    expected = np.array(
        [[[np.corrcoef(ref[t, b], Xi[:, mu])[0, 1] for mu in range(6)] for b in range(3)] for t in range(6)]
    )
    np.testing.assert_allclose(traj.overlaps.numpy(), expected[1:], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(traj.initial_overlaps.numpy(), expected[0], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(traj.overlaps_with_initial().numpy(), expected, rtol=1e-6, atol=1e-9)
    assert traj.overlap_kind == "pearson"
    np.testing.assert_allclose(traj.final_overlaps().numpy(), expected[-1], rtol=1e-6, atol=1e-9)
    w_ref = np.stack([ref_softmax(ref[t] @ Xi) for t in range(6)])
    np.testing.assert_allclose(traj.attention.numpy(), w_ref[1:], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(traj.final_attention.numpy(), w_ref[-1], rtol=1e-6, atol=1e-12)
    # cues default to the memory best correlated with each start
    assert traj.cues.tolist() == expected[0].argmax(axis=1).tolist()

    cos = model.run(x0, steps=5, record_overlaps=True, overlap="cosine").overlaps.numpy()
    unit = ref / np.linalg.norm(ref, axis=-1, keepdims=True)
    np.testing.assert_allclose(cos, (unit @ (Xi / np.linalg.norm(Xi, axis=0)))[1:], rtol=1e-6)
    dot = model.run(x0, steps=5, record_overlaps=True, overlap="dot").overlaps.numpy()
    np.testing.assert_allclose(dot, (ref @ Xi)[1:], rtol=1e-6)


def test_tol_stops_early():
    g = _graph("cycle", n=100, p=8)
    model = cdam.CDAM(g, a=1.0, h=0.0, dtype=torch.float64)
    x0 = g.patterns.T[:2] + 0.1
    tol = 1e-4
    traj = model.run(x0, steps=2000, tol=tol, record_states=True)
    assert 1 < traj.steps < 2000
    assert traj.states.shape[0] == traj.steps
    states = np.concatenate([traj.initial.numpy()[None], traj.states.numpy()])
    moves = np.abs(np.diff(states, axis=0)).max(axis=(1, 2))
    assert moves[-1] <= tol  # the last step moved by at most tol ...
    assert np.all(moves[:-1] > tol)  # ... and it was the first such step
    full = model.run(x0, steps=40)
    assert full.steps == 40
    assert model.run(x0, steps=40, tol=0.0).steps == 40  # a moving state never meets tol = 0


def test_with_strengths_matches_a_fresh_model():
    g = _graph("weighted")
    base = cdam.CDAM(g, a=1.0, h=0.0, dtype=torch.float64)
    swept = base.with_strengths(-1.0, 2.0)
    fresh = cdam.CDAM(g, a=-1.0, h=2.0, dtype=torch.float64)
    x0 = g.patterns.T[:3] + 0.2
    assert (swept.a, swept.h) == (-1.0, 2.0) and (base.a, base.h) == (1.0, 0.0)
    np.testing.assert_allclose(swept.run(x0, 20).final.numpy(), fresh.run(x0, 20).final.numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------- fast paths
def test_fused_overlaps_and_attention_equal_direct_ones():
    g = _graph("signed", n=80, p=10)
    x0 = np.random.default_rng(4).random((4, 80))
    for dtype, tol in ((torch.float64, 1e-12), (torch.float32, 2e-5)):
        model = cdam.CDAM(g, a=-0.5, h=1.5, dtype=dtype)
        for kind in ("pearson", "cosine", "dot"):
            traj = model.run(
                x0, steps=12, record_overlaps=True, record_states=True, record_attention=True, overlap=kind
            )
            states = torch.cat([traj.initial[None].to(dtype), traj.states])
            op = cdam.measures.OverlapOperator(model.couplings.Xi, kind)
            direct = torch.stack([op(s) for s in states])
            scale = 1.0 if kind != "dot" else float(direct.abs().max())
            np.testing.assert_allclose(traj.overlaps_with_initial().numpy(), direct.numpy(), atol=tol * scale, rtol=0)
            att = torch.stack([model.attention(s) for s in traj.states])
            np.testing.assert_allclose(traj.attention.numpy(), att.numpy(), atol=tol, rtol=0)
            np.testing.assert_allclose(traj.final_attention.numpy(), att[-1].numpy(), atol=tol, rtol=0)


def test_fused_overlaps_with_early_stop_and_zero_steps():
    g = _graph("cycle", n=60, p=10)
    model = cdam.CDAM(g, dtype=torch.float64)
    traj = model.run(g.patterns.T[:3], steps=3000, record_overlaps=True, record_attention=True, tol=1e-9)
    assert 0 < traj.steps < 3000
    assert traj.overlaps.shape == traj.attention.shape == (traj.steps, 3, 10)
    op = cdam.measures.OverlapOperator(model.couplings.Xi)
    np.testing.assert_allclose(traj.overlaps[-1].numpy(), op(traj.final.double()).numpy(), atol=1e-12)
    zero = model.run(g.patterns.T[:3], steps=0, record_overlaps=True, record_attention=True)
    assert zero.overlaps.shape == zero.attention.shape == (0, 3, 10)
    x0_overlaps = op(torch.from_numpy(g.patterns.T[:3])).numpy()
    np.testing.assert_allclose(zero.initial_overlaps.numpy(), x0_overlaps, atol=1e-12)


def test_topk_keeping_every_memory_is_the_full_softmax():
    g = _graph("weighted", n=60, p=10)
    x0 = np.random.default_rng(0).random((5, 60))
    full = cdam.CDAM(g, a=0.5, h=1.0, beta=2.0, dtype=torch.float64).run(x0, 20)
    for values in ("dense", "factored"):
        top = cdam.CDAM(g, a=0.5, h=1.0, beta=2.0, dtype=torch.float64, topk=10, values=values).run(x0, 20)
        np.testing.assert_allclose(top.final.numpy(), full.final.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(top.topk_discarded.numpy(), np.zeros(5))
    assert full.topk_discarded is None


@settings(max_examples=40, deadline=None)
@given(
    k=st.integers(1, 9),
    beta=st.floats(0.0, 200.0),
    a=st.floats(-2.0, 2.0),
    h=st.floats(-3.0, 3.0),
    seed=st.integers(0, 2**16),
    values=st.sampled_from(["dense", "factored"]),
)
def test_topk_step_is_within_the_reported_bound(k, beta, a, h, seed, values):
    g = _graph("signed", n=40, p=10, seed=seed % 7)
    x = np.random.default_rng(seed).random((6, 40)) * 2 - 0.5
    full = cdam.CDAM(g, a=a, h=h, beta=beta, eta=0.5, dtype=torch.float64)
    top = cdam.CDAM(g, a=a, h=h, beta=beta, eta=0.5, dtype=torch.float64, topk=k, values=values)
    traj = top.run(x, steps=1)

    def left_out(states):  # the exact mass outside the k largest softmax weights
        return 1.0 - np.sort(full.attention(states).numpy(), axis=1)[:, -k:].sum(axis=1)

    eps = left_out(x)  # the one update's read
    reported = traj.topk_discarded.numpy()  # over the update and the final attention
    assert np.all((reported >= 0) & (reported <= 1))
    np.testing.assert_allclose(reported, np.maximum(eps, left_out(traj.final)), atol=1e-12)
    qmax = float(full.couplings.Q.abs().max())
    err = np.abs(traj.final.numpy() - full.step(x).numpy()).max(axis=1)
    assert np.all(err <= 0.5 * 2 * eps * qmax + 1e-12)  # eta * 2 eps max|Q|


def test_topk_with_a_sharp_softmax_is_exact():
    rng = np.random.default_rng(0)
    g = cdam.MemoryGraph.from_networkx(__import__("networkx").cycle_graph(200), rng.random((500, 200)))
    x0 = g.patterns.T[:8] + 0.2 * (rng.random((8, 500)) - 0.5)
    # beta 5: the attention of a wide-mode run (-0.5, 1.5) sits on a handful of memories
    full = cdam.CDAM(g, a=-0.5, h=1.5, beta=5.0, dtype=torch.float64).run(x0, 50, record_overlaps=True)
    top = cdam.CDAM(g, a=-0.5, h=1.5, beta=5.0, dtype=torch.float64, topk=16).run(x0, 50, record_overlaps=True)
    assert float(top.topk_discarded.max()) < 1e-12  # left-out mass far below what the 1e-10 check can see
    np.testing.assert_allclose(top.final.numpy(), full.final.numpy(), atol=1e-10)
    np.testing.assert_allclose(top.overlaps.numpy(), full.overlaps.numpy(), atol=1e-10)


def test_topk_and_values_errors():
    g = _graph("cycle")
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises(cdam.ParameterError, match="topk"):
            cdam.CDAM(g, topk=bad)
    with pytest.raises(cdam.ParameterError, match="softmax='stable'"):
        cdam.CDAM(g, topk=3, softmax="legacy")
    with pytest.raises(cdam.ParameterError, match="slot backend"):
        cdam.CDAM(g, topk=3, backend=cdam.backends.KWinnerMHN(60, 40, 1, seed=0))
    with pytest.raises(cdam.ParameterError, match="values"):
        cdam.CDAM(g, values="sparse")


def test_auto_values_factor_only_above_the_budget(monkeypatch):
    from cdam.couplings import FactoredValues

    g = _graph("cycle")
    assert not isinstance(cdam.CDAM(g).backend.values, FactoredValues)
    monkeypatch.setattr(cdam._store, "DENSE_VALUES_MAX_BYTES", 100)
    model = cdam.CDAM(g, a=0.5, h=1.0)
    assert isinstance(model.backend.values, FactoredValues)
    assert "Q" not in model.couplings.__dict__  # never formed
    assert isinstance(model.with_strengths(-1.0, 2.0).backend.values, FactoredValues)


def test_trajectory_select_and_concat_keep_every_field():
    import dataclasses

    from cdam.dynamics import _PER_RUN, _TIME_MAJOR

    model = cdam.CDAM(_graph("cycle"), topk=3, dtype=torch.float64)
    record = {"record_overlaps": True, "record_states": True, "record_attention": True}
    t = model.all_starts(steps=6, tol=1e-9, freeze=True, overlaps_with=list(range(model.n_memories)), **record)
    # a new field must say how it splits over runs, or select/concat would copy it unsplit
    shared = {"steps", "overlap_kind", "params", "engine", "n_memories", "overlaps_with"}
    assert {f.name for f in dataclasses.fields(t)} == set(_PER_RUN) | set(_TIME_MAJOR) | shared
    whole = cdam.Trajectory.concat([t.select(slice(0, 4)), t.select(slice(4, None))])
    for f in dataclasses.fields(t):
        before, after = getattr(t, f.name), getattr(whole, f.name)
        assert before is not None, f.name
        assert torch.equal(before, after) if isinstance(before, torch.Tensor) else before == after, f.name
    part = t.select(torch.tensor([1, 3]))
    assert torch.equal(part.states, t.states[:, [1, 3]]) and torch.equal(part.cues, t.cues[[1, 3]])
    assert part.batch_size == 2 and part.params == t.params and part.params is not t.params
