"""The execution engine: coefficient space equals the direct update, chunks equal one batch,
budgets are refused before allocation, and the backend protocol is the only seam."""

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import cdam
from cdam.backends import Retrieval, StorageBackend
from cdam.backends.slots import softmax_weights

# settings whose dynamics contract (auto, narrow, wide with mild a, quiescent): there the two
# exact formulations agree to round-off over the whole run. (-2, 3) on a cycle amplifies
# rounding (benchmarks/spread.py), so it is compared over a short horizon only.
CONTRACTING = [(1.0, 0.0), (0.5, 0.5), (-0.5, 1.5), (0.0, 0.0), (-1.0, 1.0)]


def _graph(p=24, n=300, directed=False, seed=0):
    rng = np.random.default_rng(seed)
    G = nx.cycle_graph(p, create_using=nx.DiGraph if directed else nx.Graph)
    if not directed:
        G.add_edges_from((i, (i + 5) % p) for i in range(0, p, 3))
    return cdam.MemoryGraph.from_networkx(G, rng.random((n, p)))


def _rel(a, b):
    return float((a - b).abs().max() / b.abs().max().clamp(min=1e-300))


def _both(g, steps=100, run_kwargs=None, **kw):
    out = {}
    for engine in ("direct", "coefficient"):
        m = cdam.CDAM(g, dtype=torch.float64, engine=engine, **kw)
        out[engine] = m.all_starts(steps=steps, seed=3, **(run_kwargs or {}))
    return out["direct"], out["coefficient"]


@pytest.mark.parametrize("normalization", ["sym", "row", "none"])
@pytest.mark.parametrize("direction", ["forward", "reverse"])
@pytest.mark.parametrize("a,h", CONTRACTING)
def test_coefficient_space_equals_direct(normalization, direction, a, h):
    g = _graph(directed=direction == "reverse")
    d, c = _both(g, a=a, h=h, normalization=normalization, direction=direction,
                 run_kwargs=dict(record_overlaps=True, record_attention=True))
    assert c.engine == "coefficient" and d.engine == "direct"
    assert _rel(c.final, d.final) < 1e-9
    assert float((c.overlaps - d.overlaps).abs().max()) < 1e-9
    assert float((c.attention - d.attention).abs().max()) < 1e-9
    assert float((c.late_attention - d.late_attention).abs().max()) < 1e-9
    assert torch.equal(c.cues, d.cues)


@pytest.mark.parametrize("kind", ["pearson", "cosine", "dot"])
@pytest.mark.parametrize("extra", [dict(softmax="legacy"), dict(topk=4), dict(mean_coef=0.0), dict(mean_coef=0.3)])
def test_coefficient_space_every_option_and_overlap(kind, extra):
    g = _graph()
    d, c = _both(g, a=-0.5, h=1.5, **extra,
                 run_kwargs=dict(record_overlaps=True, overlap=kind, record_states=True))
    scale = 1.0 if kind != "dot" else float(d.overlaps.abs().max())
    assert _rel(c.final, d.final) < 1e-9
    assert float((c.overlaps - d.overlaps).abs().max()) / scale < 1e-9
    assert float((c.states - d.states).abs().max()) < 1e-9
    if "topk" in extra:
        assert c.topk_discarded is not None
        assert float((c.topk_discarded - d.topk_discarded).abs().max()) < 1e-9


@settings(max_examples=25, deadline=None)
@given(
    p=st.integers(3, 20), n=st.integers(20, 80), seed=st.integers(0, 10_000),
    a=st.floats(-3, 2), h=st.floats(-1, 4), beta=st.floats(0, 3), steps=st.integers(0, 12),
    normalization=st.sampled_from(["sym", "row", "none"]), direction=st.sampled_from(["forward", "reverse"]),
)
def test_coefficient_space_property(p, n, seed, a, h, beta, steps, normalization, direction):
    # short horizons: rounding has no room to be amplified, whatever the regime
    rng = np.random.default_rng(seed)
    G = nx.gnp_random_graph(p, 0.3, seed=seed, directed=direction == "reverse")
    g = cdam.MemoryGraph.from_networkx(G, rng.random((n, p)))
    d, c = _both(g, steps=steps, a=a, h=h, beta=beta, normalization=normalization, direction=direction,
                 run_kwargs=dict(record_overlaps=True))
    assert _rel(c.final, d.final) < 1e-8
    assert float((c.overlaps_with_initial() - d.overlaps_with_initial()).abs().max()) < 1e-7


def test_auto_picks_coefficient_where_cheaper():
    small = cdam.CDAM(_graph(p=24, n=300))
    assert small.choose_engine() == "coefficient"
    assert small.choose_engine(record_states=True) == "coefficient"
    wide = cdam.CDAM(_graph(p=24, n=10))  # p >= 2n
    assert wide.choose_engine() == "direct"
    assert cdam.CDAM(_graph(p=24, n=10), engine="coefficient").choose_engine() == "coefficient"
    x0 = small.initial_states()
    assert small.run(x0, 3, tol=1e-3).engine == "direct"  # tol acts on the state itself


def test_coefficient_refuses_what_it_cannot_do():
    g = _graph()
    m = cdam.CDAM(g, engine="coefficient")
    with pytest.raises(cdam.errors.ParameterError, match="engine='direct'"):
        m.run(m.initial_states(), 5, tol=1e-3)
    with pytest.raises(cdam.errors.ParameterError, match="slot store"):
        cdam.CDAM(g, backend=_ProtocolSlots(), engine="coefficient").all_starts(steps=2)
    with pytest.raises(cdam.errors.ParameterError, match="engine must be"):
        cdam.CDAM(g, engine="fast")


@pytest.mark.parametrize("engine", ["direct", "coefficient"])
def test_memory_limit_chunks_give_the_same_states(engine):
    g = _graph(p=40, n=400)
    full = cdam.CDAM(g, a=-0.5, h=1.5, dtype=torch.float64, engine=engine)
    t1 = full.all_starts(steps=60, record_overlaps=True, record_attention=True)
    t2 = _tightest_run(g, lambda m: m.all_starts(steps=60, record_overlaps=True, record_attention=True),
                       dict(batch=40, steps=60, engine=engine, record_overlaps=True, record_attention=True),
                       a=-0.5, h=1.5, engine=engine)
    np.testing.assert_allclose(t2.final.numpy(), t1.final.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(t2.overlaps.numpy(), t1.overlaps.numpy(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(t2.late_attention.numpy(), t1.late_attention.numpy(), rtol=0, atol=1e-12)


def _tightest_run(g, job, plan, **kw):
    """Run ``job`` under the smallest budget (bisected, a few MB) at which it still runs; ``plan``:
    the run's arguments to :func:`cdam._engine.rows_per_chunk` (batch, steps, engine, records)."""
    lo, hi = 1, 64 << 20  # lo is refused, hi runs
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            job(cdam.CDAM(g, dtype=torch.float64, memory_limit=mid, **kw))
        except cdam.errors.MemoryBudgetError:
            lo = mid
        else:
            hi = mid
    model = cdam.CDAM(g, dtype=torch.float64, memory_limit=hi, **kw)
    out = job(model)
    # it really split the batch, down to single runs (planned as the run planned it: on a fresh
    # model, before a Gram matrix is cached)
    batch, steps = plan.pop("batch"), plan.pop("steps")
    fresh = cdam.CDAM(g, dtype=torch.float64, memory_limit=hi, **kw)
    assert cdam._engine.rows_per_chunk(fresh, batch, steps, **plan) == 1
    return out


def test_memory_limit_with_tol_stops_where_one_batch_stops():
    g = _graph(p=40, n=400)
    full = cdam.CDAM(g, dtype=torch.float64)
    x0 = full.initial_states()
    t1 = full.run(x0, 500, tol=1e-4)
    t2 = _tightest_run(g, lambda m: m.run(x0, 500, tol=1e-4), dict(batch=40, steps=500, engine="direct", tol=1e-4))
    assert t1.steps == t2.steps < 500
    np.testing.assert_allclose(t2.final.numpy(), t1.final.numpy(), rtol=1e-12, atol=1e-12)


def test_budget_too_small_is_refused_before_allocating():
    g = _graph(p=40, n=400)
    m = cdam.CDAM(g, memory_limit=10_000)
    with pytest.raises(cdam.errors.MemoryBudgetError) as info:
        m.all_starts(steps=10, record_overlaps=True)
    msg = str(info.value)
    assert "memory budget is" in msg and "fewer starts" in msg and "memory_limit" in msg
    assert isinstance(info.value, MemoryError) and isinstance(info.value, cdam.CDAMError)


def test_huge_all_starts_refused_under_default_budget(monkeypatch):
    # p = 3e4 starts keep 3e4 x 3e4 attention summaries (10.8 GB): more than a 6 GB budget
    monkeypatch.setattr(cdam._engine, "default_memory_limit", lambda: 6 << 30)
    rng = np.random.default_rng(0)
    g = cdam.MemoryGraph()
    g.add_memories(range(30_000), rng.random((64, 30_000)))
    m = cdam.CDAM(g)
    with pytest.raises(cdam.errors.MemoryBudgetError, match="memory budget is 6.44 GB"):
        m.all_starts(steps=10)


# ---------------------------------------------------------------- the backend protocol
class _ProtocolSlots(StorageBackend):
    """A slot store written from DESIGN.md's protocol alone (no cdam internals)."""

    def __init__(self, topk=None):
        self.topk, self.keys, self.values = topk, None, None

    def store(self, keys, values):
        self.keys, self.values = keys.clone(), values.clone()

    def retrieve(self, query, beta):
        s = query @ self.keys.T
        if self.topk is None:
            w = softmax_weights(s, beta)
            return Retrieval(w, w @ self.values, s)
        top, idx = s.topk(self.topk, dim=1)
        full = torch.softmax(beta * (s - top[:, :1]), dim=1)
        kept = torch.zeros_like(s).scatter_(1, idx, 1.0).bool()
        discarded = full.masked_fill(kept, 0.0).sum(dim=1)
        w = torch.zeros_like(s).scatter_(1, idx, torch.softmax(beta * top, dim=1))
        return Retrieval(w, w @ self.values, s, discarded)

    @property
    def n_hidden(self):
        return 0 if self.keys is None else self.keys.shape[0]

    @property
    def n_stored(self):
        return self.n_hidden


@pytest.mark.parametrize("topk", [None, 3])
def test_protocol_backend_matches_slots_with_every_recorder(topk):
    g = _graph(p=20, n=200)
    kw = dict(a=0.5, h=0.5, dtype=torch.float64, engine="direct")
    ref = cdam.CDAM(g, topk=topk, **kw).all_starts(steps=40, record_overlaps=True, record_attention=True)
    got = cdam.CDAM(g, backend=_ProtocolSlots(topk), **kw).all_starts(
        steps=40, record_overlaps=True, record_attention=True
    )
    for name in ("final", "overlaps", "attention", "late_attention", "final_attention"):
        np.testing.assert_allclose(getattr(got, name).numpy(), getattr(ref, name).numpy(), rtol=0, atol=1e-9)
    if topk is None:
        assert got.topk_discarded is None and ref.topk_discarded is None
    else:
        np.testing.assert_allclose(got.topk_discarded.numpy(), ref.topk_discarded.numpy(), atol=1e-12)
    assert cdam.classify_mode(got, g) == cdam.classify_mode(ref, g)


# ---------------------------------------------------------------- the one loop
def test_user_recorder_and_perturb_hook():
    g = _graph(p=12, n=100)
    m = cdam.CDAM(g, dtype=torch.float64)

    class Norms(cdam.dynamics.Recorder):
        def begin(self, batch, steps, model):
            self.out = torch.zeros(steps + 1, batch, dtype=torch.float64)

        def observe(self, t, rows, view):
            self.out[t, rows] = view.state.norm(dim=1)

    rec = Norms()
    x0 = m.initial_states()
    traj = m.run(x0, 10, recorders=[rec], record_states=True)
    np.testing.assert_allclose(rec.out[1:].numpy(), traj.states.norm(dim=2).numpy(), rtol=1e-12)
    np.testing.assert_allclose(rec.out[0].numpy(), x0.norm(dim=1).numpy(), rtol=1e-12)

    kick = torch.ones(100, dtype=torch.float64)

    def perturb(t, rows, states):
        if t == 3:
            states += kick

    poked = m.run(x0, 3, perturb=perturb)
    plain = m.run(x0, 3)
    np.testing.assert_allclose(poked.final.numpy(), plain.final.numpy() + 1.0, rtol=1e-12)


@pytest.mark.parametrize("engine", ["direct", "coefficient"])
def test_one_model_runs_from_two_threads_each_with_its_own_plan(engine):
    # a run keeps its plan, chunks and final states on its own context, never on the model:
    # two threads sharing one model, with batches the budget splits differently, each get
    # exactly their serial result (a run that left its plan or states on the model raced here)
    from concurrent.futures import ThreadPoolExecutor

    g = _graph(p=24, n=300)
    kw = dict(a=-0.5, h=1.5, dtype=torch.float64, engine=engine)
    free = cdam.CDAM(g, **kw)
    free.all_starts(steps=1)  # caches the Gram matrix, which the plan counts until it exists
    fixed, per_run, per_row = free.memory_estimate(30, engine=engine, record_overlaps=True)
    m = cdam.CDAM(g, memory_limit=fixed + 24 * per_run + int(2.5 * per_row * 1.25), **kw)
    m.all_starts(steps=1)
    x0 = m.initial_states(seed=0)
    starts = [x0, x0[1:23].clone()]  # 24 and 22 runs
    plans = [cdam._engine.rows_per_chunk(m, len(x), 30, engine=engine, record_overlaps=True) for x in starts]
    assert plans[0] == 2 and plans[0] < plans[1] < 22  # both split, differently

    def job(x):
        return m.run(x, 30, record_overlaps=True)

    serial = [job(x) for x in starts]
    with ThreadPoolExecutor(2) as pool:
        for _ in range(6):
            for got, want in zip(pool.map(job, starts), serial):
                for name in ("final", "overlaps", "late_attention", "final_attention", "cues"):
                    assert torch.equal(getattr(got, name), getattr(want, name)), name


def test_freeze_stops_each_run_on_its_own():
    g = _graph(p=12, n=100)
    m = cdam.CDAM(g, dtype=torch.float64)
    x0 = m.initial_states()
    t = m.run(x0, 400, tol=1e-6, freeze=True)
    assert t.settled.all() and t.run_steps.max() == t.steps
    for b in range(0, 12, 5):  # each run equals a run of its own stopped at its own step
        alone = m.run(x0[b], int(t.run_steps[b]))
        np.testing.assert_allclose(t.final[b].numpy(), alone.final[0].numpy(), rtol=1e-12, atol=1e-14)
    with pytest.raises(cdam.errors.ParameterError, match="freeze=True needs tol"):
        m.run(x0, 3, freeze=True)


def test_stacked_cells_compute_the_same_bits_as_cells_alone():
    torch.set_num_threads(1)  # the test suite's setting; BLAS splits work differently on more threads
    g = _graph(p=30, n=500)
    m = cdam.CDAM(g)
    x0 = m.initial_states(seed=0)
    cells = [{"a": a, "h": h} for h in (0.0, 1.0, 3.0) for a in (-2.0, 0.5, 1.0)] + [{"beta": 2.0, "eta": 0.3}]
    runs = m.run_cells(cells, x0, 60, record_overlaps=True)
    for cell, got in zip(cells, runs):
        alone = m.with_params(**cell).run(x0, 60, record_overlaps=True)
        assert got.params == alone.params
        for name in ("final", "late_attention", "final_attention", "cues"):
            assert torch.equal(getattr(got, name), getattr(alone, name)), (cell, name)
        # overlaps divide by per-row norms, and torch's row reductions round with the batch size
        torch.testing.assert_close(got.overlaps, alone.overlaps, rtol=0, atol=cdam.overlap.FUSED_OVERLAP_MAX_ERROR)
    with pytest.raises(cdam.errors.ParameterError, match="cells vary only"):
        m.run_cells([{"normalization": "row"}], x0)


def test_attractor_correlation_refuses_what_cannot_fit():
    X = np.random.default_rng(0).random((2000, 50))
    with pytest.raises(cdam.errors.MemoryBudgetError, match=r"\(2000, 2000\) correlation matrix needs about"):
        cdam.attractor_correlation(X, memory_limit=10_000_000)
    C = cdam.attractor_correlation(X[:100], memory_limit=10_000_000)
    np.testing.assert_allclose(C, np.corrcoef(X[:100]), atol=1e-12)


def test_all_starts_spread_over_processes_and_dask_equal_one_batch():
    g = _graph(p=20, n=200)
    m = cdam.CDAM(g, a=-0.5, h=1.5, dtype=torch.float64)
    one = m.all_starts(steps=40, record_overlaps=True)
    for kw in (dict(chunk=6, workers=1), dict(chunk=7, workers=2)):
        got = m.all_starts(steps=40, record_overlaps=True, **kw)
        np.testing.assert_allclose(got.final.numpy(), one.final.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got.overlaps.numpy(), one.overlaps.numpy(), rtol=0, atol=1e-12)
        assert torch.equal(got.cues, one.cues)
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False) as cluster:
        with distributed.Client(cluster) as client:
            got = m.all_starts(steps=40, chunk=5, scheduler=client)
    np.testing.assert_allclose(got.final.numpy(), one.final.numpy(), rtol=1e-12, atol=1e-12)


def test_attention_summary_can_be_left_out():
    g = _graph(p=40, n=100)
    m = cdam.CDAM(g, dtype=torch.float64)
    full = m.all_starts(steps=20)
    lean = m.all_starts(steps=20, attention_summary=False)
    assert lean.final_attention is None and lean.late_attention is None
    np.testing.assert_allclose(lean.final.numpy(), full.final.numpy(), rtol=0, atol=0)
    assert "p=40" in repr(lean)
    with pytest.raises(cdam.errors.ParameterError, match="attention_summary=True"):
        cdam.classify_mode(lean, g)
    fixed, with_summary, _ = m.memory_estimate(20)
    _, without, _ = m.memory_estimate(20, attention_summary=False)
    assert with_summary - without == 16 * 40  # final attention (float64 model: 8 p) and the float64 late mean (8 p)


def test_a_run_leaves_the_callers_subnormal_setting_alone():
    def flushing():
        return float(torch.tensor([1e-39], dtype=torch.float32) * 1.0) == 0.0

    m = cdam.CDAM(_graph(p=12, n=60))
    assert not flushing()
    m.all_starts(steps=5)
    assert not flushing()  # flushed while stepping, restored after
    try:
        torch.set_flush_denormal(True)
        m.all_starts(steps=5)
        assert flushing()  # a caller's own choice survives the run
    finally:
        torch.set_flush_denormal(False)


@pytest.mark.parametrize("kind", ["pearson", "cosine"])
def test_overlaps_formed_in_blocks_of_steps_equal_one_block(monkeypatch, kind):
    # coefficient space keeps C_t and forms the overlaps after the run in cache-sized blocks of
    # steps; the blocking must not change a bit (each row's GEMM and reductions are its own)
    from cdam._recorders import _Overlaps

    torch.set_num_threads(1)
    m = cdam.CDAM(_graph(p=24, n=300), a=-0.5, h=1.5, dtype=torch.float64, engine="coefficient")
    whole = m.all_starts(steps=40, seed=1, record_overlaps=True, overlap=kind)
    monkeypatch.setattr(_Overlaps, "FINISH_BYTES", 24 * 8 * 24 * 3)  # three steps a block
    blocks = m.all_starts(steps=40, seed=1, record_overlaps=True, overlap=kind)
    assert whole.overlaps is not None and torch.equal(whole.overlaps, blocks.overlaps)
    assert torch.equal(whole.final, blocks.final)
    direct = m.all_starts(steps=40, seed=1, record_overlaps=True, overlap=kind, engine="direct")
    assert float((blocks.overlaps - direct.overlaps).abs().max()) < 1e-9


@pytest.mark.parametrize("extra", [{}, dict(topk=4)])
def test_coefficient_runs_hand_back_ordinary_tensors(extra):
    # the coefficient loop steps under torch.inference_mode; nothing it returns may be an
    # inference tensor (those refuse autograd and in-place edits outside the mode)
    m = cdam.CDAM(_graph(), a=-0.5, h=1.5, engine="coefficient", **extra)
    for kind in ("pearson", "dot"):
        tr = m.all_starts(steps=5, record_overlaps=True, record_attention=True, record_states=True, overlap=kind)
        tensors = {k: v for k, v in vars(tr).items() if isinstance(v, torch.Tensor)}
        assert {"final", "overlaps", "attention", "states", "late_attention"} <= set(tensors)
        assert not [k for k, v in tensors.items() if v.is_inference()]
        tr.final.add_(1.0)  # an inference tensor would raise here
        torch.exp(tr.final.requires_grad_()).sum().backward()
