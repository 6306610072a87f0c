"""One progress protocol: True, False/None, or progress(done, total) after each unit of work."""

import networkx as nx
import pytest

from cdam._progress import Progress, check_progress
from cdam.communities import multiscale
from cdam.errors import ParameterError
from cdam.experiments.continual import ModelConfig, continual_experiment

TINY = ModelConfig("tiny", n_hidden=30, k=3, fan_in=0.2, lr=0.5)
PROTOCOL = dict(n_visible=60, n_active=6, n_burn_in=10, n_study=20, n_pseudo=10)


def test_callable_is_called_after_each_run_of_continual():
    seen = []
    continual_experiment((TINY,), n_runs=2, n_samples=2, workers=1, progress=lambda d, t: seen.append((d, t)),
                         **PROTOCOL)  # fmt: skip
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_callable_is_called_after_each_scale_of_multiscale():
    seen = []
    multiscale(nx.connected_caveman_graph(3, 4), resolutions=[2.0, 1.0, 0.5, 0.25],
               progress=lambda d, t: seen.append((d, t)))  # fmt: skip
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    seen.clear()  # method="consensus" reports each pattern draw (of all scales at once)
    multiscale(nx.connected_caveman_graph(3, 4), a_values=[1.0, 0.0, -1.0], n_neurons=200, draws=2,
               method="consensus", progress=lambda d, t: seen.append((d, t)))  # fmt: skip
    assert seen == [(1, 2), (2, 2)]


def test_refined_sweep_grows_the_total():
    seen = []
    G = nx.connected_caveman_graph(3, 4)
    multiscale(G, method="paper", n_neurons=200, steps=20, progress=lambda d, t: seen.append((d, t)))
    assert [d for d, _ in seen] == list(range(1, len(seen) + 1))
    assert seen[-1][0] == seen[-1][1] >= 13  # the 13 default scales and any refinements


@pytest.mark.parametrize("bad", [1, "yes", 0.5])
def test_anything_else_is_refused(bad):
    with pytest.raises(ParameterError, match="progress must be True, False or a callable"):
        check_progress(bad)
    with pytest.raises(ParameterError, match="progress"):
        multiscale(nx.path_graph(4), resolutions=[1.0], progress=bad)
    with pytest.raises(ParameterError, match="progress"):
        multiscale(nx.path_graph(4), a_values=[1.0], n_neurons=50, method="consensus", progress=bad)


def test_true_without_a_terminal_shows_nothing(capsys):
    with Progress(True, 3, desc="runs") as bar:
        bar.advance(3)
    assert bar._bar is None and capsys.readouterr().err == ""
