"""Sensitivity to rounding (benchmarks/spread.py): twin runs, the finite-time Lyapunov estimate, state sizes."""

import runpy
from pathlib import Path

import numpy as np
import pytest
import torch

import cdam
from cdam.datasets import cycle_memory_graph
from cdam.errors import CDAMError, ParameterError
from cdam.sensitivity import StateSize, lyapunov_estimate, twin_divergence

pytestmark = [pytest.mark.usefixtures("single_thread"), pytest.mark.scientific]


def test_contracting_auto_mode_has_negative_lyapunov():
    # Measured, seeds 0-4 x avx2/avx512: every pair merged below float32 resolution, lambda
    # -0.068 (the floor, (1/100) log(1.2e-7 |sigma_T| / 1e-3)) on all 30 runs.
    g = cycle_memory_graph(30, 1000, seed=0)
    model = cdam.CDAM(g, a=1.0, h=0.0)
    r = twin_divergence(model, model.initial_states(seed=0), 100, seed=0)
    assert r.distance.shape == (101, 30) and r.lyapunov.shape == (30,)
    np.testing.assert_allclose(r.distance[0], 1e-3, rtol=1e-3)
    assert (r.lyapunov < -0.03).all() and not r.chaotic.any()


def test_wide_mode_on_the_97_cycle_is_sensitive():
    # Measured, seeds 0-4 x avx2/avx512 (T 100, eps 1e-3): lambda > 0 on 97.9-100% of the 97
    # runs, mean lambda 0.071-0.076, chaotic (> log(10)/T) 94.8-100%.
    g = cycle_memory_graph(97, 1000, seed=0)
    model = cdam.CDAM(g, a=-2.0, h=3.0)
    r = twin_divergence(model, model.initial_states(seed=0), 100, seed=0)
    assert (r.lyapunov > 0).mean() >= 0.9
    assert r.lyapunov.mean() > 0.04
    assert r.fraction_chaotic >= 0.85
    assert r.threshold == pytest.approx(np.log(10) / 100)


def test_twins_split_across_chunks_are_paired():
    # a memory limit that forces small (odd) chunks must give the same distances
    g = cycle_memory_graph(7, 200, seed=1)
    x0 = cdam.CDAM(g).initial_states(seed=1)
    whole = twin_divergence(cdam.CDAM(g, a=-2.0, h=3.0, dtype=torch.float64), x0, 20, seed=3)
    # room for about 3 rows per step beyond the 14 runs' states (measured from the budget error)
    small = cdam.CDAM(g, a=-2.0, h=3.0, dtype=torch.float64, memory_limit=92_500)

    class Chunks(cdam.dynamics.Recorder):
        sizes = []

        def observe(self, t, rows, view):
            if t == 0:
                self.sizes.append(view.state.shape[0])

    chunked = twin_divergence(small, x0, 20, seed=3, recorders=[Chunks()])
    assert len(Chunks.sizes) > 1 and any(k % 2 for k in Chunks.sizes), Chunks.sizes  # a pair was split
    assert not np.isnan(chunked.distance).any()
    np.testing.assert_allclose(chunked.distance, whole.distance, rtol=1e-9, atol=1e-15)


def test_lyapunov_estimate_math_and_errors():
    d = np.array([[1.0, 1.0], [np.e, 1.0], [np.e**2, 0.0]])
    np.testing.assert_allclose(lyapunov_estimate(d, floor=np.exp(-4.0)), [1.0, -2.0])
    with pytest.raises(ParameterError, match="T >= 1"):
        lyapunov_estimate(np.ones((1, 3)))
    model = cdam.CDAM(cycle_memory_graph(5, 50, seed=0))
    with pytest.raises(CDAMError, match="neurons"):
        twin_divergence(model, np.zeros((2, 49)), 5)
    with pytest.raises(ParameterError, match="eps"):
        twin_divergence(model, np.zeros(50), 5, eps=0.0)


def test_state_size_recorder():
    g = cycle_memory_graph(10, 200, seed=0)
    model = cdam.CDAM(g, a=-2.0, h=3.0)
    x0 = model.initial_states()
    size = StateSize()
    traj = model.run(x0, 30, recorders=[size], record_states=True)
    states = torch.cat([torch.as_tensor(x0)[None], traj.states]).double()
    np.testing.assert_allclose(size.max_abs, states.abs().amax(dim=2).numpy(), rtol=1e-12)
    np.testing.assert_allclose(size.norm, torch.linalg.vector_norm(states, dim=2).numpy(), rtol=1e-12)
    assert size.max_abs.shape == size.norm.shape == (31, 10)


def test_phase_diagram_example_reduced(tmp_path, capsys):
    script = Path(__file__).resolve().parents[1] / "examples" / "sensitivity_phase_diagram.py"
    result = runpy.run_path(str(script))["main"](
        ["--a", "1", "-2", "--h", "0", "3", "--n", "300", "--steps", "60", "--out", str(tmp_path)]
    )
    assert "mean Lyapunov" in capsys.readouterr().out
    lam = result["lyapunov"]
    assert lam.shape == (2, 2)
    assert lam[0, 0] < 0  # (1, 0): auto-association contracts
    png = result["figure"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5_000
