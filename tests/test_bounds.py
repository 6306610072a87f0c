"""Bounded by construction (the CDAM update): every state stays in the box of cdam.sensitivity.state_bounds.

The update is a convex combination of the state and r = wQ - c xbar (w a probability vector,
eta in (0, 1]), so entry i of every state lies between min(x0_i, min_mu Q_mu,i - c xbar_i)
and max(x0_i, max_mu Q_mu,i - c xbar_i), for any a, h, beta and c, however long the run.
"""

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cdam
from cdam.datasets import memory_graph_from_networkx
from cdam.sensitivity import StateSize, state_bounds

pytestmark = pytest.mark.usefixtures("single_thread")

STEPS = 10_000


def _outside(states, lo, hi, dtype):
    # rounding: w sums to 1 only up to p ulps and wQ adds p terms, so allow a few ulps of
    # the box's magnitude per memory
    p = lo.shape[0]
    tol = 4 * (p + 2) * torch.finfo(dtype).eps * torch.maximum(lo.abs(), hi.abs()).clamp(min=1.0)
    return ((states < lo - tol) | (states > hi + tol)).sum().item()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    p=st.integers(3, 7),
    n=st.integers(4, 24),
    density=st.floats(0.2, 0.9),
    a=st.floats(-3, 3),
    h=st.floats(-3, 3),
    beta=st.floats(0, 5),
    eta=st.floats(0.01, 1.0),
    mean_coef=st.floats(0, 2),
    engine=st.sampled_from(["direct", "coefficient"]),
    seed=st.integers(0, 2**16),
)
def test_every_state_stays_in_the_box(p, n, density, a, h, beta, eta, mean_coef, engine, seed):
    G = nx.gnp_random_graph(p, density, seed=seed)
    g = memory_graph_from_networkx(G, n, seed=seed)
    model = cdam.CDAM(g, a=a, h=h, beta=beta, eta=eta, mean_coef=mean_coef, engine=engine)
    x0 = model.initial_states(noise=2.0, seed=seed)
    lo, hi = state_bounds(model, x0)
    size = StateSize()
    traj = model.run(x0, STEPS, record_states=True, recorders=[size])
    states = traj.states.double()  # (T, B, n)
    assert _outside(states, lo[None], hi[None], model.dtype) == 0
    assert _outside(traj.final.double(), lo, hi, model.dtype) == 0
    # the recorded sizes are bounded by the box too
    box_max = torch.maximum(lo.abs(), hi.abs())
    assert np.all(size.max_abs <= box_max.amax(dim=1).numpy()[None] * (1 + 1e-5) + 1e-6)
    assert np.isfinite(size.norm).all()


def test_the_box_is_tight_for_the_cued_memory():
    # auto-association with eta = 1 lands on a row of Q - c xbar at once: the box's edge
    g = cdam.MemoryGraph.from_patterns(np.eye(3) * 2.0)
    model = cdam.CDAM(g, a=1.0, h=0.0, beta=50.0, eta=1.0, mean_coef=0.0, dtype=torch.float64)
    x0 = torch.tensor([[2.0, 0.0, 0.0]], dtype=torch.float64)
    lo, hi = state_bounds(model, x0)
    final = model.run(x0, 5).final
    torch.testing.assert_close(final[0, 0], hi[0, 0], rtol=0, atol=1e-12)
