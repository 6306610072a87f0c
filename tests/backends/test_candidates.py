"""CandidateSlots: a read over a candidate set equals the top-k scan when the set holds the top k."""

import sys

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import torch

import cdam
from cdam.backends import CandidateSlots, DenseSlots
from cdam.errors import MissingDependencyError, ParameterError, StateError

P, N, K = 2000, 64, 16


def _random_graph(p, degree, rng):
    """A sparse undirected graph of mean degree about ``degree`` on p memories."""
    src = np.repeat(np.arange(p), degree // 2)
    dst = rng.integers(0, p, src.size)
    keep = src != dst
    A = sp.coo_matrix((np.ones(keep.sum()), (src[keep], dst[keep])), shape=(p, p)).tocsr()
    return ((A + A.T) > 0).astype(float)


@pytest.fixture(scope="module")
def graph():
    rng = np.random.default_rng(0)
    patterns = rng.random((N, P))
    return cdam.MemoryGraph.from_networkx(nx.from_scipy_sparse_array(_random_graph(P, 10, rng)), patterns)


@pytest.fixture(scope="module")
def starts(graph):
    # noisy cues of 64 memories: states the dynamics really reads from
    rng = np.random.default_rng(1)
    cues = rng.choice(P, 64, replace=False)
    return graph.patterns[:, cues].T + 1.0 * (rng.random((64, N)) - 0.5), cues


def _exact_outside(keys, query, beta, index):
    """The true softmax mass outside ``index`` (B, k), from all p scores."""
    w = torch.softmax(beta * (query.double() @ keys.double().T), dim=1)
    return 1.0 - w.gather(1, index).sum(dim=1)


def test_no_faiss_is_a_missing_dependency(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)
    with pytest.raises(MissingDependencyError, match=r"cdam\[ann\]"):
        CandidateSlots(torch.rand(40, 8), torch.rand(40, 8), k=2, index="hnsw")


def test_graph_candidates_need_no_faiss(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)
    keys = torch.eye(5)
    ring = sp.csr_matrix(np.roll(np.eye(5), 1, axis=1))
    s = CandidateSlots(keys, keys * 2, k=2, index=None, neighbours=ring)
    r = s.read(torch.tensor([[0.0, 3.0, 0.0, 0.0, 1.0]]), beta=1.0, previous=torch.tensor([[0]]))
    assert r.index.tolist() == [[1, 4]] and r.n_scored.tolist() == [3]  # 0, 1 and 4 scored
    assert torch.allclose(r.values, r.weights @ (keys[r.index[0]] * 2))
    with pytest.raises(ParameterError, match="previous"):
        s.read(torch.zeros(1, 5), beta=1.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"k": 0}, "k must be"),
        ({"k": 8, "candidates": 4}, r"candidates \(4\) must be >= k \(8\)"),
        ({"index": "lsh"}, "unknown index 'lsh'"),
        ({"index": object()}, "index must be one of"),
        ({"index": None}, "give neighbours=M too"),
        ({"neighbours": np.eye(3)}, "scipy.sparse"),
        ({"nlist": 4, "nprobe": 8}, r"nprobe \(8\) cannot exceed nlist \(4\)"),
        ({"expand": 100, "candidates": 40}, r"expand \(100\) cannot exceed candidates \(40\)"),
        ({"hnsw_m": 1}, "hnsw_m must be >= 2"),
        ({"center_keys": 1}, "center_keys must be True or False"),
        ({"seed": 1.5}, "seed must be an int"),
    ],
)
def test_bad_parameters_say_what_to_fix(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        CandidateSlots(**kwargs)


def test_bad_store_and_read():
    faiss = pytest.importorskip("faiss")
    with pytest.raises(StateError, match="nothing is stored"):
        CandidateSlots(index="flat").read(torch.zeros(1, 4), 1.0)
    with pytest.raises(ParameterError, match=r"k \(16\) exceeds the 5 memories"):
        CandidateSlots(torch.rand(5, 4), torch.rand(5, 4), index="flat")
    with pytest.raises(ParameterError, match=r"neighbours must be \(6, 6\)"):
        CandidateSlots(torch.rand(6, 4), torch.rand(6, 4), k=2, index="flat", neighbours=sp.eye(3, format="csr"))
    with pytest.raises(ParameterError, match=r"nlist \(50\) exceeds the 40 keys"):
        CandidateSlots(torch.rand(40, 4), torch.rand(40, 4), k=2, index="ivf", nlist=50)
    with pytest.raises(ParameterError, match="METRIC_INNER_PRODUCT"):
        CandidateSlots(torch.rand(40, 4), torch.rand(40, 4), k=2, index=faiss.IndexFlatL2(4))
    with pytest.raises(ParameterError, match="d=3"):
        CandidateSlots(torch.rand(40, 4), torch.rand(40, 4), k=2, index=faiss.IndexFlatIP(3))
    s = CandidateSlots(torch.rand(40, 4), torch.rand(40, 4), k=2, index="flat")
    with pytest.raises(StateError, match="written once"):
        s.store(torch.rand(40, 4), torch.rand(40, 4))
    with pytest.raises(StateError, match=r"query must be \(B, 4\)"):
        s.read(torch.zeros(2, 5), 1.0)
    with pytest.raises(StateError, match="need the same number of rows"):
        CandidateSlots(k=2, index="flat").store(torch.rand(40, 4), torch.rand(39, 4))


@pytest.mark.parametrize("index", ["flat", "hnsw", "ivf"])
def test_read_equals_the_topk_scan(graph, starts, index):
    pytest.importorskip("faiss")
    keys = torch.as_tensor(graph.patterns.T, dtype=torch.float32).contiguous()
    values = torch.rand(P, 5)
    q = torch.as_tensor(starts[0], dtype=torch.float32)
    # search settings that find the top 16 here: a wide HNSW beam; every IVF cell (uniform
    # patterns have no clusters, so fewer cells miss memories: the benchmark measures that)
    opts = {"hnsw": {"ef_search": 256}, "ivf": {"nlist": 16, "nprobe": 16}}.get(index, {})
    store = CandidateSlots(keys, values, k=K, candidates=96, index=index, **opts)
    dense = DenseSlots(keys, values, topk=K)
    r, d = store.read(q, beta=1.0), dense.retrieve(q, beta=1.0)
    top_idx = d.weights.topk(K, dim=1).indices
    assert torch.equal(r.index.sort(dim=1).values, top_idx.sort(dim=1).values)
    assert torch.allclose(r.values, d.values, atol=1e-5)
    assert torch.equal(r.index[:, 0], d.weights.argmax(dim=1))
    # the protocol's read is the compact one: (B, k) weights and scores over its index
    via_protocol = store.retrieve(q, beta=1.0)
    assert torch.equal(via_protocol.index, r.index) and via_protocol.weights.shape == (q.shape[0], K)
    dense_w = torch.zeros_like(d.weights).scatter_add_(1, via_protocol.index, via_protocol.weights)
    assert torch.allclose(dense_w, d.weights, atol=1e-6)
    assert torch.equal(via_protocol.scores, r.scores) and torch.equal(via_protocol.discarded, r.discarded)
    # the same mass left out, and the estimate bounds it
    exact = _exact_outside(keys, q, 1.0, r.index)
    assert torch.allclose(exact, d.discarded.double(), rtol=1e-4, atol=1e-9)
    assert (r.discarded_low <= exact * (1 + 1e-6) + 1e-12).all()
    assert (exact <= r.discarded_high * (1 + 1e-6) + 1e-12).all()


@pytest.mark.parametrize("beta", [0.5, 2.0, 8.0])
def test_discarded_bounds_hold_with_an_exact_index(graph, starts, beta):
    pytest.importorskip("faiss")
    keys = torch.as_tensor(graph.patterns.T).contiguous()  # float64
    q = torch.as_tensor(starts[0])
    store = CandidateSlots(keys, keys, k=4, candidates=32, index="flat")
    r = store.read(q, beta=beta)
    exact = _exact_outside(keys, q, beta, r.index)
    assert (r.discarded_low <= exact + 1e-12).all() and (exact <= r.discarded_high + 1e-12).all()
    # the bounds bracket a mass that is really there
    assert (r.discarded_high - r.discarded_low >= 0).all() and exact.max() > 1e-6


def test_per_run_beta_and_chunked_reads(graph, starts, monkeypatch):
    pytest.importorskip("faiss")
    from cdam.backends import candidates

    keys = torch.as_tensor(graph.patterns.T, dtype=torch.float32).contiguous()
    q = torch.as_tensor(starts[0], dtype=torch.float32)
    store = CandidateSlots(keys, keys, k=K, candidates=64, index="flat")
    beta = torch.linspace(0.5, 3.0, q.shape[0])
    whole = store.read(q, beta)
    monkeypatch.setattr(candidates, "_GATHER_ELEMENTS", 64 * N * 5)  # a few queries per chunk
    chunked = store.read(q, beta)
    assert torch.equal(whole.index, chunked.index) and torch.allclose(whole.values, chunked.values)
    eps = torch.finfo(torch.float32).eps
    for b in (0, q.shape[0] - 1):
        one = store.read(q[b : b + 1], float(beta[b]))
        assert torch.equal(one.index, whole.index[b : b + 1])
        # one query and a batch of 64 reach the score products with different blockings, so the
        # float32 scores may differ by rounding: at most n eps sum_i |q_i k_i| (a dot product's
        # error bound; measured on an AMD EPYC with AVX-512: 9.5e-6 on scores of 22, 4 eps), and
        # the softmax turns a score error d into a relative weight error of at most 2 beta d
        bound = N * eps * (q[b].abs() @ keys[one.index[0]].abs().T)
        assert ((one.scores[0] - whole.scores[b]).abs() <= bound).all()
        rel = 2 * float(beta[b]) * float(bound.max())
        assert ((one.weights - whole.weights[b : b + 1]).abs() <= rel * whole.weights[b : b + 1] + 1e-12).all()


@pytest.mark.parametrize("index", ["flat", "hnsw"])
def test_cdam_run_matches_the_topk_scan(graph, starts, index):
    pytest.importorskip("faiss")
    kw = dict(a=1.0, h=0.3, beta=1.0)
    ref = cdam.CDAM(graph, topk=K, **kw).run(starts[0], steps=40, record_overlaps=True, record_attention=True)
    store = CandidateSlots(k=K, candidates=96, index=index, ef_search=256)
    traj = cdam.CDAM(graph, backend=store, **kw).run(starts[0], steps=40, record_overlaps=True, record_attention=True)
    np.testing.assert_allclose(np.asarray(traj.final), np.asarray(ref.final), atol=1e-4)
    # sparse reads keep sparse summaries: CSR, k entries a run, equal to the scan's densified
    assert traj.final_attention.layout == torch.sparse_csr and traj.late_attention.layout == torch.sparse_csr
    assert traj.final_attention.values().numel() <= 64 * K
    assert torch.equal(traj.final_attention.to_dense().argmax(dim=1), ref.final_attention.argmax(dim=1))
    torch.testing.assert_close(traj.late_attention.to_dense(), ref.late_attention, atol=1e-5, rtol=0)
    # attention recorded over all p memories, k of them nonzero, and overlaps as the scan's
    assert traj.attention.shape == (40, 64, P) and ((traj.attention > 0).sum(dim=2) <= K).all()
    torch.testing.assert_close(traj.attention.sum(dim=2), torch.ones(40, 64), atol=1e-5, rtol=0)
    torch.testing.assert_close(traj.overlaps, ref.overlaps, atol=1e-4, rtol=0)
    # the reported mass is the upper bound of the mass the scan reports exactly
    assert traj.topk_discarded is not None
    assert (traj.topk_discarded >= ref.topk_discarded * (1 - 1e-4) - 1e-9).all()


def test_graph_expansion_recovers_what_a_weak_index_misses(graph, starts):
    pytest.importorskip("faiss")
    c = graph.compile()
    keys = torch.as_tensor(graph.patterns.T, dtype=torch.float32).contiguous()
    x0 = torch.as_tensor(starts[0], dtype=torch.float32)
    # the state after hetero-association moved attention to a neighbour of the cue
    dense = DenseSlots(keys, keys, topk=K)
    q = dense.retrieve(x0, 1.0).values * 0.5 + torch.as_tensor(c.Q[starts[1]], dtype=torch.float32) * 0.5
    weak = dict(k=K, candidates=K, index="ivf", nlist=64, nprobe=1)
    plain = CandidateSlots(keys, keys, **weak).read(q, 1.0)
    grown = CandidateSlots(keys, keys, neighbours=c.M, expand=K, **weak).read(q, 1.0)
    truth = dense.retrieve(q, 1.0).weights.argmax(dim=1)
    hits = lambda r: int((r.index[:, 0] == truth).sum())  # noqa: E731
    assert hits(grown) >= hits(plain) and (grown.n_scored > plain.n_scored).all()


def test_previous_tracks_attention_along_the_graph():
    # a 50-cycle of orthogonal memories; attention on 7 moves to 8: its neighbour is scored
    p = 50
    keys = torch.eye(p)
    ring = sp.csr_matrix(np.roll(np.eye(p), 1, axis=1))
    s = CandidateSlots(keys, keys, k=1, index=None, neighbours=ring)
    r = s.read(keys[8:9] * 10, beta=1.0, previous=torch.tensor([[7]]))
    assert r.index.tolist() == [[8]] and r.n_scored.tolist() == [3]


def test_cdam_lazy_export_does_not_load_faiss():
    import subprocess

    code = "import sys, cdam, cdam.backends; cdam.backends.CandidateSlots; print('faiss' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
