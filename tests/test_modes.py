"""Modes: the theory's inequalities (the four dynamical modes, Burns 2024) and the observed regimes."""

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import cdam
from cdam.datasets import memory_graph_from_networkx
from cdam.experiments.paper import MODE_TABLE, mode_table
from cdam.modes import (
    Mode,
    classify_runs,
    coupling_extremes,
    phase_diagram,
    predict_mode,
    predict_modes,
    top_eigenvalue,
)

# statistics of the dynamics: run again under ATEN_CPU_CAPABILITY=default in .ci/run
pytestmark = pytest.mark.scientific


@pytest.fixture(scope="module")
def cycle30():
    return cdam.datasets.cycle_memory_graph(30, 1000, seed=0)


def test_mode_table_of_spec_reproduced_by_prediction_and_observation():
    rows = mode_table()
    assert len(rows) == 9
    for r in rows:
        assert r.predicted == MODE_TABLE[(r.a, r.h)], (r.a, r.h)
        assert r.observed == MODE_TABLE[(r.a, r.h)], (r.a, r.h)


@pytest.mark.parametrize("seed", [1, 2])
def test_mode_table_observed_with_other_patterns(seed):
    for r in mode_table(seed=seed):
        assert r.observed == r.paper, (seed, r)


def test_cycle_spectral_quantities(cycle30):
    M = cycle30.compile("sym").M
    assert top_eigenvalue(M) == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(coupling_extremes(M), 0.5)


def test_coupling_extremes_ignores_self_loops_and_handles_isolated():
    g = cdam.MemoryGraph.from_patterns(np.eye(3))
    g.add_transition(0, 0, 5.0)
    g.add_transition(0, 1, 2.0)
    g.add_transition(1, 2, -1.0)
    np.testing.assert_array_equal(coupling_extremes(g.compile("none").M), [2.0, -1.0, 0.0])


def test_auto_correlation_with_own_pattern_matches_theory(cycle30):
    # Burns 2024: corr with own pattern ~ a / sqrt(a^2 + h^2 sum_nu M[mu, nu]^2); on the
    # cycle sum M^2 = 0.5, so (1, 0.5) gives 1 / sqrt(1.125) = 0.943. Measured 0.939 under
    # every kernel x thread configuration (benchmarks/spread.py): this regime contracts.
    traj = cdam.CDAM(cycle30, a=1.0, h=0.5).all_starts(record_overlaps=True)
    own = traj.overlaps[-1][torch.arange(30), traj.cues].double().mean().item()
    assert own == pytest.approx(1 / np.sqrt(1.125), abs=0.03)


def test_quiescent_state_is_pattern_unspecific(cycle30):
    traj = cdam.CDAM(cycle30, a=-1.0, h=1.0).all_starts(record_overlaps=True)
    assert cdam.classify_mode(traj, cycle30) is Mode.QUIESCENT
    # correlation ~0 or negative to all memories (Burns 2024)
    assert traj.overlaps[-1].max().item() < 0.3


def test_predict_mode_per_memory_on_irregular_graph():
    g = memory_graph_from_networkx(nx.path_graph(3), n=200)
    # row normalisation: the ends couple 1.0 to the middle, the middle 0.5 to each end
    model = cdam.CDAM(g, a=0.6, h=1.0, normalization="row")
    assert predict_modes(model) == [Mode.NARROW_HETERO, Mode.AUTO, Mode.NARROW_HETERO]
    assert predict_mode(model, memory=1) is Mode.AUTO
    assert predict_mode(model, memory=0) is Mode.NARROW_HETERO
    # the model as a whole is auto only when every memory is
    assert predict_mode(model) is Mode.NARROW_HETERO
    assert predict_mode(model.with_strengths(1.2, 1.0)) is Mode.AUTO


def test_boundary_conventions():
    g = cdam.datasets.cycle_memory_graph(10, 50)
    m = cdam.CDAM(g)
    # a = h * m_max (0.5 = 1 * 0.5): narrow (auto needs a strict win)
    assert predict_mode(m.with_strengths(0.5, 1.0)) is Mode.NARROW_HETERO
    # a + h * lambda1 = 0 exactly, although lambda1 carries round-off: quiescent
    assert predict_mode(m.with_strengths(-1.0, 1.0)) is Mode.QUIESCENT
    assert predict_mode(m.with_strengths(0.0, 0.0)) is Mode.QUIESCENT


def test_empty_edge_graph_is_auto_or_quiescent():
    g = cdam.MemoryGraph.from_patterns(np.random.default_rng(0).random((100, 5)))
    m = cdam.CDAM(g, normalization="none")
    assert predict_mode(m.with_strengths(0.5, 3.0)) is Mode.AUTO
    assert predict_mode(m.with_strengths(-0.1, 3.0)) is Mode.QUIESCENT


# ----------------------------------------------------------------- property tests
_GRAPH = cdam.datasets.cycle_memory_graph(12, 50, seed=3)
_M = cdam.CDAM(_GRAPH)
_finite = st.floats(-10, 10, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(a=_finite, h=_finite)
def test_predicted_mode_follows_the_inequalities_exactly(a, h):
    mode = predict_mode(_M.with_strengths(a, h))
    m_max, lam1, eps = 0.5, 1.0, 1e-6
    # assert only where (a, h) is clearly inside one region: on a boundary, see
    # test_boundary_conventions
    if a > eps and a > h * m_max + eps:
        assert mode is Mode.AUTO
    elif eps < a < h * m_max - eps:
        assert mode is Mode.NARROW_HETERO
    elif a < -eps and a + h * lam1 > eps:
        assert mode is Mode.WIDE_HETERO
    elif a < -eps and a + h * lam1 < -eps:
        assert mode is Mode.QUIESCENT



@settings(max_examples=100, deadline=None)
@given(a=st.floats(-5, 5), h=st.floats(-5, 5), da=st.floats(1e-4, 1.0))
def test_mode_changes_only_across_a_boundary(a, h, da):
    """Between two values of a, the mode changes iff a boundary a = 0, a = h*m_max or
    a = -h*lambda1 lies between them."""
    lo, hi = predict_mode(_M.with_strengths(a, h)), predict_mode(_M.with_strengths(a + da, h))
    boundaries = [0.0, h * 0.5, -h * 1.0]
    crossed = any(a - 1e-9 <= b <= a + da + 1e-9 for b in boundaries)
    if not crossed:
        assert lo is hi
    order = [Mode.QUIESCENT, Mode.WIDE_HETERO, Mode.NARROW_HETERO, Mode.AUTO]
    # raising a never moves down this order (for h >= 0 the theory's regimes are nested)
    if h >= 0:
        assert order.index(hi) >= order.index(lo)


def _ring(p, k, seed, n=1000):
    # n = 1000 gives the mode theory's sharpness kappa ~ 83; at n = 400 (kappa ~ 33) small a
    # softens the narrow regime into quiescence on some draws
    return memory_graph_from_networkx(nx.circulant_graph(p, list(range(1, k + 1))), n=n, seed=seed)


#: Ring sizes per neighbour count k: the ring's diameter, ceil((p // 2) / k), is at least 7
#: (why: test_observed_mode_agrees_with_prediction_away_from_boundaries).
_RING_SIZES = {1: (16, 28), 2: (28, 36)}


@st.composite
def _far_from_boundaries(draw):
    """(k, p, mode, a, h): a ring of p memories, each linked to its k nearest on either side
    (m_max = 1/(2k)), and (a, h) with a margin from every boundary."""
    k = draw(st.integers(1, 2))
    p = draw(st.integers(*_RING_SIZES[k]))
    m = 1.0 / (2 * k)
    mode = draw(st.sampled_from([m for m in Mode if m is not Mode.RECALL_FAILURE]))  # never predicted
    if mode is Mode.AUTO:
        # small a also softens auto-association (its effective sharpness is a * kappa)
        h = draw(st.floats(0.0, 3.0))
        a = draw(st.floats(max(0.75, 2.0 * h * m + 0.2), 3.0 * h * m + 1.5))
    elif mode is Mode.NARROW_HETERO:
        h = draw(st.floats(2.0 / m * 0.5, 4.0))
        a = draw(st.floats(0.25, 0.6 * h * m))
    elif mode is Mode.WIDE_HETERO:
        a = draw(st.floats(-2.0, -1.0))
        h = draw(st.floats(-a + 1.0, -a + 1.5))
    else:
        a = draw(st.floats(-2.0, 0.0))
        h = draw(st.floats(0.0, max(0.0, -a - 0.5)))
    assume(not (mode is Mode.NARROW_HETERO and a > 0.6 * h * m))
    return k, p, mode, a, h


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_far_from_boundaries(), seed=st.integers(0, 10_000))
def test_observed_mode_agrees_with_prediction_away_from_boundaries(case, seed):
    """The classifier reads the mode the theory predicts, on rings large enough to show it.

    Quiescence is read as "every start ends in one state": mean pairwise correlation of the
    final states >= ``QUIESCENT_CORRELATION`` (0.75). Wide hetero-association spreads each
    start's attention over a neighbourhood that wanders without settling; on a ring whose
    diameter that neighbourhood spans, the starts drift into the same region and their final
    states correlate as well. (k = 2, p = 20, a = -1.375, h = 2.75, seed 474) is wide by the
    theory with a margin of 1.375 from both boundaries (a <= 0 < a + h), its final states are
    pattern-specific (largest overlap 0.37-0.50 per run), yet their mean correlation is 0.769
    under ATEN_CPU_CAPABILITY=default (QUIESCENT) and 0.732 under avx2 (WIDE_HETERO).
    Measured over this strategy's wide draws (150 per size, both kernels): largest mean
    correlation 0.87 / 0.73 / 0.43 / 0.20 / 0.19 at k = 2, p = 16 / 20 / 24 / 28 / 32, and
    0.20 / 0.10 at k = 1, p = 16 / 20; the two kernels differed by up to 0.18 at p = 16 and
    0.05 at p = 28. So each k draws p with the ring's diameter ceil((p // 2) / k) >= 7, where
    the largest wide value (0.20) is 0.55 below the threshold, over ten times the kernel
    spread; quiescent draws measured >= 0.996. No threshold resolves the small rings: the
    paper's quiescent (-2, 2) on the 30-cycle (on the boundary a + h = 0) measures 0.79 with
    patterns seed 1 (test_mode_table_observed_with_other_patterns), below those wide 0.87.
    """
    k, p, mode, a, h = case
    g = _ring(p, k, seed)
    model = cdam.CDAM(g, a=a, h=h)
    assert predict_mode(model) is mode
    traj = model.all_starts(100, 1.0, seed=seed)
    assert cdam.classify_mode(traj, g) is mode


def test_classify_runs_shapes_and_auto(cycle30):
    traj = cdam.CDAM(cycle30).all_starts()
    runs = classify_runs(traj, cycle30)
    assert runs == [Mode.AUTO] * 30


def test_late_attention_equals_mean_of_recorded_attention(cycle30):
    traj = cdam.CDAM(cycle30, a=-0.5, h=1.5).all_starts(steps=41, record_attention=True)
    assert traj.late_attention.shape == (30, 30)
    # states t >= (T + 1) // 2 = 21; attention[t - 1] is the state after update t
    expected = traj.attention[20:].double().mean(dim=0)
    torch.testing.assert_close(traj.late_attention, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(traj.late_attention.sum(dim=1).numpy(), 1.0, rtol=1e-5)


def test_phase_diagram_grid(cycle30):
    d = phase_diagram(cycle30, [1.0, 0.5, -2.0, 1.0], [3.0, 0.0, 2.0])
    np.testing.assert_array_equal(d.a_values, [-2.0, 0.5, 1.0])  # sorted, duplicate dropped
    np.testing.assert_array_equal(d.h_values, [0.0, 2.0, 3.0])
    assert d.predicted.shape == (3, 3)
    assert d.predicted[0, 2] is Mode.AUTO  # h=0, a=1
    assert d.predicted[1, 1] is Mode.NARROW_HETERO  # h=2, a=0.5
    assert d.predicted[2, 0] is Mode.WIDE_HETERO  # h=3, a=-2
    assert d.predicted[0, 0] is Mode.QUIESCENT  # h=0, a=-2
    assert d.agreement == 1.0


def test_phase_diagram_prediction_only_and_errors(cycle30):
    d = phase_diagram(cycle30, [1.0], [0.0], observe=False)
    assert d.observed is None
    with pytest.raises(cdam.ParameterError):
        _ = d.agreement
    with pytest.raises(cdam.ParameterError):
        phase_diagram(cycle30, [], [0.0])
    with pytest.raises(cdam.ParameterError):
        phase_diagram(cycle30, [float("nan")], [0.0])
