"""Tests of cdam.backends.attention: MHNAttention, CDAMConv and the Case Sequence Task models."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import torch

import cdam
from cdam.backends.attention import (
    CDAMConv,
    MHNAttention,
    MHNTransformer,
    MinimalTransformer,
    case_key_similarity,
    train_case_sequence,
)
from cdam.backends.base import StorageBackend
from cdam.backends.slots import DenseSlots
from cdam.datasets import CaseSequenceTask
from cdam.errors import CDAMError, GraphError, ParameterError, StateError

pyg_utils = pytest.importorskip("torch_geometric.utils")
pytestmark = pytest.mark.usefixtures("single_thread")


def _rand(*shape, seed=0, dtype=torch.float64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


# ---------------------------------------------------------------------- MHNAttention
def test_equivalence_with_softmax_attention():
    """One hidden unit per context item: the MHN read-out is single-head attention (1e-6)."""
    torch.manual_seed(0)
    m = MHNAttention(6, value_channels=5, key_channels=4, out_channels=3, beta=0.7).double()
    q, k, v = _rand(8, 2, 6, seed=1), _rand(8, 7, 6, seed=2), _rand(8, 7, 5, seed=3)
    out, w = m(q, k, v, return_weights=True)
    Q, K, V = q @ m.W_Q.weight.T, k @ m.W_K.weight.T, v @ m.W_V.weight.T
    ref_w = torch.softmax(0.7 * Q @ K.transpose(1, 2), dim=-1)
    torch.testing.assert_close(w, ref_w, atol=1e-6, rtol=0)
    torch.testing.assert_close(out, ref_w @ V, atol=1e-6, rtol=0)
    sdpa = torch.nn.functional.scaled_dot_product_attention(Q, K, V, scale=0.7)
    torch.testing.assert_close(out, sdpa, atol=1e-6, rtol=0)
    # the same through the store: write once, read per sequence
    for b in range(2):
        m.reset()
        m.store(k[b], v[b])
        assert m.n_hidden == 7
        r = m.retrieve(q[b], 0.7)
        torch.testing.assert_close(r.values, out[b], atol=1e-6, rtol=0)
        torch.testing.assert_close(r.weights, w[b], atol=1e-6, rtol=0)


def test_single_query_and_float32_equivalence():
    m = MHNAttention(4, beta=2.0)
    q, k, v = _rand(3, 4, dtype=torch.float32), _rand(3, 5, 4, seed=1, dtype=torch.float32), None
    v = _rand(3, 5, 4, seed=2, dtype=torch.float32)
    out = m(q, k, v)
    assert out.shape == (3, 4)
    ref = torch.nn.functional.scaled_dot_product_attention(
        m.W_Q(q)[:, None], m.W_K(k), m.W_V(v), scale=2.0
    )[:, 0]
    torch.testing.assert_close(out, ref, atol=1e-6, rtol=1e-6)


def test_projections_off_is_dense_slots():
    keys, vals, q = _rand(6, 5), _rand(6, 3, seed=1), _rand(4, 5, seed=2)
    m = MHNAttention(5, 3, projections=False, beta=1.3)
    m.store(keys, vals)
    ref = DenseSlots(keys, vals).retrieve(q, 1.3)
    r = m.retrieve(q, 1.3)
    torch.testing.assert_close(r.values, ref.values, atol=1e-12, rtol=0)
    torch.testing.assert_close(r.weights, ref.weights, atol=1e-12, rtol=0)
    # a module with projections still reads its raw store with them switched off
    mp = MHNAttention(5, 3, key_channels=2, out_channels=2, beta=1.3).double()
    mp.store(keys, vals)
    raw = mp.retrieve(q, 1.3, project=False)
    torch.testing.assert_close(raw.values, ref.values, atol=1e-12, rtol=0)
    assert mp.retrieve(q, 1.3).values.shape == (4, 2)


def test_store_appends_and_reset():
    m = MHNAttention(3, projections=False)
    assert isinstance(m, StorageBackend) and m.n_hidden == 0
    m.store(torch.eye(3)[:2], torch.eye(3)[:2])
    m.store(torch.eye(3)[2:], torch.eye(3)[2:])
    assert m.n_hidden == 3
    m.reset()
    assert m.n_hidden == 0
    with pytest.raises(StateError, match="nothing is stored"):
        m.retrieve(torch.zeros(1, 3))


def test_store_is_one_shot_without_gradient():
    m = MHNAttention(4, beta=1.0)
    m.store(_rand(3, 4, dtype=torch.float32), _rand(3, 4, seed=1, dtype=torch.float32))
    assert not m.fast_keys.requires_grad and not m.fast_values.requires_grad
    # the layer path: gradients flow through the write unless detach_write
    q, k, v = (_rand(2, 3, 4, seed=s, dtype=torch.float32) for s in range(3))
    m(q, k, v).sum().backward()
    assert m.W_K.weight.grad.abs().sum() > 0
    m.zero_grad()
    m(q, k, v, detach_write=True).sum().backward()
    assert m.W_K.weight.grad is None or float(m.W_K.weight.grad.abs().sum()) == 0.0
    assert m.W_Q.weight.grad.abs().sum() > 0


def test_cdam_runs_with_mhn_attention_backend():
    g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(8), np.random.default_rng(0).random((60, 8)))
    kwargs = dict(a=-0.5, h=1.5, beta=1.0, eta=0.1, dtype=torch.float64)
    dense = cdam.CDAM(g, **kwargs)
    mhn = cdam.CDAM(g, backend=MHNAttention(60, projections=False), **kwargs)
    assert mhn.backend.n_hidden == 8
    a = dense.all_starts(steps=30, seed=1).final
    b = mhn.all_starts(steps=30, seed=1).final
    torch.testing.assert_close(b, a, atol=1e-10, rtol=0)


def test_auto_mode_is_explicit_and_has_an_energy():
    X = _rand(5, 6, seed=4)
    auto = MHNAttention(6, projections=False, mode="auto", beta=2.0)
    auto.store(X)
    with pytest.raises(ParameterError, match="own value"):
        auto.store(X, X)
    hetero = MHNAttention(6, projections=False, mode="hetero", beta=2.0)
    with pytest.raises(ParameterError, match="needs values"):
        hetero.store(X)
    hetero.store(X, X.clone())  # values equal to the keys: still hetero, never inferred
    with pytest.raises(ParameterError, match="hetero"):
        hetero.energy(X[:1])
    # the auto read-out is the CCCP step of the energy: it never increases it
    xi = _rand(16, 6, seed=5) * 2
    E = [auto.energy(xi)]
    for _ in range(5):
        xi = auto.retrieve(xi, project=False).values
        E.append(auto.energy(xi))
    E = torch.stack(E)
    assert bool((E[1:] <= E[:-1] + 1e-10).all())
    assert bool((E >= -1e-10).all())  # the constant terms make the energy non-negative


def test_mhn_attention_errors_and_repr():
    with pytest.raises(ParameterError, match="beta must be finite"):
        MHNAttention(3, beta=float("nan"))
    with pytest.raises(ParameterError, match="beta must be >= 0"):
        MHNAttention(3, beta=-1.0)
    with pytest.raises(ParameterError, match="unknown mode"):
        MHNAttention(3, mode="both")
    with pytest.raises(ParameterError, match="value_channels must equal in_channels"):
        MHNAttention(3, 4, mode="auto")
    with pytest.raises(ParameterError, match="projections=False"):
        MHNAttention(3, key_channels=2, projections=False)
    m = MHNAttention(3, 2)
    with pytest.raises(StateError, match=r"keys must have shape \(m, 3\)"):
        m.store(torch.zeros(2, 4), torch.zeros(2, 2))
    with pytest.raises(StateError, match="one row each"):
        m.store(torch.zeros(2, 3), torch.zeros(3, 2))
    with pytest.raises(StateError, match="NaN or inf"):
        m.store(torch.full((1, 3), float("inf")), torch.zeros(1, 2))
    m.store(torch.zeros(2, 3), torch.zeros(2, 2))
    with pytest.raises(ParameterError, match="beta must be finite"):
        m.retrieve(torch.zeros(1, 3), float("inf"))
    with pytest.raises(StateError, match="batch size"):
        m(torch.zeros(2, 3), torch.zeros(3, 4, 3), torch.zeros(3, 4, 2))
    assert repr(m) == "MHNAttention(3, 2, key_channels=3, out_channels=2, beta=1.0, mode='hetero', projections=True)"
    w = m.W_K.weight.detach().clone()
    torch.manual_seed(1)
    m.reset_parameters()
    assert not torch.equal(w, m.W_K.weight)
    assert issubclass(StateError, CDAMError)


# ---------------------------------------------------------------------- CDAMConv
def _graph(seed=0, n=9, m=20):
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n - 1, m), rng.integers(0, n - 1, m)  # node n-1 is isolated
    ei = torch.tensor(np.vstack([src, dst]), dtype=torch.long)
    w = torch.tensor(rng.uniform(-0.5, 2.0, m))  # signed weights, parallel edges, self-loops
    return ei, w, n


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")
@pytest.mark.parametrize("normalization", ["sym", "row", "none"])
@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_conv_dense_and_sparse_paths_agree(normalization, direction):
    ei, w, n = _graph()
    conv = CDAMConv(a=0.3, h=1.7, beta=1.5, eta=0.4, normalization=normalization, direction=direction).double()
    x = _rand(n, 5, seed=1)
    ref = conv(x, ei, w)
    coo = torch.sparse_coo_tensor(ei, w, (n, n), check_invariants=True)  # uncoalesced: parallel edges sum
    dense = coo.to_dense()
    csr = dense.to_sparse_csr()
    for adj in (coo, coo.coalesce(), csr, dense):
        torch.testing.assert_close(conv(x, adj), ref, atol=1e-6, rtol=0)
    edge_weighted = pyg_utils.to_torch_coo_tensor(ei, w, size=n)
    torch.testing.assert_close(conv(x, edge_weighted), ref, atol=1e-6, rtol=0)
    # gradients of a and h agree between the paths
    ga = torch.autograd.grad(conv(x, ei, w).sum(), [conv.a, conv.h])
    gb = torch.autograd.grad(conv(x, coo).sum(), [conv.a, conv.h])
    for u, v in zip(ga, gb):
        torch.testing.assert_close(u, v, atol=1e-6, rtol=0)


@pytest.mark.parametrize("normalization", ["sym", "row", "none"])
def test_conv_is_one_cdam_step(normalization):
    G = nx.gnp_random_graph(12, 0.3, seed=2, directed=True)
    g = cdam.MemoryGraph.from_networkx(G, np.random.default_rng(1).random((40, 12)))
    model = cdam.CDAM(g, a=-1.0, h=2.0, beta=1.0, eta=0.1, normalization=normalization, dtype=torch.float64)
    data = g.to_pyg()
    conv = CDAMConv(a=-1.0, h=2.0, beta=1.0, eta=0.1, normalization=normalization).double()
    sigma = model.initial_states(noise=1.0, seed=3)
    out = conv(sigma, data.edge_index, data.edge_weight, patterns=data.x)
    torch.testing.assert_close(out, model.step(sigma), atol=1e-10, rtol=0)


def test_conv_in_a_pyg_model_on_karate_club():
    G = nx.karate_club_graph()
    data = pyg_utils.from_networkx(G)
    y = torch.tensor([0 if G.nodes[i]["club"] == "Mr. Hi" else 1 for i in G.nodes])
    torch.manual_seed(0)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(34, 16)
            self.conv = CDAMConv(a=1.0, h=1.0, beta=1.0, eta=0.5, mean_coef=0.0)
            self.out = torch.nn.Linear(16, 2)

        def forward(self, idx, edge_index):
            return self.out(self.conv(self.embed(idx), edge_index))

    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    train = torch.tensor([0, 33])  # one labelled node per faction (semi-supervised)
    idx = torch.arange(34)
    h0, a0 = float(net.conv.h.detach()), float(net.conv.a.detach())
    for _ in range(60):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(idx, data.edge_index)[train], y[train])
        loss.backward()
        opt.step()
    assert float(net.conv.h.detach()) != h0 and float(net.conv.a.detach()) != a0  # both are learned
    assert torch.isfinite(net.conv.a.grad).all()
    pred = net(idx, data.edge_index).argmax(dim=1)
    assert float((pred[train] == y[train]).float().mean()) == 1.0
    # and the same layer on a MemoryGraph exported to PyG
    g = cdam.MemoryGraph.from_networkx(G, np.random.default_rng(0).random((30, 34)))
    d2 = g.to_pyg(dtype=torch.float32)
    conv = CDAMConv(a=-0.5, h=1.5)
    assert conv(d2.x, d2.edge_index, d2.edge_weight).shape == (34, 30)


def test_conv_reset_and_errors():
    conv = CDAMConv(a=0.5, h=2.0)
    with torch.no_grad():
        conv.a.fill_(9.0)
    conv.reset_parameters()
    assert float(conv.a.detach()) == 0.5 and float(conv.h.detach()) == 2.0
    assert "normalization='sym'" in repr(conv) and "a=0.5" in repr(conv)
    fixed = CDAMConv(learn_strengths=False)
    assert len(list(fixed.parameters())) == 0
    x = torch.zeros(3, 2)
    with pytest.raises(GraphError, match="only 3 memories"):
        conv(x, torch.tensor([[0], [5]]))
    with pytest.raises(GraphError, match="edge_weight must have shape"):
        conv(x, torch.tensor([[0], [1]]), torch.ones(2))
    with pytest.raises(GraphError, match=r"\(3, 3\)"):
        conv(x, torch.zeros(4, 4))
    with pytest.raises(StateError, match="patterns must be"):
        conv(x, torch.tensor([[0], [1]]), patterns=torch.zeros(3, 5))
    with pytest.raises(GraphError, match="carries its own weights"):
        conv(x, torch.eye(3), torch.ones(3))
    with pytest.raises(ParameterError, match="eta"):
        CDAMConv(eta=1.5)
    with pytest.raises(ParameterError, match="beta"):
        CDAMConv(beta=float("inf"))
    with pytest.raises(ParameterError, match="normalization"):
        CDAMConv(normalization="col")


# ---------------------------------------------------------------------- Case Sequence Task models
def _batch(n=16, seed=0, dtype=torch.float64):
    b = CaseSequenceTask(seed=seed).batch(n)
    return b.inputs.to(dtype), b.one_hot_targets.to(dtype), b


def test_transformer_closed_form_gradients_equal_autograd():
    model = MinimalTransformer(seed=1, beta=1.3).double()
    x, y, _ = _batch()
    rule, auto = model.gradients(x, y), model.autograd_gradients(x, y)
    for k in ("W_Q", "W_K", "W_V"):
        torch.testing.assert_close(rule[k], auto[k], atol=1e-10, rtol=1e-10)


@pytest.mark.parametrize("variant", ["fixed_k", "mhn", "qk_mhn"])
@pytest.mark.parametrize("proj", [False, True])
def test_mhn_learning_rules_equal_autograd_of_local_losses(variant, proj):
    model = MHNTransformer(variant, proj, seed=2, beta=0.8).double()
    x, y, _ = _batch(seed=1)
    read = model(x, generator=torch.Generator().manual_seed(0))
    rule, auto = model.gradients(x, y, read), model.autograd_gradients(x, y, read)
    assert set(rule) == set(auto) == ({"W_Q", "W_V"} if variant == "fixed_k" else {"W_Q", "W_V", "W_K"})
    for k in rule:
        torch.testing.assert_close(rule[k], auto[k], atol=1e-10, rtol=1e-10)


def test_input_projection_gives_each_token_its_own_unit():
    model = MHNTransformer("fixed_k", True, seed=0)
    _, _, b = _batch(64, dtype=torch.float32)
    mem = model.write(b.inputs[:, :-1], torch.Generator().manual_seed(0))
    context = b.tokens[:, :-1]
    rows = torch.arange(64)[:, None]
    # unit t holds token t: its reinstatement row is that token, its key that token's key
    torch.testing.assert_close(mem.R[rows, context], b.inputs[:, :-1])
    torch.testing.assert_close(mem.W_in[rows, context], b.inputs[:, :-1] @ model.W_K.detach().T)


def test_fast_weights_are_written_one_shot_per_sequence():
    model = MHNTransformer("qk_mhn", False, seed=0)
    x, _, _ = _batch(4, dtype=torch.float32)
    g = torch.Generator().manual_seed(0)
    m1, m2 = model.write(x[:, :-1], g), model.write(x[:, :-1], g)
    assert not torch.equal(m1.W_out, m2.W_out)  # every sequence gets a fresh memory
    assert not m1.W_in.requires_grad  # no backpropagation through the write
    # every context key is stored in some unit (the winner is overwritten with it)
    keys = x[:, :-1] @ model.W_K.detach().T
    stored = (m1.W_in[:, None] == keys[:, :, None]).all(-1).any(-1)  # (B, C)
    assert bool(stored[:, -1].all())  # the last write always survives


def test_train_case_sequence_contract():
    r = train_case_sequence("transformer", batches=400, seed=0)
    assert r.accuracy.shape == (400,) and r.loss.shape == (400,)
    assert r.final_accuracy == pytest.approx(r.accuracy[-400:].mean())
    assert set(r.weights) == {"W_Q", "W_K", "W_V"} and r.weights["W_K"].shape == (32, 12)
    assert r.accuracy[:50].mean() < 0.8 < r.accuracy[-100:].mean()  # it learns
    assert r.loss[-100:].mean() < r.loss[:50].mean()
    assert r.evaluate() > 0.9
    again = train_case_sequence("transformer", batches=400, seed=0)
    np.testing.assert_array_equal(again.accuracy, r.accuracy)
    other = train_case_sequence("transformer", batches=400, seed=1)
    assert not np.array_equal(other.accuracy, r.accuracy)
    r20 = train_case_sequence("fixed_k", True, batches=600, seed=0, final_window=100)
    assert r20.final_accuracy == pytest.approx(r20.accuracy[-100:].mean())
    assert r20.params["n_hidden"] == 8 and r20.params["key_lr"] is None
    assert r20.accuracy[-100:].mean() > r20.accuracy[:100].mean() + 0.1
    np.testing.assert_allclose(r20.weights["W_K"], train_case_sequence("fixed_k", True, batches=1).weights["W_K"])


def test_autograd_baseline_matches_the_closed_form():
    a = train_case_sequence("transformer", batches=60, seed=3)
    b = train_case_sequence("transformer", batches=60, seed=3, gradients="autograd")
    for k in a.weights:
        np.testing.assert_allclose(a.weights[k], b.weights[k], atol=1e-5)
    c = train_case_sequence("qk_mhn", True, batches=30, seed=3)
    d = train_case_sequence("qk_mhn", True, batches=30, seed=3, gradients="autograd")
    for k in c.weights:
        np.testing.assert_allclose(c.weights[k], d.weights[k], atol=1e-5)


def test_key_similarity():
    W = np.zeros((3, 12))
    W[0, [0, 4]] = 1.0  # a and A share a key
    W[1, 1], W[2, 5] = 1.0, 1.0  # b and B do not
    S = case_key_similarity(W)
    assert S.shape == (4, 4) and S[0, 0] == pytest.approx(1.0) and S[1, 1] == 0.0
    with pytest.raises(ParameterError, match="W_K must be"):
        case_key_similarity(np.zeros((3, 5)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"variant": "gpt"}, "unknown variant 'gpt'; choose one of 'transformer', 'fixed_k', 'mhn', 'qk_mhn'"),
        ({"variant": "transformer", "input_projection": True}, "input_projection applies to the MHN variants"),
        ({"variant": "mhn", "batches": 0}, "batches must be >= 1"),
        ({"variant": "mhn", "lr": float("nan")}, "lr must be finite"),
        ({"variant": "mhn", "beta": float("inf")}, "beta must be finite"),
        ({"variant": "mhn", "input_projection": True, "n_hidden": 4}, "n_hidden must be >= 8"),
        ({"variant": "mhn", "gradients": "bptt"}, "unknown gradients"),
    ],
)
def test_train_case_sequence_errors(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        train_case_sequence(**kwargs)


def test_model_input_errors():
    with pytest.raises(StateError, match=r"\(B, C \+ 1, 12\)"):
        MinimalTransformer()(torch.zeros(2, 5, 10))
    with pytest.raises(StateError, match="do not fit"):
        MHNTransformer("mhn", n_hidden=2)(torch.zeros(2, 5, 12))
    with pytest.raises(ParameterError, match="unknown variant"):
        MHNTransformer("transformer")


# ---------------------------------------------------------------------- full-length reproductions
@pytest.mark.slow
@pytest.mark.parametrize("variant, proj", [("transformer", False), ("qk_mhn", True), ("fixed_k", True)])
def test_spec3_targets_reached(variant, proj):
    finals = [train_case_sequence(variant, proj, batches=5000, seed=s).final_accuracy for s in range(5)]
    assert np.median(finals) >= 0.99


@pytest.mark.slow
def test_spec3_key_similarity_only_for_query_trained_keys():
    contrast = {
        v: np.median([train_case_sequence(v, p, batches=5000, seed=s).case_key_contrast for s in range(3)])
        for v, p in [("transformer", False), ("qk_mhn", True), ("fixed_k", True)]
    }
    assert contrast["transformer"] > 0.5 and contrast["qk_mhn"] > 0.5
    assert abs(contrast["fixed_k"]) < 0.2
