"""Saving models and automata: exact round trips, atomic writes, refused bad files."""

import json

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import cdam
from cdam.automata import MemoryAutomaton, load_automaton
from cdam.backends import DenseSlots
from cdam.datasets import cycle_memory_graph


@settings(max_examples=20, deadline=None)
@given(
    a=st.floats(-3, 3), h=st.floats(-3, 3), beta=st.floats(0, 5), eta=st.floats(0.01, 1.0),
    c=st.floats(-2, 2), norm=st.sampled_from(["sym", "row", "none"]),
    dtype=st.sampled_from([torch.float32, torch.float64]), direction=st.sampled_from(["forward", "reverse"]),
    topk=st.sampled_from([None, 1, 3, 8]), values=st.sampled_from(["auto", "dense", "factored"]),
)
def test_model_round_trip_is_exact(tmp_path_factory, a, h, beta, eta, c, norm, dtype, direction, topk, values):
    g = cycle_memory_graph(8, 40, seed=1)
    g.add_transition(0, 3, 2.5)
    g.metadata["note"] = "round trip"
    m = cdam.CDAM(
        g, a=a, h=h, beta=beta, eta=eta, mean_coef=c, normalization=norm, dtype=dtype, direction=direction,
        topk=topk, values=values,
    )  # fmt: skip
    path = tmp_path_factory.mktemp("m") / "model.cdam"
    m.save(path)
    m2 = cdam.CDAM.load(path)
    assert m2.params() == m.params() and m2.dtype == m.dtype
    assert m2.graph.memories == g.memories and m2.graph.metadata == g.metadata
    np.testing.assert_array_equal(m2.graph.patterns, g.patterns)
    assert (m2.M != m.M).nnz == 0
    x0 = m.initial_states(seed=4)
    assert torch.equal(m.run(x0, 7).final, m2.run(x0, 7).final)


def test_model_save_refuses_stale_graph_and_custom_backend(tmp_path):
    g = cycle_memory_graph(6, 30)
    m = cdam.CDAM(g)
    g.add_link(0, 3)
    with pytest.raises(cdam.ParameterError, match="graph changed"):
        m.save(tmp_path / "m.cdam")
    assert not (tmp_path / "m.cdam").exists()
    with pytest.raises(cdam.ParameterError, match="named backend"):
        cdam.CDAM(g, backend=DenseSlots()).save(tmp_path / "m.cdam")


def test_graph_and_model_files_are_not_interchangeable(tmp_path):
    g = cycle_memory_graph(6, 30)
    g.save(tmp_path / "g.cdam")
    cdam.CDAM(g).save(tmp_path / "m.cdam")
    with pytest.raises(cdam.FileFormatError, match="cdam.CDAM"):
        cdam.CDAM.load(tmp_path / "g.cdam")
    with pytest.raises(cdam.FileFormatError, match="cdam.MemoryGraph"):
        cdam.MemoryGraph.load(tmp_path / "m.cdam")


@settings(max_examples=60, deadline=None)
@given(blob=st.binary(max_size=2000))
def test_random_bytes_never_load(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("f") / "junk.cdam"
    path.write_bytes(blob)
    for loader in (cdam.MemoryGraph.load, cdam.CDAM.load):
        with pytest.raises(cdam.FileFormatError):
            loader(path)


def test_truncated_model_file_refused(tmp_path):
    path = tmp_path / "m.cdam"
    cdam.CDAM(cycle_memory_graph(6, 30)).save(path)
    data = path.read_bytes()
    for cut in (10, len(data) // 2, len(data) - 5):
        (tmp_path / "cut.cdam").write_bytes(data[:cut])
        with pytest.raises(cdam.FileFormatError):
            cdam.CDAM.load(tmp_path / "cut.cdam")


def test_model_file_with_bad_parameters_refused(tmp_path):
    from cdam.graph import atomic_savez

    g = cycle_memory_graph(6, 30)
    bad = {**cdam.CDAM(g).params(), "backend": "dense", "dtype": "float32", "eta": 7.0}
    atomic_savez(tmp_path / "bad.cdam", g._to_arrays(fmt="cdam.CDAM", model=bad))
    with pytest.raises(cdam.CDAMError, match="eta"):
        cdam.CDAM.load(tmp_path / "bad.cdam")


def test_memory_automaton_round_trip(tmp_path):
    m = MemoryAutomaton(load_automaton("div3"), n_neurons=500, seed=2, beta=0.5)
    m.save(tmp_path / "div3.json")
    m2 = MemoryAutomaton.load(tmp_path / "div3.json")
    assert torch.equal(m.model.couplings.Xi, m2.model.couplings.Xi)
    words = ["0", "11", "110", "1001"]
    assert m2.run_many(words) == m.run_many(words) == [m.dfa.run(w) for w in words]
    assert not list(tmp_path.glob("*.tmp"))


def test_memory_automaton_bad_files(tmp_path):
    p = tmp_path / "a.json"
    p.write_text("{not json")
    with pytest.raises(cdam.FileFormatError):
        MemoryAutomaton.load(p)
    p.write_text(json.dumps({"format": "cdam.MemoryAutomaton", "version": 2}))
    with pytest.raises(cdam.FileFormatError, match="version"):
        MemoryAutomaton.load(p)


def test_model_files_from_before_topk_and_values_still_load(tmp_path):
    g = cycle_memory_graph(6, 30)
    m = cdam.CDAM(g, a=0.5, h=1.0)
    path = tmp_path / "old.cdam"
    m.save(path)
    arrays = dict(np.load(path))
    header = json.loads(bytes(arrays["header"]).decode())
    del header["model"]["topk"], header["model"]["values"]  # the parameters an older cdam wrote
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as f:  # a file object: np.savez would append .npz to a name
        np.savez(f, **arrays)
    written = cdam.graph.parse_header(np.load(path)["header"], "cdam.CDAM", cdam.graph.FILE_VERSION, path)
    assert "topk" not in written["model"]
    again = cdam.CDAM.load(path)
    assert again.topk is None and again.values == "auto" and again.params() == m.params()
