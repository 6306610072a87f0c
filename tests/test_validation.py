"""One step-size check: every model and scan that takes eta refuses the same values the same way."""

import math

import networkx as nx
import numpy as np
import pytest

import cdam
from cdam import _validation as check
from cdam.communities import multiscale
from cdam.datasets import cycle_memory_graph
from cdam.experiments.paper import range_of_recall
from cdam.experiments.retrieval import image_retrieval
from cdam.sequences import serial_distance_curve

GRAPH = cycle_memory_graph(6, 40, seed=0)
KARATE = nx.karate_club_graph()


def _cdamconv(eta):
    pytest.importorskip("torch_geometric")
    from cdam.backends import CDAMConv

    return CDAMConv(eta=eta)


# each caller is one public way of handing eta to the dynamics, run at the smallest size that works
CALLERS = {
    "CDAM": lambda eta: cdam.CDAM(GRAPH, eta=eta),
    "CDAM.with_params": lambda eta: cdam.CDAM(GRAPH).with_params(eta=eta),
    "CDAM.run_cells": lambda eta: cdam.CDAM(GRAPH).run_cells([{"eta": eta}], GRAPH.patterns.T, steps=2),
    "CDAMConv": _cdamconv,
    "sweep grid": lambda eta: cdam.sweep(GRAPH, {"eta": [eta]}, steps=2, workers=1, progress=False),
    "multiscale markov": lambda eta: multiscale(KARATE, method="markov", resolutions=[1.0], tries=1, eta=eta),
    "multiscale consensus": lambda eta: multiscale(KARATE, method="consensus", a_values=[0.0], n_neurons=16,
                                                   steps=2, draws=1, eta=eta),
    "multiscale paper": lambda eta: multiscale(KARATE, method="paper", a_values=[0.0], n_neurons=16, steps=2,
                                               eta=eta),
}


@pytest.mark.parametrize("eta", [0.0, 1.5, -0.1, math.nan, math.inf])
@pytest.mark.parametrize("caller", list(CALLERS))
def test_every_caller_refuses_eta_outside_0_1(caller, eta):
    with pytest.raises(cdam.ParameterError, match=r"eta must be (finite and )?in \(0, 1\], got .*fraction of the way"):
        CALLERS[caller](eta)


@pytest.mark.parametrize("caller", list(CALLERS))
def test_every_caller_accepts_eta_1(caller):
    assert CALLERS[caller](1) is not None


def test_step_size_returns_the_float():
    assert check.step_size(1) == 1.0 and type(check.step_size(1)) is float
    assert check.step_size(np.float32(0.25)) == 0.25
    assert check.step_size(np.array(0.5)) == 0.5


@pytest.mark.parametrize("eta", ["0.1", True, None, [0.1]])
def test_step_size_refuses_non_numbers(eta):
    with pytest.raises(cdam.ParameterError, match="eta must be a real number"):
        check.step_size(eta)


def test_seed_list_refuses_no_seeds():
    assert check.seed_list(range(3)) == [0, 1, 2]
    with pytest.raises(cdam.ParameterError, match="seeds is empty"):
        check.seed_list(())


@pytest.mark.parametrize("run", [
    lambda: range_of_recall(seeds=()),
    lambda: image_retrieval(np.random.default_rng(0).random((16, 3)), seeds=[]),
    lambda: serial_distance_curve(5, 0.0, 1.0, seeds=iter([])),
], ids=["range_of_recall", "image_retrieval", "serial_distance_curve"])
def test_seed_lists_are_checked_before_any_work(run):
    with pytest.raises(cdam.ParameterError, match="seeds is empty; give at least one seed"):
        run()
