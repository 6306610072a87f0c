"""Faults survived: a worker killed mid-sweep, a full disk mid-sweep, a save cut at any byte."""

import errno
import os
import signal

import networkx as nx
import numpy as np
import pytest

import cdam
import cdam.io
from cdam.automata import DFA, MemoryAutomaton, read_automaton, save_automaton

pytestmark = pytest.mark.usefixtures("single_thread")

GRID = {"h": [0.0, 1.0, 3.0], "a": [-2.0, 0.0, 1.0]}


@pytest.fixture(scope="module")
def graph():
    return cdam.MemoryGraph.from_networkx(nx.cycle_graph(10), np.random.default_rng(0).random((120, 10)))


@pytest.fixture(scope="module")
def reference(graph):
    return cdam.sweep(graph, GRID, steps=40, workers=1, progress=False)


@pytest.fixture(scope="module")
def reference_one_per_task(graph):
    # the killed-worker sweep runs one cell a task: compare it with the same batching, since a
    # cell stacked with others may round differently where the BLAS blocks a batch by its size
    # (an AMD EPYC with AVX-512: records 1e-7 apart on this graph)
    return cdam.sweep(graph, GRID, steps=40, workers=1, progress=False, cells_per_task=1)


def _complete(res):
    cells = [r["cell"] for r in res.records]
    return cells == list(range(len(GRID["h"]) * len(GRID["a"])))


# ---------------------------------------------------------------------- (a) a worker dies
def test_sweep_survives_a_killed_dask_worker(graph, reference_one_per_task):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
    ) as cluster, distributed.Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        killed = []

        def kill_one(record):
            # after the first record arrives the others are queued or running: kill a worker
            # process outright (SIGKILL, no cleanup); its nanny starts a new one and the
            # scheduler reruns the lost cells elsewhere
            if not killed:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        # one cell a task, so that cells are still queued or running when the first record arrives
        res = cdam.sweep(graph, GRID, steps=40, scheduler=client, progress=False, on_record=kill_one,
                         cells_per_task=1)
        assert killed
        alive = list(client.run(os.getpid).values())
    assert pids[0] not in alive
    assert _complete(res) and res.computed == 9
    assert res.same_results(reference_one_per_task)


# ---------------------------------------------------------------------- (b) the disk fills up
def test_sweep_stops_on_a_full_disk_and_resumes_without_loss(graph, reference, tmp_path, monkeypatch):
    out = tmp_path / "sweep.jsonl"
    real = cdam.io.append_records
    calls = []

    def fill_up_after_three(fh, lines):  # three writes: the header line, then cells 0 and 1
        calls.append(1)
        if len(calls) > 3:
            # the header and two records are written; the third record tears: half of it
            # reaches the file, then the disk is full
            raw = b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines)
            fh.write(raw[: len(raw) // 2])
            fh.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out))
        real(fh, lines)

    monkeypatch.setattr(cdam.io, "append_records", fill_up_after_three)
    # a WriteError (a CDAMError and an OSError) naming the errno, its text, the file, and how to resume
    with pytest.raises(cdam.WriteError, match="No space left on device.*run the same sweep again") as info:
        cdam.sweep(graph, GRID, steps=40, out=out, workers=1, progress=False)
    assert isinstance(info.value, OSError) and isinstance(info.value, cdam.CDAMError)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(out)
    monkeypatch.setattr(cdam.io, "append_records", real)

    partial = cdam.SweepResult.load(out)
    assert [r["cell"] for r in partial.records] == [0, 1]  # the torn line is dropped
    res = cdam.sweep(graph, GRID, steps=40, out=out, workers=1, progress=False)
    assert res.resumed == 2 and res.computed == 7
    assert _complete(res) and res.same_results(reference)
    assert cdam.SweepResult.load(out).same_results(reference)  # the file holds each cell once


# ---------------------------------------------------------------------- (c) a save cut short
class _CutAfter:
    """A file that accepts ``limit`` bytes and then fails as a full disk does."""

    def __init__(self, fh, limit):
        self._fh, self._left = fh, limit

    def write(self, data):
        data = bytes(data) if not isinstance(data, str) else data
        if len(data) > self._left:
            self._fh.write(data[: self._left])
            self._left = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._left -= len(data)
        return self._fh.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._fh.__exit__(*exc)

    def __getattr__(self, name):
        return getattr(self._fh, name)


def _model_state(m):
    return (m.a, m.h, m.beta, m.eta, m.mean_coef, m.graph.memories, m.graph.patterns.copy(),
            sorted(map(repr, m.graph.links)), sorted(map(repr, m.graph.transitions)))


def _same(x, y):
    assert len(x) == len(y)
    for u, v in zip(x, y):
        if isinstance(u, np.ndarray):
            np.testing.assert_array_equal(u, v)
        else:
            assert u == v


def _savers(graph, snapshot):
    dfa = DFA(["a", "b"], ["x", "y"], {("a", "x"): "b", ("b", "y"): "a"}, "a", ["a"])
    other_dfa = DFA(["p", "q", "r"], ["x"], {("p", "x"): "q", ("q", "x"): "r"}, "p", ["r"])
    return {
        "MemoryGraph": (graph, cdam.MemoryGraph.from_patterns(np.ones((5, 2))), lambda o, p: o.save(p),
                        cdam.MemoryGraph.load, snapshot),
        "CDAM": (cdam.CDAM(graph, a=-2.0, h=3.0), cdam.CDAM(graph, a=1.0, h=0.0), lambda o, p: o.save(p),
                 cdam.CDAM.load, _model_state),
        "DFA": (dfa, other_dfa, save_automaton, read_automaton, lambda d: (d.to_dict(),)),
        "MemoryAutomaton": (
            MemoryAutomaton(dfa, n_neurons=200, seed=1), MemoryAutomaton(other_dfa, n_neurons=200, seed=2),
            lambda o, p: o.save(p), MemoryAutomaton.load, lambda m: (m.dfa.to_dict(), m._settings),
        ),
    }


@pytest.mark.parametrize("kind", ["MemoryGraph", "CDAM", "DFA", "MemoryAutomaton"])
def test_a_save_cut_at_any_byte_leaves_the_previous_file(kind, graph, snapshot, tmp_path, monkeypatch):
    previous, newer, save, load, state = _savers(graph, snapshot)[kind]
    path = tmp_path / "saved"
    save(previous, path)
    before = path.read_bytes()
    expected = state(load(path))
    save(newer, tmp_path / "size-probe")
    size = (tmp_path / "size-probe").stat().st_size
    (tmp_path / "size-probe").unlink()
    assert size > 0

    real_fdopen = os.fdopen
    for k in sorted({0, 1, size // 7, size // 3, size // 2, (2 * size) // 3, size - 1}):
        monkeypatch.setattr(os, "fdopen", lambda fd, *a, _k=k, **kw: _CutAfter(real_fdopen(fd, *a, **kw), _k))
        with pytest.raises(OSError) as info:
            save(newer, path)
        monkeypatch.setattr(os, "fdopen", real_fdopen)
        assert info.value.errno == errno.ENOSPC or isinstance(info.value, cdam.CDAMError), (k, info.value)
        assert path.read_bytes() == before, k  # the previous file, byte for byte
        _same(state(load(path)), expected)
        assert sorted(os.listdir(tmp_path)) == ["saved"], k  # no temporary file left behind
    # and with the disk back, the save goes through
    save(newer, path)
    _same(state(load(path)), state(newer))

