"""Every input error a user can make raises a named cdam.CDAMError and changes nothing."""

from __future__ import annotations

import os

import networkx as nx
import numpy as np
import pytest
import torch

import cdam
from cdam.couplings import compile as compile_graph
from cdam.couplings import normalize

pytestmark = pytest.mark.usefixtures("single_thread")

N = 8


@pytest.fixture
def graph():
    rng = np.random.default_rng(0)
    g = cdam.MemoryGraph(metadata={"name": "battery"})
    for k in ("a", "b", "c", 3):
        g.add_memory(k, rng.random(N))
    g.add_link("a", "b", 2.0)
    g.add_transition("b", "c", 0.5)
    return g


def test_hierarchy():
    for exc, bases in [
        (cdam.PatternError, (ValueError,)),
        (cdam.GraphError, (ValueError,)),
        (cdam.DuplicateKeyError, (cdam.GraphError, ValueError)),
        (cdam.EmptyGraphError, (cdam.GraphError, ValueError)),
        (cdam.UnknownNodeError, (KeyError,)),
        (cdam.ParameterError, (ValueError,)),
        (cdam.StateError, (ValueError,)),
        (cdam.FileFormatError, (ValueError,)),
    ]:
        assert issubclass(exc, cdam.CDAMError)
        for base in bases:
            assert issubclass(exc, base)
    # KeyError normally repr()s its message; ours reads as written
    assert str(cdam.UnknownNodeError("unknown memory 'x'")) == "unknown memory 'x'"


# ---------------------------------------------------------------------------- graph building
GRAPH_ERRORS = [
    # (name, call, error, words in the message)
    ("short pattern", lambda g: g.add_memory("new", np.zeros(N - 1)), cdam.PatternError, ["length 7", "length 8"]),
    ("long pattern", lambda g: g.add_memory("new", np.zeros(N + 3)), cdam.PatternError, ["length 11"]),
    ("2-D pattern", lambda g: g.add_memory("new", np.zeros((2, 4))), cdam.PatternError, ["1-D", "(2, 4)"]),
    ("scalar pattern", lambda g: g.add_memory("new", 1.0), cdam.PatternError, ["1-D"]),
    (
        "nan pattern",
        lambda g: g.add_memory("new", np.r_[np.zeros(N - 1), np.nan]),
        cdam.PatternError,
        ["non-finite", "7"],
    ),
    ("inf pattern", lambda g: g.add_memory("new", np.r_[np.inf, np.zeros(N - 1)]), cdam.PatternError, ["non-finite"]),
    ("torch nan", lambda g: g.add_memory("new", torch.full((N,), float("nan"))), cdam.PatternError, ["non-finite"]),
    ("text pattern", lambda g: g.add_memory("new", ["x"] * N), cdam.PatternError, ["real numbers"]),
    ("complex pattern", lambda g: g.add_memory("new", np.ones(N) * 1j), cdam.PatternError, ["real"]),
    ("ragged patterns", lambda g: g.add_memory("new", [[1.0], [1.0, 2.0]]), cdam.PatternError, ["array"]),
    ("duplicate key", lambda g: g.add_memory("a", np.zeros(N)), cdam.DuplicateKeyError, ["'a'", "already exists"]),
    (
        "duplicate in batch",
        lambda g: g.add_memories(["x", "y", "x"], [np.zeros(N)] * 3),
        cdam.DuplicateKeyError,
        ["'x'", "already exists"],
    ),
    (
        "one bad pattern in a batch",
        lambda g: g.add_memories(["x", "y"], [np.zeros(N), np.zeros(N + 1)]),
        cdam.PatternError,
        ["'y'", "length"],
    ),
    (
        "keys vs patterns",
        lambda g: g.add_memories(["x", "y"], [np.zeros(N)]),
        cdam.PatternError,
        ["2 keys", "1 patterns"],
    ),
    ("unhashable key", lambda g: g.add_memory(["list"], np.zeros(N)), cdam.GraphError, ["hashable", "list"]),
    ("unhashable key dict", lambda g: g.add_memory({"d": 1}, np.zeros(N)), cdam.GraphError, ["hashable"]),
    ("link unknown u", lambda g: g.add_link("zzz", "a"), cdam.UnknownNodeError, ["unknown memory", "'zzz'"]),
    ("link unknown v", lambda g: g.add_link("a", 99), cdam.UnknownNodeError, ["unknown memory", "99"]),
    ("transition unknown", lambda g: g.add_transition("a", "nope"), cdam.UnknownNodeError, ["'nope'"]),
    ("transition unhashable", lambda g: g.add_transition("a", ["x"]), cdam.UnknownNodeError, ["unknown memory"]),
    ("index unknown", lambda g: g.index("q"), cdam.UnknownNodeError, ["unknown memory", "'q'", "'a'"]),
    ("index unhashable", lambda g: g.index({}), cdam.UnknownNodeError, ["unknown memory"]),
    ("pattern unknown", lambda g: g.pattern("q"), cdam.UnknownNodeError, ["'q'"]),
    ("nan weight", lambda g: g.add_link("a", "c", float("nan")), cdam.ParameterError, ["weight", "finite"]),
    ("inf weight", lambda g: g.add_transition("a", "c", float("inf")), cdam.ParameterError, ["weight", "finite"]),
    ("-inf weight", lambda g: g.add_link("a", "a", -np.inf), cdam.ParameterError, ["weight", "finite"]),
    ("text weight", lambda g: g.add_link("a", "c", "heavy"), cdam.ParameterError, ["weight", "real number"]),
    ("bool weight", lambda g: g.add_link("a", "c", True), cdam.ParameterError, ["weight", "real number"]),
    (
        "second of several links bad",
        lambda g: g.add_links_from([("a", "c", 1.0), ("a", "nobody", 1.0)]),
        cdam.UnknownNodeError,
        ["'nobody'"],
    ),
    (
        "second of several transitions bad",
        lambda g: g.add_transitions_from([("a", "c"), ("c", "a", float("nan"))]),
        cdam.ParameterError,
        ["weight"],
    ),
    ("malformed edge", lambda g: g.add_links_from([("a",)]), cdam.GraphError, ["(u, v)"]),
    ("malformed edge 4", lambda g: g.add_transitions_from([("a", "b", 1.0, 2.0)]), cdam.GraphError, ["(u, v)"]),
]


@pytest.mark.parametrize(("name", "call", "error", "words"), GRAPH_ERRORS, ids=[e[0] for e in GRAPH_ERRORS])
def test_graph_errors_leave_graph_unchanged(graph, snapshot, assert_same_graph, name, call, error, words):
    before = snapshot(graph)
    with pytest.raises(error) as info:
        call(graph)
    assert isinstance(info.value, cdam.CDAMError)
    message = str(info.value)
    for w in words:
        assert w in message, (w, message)
    assert_same_graph(before, graph)
    # the graph still works afterwards
    graph.add_memory("after", np.ones(N))
    assert graph.memories[-1] == "after" and len(graph) == 5


def test_first_pattern_error_leaves_empty_graph_empty():
    g = cdam.MemoryGraph()
    with pytest.raises(cdam.PatternError):
        g.add_memories(["x", "y"], [np.zeros(4), np.zeros(5)])
    assert len(g) == 0 and g.n_neurons is None
    g.add_memory("z", np.zeros(5))  # n is fixed by the first pattern actually added
    assert g.n_neurons == 5


def test_from_patterns_needs_2d():
    with pytest.raises(cdam.PatternError, match="2-D"):
        cdam.MemoryGraph.from_patterns(np.zeros(5))


# ---------------------------------------------------------------------------- conversions
def test_from_networkx_errors():
    G = nx.path_graph(3)
    with pytest.raises(cdam.PatternError, match="no 'pattern' attribute"):
        cdam.MemoryGraph.from_networkx(G)
    with pytest.raises(cdam.PatternError, match="no entry for node 2"):
        cdam.MemoryGraph.from_networkx(G, {0: np.zeros(3), 1: np.zeros(3)})
    with pytest.raises(cdam.PatternError, match=r"shape \(5, 2\)"):
        cdam.MemoryGraph.from_networkx(G, np.zeros((5, 2)))
    G.add_edge(0, 1, weight=float("nan"))
    with pytest.raises(cdam.ParameterError, match="weight"):
        cdam.MemoryGraph.from_networkx(G, np.zeros((4, 3)))


def test_from_pyg_errors():
    Data = pytest.importorskip("torch_geometric.data").Data
    with pytest.raises(cdam.PatternError, match="data.x"):
        cdam.MemoryGraph.from_pyg(Data(edge_index=torch.zeros((2, 0), dtype=torch.long)))
    with pytest.raises(cdam.PatternError, match="2-D"):
        cdam.MemoryGraph.from_pyg(Data(x=torch.zeros(4)))
    with pytest.raises(cdam.GraphError, match="edge_index"):
        cdam.MemoryGraph.from_pyg(Data(x=torch.zeros(2, 3), edge_index=torch.tensor([[0], [5]])))
    with pytest.raises(cdam.GraphError, match="keys"):
        cdam.MemoryGraph.from_pyg(Data(x=torch.zeros(2, 3)), keys=["only one"])


# ---------------------------------------------------------------------------- model parameters
MODEL_ERRORS = [
    ({"beta": float("nan")}, ["beta", "finite"]),
    ({"beta": float("inf")}, ["beta", "finite"]),
    ({"beta": -0.5}, ["beta", ">= 0"]),
    ({"a": float("nan")}, ["a must be finite"]),
    ({"a": float("-inf")}, ["a must be finite"]),
    ({"h": float("inf")}, ["h must be finite"]),
    ({"h": "strong"}, ["h must be a real number"]),
    ({"eta": 0.0}, ["eta must be in (0, 1], got 0.0", "fraction of the way moved per step"]),
    ({"eta": -0.1}, ["eta", "(0, 1]"]),
    ({"eta": 1.0000001}, ["eta", "(0, 1]"]),
    ({"eta": 2.0}, ["eta", "(0, 1]"]),
    ({"eta": float("nan")}, ["eta must be finite and in (0, 1]"]),
    ({"mean_coef": float("nan")}, ["mean_coef", "finite"]),
    ({"normalization": "laplacian"}, ["normalization", "'laplacian'", "'sym'"]),
    ({"normalization": None}, ["normalization"]),
    ({"softmax": "fast"}, ["softmax", "'fast'"]),
    ({"direction": "sideways"}, ["direction", "'sideways'"]),
    ({"backend": "sparse-magic"}, ["backend", "'sparse-magic'"]),
    ({"dtype": torch.int64}, ["dtype"]),
]


@pytest.mark.parametrize(("kwargs", "words"), MODEL_ERRORS, ids=[repr(k) for k, _ in MODEL_ERRORS])
def test_model_parameter_errors(graph, snapshot, assert_same_graph, kwargs, words):
    before = snapshot(graph)
    with pytest.raises(cdam.ParameterError) as info:
        cdam.CDAM(graph, **kwargs)
    assert isinstance(info.value, cdam.CDAMError) and isinstance(info.value, ValueError)
    for w in words:
        assert w in str(info.value), (w, str(info.value))
    assert_same_graph(before, graph)


@pytest.mark.parametrize(
    "kwargs", [{"eta": 1.0}, {"beta": 0.0}, {"a": -1e6, "h": 1e6}, {"mean_coef": -3.0}, {"eta": 1e-9}], ids=repr
)
def test_valid_edge_values_are_accepted(graph, kwargs):
    model = cdam.CDAM(graph, **kwargs)
    # kept exactly as given (nothing clipped), and a run from them stays finite
    assert {k: getattr(model, k) for k in kwargs} == kwargs
    assert torch.isfinite(model.all_starts(2).final).all()


def test_compile_and_normalize_errors(graph):
    with pytest.raises(cdam.ParameterError, match="'spectral'"):
        graph.compile("spectral")
    with pytest.raises(cdam.ParameterError, match="normalization"):
        compile_graph(graph, "Sym")
    with pytest.raises(cdam.ParameterError, match="normalization"):
        normalize(np.eye(2), "l1")
    with pytest.raises(cdam.ParameterError, match="a must be finite"):
        compile_graph(graph, a=float("nan"))
    with pytest.raises(cdam.ParameterError, match="direction"):
        compile_graph(graph, direction="backwards")


def test_empty_graph_errors():
    g = cdam.MemoryGraph()
    with pytest.raises(cdam.EmptyGraphError, match="empty"):
        cdam.CDAM(g)
    with pytest.raises(cdam.EmptyGraphError, match="add_memory"):
        g.compile()
    with pytest.raises(cdam.EmptyGraphError):
        compile_graph(g, "row")
    assert len(g) == 0


def test_with_strengths_errors(graph):
    model = cdam.CDAM(graph)
    with pytest.raises(cdam.ParameterError, match="a must be finite"):
        model.with_strengths(float("nan"), 1.0)
    with pytest.raises(cdam.ParameterError, match="h must be finite"):
        model.with_strengths(1.0, float("inf"))
    assert (model.a, model.h) == (1.0, 0.0)


# ---------------------------------------------------------------------------- states
STATE_ERRORS = [
    ("3-D", np.zeros((2, 3, N)), ["shape", "(B, n)"]),
    ("scalar", np.float64(1.0), ["shape"]),
    ("width", np.zeros(N + 1), ["9 neurons", "n = 8"]),
    ("batch width", np.zeros((3, N - 2)), ["6 neurons", "n = 8"]),
    ("nan", np.r_[np.zeros(N - 1), np.nan], ["NaN or inf"]),
    ("inf batch", np.vstack([np.zeros(N), np.full(N, np.inf)]), ["NaN or inf"]),
    ("torch nan", torch.full((2, N), float("nan")), ["NaN or inf"]),
    ("empty batch", np.zeros((0, N)), ["empty batch"]),
    ("text", np.array(["a"] * N), ["real numbers"]),
    ("complex torch", torch.zeros(N, dtype=torch.complex64), ["real numbers"]),
    ("ragged", [[1.0, 2.0], [1.0]], ["x0"]),
]


@pytest.mark.parametrize(("name", "x0", "words"), STATE_ERRORS, ids=[e[0] for e in STATE_ERRORS])
def test_state_errors(graph, name, x0, words):
    model = cdam.CDAM(graph)
    for call in (lambda x: model.run(x, steps=3), model.step, model.attention, cdam.CDAM(graph).energy):
        with pytest.raises(cdam.StateError) as info:
            call(x0)
        assert isinstance(info.value, cdam.CDAMError) and isinstance(info.value, ValueError)
        for w in words:
            assert w in str(info.value), (w, str(info.value))


def test_run_argument_errors(graph):
    model = cdam.CDAM(graph)
    x0 = np.zeros(N)
    with pytest.raises(cdam.ParameterError, match="steps"):
        model.run(x0, steps=-1)
    with pytest.raises(cdam.ParameterError, match="steps"):
        model.run(x0, steps=2.5)
    with pytest.raises(cdam.ParameterError, match="tol"):
        model.run(x0, steps=2, tol=-1e-3)
    with pytest.raises(cdam.ParameterError, match="tol"):
        model.run(x0, steps=2, tol=float("nan"))
    with pytest.raises(cdam.ParameterError, match="overlap kind 'spearman'"):
        model.run(x0, steps=2, overlap="spearman")
    with pytest.raises(cdam.ParameterError, match="noise"):
        model.all_starts(steps=2, noise=-1.0)
    with pytest.raises(cdam.ParameterError, match="noise"):
        model.initial_states(noise=float("inf"))
    traj = model.run(x0, steps=2)
    with pytest.raises(cdam.ParameterError, match="record_overlaps"):
        traj.final_overlaps()


# ---------------------------------------------------------------------------- measures
def test_measure_errors(graph):
    P = np.random.default_rng(0).random((N, 3))
    with pytest.raises(cdam.ParameterError, match="overlap kind 'manhattan'"):
        cdam.overlaps(np.zeros(N), P, kind="manhattan")
    with pytest.raises(cdam.StateError, match="width 5"):
        cdam.overlaps(np.zeros(5), P)
    with pytest.raises(cdam.StateError, match=r"\(B, n\)"):
        cdam.attractor_correlation(np.zeros(5))
    with pytest.raises(cdam.StateError, match=r"need \(4, 4\)"):
        cdam.distance_profile(np.eye(3), graph)


# ---------------------------------------------------------------------------- saving
UNSAVABLE_KEYS = [frozenset({1}), object(), float("nan"), float("inf"), (1, frozenset()), b"bytes"]


@pytest.mark.parametrize("key", UNSAVABLE_KEYS, ids=[type(k).__name__ + str(i) for i, k in enumerate(UNSAVABLE_KEYS)])
def test_unsavable_keys(tmp_path, graph, snapshot, assert_same_graph, key):
    target = tmp_path / "g.cdam"
    graph.save(target)
    before_bytes = target.read_bytes()
    graph.add_memory(key, np.zeros(N))
    before = snapshot(graph)
    with pytest.raises(cdam.GraphError) as info:
        graph.save(target)
    assert "cannot be saved" in str(info.value) and "key" in str(info.value)
    assert target.read_bytes() == before_bytes
    assert os.listdir(tmp_path) == ["g.cdam"]
    assert_same_graph(before, graph)


UNSAVABLE_METADATA = [
    {"set": {1, 2}},
    {"obj": object()},
    {"nan": float("nan")},
    {"inf": [1.0, float("inf")]},
    {"array": np.arange(3)},
    {"tuple": (1, 2)},  # JSON would load a list back
    {1: "int key"},  # JSON would load the key back as "1"
    {"nested": {"deep": [(1, "x")]}},
]


@pytest.mark.parametrize("meta", UNSAVABLE_METADATA, ids=[next(iter(m)).__repr__() for m in UNSAVABLE_METADATA])
def test_unsavable_metadata(tmp_path, graph, meta):
    target = tmp_path / "g.cdam"
    graph.save(target)
    before_bytes = target.read_bytes()
    graph.metadata.update(meta)
    with pytest.raises(cdam.GraphError, match="metadata"):
        graph.save(target)
    assert target.read_bytes() == before_bytes
    assert os.listdir(tmp_path) == ["g.cdam"]
    assert cdam.MemoryGraph.load(target).metadata == {"name": "battery"}


def test_save_into_missing_folder_raises_oserror(tmp_path, graph):
    with pytest.raises(OSError):
        graph.save(tmp_path / "missing" / "g.cdam")
    assert not (tmp_path / "missing").exists()


def test_backend_instance_cannot_hold_two_graphs():
    from cdam.backends import DenseSlots

    g = cdam.MemoryGraph.from_patterns(np.random.default_rng(0).random((20, 4)))
    backend = DenseSlots()
    cdam.CDAM(g, backend=backend)
    assert backend.n_stored == 4
    with pytest.raises(cdam.ParameterError, match="fresh backend"):
        cdam.CDAM(g, backend=backend)
    assert backend.n_stored == 4  # nothing appended by the refused call
