"""Notebook-friendly reprs: one line, the sizes and parameters a user needs, never a tensor."""

import networkx as nx
import numpy as np
import pytest
import torch

import cdam
from cdam.automata import DFA, NFA
from cdam.communities import Level
from cdam.modes import Mode, PhaseDiagram
from cdam.sweeps import SweepResult


@pytest.fixture
def ring():
    rng = np.random.default_rng(0)
    return cdam.MemoryGraph.from_networkx(nx.cycle_graph(5), rng.random((100, 5)))


def one_line(text: str) -> str:
    assert "\n" not in text and len(text) <= 120, text
    return text


def test_memory_graph_and_couplings(ring):
    assert one_line(repr(ring)) == "MemoryGraph(5 memories, n=100, 5 links, 0 transitions, undirected)"
    assert one_line(repr(ring.compile())) == (
        "Couplings(p=5, n=100, nnz=10, a=1.0, h=0.0, normalization='sym', direction='forward')"
    )


def test_cdam_names_only_what_differs_from_the_defaults(ring):
    assert one_line(repr(cdam.CDAM(ring, a=0.5, h=0.5))) == (
        "CDAM(p=5, n=100, a=0.5, h=0.5, beta=1.0, eta=0.1, mean_coef=1.0, normalization='sym')"
    )
    model = cdam.CDAM(ring, dtype=torch.float64, engine="direct")
    assert one_line(repr(model)) == (
        "CDAM(p=5, n=100, a=1.0, h=0.0, beta=1.0, eta=0.1, mean_coef=1.0, normalization='sym', "
        "engine='direct', dtype=float64)"
    )


def test_trajectory_says_sizes_engine_and_recorded_fields(ring):
    model = cdam.CDAM(ring, engine="direct")
    assert one_line(repr(model.all_starts(steps=10, seed=0))) == (
        "Trajectory(B=5, steps=10, n=100, p=5, engine='direct', recorded=none)"
    )
    x0 = np.random.default_rng(1).random((3, 100))
    traj = model.run(x0, steps=4, record_overlaps=True, record_attention=True, record_states=True)
    assert one_line(repr(traj)) == (
        "Trajectory(B=3, steps=4, n=100, p=5, engine='direct', recorded=states+overlaps+attention)"
    )
    frozen = model.run(x0, steps=3, tol=1e-12, freeze=True)
    assert one_line(repr(frozen)) == "Trajectory(B=3, steps=3, n=100, p=5, engine='direct', recorded=none, settled=0/3)"


def test_level_shows_community_sizes_not_members():
    level = Level(a=0.25, h=0.75, partition=[set(range(20)), set(range(20, 34))], modularity=0.371847,
                  correlation=np.eye(34))
    assert one_line(repr(level)) == "Level(a=0.25, h=0.75, 2 communities, sizes=[20, 14], modularity=0.3718)"
    fine = Level(a=1.0, h=0.0, partition=[{i} for i in range(34)], modularity=-0.05, correlation=np.eye(34))
    assert one_line(repr(fine)) == (
        "Level(a=1, h=0, 34 communities, sizes=[1, 1, 1, 1, 1, 1, 1, 1, ...], modularity=-0.0500)"
    )
    one = Level(a=-1.0, h=2.0, partition=[set(range(34))], modularity=0.0, correlation=np.eye(34))
    assert repr(one) == "Level(a=-1, h=2, 1 community, sizes=[34], modularity=0.0000)"


def test_sweep_result_shows_the_grid_and_progress(tmp_path):
    grid = {"a": (0.5, 1.0), "h": (0.0, 0.5, 1.0)}
    records = tuple({"cell": i} for i in range(4))
    result = SweepResult(grid, records, path=tmp_path / "sweep.jsonl", resumed=1, computed=3)
    assert one_line(repr(result)) == (
        "SweepResult(a:2 x h:3, 4/6 cells, computed=3, resumed=1, path='sweep.jsonl')"
    )


def test_phase_diagram():
    predicted = np.full((1, 3), Mode.AUTO, dtype=object)
    diagram = PhaseDiagram(np.array([0.0, 0.5, 1.0]), np.array([0.0]), predicted, predicted.copy())
    assert one_line(repr(diagram)) == "PhaseDiagram(h=0, a: 3 values in [0, 1], agreement=1.00)"
    assert repr(PhaseDiagram(np.array([0.0, 1.0]), np.array([0.0, 2.0]), predicted[:, :2], None)) == (
        "PhaseDiagram(h: 2 values in [0, 2], a: 2 values in [0, 1], not observed)"
    )


def test_automata():
    dfa = DFA({"q0", "q1"}, {"a", "b"}, {("q0", "a"): "q1", ("q1", "b"): "q0"}, "q0", {"q1"})
    assert one_line(repr(dfa)) == "DFA(2 states, 2 symbols, 2 transitions, start='q0')"
    nfa = NFA({"q0", "q1"}, {"a"}, {("q0", "a"): {"q0", "q1"}}, {"q0"}, {"q1"})
    assert one_line(repr(nfa)) == "NFA(2 states, 1 symbol, 2 transitions, start={'q0'})"
