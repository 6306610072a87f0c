"""cdam in a real Jupyter kernel: reprs show as text and figures display inline as PNG.

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
    "import cdam.plot\ncdam.plot.plot_attractor_correlation(cdam.attractor_correlation(traj))",
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
    nb.cells = [nbformat.v4.new_code_cell(src.format(root=root) if "{root" in src else src) for src in CELLS]
    cwd = {"metadata": {"path": str(tmp_path)}}  # the kernel's working folder
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources=cwd).execute()

    graph_text, _ = _outputs(nb.cells[1])
    assert graph_text == ["MemoryGraph(6 memories, n=200, 6 links, 0 transitions, undirected)"]
    traj_text, _ = _outputs(nb.cells[2])
    assert traj_text == ["Trajectory(B=6, steps=20, n=200, p=6, engine='direct', recorded=none)"]
    _, mimes = _outputs(nb.cells[3])
    assert "image/png" in mimes, f"the figure did not display inline; outputs: {nb.cells[3].outputs}"
