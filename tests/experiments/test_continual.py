"""Tests of the continual-learning experiment (Bhandarkar & McClelland 2025): generators, scores, d', the sweep."""

import concurrent.futures as cf
import math
import sys

import numpy as np
import pytest
import torch

from cdam.errors import CDAMError, ParameterError, PatternError
from cdam.experiments.continual import (
    KWINNER,
    ONE_WINNER,
    ContinualResult,
    MissingDependencyError,
    ModelConfig,
    SparsePatterns,
    TreePatterns,
    compare_by_age,
    continual_experiment,
    dprime,
    make_cues,
    one_winner_difference,
    one_winner_pseudo_accuracy,
    recall_accuracy,
    run_protocol,
    sparse_patterns,
)
from cdam.plot import plot_continual

pytestmark = pytest.mark.usefixtures("single_thread")  # tests/conftest.py: one torch thread

TINY = ModelConfig("tiny", n_hidden=30, k=3, fan_in=0.2, lr=0.5)
TINY_PROTOCOL = dict(n_visible=60, n_active=6, n_burn_in=10, n_study=20, n_pseudo=10, cue_fractions=(1.0, 0.5))


# ---------------------------------------------------------------------- generators and scores
def test_sparse_patterns_exact_and_seeded():
    x = sparse_patterns(50, 1000, 100, seed=3)
    assert x.shape == (50, 1000) and x.dtype == torch.float32
    assert (x.sum(dim=1) == 100).all() and set(x.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(x, sparse_patterns(50, 1000, 100, seed=3))
    assert not torch.equal(x, sparse_patterns(50, 1000, 100, seed=4))
    # i.i.d.: two random patterns overlap by s^2 / n = 10 bits on average
    assert abs((x[:25] * x[25:]).sum(dim=1).mean().item() - 10) < 2
    with pytest.raises(ParameterError, match="exceeds n_visible"):
        SparsePatterns(10, 11)


def test_tree_patterns_hierarchy():
    gen = TreePatterns(1000, 100, branching=2, depth=2, change=0.3)
    assert gen.n_moved == 30
    protos = gen.prototypes(torch.Generator().manual_seed(0))
    assert protos.shape == (4, 1000) and (protos.sum(dim=1) == 100).all()
    ov = protos @ protos.T
    # siblings (0, 1) share more than cousins (0, 2): each level moves 30 of 100 bits
    assert ov[0, 1] > ov[0, 2] + 10 and ov[2, 3] > ov[1, 3] + 10
    x = gen(400, seed=1)
    assert x.shape == (400, 1000) and (x.sum(dim=1) == 100).all()
    assert torch.equal(x, gen(400, seed=1))
    # every item is a leaf prototype with 30 bits moved: >= 70 bits shared with its leaf
    assert ((x @ gen.prototypes(torch.Generator().manual_seed(1)).T).max(dim=1).values >= 70).all()
    # far more alike than i.i.d. patterns (10 bits)
    assert (x[:200] * x[200:]).sum(dim=1).mean() > 25
    with pytest.raises(ParameterError, match="change must be in"):
        TreePatterns(100, 10, change=1.5)
    with pytest.raises(ParameterError, match="only 5 are inactive"):
        TreePatterns(15, 10, change=0.6)


def test_make_cues_keeps_a_subset():
    x = sparse_patterns(30, 200, 20, seed=0)
    cue = make_cues(x, 0.5, seed=1)
    assert (cue.sum(dim=1) == 10).all() and bool((cue <= x).all())
    assert torch.equal(cue, make_cues(x, 0.5, seed=1))
    assert torch.equal(make_cues(x, 1.0), x)
    assert (make_cues(x, 0.01, seed=0).sum(dim=1) == 1).all()  # at least one bit is kept
    with pytest.raises(ParameterError, match=r"cue fraction must be in \(0, 1\]"):
        make_cues(x, 0.0)
    with pytest.raises(PatternError, match="binary"):
        make_cues(x * 0.5, 0.5)


def test_recall_accuracy():
    out = torch.tensor([[1.0, 1, 0, 0, 1], [0, 0, 1, 1, 0]])
    tgt = torch.tensor([[1.0, 1, 1, 0, 0], [0, 0, 1, 1, 0]])
    assert recall_accuracy(out, tgt).tolist() == pytest.approx([2 / 3, 1.0])
    with pytest.raises(PatternError, match="binary"):
        recall_accuracy(out * 0.5, tgt)
    with pytest.raises(PatternError, match="no active bit"):
        recall_accuracy(out, torch.zeros(2, 5))
    with pytest.raises(PatternError, match="same shape"):
        recall_accuracy(out[:, :4], tgt)
    with pytest.raises(PatternError, match="binary"):
        recall_accuracy(torch.full((1, 5), float("nan")), tgt[:1])


def test_dprime_and_zero_std_guard():
    d = dprime(np.array([[0.1, 0.0, 0.3, -0.2], [0.3, 0.0, 0.3, -0.2]]), axis=0)
    assert d[0] == pytest.approx(2.0) and d[1] == 0.0 and d[2] == math.inf and d[3] == -math.inf
    assert dprime([0.1, 0.3], ddof=1) == pytest.approx(0.2 / math.sqrt(0.02))
    with pytest.raises(ParameterError, match="finite"):
        dprime([0.1, float("nan")])


def test_one_winner_closed_form():
    p = 0.1 + math.sqrt(2 / 1000 * 0.9 * math.log(100))  # Bhandarkar & McClelland 2025, c = 1
    assert one_winner_pseudo_accuracy() == pytest.approx(p)
    assert 0.17 < p < 0.2  # paper: pseudo accuracy 0.18
    curve = one_winner_difference([1, 2, 100, 1000])
    assert curve[0] == pytest.approx(1 - p)
    assert curve[1] == pytest.approx(0.99 * (1 - p))
    assert curve[2] == pytest.approx(0.99**99 * (1 - p))
    # the paper's 1-winner: 1.00 - 0.18 at age 1, 0.49 - 0.18 at age 100, ~0 at age 1000
    assert curve[0] == pytest.approx(0.82, abs=0.02) and curve[2] == pytest.approx(0.31, abs=0.03)
    assert curve[3] < 1e-3
    assert one_winner_pseudo_accuracy(cue_fraction=0.5) < p
    with pytest.raises(ParameterError, match="ages start at 1"):
        one_winner_difference([0])


def test_run_protocol_shapes_and_seed():
    real, pseudo = run_protocol(TINY, seed=5, **TINY_PROTOCOL)
    assert real.shape == (2, 20) and pseudo.shape == (2, 10)
    assert ((real >= 0) & (real <= 1)).all()
    real2, pseudo2 = run_protocol(TINY, seed=5, **TINY_PROTOCOL)
    assert np.array_equal(real, real2) and np.array_equal(pseudo, pseudo2)


def test_run_protocol_one_winner_remembers_newest():
    real, _ = run_protocol(ONE_WINNER, n_burn_in=150, n_study=50, n_pseudo=20, cue_fractions=(1.0,), seed=0)
    assert real[0, 0] == 1.0  # age 1: the last pattern owns its unit


# ---------------------------------------------------------------------- the reduced continual-learning protocol
@pytest.fixture(scope="module")
def reduced():
    """The paper's networks and patterns; shorter lists and fewer runs (in this process)."""
    return continual_experiment(
        (KWINNER, ONE_WINNER),
        n_burn_in=200,
        n_study=400,
        n_pseudo=150,
        cue_fractions=(1.0,),
        n_runs=3,
        n_samples=2,
        seed=0,
        workers=1,
        progress=False,
    )


def test_reduced_protocol_qualitative_result(reduced):
    r = reduced
    assert r.real["K-winner"].shape == (2, 3, 1, 400) and r.pseudo["1-winner"].shape == (2, 3, 1, 150)
    k_acc, o_acc = r.accuracy("K-winner"), r.accuracy("1-winner")
    # Bhandarkar & McClelland 2025 levels: K-winner ~0.85 new, pseudo ~0.52; 1-winner 1.00 new, pseudo ~0.18
    assert 0.78 < k_acc[:5].mean() < 0.92 and o_acc[0] == 1.0
    assert 0.48 < r.pseudo_accuracy("K-winner") < 0.56 and 0.15 < r.pseudo_accuracy("1-winner") < 0.21
    # the 1-winner wins on the newest memories ...
    k_diff, o_diff = r.difference("K-winner"), r.difference("1-winner")
    assert o_diff[..., :2].mean() > k_diff[..., :2].mean() + 0.3
    assert (r.compare("K-winner", "1-winner", measure="difference").winner[:2] == -1).all()
    # ... and the K-winner recognises far more memories at ages of a few hundred
    ages = slice(150, 400)
    # (with 3 runs a sample, equal differences happen: d' = +-inf there, so clip)
    k_d, o_d = (np.clip(r.dprime(m)[:, ages], -10, 10).mean() for m in ("K-winner", "1-winner"))
    assert k_d > 1.0 and k_d > 3 * max(o_d, 0.1)

    def recognised(name):  # fraction of studied items above the 95th percentile of pseudo-memories
        threshold = np.quantile(r.pseudo[name], 0.95)
        return (r.real[name][..., ages] > threshold).mean()

    assert recognised("K-winner") > 2 * recognised("1-winner")


def test_compare_and_table(reduced):
    comp = compare_by_age(reduced, "K-winner", "1-winner", measure="dprime")
    assert comp.pvalue.shape == (400,) and comp.models == ("K-winner", "1-winner")
    assert ((comp.pvalue >= 0) & (comp.pvalue <= 1)).all()
    mw = reduced.compare(KWINNER, ONE_WINNER, measure="accuracy", test="mannwhitney")
    assert mw.winner[300] == 1  # raw accuracy: the K-winner's baseline alone is far higher
    table = reduced.table(ages=(1, 100, 200), dprime_ages=(1, 100))
    assert set(table) == {"K-winner", "1-winner"}
    assert table["1-winner"]["accuracy"][1] == 1.0 and set(table["K-winner"]["dprime"]) == {1, 100}
    with pytest.raises(ParameterError, match="unknown model"):
        reduced.accuracy("3-winner")
    with pytest.raises(ParameterError, match="cue fraction 0.5 was not tested"):
        reduced.accuracy("K-winner", cue=0.5)
    with pytest.raises(ParameterError, match="unknown measure"):
        reduced.compare("K-winner", "1-winner", measure="auc")


def test_plot_writes_png(tmp_path):
    import matplotlib.image as mpimg
    from matplotlib.figure import Figure

    path = tmp_path / "continual.png"
    assert isinstance(plot_continual(tiny_sweep(seed=0, workers=1), path=path), Figure)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    img = mpimg.imread(path)
    assert img.shape[0] > 400 and img.shape[1] > 1000  # two panels side by side
    assert img[..., :3].std() > 0.05  # not a blank canvas


def test_result_with_zero_spread_samples():
    real = np.ones((2, 3, 1, 4), np.float32)
    pseudo = np.zeros((2, 3, 1, 2), np.float32)
    real[1, :, 0, 0] = [0.5, 0.6, 0.7]
    res = ContinualResult(models={"tiny": TINY}, real={"tiny": real}, pseudo={"tiny": pseudo}, cue_fractions=(1.0,))
    d = res.dprime("tiny")
    assert d.shape == (2, 4) and d[0, 0] == math.inf and d[1, 0] == pytest.approx(0.6 / np.std([0.5, 0.6, 0.7]))
    table = res.table(ages=(1, 4), dprime_ages=(1, 2))["tiny"]
    assert table["dprime"][1] == pytest.approx(d[1, 0])  # the infinite sample is left out
    assert math.isnan(table["dprime"][2]) and table["accuracy"] == {1: pytest.approx(0.8), 4: 1.0}
    comp = compare_by_age(res, "tiny", "tiny")  # equal inputs: no age is significant, no warning
    assert (comp.winner == 0).all()


# ---------------------------------------------------------------------- executors
def tiny_sweep(**kw):
    models = (TINY, ModelConfig("tiny1", 20, 1))
    return continual_experiment(models, n_runs=3, n_samples=2, progress=False, **TINY_PROTOCOL, **kw)


def test_sweep_seeded_and_independent_of_executor():
    serial = tiny_sweep(seed=1, workers=1)
    assert isinstance(serial, ContinualResult) and serial.real["tiny"].shape == (2, 3, 2, 20)
    with cf.ThreadPoolExecutor(2) as ex:
        threaded = tiny_sweep(seed=1, executor=ex)
    procs = tiny_sweep(seed=1, workers=2)
    for name in ("tiny", "tiny1"):
        assert np.array_equal(serial.real[name], threaded.real[name])
        assert np.array_equal(serial.real[name], procs.real[name])
        assert np.array_equal(serial.pseudo[name], procs.pseudo[name])
    other = tiny_sweep(seed=2, workers=1)
    assert not np.array_equal(serial.real["tiny"], other.real["tiny"])
    # runs differ from each other; the two models of one run see the same patterns
    assert not np.array_equal(serial.real["tiny"][0, 0], serial.real["tiny"][0, 1])


def test_sweep_with_tree_patterns():
    gen = TreePatterns(60, 6, branching=2, depth=2, change=0.34)
    res = tiny_sweep(seed=0, workers=1, patterns=gen)
    assert res.real["tiny"].shape == (2, 3, 2, 20)


def test_sweep_bad_arguments():
    with pytest.raises(ParameterError, match="ModelConfig"):
        continual_experiment(["K-winner"], progress=False)
    with pytest.raises(ParameterError, match="distinct"):
        continual_experiment((TINY, TINY), progress=False)
    with pytest.raises(ParameterError, match="k = 40 winners exceeds n_hidden = 30"):
        continual_experiment((ModelConfig("bad", 30, 40),), progress=False, **TINY_PROTOCOL)
    with pytest.raises(ParameterError, match="workers must be >= 1"):
        tiny_sweep(workers=0)
    with pytest.raises(ParameterError, match=r"each of cue_fractions must be in \(0, 1\], got 1.5"):
        continual_experiment((TINY,), cue_fractions=(1.5,), progress=False)


def test_dask_missing_raises_cdam_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(MissingDependencyError, match="dask") as info:
        tiny_sweep(scheduler="tcp://127.0.0.1:8786")
    assert isinstance(info.value, CDAMError) and isinstance(info.value, ImportError)


def test_dask_executor_matches_local():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False) as cluster:
        res = tiny_sweep(seed=1, scheduler=cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            res2 = tiny_sweep(seed=1, scheduler=client)
    serial = tiny_sweep(seed=1, workers=1)
    assert np.array_equal(res.real["tiny"], serial.real["tiny"])
    assert np.array_equal(res2.real["tiny"], serial.real["tiny"])
