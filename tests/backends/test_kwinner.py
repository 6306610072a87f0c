"""The K-winner modern Hopfield network (Bhandarkar & McClelland 2025) and its use as a CDAM backend."""

import math

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import cdam
from cdam.backends.base import StorageBackend
from cdam.backends.kwinner import KWinnerMHN
from cdam.errors import CDAMError, ParameterError, PatternError, StateError

pytestmark = pytest.mark.usefixtures("single_thread")  # tests/conftest.py: one torch thread


def sparse(m, n, s, seed=0):
    g = torch.Generator().manual_seed(seed)
    idx = torch.rand(m, n, generator=g).topk(s, dim=1).indices
    return torch.zeros(m, n).scatter_(1, idx, 1.0)


def reference_store(W_in, W_out, mask, x, k, lr):
    """The paper's storage rule on dense matrices, one winner at a time (the slow, obvious way)."""
    W_in, W_out = W_in.clone().double(), W_out.clone().double()
    x = x.double()
    hid = W_in @ x
    winners = torch.topk(hid, k).indices.tolist()
    for j in winners:
        m = mask[j].double()
        W_in[j] = W_in[j] + lr * (x - W_in[j]) * m
        W_out[:, j] = W_out[:, j] + lr * (x - W_out[:, j]) * m
    return W_in, W_out, sorted(winners)


# ---------------------------------------------------------------------- construction
def test_wiring_and_initial_weights():
    m = KWinnerMHN(1000, 200, k=10, fan_in=0.05, lr=0.3, seed=3)
    mask = m.mask
    assert mask.shape == (200, 1000)
    assert (mask.sum(dim=1) == 50).all()  # floor(0.05 * 1000) inputs per hidden unit
    assert m.n_connections == 200 * 50
    W_in, W_out = m.W_in, m.W_out
    assert W_in.shape == (200, 1000) and W_out.shape == (1000, 200)
    # the same mask in both directions, weights U(0, 1) on it and zero off it
    assert torch.equal(W_in != 0, mask) and torch.equal(W_out.T != 0, mask)
    on = W_in[mask]
    assert 0 < on.min() and on.max() < 1 and abs(on.mean().item() - 0.5) < 0.02
    # input and output weights are independent draws
    assert not torch.allclose(W_in, W_out.T)
    assert abs(np.corrcoef(W_in[mask].numpy(), W_out.T[mask].numpy())[0, 1]) < 0.05


def test_fan_in_floor_and_full_wiring():
    assert KWinnerMHN(10, 4, 1, fan_in=0.35).mask.sum(dim=1).tolist() == [3, 3, 3, 3]
    m = KWinnerMHN(10, 4, 1)
    assert m.mask.all() and m.n_connections == 40


def test_seed_reproducible_and_reset_parameters():
    a = KWinnerMHN(100, 30, 3, fan_in=0.2, seed=5)
    b = KWinnerMHN(100, 30, 3, fan_in=0.2, seed=5)
    c = KWinnerMHN(100, 30, 3, fan_in=0.2, seed=6)
    assert torch.equal(a.W_in, b.W_in) and torch.equal(a.W_out, b.W_out)
    assert not torch.equal(a.mask, c.mask)
    before = (a.W_in.clone(), a.W_out.clone())
    a.store(sparse(20, 100, 10))
    assert not torch.equal(a.W_in, before[0])
    a.reset_parameters()
    assert torch.equal(a.W_in, before[0]) and torch.equal(a.W_out, before[1])
    g1 = KWinnerMHN(100, 30, 3, fan_in=0.2, seed=torch.Generator().manual_seed(5))
    g2 = KWinnerMHN(100, 30, 3, fan_in=0.2, seed=torch.Generator().manual_seed(5))
    assert torch.equal(g1.W_in, g2.W_in)
    g1.store(sparse(5, 100, 10))
    g1.reset_parameters()  # restarts the generator from its state at construction
    assert torch.equal(g1.W_in, g2.W_in)
    # an int seed is salted: not the stream torch.Generator().manual_seed(seed) gives elsewhere
    assert not torch.equal(g1.W_in, a.W_in)
    full = KWinnerMHN(100, 30, 1, seed=0)
    assert not torch.equal(full.W_in, torch.rand(30, 100, generator=torch.Generator().manual_seed(0)))


def test_repr_and_protocol():
    m = KWinnerMHN(1000, 2000, 50, fan_in=0.05, lr=0.3)
    assert repr(m) == "KWinnerMHN(n_visible=1000, n_hidden=2000, k=50, fan_in=0.05, lr=0.3, connections=100000)"
    assert isinstance(m, StorageBackend) and isinstance(m, torch.nn.Module)
    assert m.n_hidden == 2000
    # Bhandarkar & McClelland 2025: both networks have 100,000 connections per direction
    assert KWinnerMHN(1000, 100, 1).n_connections == 100_000
    assert set(m.state_dict()) == {"index", "w_in", "w_out", "stored"}
    assert m.n_stored == 0
    m.store(sparse(3, 1000, 100))
    m.store(sparse(1, 1000, 100)[0])
    assert m.n_stored == 4
    m.reset_parameters()
    assert m.n_stored == 0


def test_state_dict_round_trip_refreshes_dense_cache():
    a = KWinnerMHN(50, 20, 2, fan_in=0.4, seed=0)
    X = sparse(10, 50, 5)
    a.store(X)
    b = KWinnerMHN(50, 20, 2, fan_in=0.4, seed=1)
    stale = b.W_in.clone()  # caches b's dense input weights
    b.load_state_dict(a.state_dict())
    assert not torch.equal(b.W_in, stale)
    assert torch.equal(b.W_in, a.W_in) and torch.equal(b.recall(X, 5), a.recall(X, 5))
    c = KWinnerMHN(50, 20, 2, fan_in=0.4, seed=0, dtype=torch.float64)
    c.store(X)
    torch.testing.assert_close(c.W_in, a.W_in.double(), atol=1e-6, rtol=0)


# ---------------------------------------------------------------------- learning rule
@pytest.mark.parametrize("k,fan_in,lr", [(5, 0.1, 0.3), (1, 1.0, 1.0), (3, 0.5, 0.7)])
def test_store_matches_dense_reference(k, fan_in, lr):
    m = KWinnerMHN(60, 40, k, fan_in=fan_in, lr=lr, seed=1)
    X = sparse(15, 60, 8, seed=2)
    W_in, W_out, mask = m.W_in.clone(), m.W_out.clone(), m.mask
    for x in X:
        W_in, W_out, ref_win = reference_store(W_in, W_out, mask, x, k, lr)
        win = m.store(x)
        assert sorted(win[0].tolist()) == ref_win
    torch.testing.assert_close(m.W_in.double(), W_in, atol=1e-6, rtol=0)
    torch.testing.assert_close(m.W_out.double(), W_out, atol=1e-6, rtol=0)


def test_only_winners_learn_on_existing_connections():
    m = KWinnerMHN(200, 100, 7, fan_in=0.1, lr=0.3, seed=0)
    W_in, W_out = m.W_in.clone(), m.W_out.clone()
    x = sparse(1, 200, 20)[0]
    win = m.store(x)[0]
    changed_units = ((m.W_in != W_in).any(dim=1) | (m.W_out.T != W_out.T).any(dim=1)).nonzero().squeeze(1)
    assert set(changed_units.tolist()) <= set(win.tolist()) and len(win) == 7
    assert torch.equal(m.W_in != 0, m.mask)  # nothing grows off the mask
    # winners are the k largest hidden inputs before learning
    assert set(win.tolist()) == set((W_in @ x).topk(7).indices.tolist())


def test_batch_store_is_sequential():
    X = sparse(30, 80, 10, seed=4)
    a = KWinnerMHN(80, 50, 4, fan_in=0.25, lr=0.5, seed=2)
    b = KWinnerMHN(80, 50, 4, fan_in=0.25, lr=0.5, seed=2)
    wa = a.store(X)
    wb = torch.cat([b.store(x) for x in X])
    assert torch.equal(wa, wb)
    assert torch.equal(a.W_in, b.W_in) and torch.equal(a.W_out, b.W_out)


def test_one_winner_overwrites_and_recalls_exactly():
    """k = 1, f = 1, lr = 1 is the 1-winner MHN: each pattern lands in a fresh unit, exactly."""
    X = sparse(40, 500, 50, seed=1)
    m = KWinnerMHN(500, 100, k=1)
    win = m.store(X).squeeze(1)
    assert len(set(win.tolist())) == 40  # random units (input ~25) beat stored ones (overlap ~5)
    torch.testing.assert_close(m.W_in[win], X)
    torch.testing.assert_close(m.W_out[:, win].T, X)
    assert torch.equal(m.recall(X, 50), X)
    half = X * (torch.rand(X.shape, generator=torch.Generator().manual_seed(0)) < 0.5)
    assert torch.equal(m.recall(half, 50), X)


def test_recall_batch_is_binary_and_equals_single():
    m = KWinnerMHN(300, 400, 20, fan_in=0.1, lr=0.3, seed=0)
    X = sparse(50, 300, 30, seed=5)
    m.store(X)
    out = m.recall(X, 30)
    assert out.shape == (50, 300)
    assert set(out.unique().tolist()) == {0.0, 1.0} and (out.sum(dim=1) == 30).all()
    single = torch.stack([m.recall(x, 30) for x in X[:5]])
    assert torch.equal(single, out[:5])
    assert torch.equal(m(X[:5], 30), out[:5])
    assert torch.equal(m.recall(X.numpy(), 30), out)  # numpy in, tensor out


def test_recent_memory_beats_chance():
    m = KWinnerMHN(1000, 2000, 50, fan_in=0.05, lr=0.3, seed=0)
    X = sparse(300, 1000, 100, seed=9)
    m.store(X)
    acc = (m.recall(X, 100) * X).sum(dim=1) / 100
    fresh = sparse(100, 1000, 100, seed=10)
    pseudo = ((m.recall(fresh, 100) * fresh).sum(dim=1) / 100).mean()
    # Bhandarkar & McClelland 2025: ~0.85 at age 1 against ~0.52 for never-stored patterns
    assert acc[-20:].mean() > 0.78 and 0.45 < pseudo < 0.6


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(5, 40),
    n_hidden=st.integers(1, 30),
    k_frac=st.floats(0.01, 1.0),
    fan_in=st.floats(0.05, 1.0),
    lr=st.floats(0.01, 1.0),
    seed=st.integers(0, 1000),
)
def test_invariants_property(n, n_hidden, k_frac, fan_in, lr, seed):
    k = max(1, math.ceil(k_frac * n_hidden))
    if math.floor(fan_in * n) < 1:
        with pytest.raises(ParameterError):
            KWinnerMHN(n, n_hidden, k, fan_in=fan_in, lr=lr, seed=seed)
        return
    m = KWinnerMHN(n, n_hidden, k, fan_in=fan_in, lr=lr, seed=seed)
    X = (torch.rand(6, n, generator=torch.Generator().manual_seed(seed)) < 0.3).float()
    before = m.W_in.clone()
    win = m.store(X)
    assert win.shape == (6, k) and (win >= 0).all() and (win < n_hidden).all()
    # weights stay in [0, 1] (convex steps toward 0/1 targets) and on the mask
    for W in (m.W_in, m.W_out.T):
        assert (W >= 0).all() and (W <= 1).all()
        assert not (W.ne(0) & ~m.mask).any()
    untouched = torch.ones(n_hidden, dtype=torch.bool)
    untouched[win.flatten()] = False
    assert torch.equal(m.W_in[untouched], before[untouched])
    s = max(1, n // 4)
    out = m.recall(X, s)
    assert (out.sum(dim=1) == s).all()


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(n_visible=10, n_hidden=5, k=6), "k = 6 winners exceeds n_hidden = 5"),
        (dict(n_visible=10, n_hidden=5, k=0), "k must be >= 1"),
        (dict(n_visible=10, n_hidden=5, k=1, fan_in=0.0), r"fan_in must be in \(0, 1\]"),
        (dict(n_visible=10, n_hidden=5, k=1, fan_in=1.5), r"fan_in must be in \(0, 1\]"),
        (dict(n_visible=10, n_hidden=5, k=1, fan_in=0.05), "wires floor"),
        (dict(n_visible=10, n_hidden=5, k=1, fan_in=float("nan")), "fan_in must be finite"),
        (dict(n_visible=10, n_hidden=5, k=1, lr=0.0), r"lr must be in \(0, 1\]"),
        (dict(n_visible=10, n_hidden=5, k=1, lr=2.0), r"lr must be in \(0, 1\]"),
        (dict(n_visible=0, n_hidden=5, k=1), "n_visible must be >= 1"),
        (dict(n_visible=10, n_hidden=5, k=1, seed="a"), "seed must be an int"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        KWinnerMHN(**kwargs)


def test_bad_patterns_and_cues():
    m = KWinnerMHN(10, 5, 2)
    with pytest.raises(PatternError, match="length 9 but the network has n_visible = 10"):
        m.store(torch.zeros(9))
    with pytest.raises(PatternError, match="must be binary"):
        m.store(torch.full((10,), 0.5))
    x = torch.zeros(10)
    x[3] = float("nan")
    with pytest.raises(PatternError, match="NaN or inf"):
        m.store(x)
    with pytest.raises(PatternError, match="NaN or inf"):
        m.store(x, torch.zeros(10))
    with pytest.raises(PatternError, match="same number of rows"):
        m.store(torch.zeros(3, 10), torch.zeros(2, 10))
    with pytest.raises(PatternError, match="shape"):
        m.store(torch.zeros(2, 2, 10))
    with pytest.raises(StateError, match="must be binary"):
        m.recall(torch.full((10,), 0.3), 2)
    with pytest.raises(StateError, match="length 11"):
        m.recall(torch.zeros(11), 2)
    for bad in (0, 11, 2.5):
        with pytest.raises(ParameterError, match="n_active"):
            m.recall(torch.zeros(10), bad)
    with pytest.raises(StateError, match="query must have shape"):
        m.retrieve(torch.zeros(3, 7), beta=1.0)
    assert issubclass(PatternError, CDAMError) and issubclass(PatternError, ValueError)


# ---------------------------------------------------------------------- CDAM backend
def test_retrieve_weights_and_values():
    m = KWinnerMHN(20, 30, 4, fan_in=0.5, lr=1.0, seed=0)
    keys = sparse(5, 20, 5, seed=1)
    values = torch.randn(5, 20, generator=torch.Generator().manual_seed(2))
    m.store(keys, values)
    r = m.retrieve(keys, beta=3.0)
    assert r.weights.shape == (5, 30) and r.values.shape == (5, 20)
    torch.testing.assert_close(r.weights.sum(dim=1), torch.ones(5))
    assert set(r.weights.unique().tolist()) <= {0.0, 0.25}
    torch.testing.assert_close(r.values, r.weights @ m.W_out.T)


@pytest.mark.parametrize("a,h,spare", [(1.0, 0.0, 0), (1.0, 0.0, 36), (0.5, 2.0, 0), (-2.0, 3.0, 0), (0.0, 1.0, 0)])
def test_cdam_hard_attention_limit(a, h, spare):
    """k = 1, f = 1, rate 1 and a unit per memory: the K-winner backend runs the slot
    backend's beta -> infinity dynamics exactly (each memory overwrites a unit of its own).

    Spare units keep random weights; near a stored pattern (auto-association) they never
    win, but hetero-associative states drift far from every key and a spare unit can take
    over, so those modes are checked with n_hidden = p."""
    p, n = 12, 400
    rng = np.random.default_rng(0)
    Xi = np.zeros((n, p))
    for mu in range(p):
        Xi[rng.choice(n, 40, replace=False), mu] = 1.0
    g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(p), Xi)
    slots = cdam.CDAM(g, a=a, h=h, beta=1e7, eta=0.1)  # hard: near-ties between neighbours are ~1e-3 apart
    kw = KWinnerMHN(n, p + spare, k=1, fan_in=1.0, lr=1.0, seed=123)  # not the noise seed: same torch stream
    model = cdam.CDAM(g, a=a, h=h, beta=1.0, eta=0.1, backend=kw)
    # every memory took a unit of its own, holding its pattern as key and its row of Q as value
    units = (kw.W_in @ torch.as_tensor(Xi, dtype=torch.float32)).argmax(dim=0)
    assert len(set(units.tolist())) == p
    torch.testing.assert_close(kw.W_in[units], slots.couplings.Xi.T)
    torch.testing.assert_close(kw.W_out[:, units].T, slots.couplings.Q)
    x0 = slots.initial_states(noise=1.0, seed=0)
    ref = slots.run(x0.clone(), steps=60)
    got = model.run(x0.clone(), steps=60)
    torch.testing.assert_close(got.final, ref.final, atol=1e-5, rtol=1e-5)
