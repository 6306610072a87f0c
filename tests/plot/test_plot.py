"""Figures: real matplotlib figures with labelled axes, written as PNG, held by no pyplot list."""

import pickle

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


def _outside_pyplot(fig):
    """``fig`` is no pyplot figure: pyplot gives each of its figures a manager, this has none."""
    return fig.canvas.manager is None and type(fig.canvas).__name__ == "FigureCanvasAgg"


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
    assert _outside_pyplot(fig)


def test_range_of_recall_figure(graph):
    traj = cdam.CDAM(graph, a=0.5, h=0.5).all_starts(steps=20)
    prof = cdam.distance_profile(traj, graph)
    fig = plot.plot_range_of_recall({(0.5, 0.5): prof}, {(0.5, 0.5): {1: 0.63}})
    line = fig.axes[0].lines[0]
    np.testing.assert_allclose(line.get_ydata(), prof.mean[np.isfinite(prof.distance)])
    assert _outside_pyplot(fig)


@pytest.fixture
def svg_backend():
    before = matplotlib.get_backend()
    matplotlib.use("svg")
    yield
    matplotlib.use(before)


def _every_plot(graph):
    """One call of each cdam.plot function on small real inputs."""
    from cdam.communities import Level
    from cdam.experiments.continual import ModelConfig, continual_experiment

    traj = cdam.CDAM(graph, a=0.5, h=0.5).all_starts(steps=5, record_overlaps=True)
    prof = cdam.distance_profile(traj, graph)
    G = graph.to_networkx()
    levels = [Level(1.0, 0.0, [set(range(6)), set(range(6, 12))], 0.3, correlation=None)]
    rows = [dict(p=p, step_s=1e-4 * p, peak_rss_mb=100.0, B=4, n=50) for p in (10, 100)]
    tiny = ModelConfig("tiny", n_hidden=30, k=3, fan_in=0.2, lr=0.5)
    result = continual_experiment((tiny,), n_runs=2, n_samples=1, workers=1, progress=False, n_visible=60,
                                  n_active=6, n_burn_in=10, n_study=20, n_pseudo=10)
    return {
        "plot_phase_diagram": lambda **kw: plot.plot_phase_diagram(phase_diagram(graph, [1.0], [0.0]), **kw),
        "plot_range_of_recall": lambda **kw: plot.plot_range_of_recall({(0.5, 0.5): prof}, **kw),
        "plot_overlaps": lambda **kw: plot.plot_overlaps(traj, **kw),
        "plot_attractor_correlation": lambda **kw: plot.plot_attractor_correlation(np.eye(3), **kw),
        "plot_community_levels": lambda **kw: plot.plot_community_levels(G, levels, **kw),
        "plot_scaling": lambda **kw: plot.plot_scaling({"rows": rows, "time_exponent": 1.0}, **kw),
        "plot_continual": lambda **kw: plot.plot_continual(result, **kw),
    }


def test_every_plot_returns_a_figure_and_keeps_the_users_backend(graph, svg_backend, tmp_path):
    from matplotlib.figure import Figure

    calls = _every_plot(graph)
    assert set(calls) == {n for n in plot.__all__ if n.startswith("plot_")}
    for name, call in calls.items():
        fig = call()
        assert isinstance(fig, Figure), name
        assert matplotlib.get_backend() == "svg", name
        assert not list(tmp_path.iterdir()), f"{name} wrote a file without path="
        assert _outside_pyplot(fig), name
        # what Jupyter shows as the cell's value when no inline printer is registered
        assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_every_plot_writes_only_where_told(graph, tmp_path):
    for name, call in _every_plot(graph).items():
        path = tmp_path / "sub" / f"{name}.png"
        fig = call(path=path)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert _outside_pyplot(fig), name


def test_no_plot_leaves_a_figure_in_pyplot(graph, tmp_path):
    from matplotlib import pyplot

    calls = _every_plot(graph)
    pyplot.close("all")
    for name, call in calls.items():
        call()
        call(path=tmp_path / f"{name}.png")
        assert pyplot.get_fignums() == [], name


def test_new_figure_draws_and_saves_under_any_backend(svg_backend, tmp_path):
    fig = plot.new_figure((3, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    fig.canvas.draw()  # Agg, though the user's backend is svg
    assert fig.canvas.buffer_rgba().shape == (200, 300, 4)
    assert _outside_pyplot(fig) and matplotlib.get_backend() == "svg"
    assert plot.save_figure(fig, tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    again = pickle.loads(pickle.dumps(fig))
    assert _outside_pyplot(again) and len(again.axes[0].lines) == 1


def test_save_figure_still_closes_a_pyplot_figure(tmp_path):
    from matplotlib import pyplot

    fig, _ = pyplot.subplots()
    plot.save_figure(fig, tmp_path / "mine.png")
    assert fig.number not in pyplot.get_fignums()

