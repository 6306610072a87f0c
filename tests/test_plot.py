"""Figures: real matplotlib figures with labelled axes, written as PNG."""

import numpy as np
import pytest

import cdam
from cdam import plot
from cdam.datasets import cycle_memory_graph
from cdam.modes import phase_diagram

matplotlib = pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def graph():
    return cycle_memory_graph(12, 200, seed=0)


def _labels(fig):
    ax = fig.axes[0]
    return ax.get_xlabel(), ax.get_ylabel(), ax.get_title()


def test_phase_diagram_figure(graph, tmp_path):
    d = phase_diagram(graph, [1.0, -1.0], [0.0, 2.0])
    fig = d.plot()
    x, y, title = _labels(fig)
    assert x == "auto-association a" and y == "hetero-association h"
    assert "agreement" in title
    path = plot.save_figure(fig, tmp_path / "sub" / "pd.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_overlaps_figure_requires_recorded_overlaps(graph):
    traj = cdam.CDAM(graph).run(graph.patterns[:, 0], 5)
    with pytest.raises(cdam.ParameterError, match="record_overlaps"):
        plot.plot_overlaps(traj)
    traj = cdam.CDAM(graph).run(graph.patterns[:, 0], 5, record_overlaps=True)
    fig = plot.plot_overlaps(traj, labels=graph.memories, top=3)
    assert len(fig.axes[0].lines) == 3
    assert fig.axes[0].get_xlabel() == "step"


def test_attractor_correlation_figure_has_colorbar(graph):
    C = cdam.attractor_correlation(cdam.CDAM(graph).all_starts(steps=5))
    fig = plot.plot_attractor_correlation(C, labels=graph.memories)
    assert len(fig.axes) == 2  # the heat map and its colour bar
    assert fig.axes[1].get_ylabel() == "Pearson correlation"
    matplotlib.pyplot.close(fig)


def test_range_of_recall_figure(graph):
    traj = cdam.CDAM(graph, a=0.5, h=0.5).all_starts(steps=20)
    prof = cdam.distance_profile(traj, graph)
    fig = plot.plot_range_of_recall({(0.5, 0.5): prof}, {(0.5, 0.5): {1: 0.63}})
    line = fig.axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata(), prof.mean[np.isfinite(prof.distance)])
    matplotlib.pyplot.close(fig)
