"""cdam.io: atomic writes under concurrency and failure, torn files refused, one version check."""

from __future__ import annotations

import errno
import json
import threading

import numpy as np
import pytest

import cdam
from cdam import io
from cdam.automata import DFA, MemoryAutomaton, load_automaton, read_automaton, save_automaton
from cdam.datasets import cycle_memory_graph


def _no_temp_files(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------------- concurrency
def test_concurrent_saves_leave_valid_files_and_no_temp_files(tmp_path):
    graphs = [cycle_memory_graph(4 + k % 3, 20, seed=k) for k in range(6)]
    errors = []

    def work(k):
        try:
            for rep in range(5):
                g = graphs[(k + rep) % len(graphs)]
                g.save(tmp_path / "shared.cdam")  # every thread writes the same path
                g.save(tmp_path / f"own-{k}.cdam")  # and its own
                save_automaton(load_automaton("parity"), tmp_path / "shared.json")
                io.atomic_write(tmp_path / f"text-{k}.txt", f"thread {k} rep {rep}\n")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert not _no_temp_files(tmp_path)
    shared = cdam.MemoryGraph.load(tmp_path / "shared.cdam")
    assert any(np.array_equal(shared.patterns, g.patterns) for g in graphs)
    for k in range(6):
        assert len(cdam.MemoryGraph.load(tmp_path / f"own-{k}.cdam")) == len(graphs[(k + 4) % len(graphs)])
        assert (tmp_path / f"text-{k}.txt").read_text() == f"thread {k} rep 4\n"
    assert read_automaton(tmp_path / "shared.json") == load_automaton("parity")


# ---------------------------------------------------------------------- failures midway
class _Boom(Exception):
    pass


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt(), _Boom()])
def test_failed_write_keeps_previous_file_and_leaves_no_temp(tmp_path, monkeypatch, failure):
    g_old, g_new = cycle_memory_graph(5, 20, seed=0), cycle_memory_graph(7, 20, seed=1)
    target = tmp_path / "g.cdam"
    g_old.save(target)
    before = target.read_bytes()

    real_savez = np.savez

    def half_then_fail(fh, **arrays):
        real_savez(fh, **arrays)
        fh.truncate(fh.tell() // 2)
        raise failure

    monkeypatch.setattr(np, "savez", half_then_fail)
    with pytest.raises(type(failure)):
        g_new.save(target)
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert not _no_temp_files(tmp_path)
    assert len(cdam.MemoryGraph.load(target)) == 5


def test_failed_text_write_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "a.json"
    save_automaton(load_automaton("parity"), path)
    before = path.read_bytes()

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(io.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        save_automaton(load_automaton("div3"), path)
    with pytest.raises(OSError, match="No space"):
        MemoryAutomaton(load_automaton("parity"), n_neurons=300, seed=0).save(tmp_path / "m.json")
    monkeypatch.undo()
    assert path.read_bytes() == before and not (tmp_path / "m.json").exists()
    assert not _no_temp_files(tmp_path)


def test_unserialisable_document_writes_nothing(tmp_path):
    d = DFA([("a", 1)], "x", {}, ("a", 1))  # a tuple state: no JSON name
    with pytest.raises(cdam.FileFormatError, match="cannot be written to JSON"):
        save_automaton(d, tmp_path / "d.json")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- torn files
def _cuts(n):
    # n - 1 is left out: a JSON file cut just before its final newline is whole
    return sorted({0, 1, 2, 10, 30, n // 4, n // 2, 3 * n // 4, n - 2})


def test_torn_graph_and_model_files_are_refused(tmp_path):
    g = cycle_memory_graph(6, 30)
    g.save(tmp_path / "g.cdam")
    cdam.CDAM(g).save(tmp_path / "m.cdam")
    for name, loader in (("g.cdam", cdam.MemoryGraph.load), ("m.cdam", cdam.CDAM.load)):
        data = (tmp_path / name).read_bytes()
        for cut in [*_cuts(len(data)), len(data) - 1]:
            (tmp_path / "torn").write_bytes(data[:cut])
            with pytest.raises(cdam.FileFormatError):
                loader(tmp_path / "torn")


def test_torn_automaton_files_are_refused(tmp_path):
    save_automaton(load_automaton("family_tree"), tmp_path / "a.json")
    MemoryAutomaton(load_automaton("parity"), n_neurons=300, seed=0).save(tmp_path / "m.json")
    for name, loader in (("a.json", read_automaton), ("m.json", MemoryAutomaton.load)):
        data = (tmp_path / name).read_bytes()
        for cut in _cuts(len(data)):
            (tmp_path / "torn.json").write_bytes(data[:cut])
            with pytest.raises(cdam.FileFormatError):
                loader(tmp_path / "torn.json")


# ---------------------------------------------------------------------- versions
def test_newer_versions_are_refused_everywhere(tmp_path):
    g = cycle_memory_graph(4, 20)
    arrays = g._to_arrays()
    header = json.loads(bytes(arrays["header"]).decode())
    arrays["header"] = np.frombuffer(json.dumps({**header, "version": 3}).encode(), dtype=np.uint8)
    io.write_npz(tmp_path / "g.cdam", arrays)
    with pytest.raises(cdam.FileFormatError, match="format version 3; this cdam reads versions up to 2: upgrade"):
        cdam.MemoryGraph.load(tmp_path / "g.cdam")

    doc = load_automaton("parity").to_dict()
    (tmp_path / "a.json").write_text(json.dumps({**doc, "version": 7}))
    with pytest.raises(cdam.FileFormatError, match="format version 7"):
        read_automaton(tmp_path / "a.json")

    MemoryAutomaton(load_automaton("parity"), n_neurons=300, seed=0).save(tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    (tmp_path / "m.json").write_text(json.dumps({**doc, "version": 3}))
    with pytest.raises(cdam.FileFormatError, match="format version 3"):
        MemoryAutomaton.load(tmp_path / "m.json")


@pytest.mark.parametrize(
    "doc, match",
    [
        ({"format": "cdam.x", "version": 1}, None),
        ({"format": "cdam.x", "version": 2}, "upgrade cdam"),
        ({"format": "cdam.y", "version": 1}, "not a cdam.x file"),
        ({"version": 1}, "not a cdam.x file"),
        ({"format": "cdam.x"}, "invalid format version None"),
        ({"format": "cdam.x", "version": "1"}, "invalid format version"),
        ({"format": "cdam.x", "version": True}, "invalid format version"),
        ({"format": "cdam.x", "version": 0}, "invalid format version"),
        ([1, 2], "not a cdam.x file"),
    ],
)
def test_check_format(doc, match):
    if match is None:
        assert io.check_format(doc, "cdam.x", 1, "f") == 1
    else:
        with pytest.raises(cdam.FileFormatError, match=match):
            io.check_format(doc, "cdam.x", 1, "f")


def test_check_format_optional_fields():
    assert io.check_format({}, "cdam.x", 2, "f", required=False) == 2
    with pytest.raises(cdam.FileFormatError, match="not a cdam.x"):
        io.check_format({"format": "other"}, "cdam.x", 2, "f", required=False)


# ---------------------------------------------------------------------- appended lines
def test_append_records_writes_whole_lines(tmp_path):
    with open(tmp_path / "r.jsonl", "a+b") as fh:
        io.append_line(fh, '{"a": 1}')
        io.append_records(fh, ['{"b": 2}', b'{"c": 3}'])
        with pytest.raises(ValueError, match="newline"):
            io.append_records(fh, ['{"d": 4}', "two\nlines"])
    assert (tmp_path / "r.jsonl").read_bytes() == b'{"a": 1}\n{"b": 2}\n{"c": 3}\n'
