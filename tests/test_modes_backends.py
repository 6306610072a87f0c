"""Recall failure as an observed outcome, no theory for non-slot stores, phase diagrams per backend."""

import numpy as np
import pytest
import torch

import cdam
from cdam.backends import DenseSlots, KWinnerMHN, MHNAttention
from cdam.dynamics import Trajectory
from cdam.modes import Mode, classify_runs, mode_evidence, phase_diagram, predict_mode, run_outcomes

P, N = 12, 500


@pytest.fixture(scope="module")
def cycle12():
    return cdam.datasets.cycle_memory_graph(P, N, seed=0)


def _traj(final, attention, cues=None):
    """A Trajectory built by hand: chosen final states (B, n) and late attention (B, p)."""
    B = final.shape[0]
    att = torch.as_tensor(attention, dtype=torch.float64)
    return Trajectory(
        final=torch.as_tensor(final, dtype=torch.float32),
        final_attention=att.float(),
        late_attention=att,
        cues=torch.arange(B) if cues is None else torch.as_tensor(cues),
        steps=100,
    )


def _fixed_point(g, weights):
    """The slot store's end state for attention ``weights`` (B, p) at a = 1, h = 0: w Xi^T - xbar."""
    Xi = np.asarray(g.patterns)  # (n, p)
    return weights @ Xi.T - Xi.mean(axis=1)


def _onehot(idx):
    return np.eye(P)[np.asarray(idx) % P]


# ----------------------------------------------------------------- constructed trajectories
def test_pure_cue_recall_is_auto(cycle12):
    w = _onehot(np.arange(P))
    traj = _traj(_fixed_point(cycle12, w), w)
    assert cdam.classify_mode(traj, cycle12) is Mode.AUTO
    ev = mode_evidence(traj, cycle12)
    assert ev.mode is Mode.AUTO and ev.fractions["auto"] == 1.0 and ev.recall_failures == 0.0


def test_neighbour_blend_is_narrow_hetero(cycle12):
    mu = np.arange(P)
    w = 0.4 * _onehot(mu) + 0.6 * _onehot(mu + 1)  # the cue and its successor, linked
    traj = _traj(_fixed_point(cycle12, w), w)
    assert classify_runs(traj, cycle12) == [Mode.NARROW_HETERO] * P
    ev = mode_evidence(traj, cycle12)
    assert ev.mode is Mode.NARROW_HETERO
    # neighbouring cues end in shared mixtures: 0.24 / 0.52 = 0.46 before the mean is subtracted,
    # 0.34 after (-xbar is shared by all states); runs 3 hops apart share nothing
    C = ev.correlation_by_distance
    assert C[1.0] > 0.3 and C[3.0] < 0.0


def test_unrelated_memory_is_a_recall_failure(cycle12):
    w = _onehot(np.arange(P) + P // 2)  # each run ends exactly on the memory opposite its cue
    traj = _traj(_fixed_point(cycle12, w), w)
    assert cdam.classify_mode(traj, cycle12) is Mode.RECALL_FAILURE
    ev = mode_evidence(traj, cycle12)
    assert ev.fractions["unrelated_memory"] == 1.0
    assert ev.best_overlap.min() > 0.9  # a real memory, just not one the graph relates to the cue


def test_far_drift_shared_by_neighbours_is_hetero_not_failure(cycle12):
    # every run drifted 4 hops, onto a linked pair: far from the cue, but neighbouring cues
    # drifted together (wide hetero-association can drift this far), so it is recall
    mu = np.arange(P) + 4
    w = 0.5 * _onehot(mu) + 0.5 * _onehot(mu + 1)
    traj = _traj(_fixed_point(cycle12, w), w)
    assert cdam.classify_mode(traj, cycle12) is Mode.NARROW_HETERO


def test_no_memory_is_a_recall_failure(cycle12):
    rng = np.random.default_rng(1)
    final = rng.random((P, N))  # correlated with no pattern (best overlap ~ sqrt(2 ln p / n))
    w = np.full((P, P), 1.0 / P)
    traj = _traj(final, w)
    ev = mode_evidence(traj, cycle12)
    assert ev.mode is Mode.RECALL_FAILURE and ev.fractions["no_memory"] == 1.0
    assert ev.best_overlap.max() < cdam.modes.MATCH_OVERLAP


def test_mixed_batch_counts_each_outcome(cycle12):
    mu = np.arange(P)
    w = _onehot(mu)
    w[:5] = _onehot(mu[:5] + P // 2)  # five misreads, seven recalls
    final = _fixed_point(cycle12, w)
    final[5] = np.random.default_rng(2).random(N)  # and one run on no memory
    ev = mode_evidence(_traj(final, w), cycle12)
    assert ev.outcomes.tolist() == ["unrelated_memory"] * 5 + ["no_memory"] + ["auto"] * 6
    assert ev.fractions == {
        "auto": 0.5, "narrow_hetero": 0.0, "wide_hetero": 0.0, "no_memory": 1 / 12, "unrelated_memory": 5 / 12,
    }
    assert ev.mode is Mode.RECALL_FAILURE
    assert str(ev) == "recall_failure"


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")
def test_sparse_csr_attention_reads_like_dense(cycle12):
    w = _onehot(np.arange(P) + P // 2)
    dense = _traj(_fixed_point(cycle12, w), w)
    sparse = _traj(_fixed_point(cycle12, w), w)
    sparse.late_attention = dense.late_attention.to_sparse_csr()
    sparse.final_attention = dense.final_attention.to_sparse_csr()
    np.testing.assert_array_equal(run_outcomes(sparse, cycle12), run_outcomes(dense, cycle12))


def test_without_a_graph_failures_are_not_told_apart(cycle12):
    w = _onehot(np.arange(P) + P // 2)
    traj = _traj(_fixed_point(cycle12, w), w)
    assert cdam.classify_mode(traj) is Mode.NARROW_HETERO  # one memory: participation ratio 1
    with pytest.raises(cdam.ParameterError, match="needs the graph"):
        mode_evidence(traj, None)


# ----------------------------------------------------------------- K-winner storage, measured
@pytest.fixture(scope="module")
def cycle20():
    # the outcomes below are those of the 30-cycle (issue 24's table) at two thirds of the cost
    return cdam.datasets.cycle_memory_graph(20, 1000, seed=0)


@pytest.mark.scientific
@pytest.mark.parametrize(
    ("k", "a", "h", "mode"),
    [
        (50, 1.0, 0.0, Mode.RECALL_FAILURE),  # was narrow_hetero: misreads onto unrelated memories
        (50, 0.5, 0.5, Mode.RECALL_FAILURE),  # was narrow_hetero
        (10, 1.0, 0.0, Mode.RECALL_FAILURE),  # was wide_hetero: runs on no memory
        (50, -0.5, 1.5, Mode.WIDE_HETERO),  # genuine wide hetero-association (C(d=1) ~ +0.4)
        (1, 1.0, 0.0, Mode.AUTO),  # one winner: the slot store's hard limit
    ],
)
def test_kwinner_modes(cycle20, k, a, h, mode):
    model = cdam.CDAM(cycle20, a=a, h=h, backend=KWinnerMHN(1000, 2000, k=k, seed=0))
    ev = mode_evidence(model.all_starts(100, 1.0, seed=0), cycle20)
    assert ev.mode is mode, repr(ev)
    hetero = ev.fractions["narrow_hetero"] + ev.fractions["wide_hetero"]
    if mode is Mode.RECALL_FAILURE:
        assert ev.recall_failures > hetero
    if mode is Mode.WIDE_HETERO:
        assert ev.correlation_by_distance[1.0] > 0.2


# ----------------------------------------------------------------- no theory for other stores
def test_predict_mode_refuses_non_slot_backends(cycle12):
    for store in (KWinnerMHN(N, 2 * N, k=10, seed=0), MHNAttention(N, projections=False)):
        model = cdam.CDAM(cycle12, backend=store)
        with pytest.raises(cdam.ParameterError, match="classify_mode"):
            predict_mode(model)
        with pytest.raises(cdam.ParameterError, match="slot store"):
            cdam.modes.predict_modes(model)
    assert predict_mode(cdam.CDAM(cycle12, backend=DenseSlots())) is Mode.AUTO  # the slot store as an instance


# ----------------------------------------------------------------- phase diagrams per backend
def test_phase_diagram_with_an_mhn_layer_matches_slots(cycle12):
    a, h = [-2.0, 1.0], [0.0, 3.0]
    slots = phase_diagram(cycle12, a, h, steps=60)
    store = MHNAttention(N, projections=False)
    layer = phase_diagram(cycle12, a, h, steps=60, backend=store)
    assert store.n_stored == 0  # every cell got a copy
    assert layer.predicted is None and layer.backend == "MHNAttention"
    np.testing.assert_array_equal(layer.observed, slots.observed)
    assert "observed only" in repr(layer) and "backend=MHNAttention" in repr(layer)
    with pytest.raises(cdam.ParameterError, match="slot store"):
        _ = layer.agreement


def test_phase_diagram_backend_factory_and_errors(cycle12):
    made = []

    def fresh():
        made.append(DenseSlots())
        return made[-1]

    d = phase_diagram(cycle12, [1.0, -2.0], [0.0], steps=30, backend=fresh)
    assert len(made) == 2 and len({id(s) for s in made}) == 2  # one fresh store per cell
    assert d.predicted.tolist() == [[Mode.QUIESCENT, Mode.AUTO]]  # a slot store keeps its theory
    full = KWinnerMHN(N, 2 * N, k=10, seed=0)
    cdam.CDAM(cycle12, backend=full)
    with pytest.raises(cdam.ParameterError, match="already holds"):
        phase_diagram(cycle12, [1.0], [0.0], backend=full)
    with pytest.raises(cdam.ParameterError, match="callable returning one"):
        phase_diagram(cycle12, [1.0], [0.0], backend=3)
    with pytest.raises(cdam.ParameterError, match="not a StorageBackend"):
        phase_diagram(cycle12, [1.0], [0.0], backend=lambda: "dense")
    with pytest.raises(cdam.ParameterError, match="observe=True"):
        phase_diagram(cycle12, [1.0], [0.0], backend=MHNAttention(N, projections=False), observe=False)
    with pytest.raises(cdam.ParameterError, match="cannot be passed"):
        phase_diagram(cycle12, [1.0], [0.0], backend=DenseSlots(), bogus=1)


def test_plot_draws_failure_cells_and_observed_only_diagrams(cycle12):
    pytest.importorskip("matplotlib")
    from cdam.plot import MODE_COLORS, plot_phase_diagram

    obs = np.array([[Mode.AUTO, Mode.RECALL_FAILURE]], dtype=object)
    d = cdam.modes.PhaseDiagram(np.array([0.0, 1.0]), np.array([0.0]), None, obs, "KWinnerMHN")
    fig = plot_phase_diagram(d)  # no predictions: draws the observed modes
    ax = fig.axes[0]
    assert "recall failure" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert "observed modes (KWinnerMHN)" == ax.get_title()
    assert ax.get_images()[0].get_array().tolist() == [[0, list(MODE_COLORS).index("recall_failure")]]
    with pytest.raises(cdam.ParameterError, match="no predicted modes"):
        plot_phase_diagram(d, which="predicted")
