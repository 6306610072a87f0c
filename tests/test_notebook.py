"""cdam in a real Jupyter kernel: reprs show as text and each figure displays inline once, as PNG.

The notebook is built with nbformat and run by nbclient on an ipykernel kernel, the way
Jupyter runs it; the test is skipped when those (the ``dev`` extra) are not installed.
"""

from pathlib import Path

import pytest

import cdam

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

CELLS = [
    # the kernel imports the cdam this test imported (a worktree or an installed copy alike)
    "import sys\nsys.path.insert(0, {root!r})\nimport numpy as np, networkx as nx, cdam",
    "rng = np.random.default_rng(0)\n"
    "g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(6), rng.random((200, 6)))\n"
    "g",
    "model = cdam.CDAM(g, a=1.0, h=0.0, engine='direct')\n"
    "traj = model.all_starts(steps=20, seed=0)\n"
    "traj",
]

#: Cells that end with a plot call: each must show exactly one PNG. Before pyplot is loaded
#: the figure shows itself (its _repr_png_); once pyplot has loaded the inline backend, that
#: backend's printer shows it; a pyplot figure would show twice (the cell's value, then the
#: backend's flush of pyplot's list).
PLOT_CELLS = [
    "import cdam.plot\ncdam.plot.plot_attractor_correlation(cdam.attractor_correlation(traj))",
    "from cdam.automata import MemoryAutomaton, load_automaton, plot_trace\n"
    "plot_trace(MemoryAutomaton(load_automaton('parity'), n_neurons=300, seed=0).trace('01'))",
    "cdam.plot.plot_phase_diagram(cdam.phase_diagram(g, [1.0, 0.0], [0.0, 1.0], steps=10))",
]
QUIET_CELLS = [
    # a figure kept in a variable shows nothing: no pyplot list holds it for a flush
    "fig = cdam.plot.plot_attractor_correlation(np.eye(3))",
    # pyplot's inline backend, loaded the way a user's own plt.figure() loads it
    "import matplotlib.pyplot as plt\nplt.close(plt.figure())",
]


def _outputs(cell):
    """(text/plain outputs, MIME types of rich displays) of one executed cell."""
    texts, mimes = [], set()
    for out in cell.outputs:
        if out.output_type in ("execute_result", "display_data"):
            texts.append(out.data.get("text/plain", ""))
            mimes.update(out.data)
        elif out.output_type == "error":
            pytest.fail(f"cell raised {out.ename}: {out.evalue}")
    return texts, mimes


def test_reprs_and_an_inline_figure_in_a_notebook(tmp_path, monkeypatch):
    # a backend forced from outside (MPLBACKEND=Agg in CI) would stop the kernel's inline one
    monkeypatch.delenv("MPLBACKEND", raising=False)
    root = str(Path(cdam.__file__).resolve().parents[1])
    nb = nbformat.v4.new_notebook()
    # the plot cells run once before and once after the inline backend is loaded
    sources = CELLS + PLOT_CELLS + QUIET_CELLS + PLOT_CELLS
    nb.cells = [nbformat.v4.new_code_cell(src.format(root=root) if "{root" in src else src) for src in sources]
    cwd = {"metadata": {"path": str(tmp_path)}}  # the kernel's working folder
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources=cwd).execute()

    graph_text, _ = _outputs(nb.cells[1])
    assert graph_text == ["MemoryGraph(6 memories, n=200, 6 links, 0 transitions, undirected)"]
    traj_text, _ = _outputs(nb.cells[2])
    assert traj_text == ["Trajectory(B=6, steps=20, n=200, p=6, engine='direct', recorded=none)"]
    for cell in nb.cells[len(CELLS):]:
        _outputs(cell)  # fails on a cell that raised
        pngs = [out for out in cell.outputs if "image/png" in out.get("data", {})]
        expected = 0 if cell.source in QUIET_CELLS else 1
        assert len(pngs) == expected, f"{len(pngs)} PNGs, not {expected}, from {cell.source!r}: {cell.outputs}"
