"""Parameter sweeps: results, streaming to a file, resuming, executors, the command line."""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cdam
from cdam.cli import main
from cdam.errors import CDAMError, FileFormatError, MissingDependencyError, ParameterError
from cdam.sweeps import SweepResult

pytestmark = pytest.mark.usefixtures("single_thread")  # tests/conftest.py: one torch thread

A_VALUES = [-2.0, -0.5, 1.0]
H_VALUES = [0.0, 1.5, 3.0]
GRID = {"h": H_VALUES, "a": A_VALUES}
STEPS = 30


def cycle_graph(p=12, n=200, seed=0):
    return cdam.MemoryGraph.from_networkx(nx.cycle_graph(p), np.random.default_rng(seed).random((n, p)))


@pytest.fixture(scope="module")
def graph():
    return cycle_graph()


@pytest.fixture(scope="module")
def reference(graph):
    """The uninterrupted serial sweep every other run must reproduce."""
    return cdam.sweep(graph, GRID, steps=STEPS, workers=1, progress=False, measure=Probe())


class Probe:
    """A measure that counts the cells it sees and can fail after some of them (an interruption)."""

    def __init__(self, fail_after=None):
        self.fail_after, self.calls = fail_after, 0

    def __call__(self, model, traj):
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise KeyboardInterrupt
        self.calls += 1
        return {"final_mean": float(traj.final.double().mean()), "runs": int(traj.batch_size)}


def run(graph, out=None, **kw):
    kw = {"steps": STEPS, "workers": 1, "progress": False, "measure": Probe(), **kw}
    return cdam.sweep(graph, kw.pop("grid", GRID), out=out, **kw)


def lines(path) -> list[bytes]:
    return Path(path).read_bytes().split(b"\n")


# ---------------------------------------------------------------------- results
def test_matches_phase_diagram(graph, reference):
    d = cdam.phase_diagram(graph, A_VALUES, H_VALUES, steps=STEPS, seed=0)
    assert reference.shape == (3, 3) and reference.complete
    assert reference.to_numpy("predicted").tolist() == [[str(m) for m in row] for row in d.predicted]
    assert reference.to_numpy("observed").tolist() == [[str(m) for m in row] for row in d.observed]
    assert reference.agreement == d.agreement
    assert reference.to_numpy("a")[0].tolist() == A_VALUES and reference.to_numpy("h")[:, 0].tolist() == H_VALUES


def test_records_hold_the_measures(graph, reference):
    assert [r["cell"] for r in reference.records] == list(range(9))
    assert reference.fields == [
        "cell", "h", "a", "predicted", "observed", "cue_overlap", "attractor_correlation", "steps", "wall_time",
        "final_mean", "runs",
    ]  # fmt: skip
    assert set(reference.to_numpy("steps").ravel()) == {STEPS}
    assert set(reference.to_numpy("runs").ravel()) == {12}
    overlap = reference.to_numpy("cue_overlap")
    assert np.all(np.abs(overlap) <= 1.0)
    # auto-association (h = 0, a = 1) stays on the cue; quiescence (a = -2, h = 0) forgets it
    assert overlap[0, 2] > 0.9 and overlap[0, 0] < 0.5
    # mean off-diagonal attractor correlation, as from the (B, B) matrix
    model = cdam.CDAM(graph, a=-2.0, h=3.0)
    C = cdam.attractor_correlation(model.all_starts(STEPS, 1.0, 0))
    expected = (C.sum() - np.trace(C)) / (12 * 11)
    assert reference.to_numpy("attractor_correlation")[2, 0] == pytest.approx(expected, abs=1e-9)
    table = reference.table()
    assert table["predicted"].shape == (9,) and table["a"].dtype == np.float64
    json.dumps(list(reference.records))  # plain JSON all the way


def test_same_seed_same_records_other_seed_differs(graph, reference):
    assert run(graph).same_results(reference)
    other = run(graph, seed=1)
    assert not other.same_results(reference)


def test_grid_of_other_parameters(graph):
    res = run(graph, grid={"beta": [0.5, 2.0], "eta": [0.1, 1.0], "a": [1.0]}, measure=None, h=0.5)
    assert res.shape == (2, 2, 1)
    assert res.to_numpy("beta")[:, 0, 0].tolist() == [0.5, 2.0]
    assert res.config["model"] == {"h": 0.5}
    # the cell equals a model built directly
    model = cdam.CDAM(graph, a=1.0, h=0.5, beta=2.0, eta=1.0)
    traj = model.all_starts(STEPS, 1.0, 0)
    assert res.to_numpy("observed")[1, 1, 0] == str(cdam.classify_mode(traj, graph))


# ---------------------------------------------------------------------- streaming and resuming
def test_interrupted_sweep_resumes_with_only_the_missing_cells(graph, reference, tmp_path):
    out = tmp_path / "sweep.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run(graph, out, measure=Probe(fail_after=4))
    assert len(lines(out)) == 1 + 4 + 1  # header, 4 records, the final newline
    probe = Probe()
    res = run(graph, out, measure=probe)
    assert (res.resumed, res.computed, probe.calls) == (4, 5, 5)
    assert res.same_results(reference)
    assert SweepResult.load(out).same_results(reference)
    again = run(graph, out, measure=(probe := Probe()))
    assert (again.resumed, again.computed, probe.calls) == (9, 0, 0)


def killed_after_three_cells(argv, out, total) -> int:
    """Start ``python argv...`` (a sweep writing to ``out``), SIGKILL it once it has saved 3
    cells, and return how many cells the file holds (checked to be short of ``total``)."""
    root = str(Path(cdam.__file__).parents[1])  # this checkout, installed or not
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, *argv], env=env, cwd=out.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 4:  # header and 3 cells
            break
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate()
    finished = out.read_bytes().count(b"\n") - 1 if out.exists() else -1
    assert 3 <= finished < total, f"the sweep was not killed mid-way: {err.decode()[-2000:]}"
    return finished


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_command_resumes_to_identical_results(tmp_path):
    out = tmp_path / "killed.jsonl"
    args = ["sweep", "cycle:12", "--n", "200", "--a", "-2,-1,0,0.5,1,1.5", "--h", "0,1,2,3,4",
            "--steps", "100", "--workers", "1", "--out", str(out)]  # fmt: skip
    finished = killed_after_three_cells(["-m", "cdam", *args], out, 30)

    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert f"cells: 30 total, {finished} resumed from the file, {30 - finished} run now" in res.output
    from cdam.cli import _memory_graph

    g = _memory_graph("cycle:12", False, None, 200, 0)
    grid = {"h": [0.0, 1.0, 2.0, 3.0, 4.0], "a": [-2.0, -1.0, 0.0, 0.5, 1.0, 1.5]}
    fresh = cdam.sweep(g, grid, steps=100, workers=1, progress=False, normalization="sym", beta=1.0, eta=0.1,
                       mean_coef=1.0)  # fmt: skip
    assert SweepResult.load(out).same_results(fresh)


@pytest.mark.parametrize("tail", [b'{"cell": 8, "h": 3.0, "a"', b'{"cell": 8, "h": 3.0, "a"\n', b"\x00\x00\n"])
def test_torn_last_line_is_cut_off(graph, reference, tmp_path, tail):
    out = tmp_path / "torn.jsonl"
    run(graph, out)
    intact = lines(out)[:-2]  # drop the last record (its write was "interrupted")
    out.write_bytes(b"\n".join(intact) + b"\n" + tail)
    assert SweepResult.load(out).resumed == 8  # reading leaves the file alone
    assert out.read_bytes().endswith(tail)
    res = run(graph, out)
    assert (res.resumed, res.computed) == (8, 1)
    assert res.same_results(reference)
    assert all(json.loads(line) for line in lines(out)[:-1]) and lines(out)[-1] == b""


def test_a_last_line_without_newline_is_redone(graph, reference, tmp_path):
    out = tmp_path / "nonl.jsonl"
    run(graph, out)
    out.write_bytes(out.read_bytes()[:-1])  # complete JSON, but the write never finished
    res = run(graph, out)
    assert (res.resumed, res.computed) == (8, 1) and res.same_results(reference)


def test_different_sweep_in_the_file_is_refused_untouched(graph, tmp_path):
    out = tmp_path / "sweep.jsonl"
    run(graph, out)
    before = out.read_bytes()
    with pytest.raises(ParameterError, match=r"different sweep \(steps is 30 in the file, 31 now\).*new out file"):
        run(graph, out, steps=31)
    with pytest.raises(ParameterError, match="the graph .* changed"):
        run(cycle_graph(seed=1), out)
    with pytest.raises(ParameterError, match="the grid changed"):
        run(graph, out, grid={"a": A_VALUES, "h": H_VALUES})  # same cells, other order
    with pytest.raises(ParameterError, match="the model parameters changed"):
        run(graph, out, beta=2.0)
    with pytest.raises(ParameterError, match="measure is"):
        run(graph, out, measure=None)
    assert out.read_bytes() == before


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"some notes\nmore notes\n", "not a cdam sweep file"),
        (b'{"format": "cdam.sweep", "version": 1', "no complete header"),
        (b'{"format": "cdam.sweep", "version": 99, "config": {}}\n', "version 99"),
    ],
)
def test_other_files_are_refused_untouched(graph, tmp_path, content, fragment):
    out = tmp_path / "other.jsonl"
    out.write_bytes(content)
    with pytest.raises(FileFormatError, match=fragment):
        run(graph, out)
    assert out.read_bytes() == content


def test_corrupted_middle_line_is_refused(graph, tmp_path):
    out = tmp_path / "sweep.jsonl"
    run(graph, out)
    data = lines(out)
    data[3] = data[3][:20]  # a damaged record with good ones after it
    out.write_bytes(b"\n".join(data))
    before = out.read_bytes()
    with pytest.raises(FileFormatError, match="line 4 is corrupted"):
        run(graph, out)
    with pytest.raises(FileFormatError, match="line 4"):
        SweepResult.load(out)
    assert out.read_bytes() == before


def test_records_that_do_not_fit_the_grid_are_refused(graph, tmp_path):
    out = tmp_path / "sweep.jsonl"
    run(graph, out)
    data = lines(out)
    rec = json.loads(data[2])
    data[2] = json.dumps({**rec, "a": 7.0}).encode()
    out.write_bytes(b"\n".join(data))
    with pytest.raises(FileFormatError, match="does not match cell"):
        run(graph, out)


def test_empty_file_and_folder_targets(graph, reference, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.touch()
    assert run(graph, empty).same_results(reference)
    res = run(graph, tmp_path / "new" / "deeper.jsonl")
    assert res.path.exists()
    folder = tmp_path / "folder"
    folder.mkdir()
    first = run(graph, folder)
    assert first.path.parent == folder and first.path.name.startswith("sweep-")
    assert run(graph, folder).resumed == 9  # the same sweep finds its own file
    assert run(graph, folder, steps=31).path != first.path


def test_partial_file_loads(graph, tmp_path):
    out = tmp_path / "partial.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run(graph, out, measure=Probe(fail_after=5))
    res = SweepResult.load(out)
    assert len(res) == 5 and not res.complete and res.shape == (3, 3)
    overlap = res.to_numpy("cue_overlap")
    assert np.isfinite(overlap.ravel()[:5]).all() and np.isnan(overlap.ravel()[5:]).all()
    assert res.to_numpy("predicted").ravel()[5:].tolist() == [None] * 4
    with pytest.raises(ParameterError, match="no field 'nope'"):
        res.to_numpy("nope")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locks")
def test_a_file_in_use_is_refused(graph, tmp_path):
    import fcntl

    out = tmp_path / "busy.jsonl"
    run(graph, out)
    with open(out, "rb") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        with pytest.raises(ParameterError, match="another sweep is writing"):
            run(graph, out)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_finished_subset_resumes_to_the_same_result(graph, reference, data):
    header_and_records = _reference_lines(graph)
    done = data.draw(st.lists(st.integers(0, 8), unique=True), label="finished cells, in finishing order")
    torn = data.draw(st.sampled_from([b"", b'{"cell": 0, "h"', b'{"ce\n']), label="torn tail")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "sweep.jsonl"
        out.write_bytes(b"".join([header_and_records[0], *(header_and_records[1 + i] for i in done), torn]))
        probe = Probe()
        res = run(graph, out, measure=probe)
        assert (res.resumed, res.computed, probe.calls) == (len(done), 9 - len(done), 9 - len(done))
        assert res.same_results(reference)
        assert SweepResult.load(out).same_results(reference)


_LINES: dict = {}


def _reference_lines(graph) -> list[bytes]:
    if not _LINES:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "sweep.jsonl"
            run(graph, out)
            data = out.read_bytes().split(b"\n")[:-1]
        header, records = data[0], sorted(data[1:], key=lambda r: json.loads(r)["cell"])
        _LINES["lines"] = [line + b"\n" for line in [header, *records]]
    return _LINES["lines"]


# ---------------------------------------------------------------------- executors
def test_process_pool_and_thread_pool_equal_serial(graph, reference):
    assert run(graph, workers=2).same_results(reference)
    with cf.ThreadPoolExecutor(2) as ex:
        assert run(graph, executor=ex).same_results(reference)


def test_dask_missing_raises_cdam_error(monkeypatch, graph):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(MissingDependencyError, match="dask") as info:
        run(graph, scheduler="tcp://127.0.0.1:8786")
    assert isinstance(info.value, CDAMError) and isinstance(info.value, ImportError)


def test_dask_executor_matches_serial(graph, reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "dask.jsonl"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False) as cluster:
        res = run(graph, out, scheduler=cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            res2 = run(graph, scheduler=client)
    assert res.same_results(reference) and res2.same_results(reference)
    assert SweepResult.load(out).same_results(reference)


def test_a_lambda_measure_cannot_go_to_processes(graph):
    with pytest.raises(ParameterError, match="module level, or run with workers=1"):
        run(graph, workers=2, measure=lambda m, t: {})
    assert run(graph, measure=lambda m, t: {"x": 1}).to_numpy("x").tolist() == [[1.0] * 3] * 3


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "grid, kwargs, fragment",
    [
        ({"gamma": [1.0]}, {}, "unknown grid parameter 'gamma'; a grid may vary a, h, beta, eta, mean_coef"),
        ({"a": []}, {}, r"grid\['a'\] is empty"),
        ({"a": [1.0, float("nan")]}, {}, "a must be finite"),
        ({"h": [0.0, float("inf")]}, {}, "h must be finite"),
        ({"a": [1.0, 1.0]}, {}, "repeats a value"),
        ({"a": "1,2"}, {}, "sequence of numbers"),
        ({}, {}, "non-empty mapping"),
        ([("a", [1.0])], {}, "non-empty mapping"),
        ({"eta": [0.5, 2.0]}, {}, r"eta must be in \(0, 1\]"),
        ({"beta": [-1.0]}, {}, "beta must be >= 0"),
        ({"a": [1.0]}, {"a": 2.0}, "both fixed"),
        ({"a": [1.0]}, {"gamma": 2.0}, "unknown model parameter"),
        ({"a": [1.0]}, {"eta": 0.0}, "eta must be"),
        ({"a": [1.0]}, {"steps": -1}, "steps must be >= 0"),
        ({"a": [1.0]}, {"noise": float("nan")}, "noise must be finite"),
        ({"a": [1.0]}, {"seed": 1.5}, "seed must be an integer"),
        ({"a": [1.0]}, {"workers": 0}, "workers must be >= 1"),
        ({"a": [1.0]}, {"measure": 3}, "measure must be a callable"),
    ],
)
def test_bad_input(graph, grid, kwargs, fragment):
    with pytest.raises(ParameterError, match=fragment):
        cdam.sweep(graph, grid, **{"workers": 1, "progress": False, **kwargs})


def test_not_a_graph():
    with pytest.raises(ParameterError, match="MemoryGraph.from_networkx"):
        cdam.sweep(nx.cycle_graph(4), {"a": [1.0]})


@pytest.mark.parametrize(
    "returned, fragment",
    [
        ([1, 2], "must return a dict"),
        ({"x": [1, 2]}, "JSON scalars"),
        ({"x": float("nan")}, "return None instead"),
        ({"observed": 1}, "a name the sweep records itself"),
        ({1: 1}, "non-str key"),
    ],
)
def test_bad_measure_output(graph, returned, fragment):
    with pytest.raises(ParameterError, match=fragment):
        run(graph, grid={"a": [1.0]}, measure=lambda m, t: returned)


def test_measure_numpy_scalars_are_plain(graph):
    res = run(graph, grid={"a": [1.0]}, measure=lambda m, t: {"x": np.float32(0.5), "k": np.int64(3), "s": "ok"})
    assert res.records[0]["x"] == 0.5 and res.records[0]["k"] == 3 and res.records[0]["s"] == "ok"


# ---------------------------------------------------------------------- command line
def test_cli_sweep_and_resume(tmp_path):
    runner = CliRunner()
    out = tmp_path / "cli.jsonl"
    args = ["sweep", "cycle:12", "--n", "200", "--a", "-2,1", "--h", "0,3", "--steps", "30", "--workers", "1",
            "--out", str(out)]  # fmt: skip
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "h= 3.00 W/W   N/N" in res.output and "h= 0.00 Q/Q   A/A" in res.output
    assert "cells: 4 total, 0 resumed from the file, 4 run now" in res.output
    assert "agreement (observed = predicted): 100.0%" in res.output and f"results in {out}" in res.output
    res = runner.invoke(main, args)
    assert "cells: 4 total, 4 resumed from the file, 0 run now" in res.output
    res = runner.invoke(main, args[:-2] + ["--beta", "1,2", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "beta=2:" in res.output and "8 total" in res.output
    assert len(list(tmp_path.glob("sweep-*.jsonl"))) == 1


@pytest.mark.parametrize(
    "extra, fragment",
    [
        (["--steps", "31"], "holds a different sweep"),
        (["--eta", "0"], "eta must be in (0, 1], got 0.0"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, extra, fragment):
    runner = CliRunner()
    out = tmp_path / "cli.jsonl"
    base = ["sweep", "cycle:12", "--n", "200", "--a", "1", "--h", "0", "--steps", "30", "--workers", "1"]
    assert runner.invoke(main, base + ["--out", str(out)]).exit_code == 0
    res = runner.invoke(main, base + extra + ["--out", str(out)])
    assert res.exit_code == 2 and fragment in res.output and "Traceback" not in res.output


def test_cli_bad_values(tmp_path):
    res = CliRunner().invoke(main, ["sweep", "cycle:12", "--a", "1,x", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "numbers separated by commas" in res.output


def test_cli_help_has_an_example():
    res = CliRunner().invoke(main, ["sweep", "--help"])
    assert res.exit_code == 0 and "cdam sweep cycle:30" in res.output and "--scheduler" in res.output


def test_cells_per_task_does_not_change_a_record(graph, reference):
    # a cell computes the same bits alone or stacked with the others (one thread per task)
    assert run(graph, cells_per_task=1).same_results(reference)
    assert run(graph, cells_per_task=4).same_results(reference)


# ---------------------------------------------------------------------- the backend axis
def kwinner_store():
    """A module-level factory: picklable for worker processes, labelled by its qualified name."""
    from cdam.backends import KWinnerMHN

    return KWinnerMHN(200, 400, k=10, seed=0)


def backend_grid():
    from cdam.backends import MHNAttention

    # a name, a factory and an empty instance, named by a mapping
    return {"backend": {"slots": "dense", "kwinner k=10": kwinner_store, "mhn": MHNAttention(200, projections=False)},
            "h": [0.0, 3.0], "a": [-2.0, 1.0]}  # fmt: skip


@pytest.fixture(scope="module")
def backend_reference(graph):
    return run(graph, grid=backend_grid(), measure=None)


def test_backend_axis_records(graph, backend_reference):
    res = backend_reference
    assert res.shape == (3, 2, 2) and res.grid["backend"] == ("slots", "kwinner k=10", "mhn")
    assert res.to_numpy("backend")[:, 0, 0].tolist() == ["slots", "kwinner k=10", "mhn"]
    # the slot cells are the plain sweep's cells, the others have no prediction
    plain = run(graph, grid={"h": [0.0, 3.0], "a": [-2.0, 1.0]}, measure=None)
    keep = lambda r: {k: v for k, v in r.items() if k not in ("wall_time", "cell", "backend")}  # noqa: E731
    assert [keep(r) for r in res.records[:4]] == [keep(r) for r in plain.records]
    assert res.to_numpy("predicted")[1:].ravel().tolist() == [None] * 8
    assert res.agreement == plain.agreement == 1.0  # judged on the cells with a prediction
    # each store cell observes what phase_diagram observes on that store
    d = cdam.phase_diagram(graph, [-2.0, 1.0], [0.0, 3.0], backend=kwinner_store, steps=STEPS)
    assert res.to_numpy("observed")[1].tolist() == [[str(m) for m in row] for row in d.observed]
    # the projection-free MHN layer reads like the slot store
    assert res.to_numpy("observed")[2].tolist() == res.to_numpy("observed")[0].tolist()
    assert res.config["backends"]["slots"] == {"name": "dense"}
    assert res.config["backends"]["kwinner k=10"]["type"] == "cdam.backends.kwinner.KWinnerMHN"


def test_backend_axis_labels_without_a_mapping(graph):
    from cdam.backends import KWinnerMHN

    res = run(graph, grid={"backend": ["dense", kwinner_store, KWinnerMHN(200, 400, k=1)], "a": [1.0]}, measure=None)
    assert res.grid["backend"] == (
        "dense", f"{kwinner_store.__module__}.kwinner_store",
        "KWinnerMHN(n_visible=200, n_hidden=400, k=1, fan_in=1.0, lr=1.0, connections=80000)",
    )  # fmt: skip


def test_backend_axis_workers_equal_serial(graph, backend_reference):
    assert run(graph, grid=backend_grid(), measure=None, workers=2).same_results(backend_reference)


def test_backend_axis_interrupted_resumes_identically(graph, backend_reference, tmp_path):
    out = tmp_path / "backends.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run(graph, out, grid=backend_grid(), measure=Probe(fail_after=6))
    header = json.loads(lines(out)[0])
    assert header["version"] == 2 and len(lines(out)) == 1 + 6 + 1
    probe = Probe()
    res = run(graph, out, grid=backend_grid(), measure=probe)
    assert (res.resumed, res.computed, probe.calls) == (6, 6, 6)
    reference = run(graph, grid=backend_grid())  # with the Probe's fields
    assert res.same_results(reference) and SweepResult.load(out).same_results(reference)
    assert SweepResult.load(out).grid == backend_reference.grid
    # the same label on a store that computes other results is another sweep
    from cdam.backends import KWinnerMHN

    other = backend_grid()
    other["backend"]["kwinner k=10"] = KWinnerMHN(200, 400, k=10, seed=1)
    with pytest.raises(ParameterError, match=r"different sweep \(a backend \(its store's class or state\) changed"):
        run(graph, out, grid=other)


_BACKEND_LINES: dict = {}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_finished_subset_of_a_backend_sweep_resumes(graph, backend_reference, data):
    if not _BACKEND_LINES:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "sweep.jsonl"
            run(graph, out, grid=backend_grid(), measure=None)
            header, *records = out.read_bytes().split(b"\n")[:-1]
        records.sort(key=lambda r: json.loads(r)["cell"])
        _BACKEND_LINES["lines"] = [line + b"\n" for line in [header, *records]]
    lines_ = _BACKEND_LINES["lines"]
    done = data.draw(st.lists(st.integers(0, 11), unique=True), label="finished cells, in finishing order")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "sweep.jsonl"
        out.write_bytes(b"".join([lines_[0], *(lines_[1 + i] for i in done), b'{"cell": 3, "ba']))
        res = run(graph, out, grid=backend_grid(), measure=None)
        assert (res.resumed, res.computed) == (len(done), 12 - len(done))
        assert res.same_results(backend_reference) and SweepResult.load(out).same_results(backend_reference)


def test_numeric_grids_still_write_version_1(graph, tmp_path):
    out = tmp_path / "v1.jsonl"
    run(graph, out, grid={"a": [1.0]})
    header = json.loads(lines(out)[0])
    assert header["version"] == 1 and "backends" not in header["config"]


_KILLED_SWEEP = """
import sys, numpy as np, networkx as nx, cdam
sys.path.insert(0, sys.argv[2])
from test_sweeps import kwinner_store
g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(12), np.random.default_rng(0).random((200, 12)))
grid = {"backend": {"slots": "dense", "kw": kwinner_store}, "h": [0.0, 1.0, 2.0, 3.0], "a": [-2.0, -1.0, 0.0, 1.0]}
cdam.sweep(g, grid, steps=100, workers=1, progress=False, out=sys.argv[1], cells_per_task=1)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_backend_axis_killed_resumes_to_identical_results(graph, tmp_path):
    out = tmp_path / "killed.jsonl"
    script = tmp_path / "killed_sweep.py"
    script.write_text(_KILLED_SWEEP)
    finished = killed_after_three_cells([str(script), str(out), str(Path(__file__).parent)], out, 32)
    grid = {"backend": {"slots": "dense", "kw": kwinner_store}, "h": [0.0, 1.0, 2.0, 3.0], "a": [-2.0, -1.0, 0.0, 1.0]}
    kw = {"steps": 100, "workers": 1, "progress": False, "cells_per_task": 1}
    res = cdam.sweep(graph, grid, out=out, **kw)
    assert (res.resumed, res.computed) == (finished, 32 - finished)
    assert res.same_results(cdam.sweep(graph, grid, **kw))


@pytest.mark.parametrize(
    "backends, kwargs, fragment",
    [
        ([3], {}, r"grid\['backend'\] holds 3; give 'dense', an empty StorageBackend"),
        (["sparse"], {}, "unknown backend 'sparse'"),
        ("dense", {}, "must be a list"),
        ([], {}, r"grid\['backend'\] is empty"),
        (["dense", "dense"], {}, "labelled alike"),
        ([lambda: kwinner_store()], {}, "name it with a mapping"),
        ({"kw": lambda: kwinner_store()}, {"workers": 2}, "cannot be sent to worker processes"),
        ({1: "dense"}, {}, "non-empty str keys"),
        ({"kw": lambda: 3}, {}, "returned int, not a StorageBackend"),
        ({"kw": dict}, {}, "returned dict, not a StorageBackend"),
        ({"kw": __import__("cdam.backends.kwinner").backends.kwinner.KWinnerMHN}, {}, "without arguments"),
        (["dense"], {"backend": "dense"}, "both fixed"),
    ],
)
def test_bad_backend_values(graph, backends, kwargs, fragment):
    with pytest.raises(ParameterError, match=fragment):
        cdam.sweep(graph, {"backend": backends, "a": [1.0]}, **{"workers": 1, "progress": False, **kwargs})


def test_a_filled_store_and_a_fixed_instance_are_refused(graph):
    store = kwinner_store()
    cdam.CDAM(graph, backend=store)
    with pytest.raises(ParameterError, match="already holds 12 associations"):
        run(graph, grid={"backend": [store], "a": [1.0]})
    with pytest.raises(ParameterError, match=r"grid\['backend'\] = \[store\]"):
        run(graph, grid={"a": [1.0]}, backend=kwinner_store())
