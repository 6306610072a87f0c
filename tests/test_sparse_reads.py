"""Sparse reads through the run loop: Retrieval.index, previous=, CSR summaries, overlaps_with, budget."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import cdam
from cdam import _csr
from cdam.backends import CandidateSlots, Retrieval, StorageBackend
from cdam.errors import MemoryBudgetError, ParameterError
from cdam.modes import classify_runs


def _graph(p, n, seed=0, degree=4):
    rng = np.random.default_rng(seed)
    G = nx.random_regular_graph(degree, p, seed=seed) if p > degree else nx.complete_graph(p)
    return cdam.MemoryGraph.from_networkx(G, rng.random((n, p)))


def _complete(p):
    """Every memory linked to every other: a graph-seeded read then scores all p."""
    return sp.csr_matrix(np.ones((p, p)) - np.eye(p))


def _sparse_model(g, k, **kw):
    store = CandidateSlots(index=None, neighbours=_complete(len(g)), k=k, max_neighbours=len(g))
    return cdam.CDAM(g, backend=store, **kw)


# contracting settings (auto and narrow hetero): round-off is not amplified over the run
@settings(max_examples=20, deadline=None)
@given(
    p=st.integers(6, 24), n=st.integers(16, 40), k=st.integers(1, 6), a=st.floats(0.6, 1.4),
    h=st.floats(0.0, 0.5), beta=st.floats(0.5, 4.0), steps=st.integers(1, 12), seed=st.integers(0, 1000),
)
def test_sparse_loop_equals_the_topk_scan(p, n, k, a, h, beta, steps, seed):
    g = _graph(p, n, seed)
    kw = dict(a=a, h=h, beta=beta, dtype=torch.float64)
    ref = cdam.CDAM(g, topk=k, engine="direct", **kw).all_starts(steps=steps, seed=seed, record_overlaps=True)
    traj = _sparse_model(g, k, **kw).all_starts(steps=steps, seed=seed, record_overlaps=True)
    torch.testing.assert_close(traj.final, ref.final, atol=1e-10, rtol=0)
    torch.testing.assert_close(traj.overlaps, ref.overlaps, atol=1e-10, rtol=0)
    # the summaries are CSR, at most k entries a row for the final read, and the dense ones densified
    assert traj.final_attention.layout == torch.sparse_csr and traj.late_attention.layout == torch.sparse_csr
    assert int(traj.final_attention.crow_indices().diff().max()) <= k
    torch.testing.assert_close(traj.final_attention.to_dense(), ref.final_attention, atol=1e-10, rtol=0)
    torch.testing.assert_close(traj.late_attention.to_dense(), ref.late_attention, atol=1e-10, rtol=0)
    assert traj.late_attention.dtype == torch.float64
    assert classify_runs(traj, g) == classify_runs(ref, g)


def test_flat_index_run_equals_the_topk_scan():
    pytest.importorskip("faiss")
    g = _graph(40, 64, 1)
    ref = cdam.CDAM(g, topk=5, engine="direct", h=0.3).all_starts(steps=15)
    traj = cdam.CDAM(g, h=0.3, backend=CandidateSlots(k=5, candidates=40, index="flat")).all_starts(steps=15)
    torch.testing.assert_close(traj.final, ref.final, atol=1e-5, rtol=0)
    torch.testing.assert_close(traj.late_attention.to_dense(), ref.late_attention, atol=1e-5, rtol=0)


class _Recorder(StorageBackend):
    """A third party's sparse store: attends to its k best keys and records what it was passed."""

    sparse_k = 2

    def __init__(self):
        self.keys = None
        self.seen = []

    def store(self, keys, values):
        self.keys, self.values = keys, values

    def retrieve(self, query, beta, previous=None):
        self.seen.append(None if previous is None else previous.clone())
        s = query @ self.keys.T
        top, idx = s.topk(self.sparse_k, dim=1)
        w = torch.softmax(beta * top, dim=1)
        return Retrieval(w, torch.bmm(w[:, None], self.values[idx]).squeeze(1), top, None, idx)

    @property
    def n_hidden(self):
        return 0 if self.keys is None else self.keys.shape[0]


def test_the_loop_passes_the_cue_then_the_last_index():
    g = _graph(10, 32)
    store = _Recorder()
    cdam.CDAM(g, backend=store).all_starts(steps=3)
    assert torch.equal(store.seen[0], torch.arange(10)[:, None])  # the first read: each run's cue
    # three updates and the final state's read (no attend method): each the last read's index
    assert [s.shape for s in store.seen[1:]] == [(10, 2)] * 3
    # without cues the first read has none; every later one the last read's index
    store2 = _Recorder()
    cdam.CDAM(g, backend=store2).run(np.asarray(g.patterns.T), steps=2)
    assert store2.seen[0] is None and store2.seen[1].shape == (10, 2)


def test_a_plain_retrieve_is_not_passed_previous():
    g = _graph(10, 32)

    class Plain(_Recorder):
        def retrieve(self, query, beta):  # the protocol without previous
            return super().retrieve(query, beta)

    store = Plain()
    traj = cdam.CDAM(g, backend=store).all_starts(steps=2)
    assert store.seen == [None] * 3 and traj.final_attention.layout == torch.sparse_csr


@pytest.mark.parametrize("engine", ["direct", "coefficient"])
def test_overlaps_with_equals_columns_of_full_overlaps(engine):
    g = _graph(30, 40)
    m = cdam.CDAM(g, h=0.4, engine=engine, dtype=torch.float64)
    idx = [3, 0, 29, 3]
    full = m.all_starts(steps=8, record_overlaps=True)
    part = m.all_starts(steps=8, overlaps_with=idx)
    assert part.overlaps.shape == (8, 30, 4) and part.initial_overlaps.shape == (30, 4)
    assert torch.equal(part.overlaps, full.overlaps[:, :, idx])
    assert torch.equal(part.initial_overlaps, full.initial_overlaps[:, idx])
    assert part.overlaps_with.tolist() == idx and part.engine == engine


def test_overlaps_with_sparse_reads_never_form_all_columns():
    g = _graph(30, 40)
    m = _sparse_model(g, 4, h=0.4, dtype=torch.float64)
    full = m.all_starts(steps=6, record_overlaps=True)
    part = m.all_starts(steps=6, overlaps_with=np.array([5, 7]))
    # from the two patterns alone: the columns to round-off
    torch.testing.assert_close(part.overlaps, full.overlaps[:, :, [5, 7]], atol=1e-12, rtol=0)
    with pytest.raises(ParameterError, match="overlaps_with must index memories 0..29"):
        m.all_starts(steps=2, overlaps_with=[30])
    with pytest.raises(ParameterError, match="non-empty 1-D"):
        m.all_starts(steps=2, overlaps_with=[])


def test_sparse_budget_counts_k_per_run():
    p, n, k = 3000, 32, 8
    g = _graph(p, n)
    dense = cdam.CDAM(g, topk=k, engine="direct")
    sparse = cdam.CDAM(g, backend=CandidateSlots(index=None, neighbours=g.compile().M, k=k))
    _, dense_run, dense_row = dense.memory_estimate(50)
    _, sparse_run, sparse_row = sparse.memory_estimate(50, cues_given=True)
    late = 50 - 51 // 2 + 1
    assert sparse_run == 4 * 3 * n + 16 + (4 + 8) * k + 16 + late * k * 56 + 8 * k
    assert dense_run == 4 * 3 * n + 16 + 12 * p  # dense reads: today's formula
    assert sparse_row == 4 * (2 * n + k * n) + 24 * k and dense_row > 6 * 4 * p
    # finding the cues, or recording all overlaps, reads every memory once per row
    assert sparse.memory_estimate(50)[2] == sparse_row + 12 * p
    assert sparse.memory_estimate(50, cues_given=True, record_overlaps=True, overlap_columns=3)[2] == sparse_row + 36
    # a budget under the dense summaries runs the sparse model's all-starts
    limited = cdam.CDAM(g, backend=CandidateSlots(index=None, neighbours=sparse.M, k=k), memory_limit=30 << 20)
    assert limited.all_starts(steps=4).final.shape == (p, n)
    with pytest.raises(MemoryBudgetError, match="attention_summary=False"):
        cdam.CDAM(g, topk=k, engine="direct", memory_limit=30 << 20).all_starts(steps=4)


def test_summaries_alone_over_the_budget_name_attention_summary_false():
    g = _graph(2000, 200)
    m = cdam.CDAM(g, memory_limit=20 << 20)
    with pytest.raises(MemoryBudgetError) as info:
        m.all_starts(steps=10)
    msg = str(info.value)
    assert "attention summaries alone" in msg and "attention_summary=False" in msg and "memory budget is" in msg
    traj = m.all_starts(steps=10, attention_summary=False)
    assert traj.final.shape == (2000, 200) and traj.final_attention is None and traj.late_attention is None


def test_sparse_summaries_select_concat_and_spread():
    g = _graph(20, 32)
    m = _sparse_model(g, 3, h=0.3)
    whole = m.all_starts(steps=5)
    rows = torch.tensor([4, 0, 19])
    part = whole.select(rows)
    assert torch.equal(part.late_attention.to_dense(), whole.late_attention.to_dense()[rows])
    joined = cdam.Trajectory.concat([whole.select(slice(0, 7)), whole.select(slice(7, 20))])
    assert torch.equal(joined.final_attention.to_dense(), whole.final_attention.to_dense())
    spread = m.all_starts(steps=5, chunk=6, workers=1)
    torch.testing.assert_close(spread.late_attention.to_dense(), whole.late_attention.to_dense(), atol=1e-6, rtol=0)


def test_classifying_large_sparse_runs_is_refused_clearly(monkeypatch):
    g = _graph(20, 32)
    traj = _sparse_model(g, 3).all_starts(steps=5)
    assert isinstance(cdam.classify_mode(traj, g), cdam.Mode)
    monkeypatch.setattr(_csr, "DENSE_ENTRIES_MAX", 100)
    monkeypatch.setattr(_csr.dense_rows, "__defaults__", (100,))
    with pytest.raises(ParameterError, match=r"select\(rows\)"):
        classify_runs(traj, g)
    assert len(classify_runs(traj.select(slice(0, 4)), g)) == 4


def test_csr_rows_helpers():
    d = torch.tensor([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0], [0.0, 0.0, 0.0], [4.0, 5.0, 0.0]])
    r, c = d.nonzero().T
    x = _csr.from_entries(torch.cat([r, r]), torch.cat([c, c]), torch.cat([d[r, c], d[r, c]]) / 2, d.shape)
    assert torch.equal(x.to_dense(), d)  # repeats summed
    assert torch.equal(_csr.take_rows(x, torch.tensor([3, 2, 0])).to_dense(), d[[3, 2, 0]])
    assert torch.equal(_csr.take_rows(x, torch.tensor([True, False, False, True])).to_dense(), d[[0, 3]])
    assert torch.equal(_csr.cat_rows([x, _csr.take_rows(x, slice(1, 2))]).to_dense(), torch.cat([d, d[1:2]]))
    assert torch.equal(_csr.divided(x, 2.0).to_dense(), d / 2)


def test_a_store_that_accepts_factored_values_never_gets_the_value_matrix():
    # a million-memory store must hold the patterns once: the factors of Q, not Q
    from cdam.couplings import FactoredValues

    g = _graph(60, 40, seed=3)
    runs = {}
    for values in ("dense", "factored"):
        model = _sparse_model(g, 6, h=0.5, a=0.5, dtype=torch.float64, values=values)
        assert isinstance(model.backend.values, FactoredValues) is (values == "factored")
        assert "Q" not in vars(model.couplings) or values == "dense"  # the cached Q was never built
        runs[values] = model.all_starts(steps=12, seed=1, record_overlaps=True)
    assert torch.allclose(runs["factored"].final, runs["dense"].final, rtol=0, atol=1e-12)
    assert torch.allclose(runs["factored"].overlaps, runs["dense"].overlaps, rtol=0, atol=1e-12)


def test_factored_values_for_a_store_that_cannot_take_them_is_refused():
    from cdam.backends import KWinnerMHN

    g = _graph(20, 50)
    with pytest.raises(ParameterError, match="does not take factored values"):
        cdam.CDAM(g, backend=KWinnerMHN(50, 100, k=5, seed=0), values="factored")
    # auto keeps giving such a store the matrix it needs
    assert cdam.CDAM(g, backend=KWinnerMHN(50, 100, k=5, seed=0)).backend.n_stored == 20


def _large_graph_model(p=2000, n=64, degree=10, seed=0):
    """A graph-seeded candidate model as the large-graph benchmark builds it, at small p."""
    rng = np.random.default_rng(seed)
    u, v = rng.integers(0, p, (2, p * degree // 2))
    A = sp.coo_matrix((np.ones(u.size), (u, v)), shape=(p, p)).tocsr()
    A = A + A.T
    g = cdam.MemoryGraph.from_scipy_sparse(A, rng.random((n, p), dtype=np.float32))
    store = CandidateSlots(k=8, candidates=32, index=None, neighbours=cdam.couplings.normalize(A, "sym"))
    model = cdam.CDAM(g, h=0.5, backend=store, values="factored")
    cues = rng.choice(p, 96, replace=False)
    x0 = torch.from_numpy(g.patterns[:, cues].T.copy()) + torch.rand(96, n, generator=torch.Generator().manual_seed(1))
    return model, x0 - 0.5, cues


@pytest.mark.slow  # two worker processes start: 27 to 48 s on the shared 2-core machine
def test_a_candidate_run_spread_over_a_dask_cluster_equals_the_serial_run():
    distributed = pytest.importorskip("distributed")
    model, x0, cues = _large_graph_model()
    serial = model.run(x0, 12, cues=cues)
    chunked = model.run_spread(x0, 12, cues=cues, chunk=40, workers=1)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as c:
        with distributed.Client(c) as client:
            spread = model.run_spread(x0, 12, cues=cues, chunk=40, scheduler=client)
    for got in (chunked, spread):
        assert torch.equal(got.final, serial.final)
        assert torch.equal(got.cues, serial.cues)
        for name in ("final_attention", "late_attention"):
            a, b = getattr(got, name), getattr(serial, name)
            assert torch.equal(a.crow_indices(), b.crow_indices()) and torch.equal(a.col_indices(), b.col_indices())
            assert torch.equal(a.values(), b.values())


def test_a_large_graph_model_holds_its_patterns_once(monkeypatch):
    # above the threshold the compiled patterns and the store's keys are the graph's rows; the
    # run is the one of copied patterns, bit for bit (a candidate read gathers rows either way)
    copied, x0, cues = _large_graph_model(p=600)
    expected = copied.run(x0, 8, cues=cues)
    monkeypatch.setattr(cdam.couplings, "SHARED_PATTERNS_MIN_BYTES", 0)
    shared, _, _ = _large_graph_model(p=600)
    rows = shared.graph._pattern_rows()
    assert shared.couplings.Xi.data_ptr() == shared.backend.keys.data_ptr() == rows.ctypes.data
    assert copied.backend.keys.data_ptr() != copied.graph._pattern_rows().ctypes.data
    got = shared.run(x0, 8, cues=cues)
    assert torch.equal(got.final, expected.final)
    assert torch.equal(got.final_attention.values(), expected.final_attention.values())
    # adding memories later leaves the model's patterns as they were (the graph appends elsewhere)
    before = shared.couplings.Xi.clone()
    shared.graph.add_memory("new", np.zeros(64))
    assert torch.equal(shared.couplings.Xi, before)
