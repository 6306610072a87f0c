"""MemoryGraph: building, conversions (networkx, torch_geometric) and persistence."""

from __future__ import annotations

import json
import os
import pathlib
import warnings

import networkx as nx
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import cdam

pytestmark = pytest.mark.usefixtures("single_thread")

# torch_geometric is an optional extra: only its own tests are skipped without it
try:
    with warnings.catch_warnings():  # its import warns about torch.jit.script deprecation
        warnings.simplefilter("ignore", DeprecationWarning)
        from torch_geometric.data import Data as _Data
except ImportError:  # pragma: no cover
    _Data = None
needs_pyg = pytest.mark.skipif(_Data is None, reason="torch_geometric is not installed")


# ---------------------------------------------------------------------------- building
def test_add_memory_basics():
    g = cdam.MemoryGraph()
    assert len(g) == 0
    assert g.n_neurons is None
    assert g.patterns.shape == (0, 0)
    assert g.memories == []
    g.add_memory("a", [1.0, 2.0, 3.0])
    g.add_memory(("b", 1), np.array([4, 5, 6]))  # ints become float64
    g.add_memory(7, torch.tensor([7.0, 8.0, 9.0]))
    assert len(g) == 3
    assert g.n_neurons == 3
    assert g.memories == ["a", ("b", 1), 7]
    assert [g.index(k) for k in ("a", ("b", 1), 7)] == [0, 1, 2]
    P = g.patterns
    assert P.shape == (3, 3) and P.dtype == np.float64
    np.testing.assert_array_equal(P, [[1, 4, 7], [2, 5, 8], [3, 6, 9]])
    assert "a" in g and "z" not in g and [1] not in g  # unhashable: simply not a member
    assert list(g) == ["a", ("b", 1), 7]


def test_patterns_is_a_copy():
    g = cdam.MemoryGraph()
    g.add_memory(0, np.zeros(4))
    src = np.ones(4)
    g.add_memory(1, src)
    src[:] = 99.0  # the graph holds its own copy of the input
    P = g.patterns
    P[:] = -5.0
    np.testing.assert_array_equal(g.patterns, [[0, 1], [0, 1], [0, 1], [0, 1]])
    q = g.pattern(1)
    q[:] = 3.0
    np.testing.assert_array_equal(g.pattern(1), np.ones(4))
    m = g.memories
    m.append("x")
    assert g.memories == [0, 1]


def test_node_order_is_insertion_order_across_growth():
    rng = np.random.default_rng(1)
    keys = [f"k{i}" if i % 3 else (i, "t") for i in range(70)]  # more than the initial capacity
    pats = rng.standard_normal((70, 11))
    g = cdam.MemoryGraph()
    for k, x in zip(keys[:5], pats[:5]):
        g.add_memory(k, x)
    g.add_memories(keys[5:40], list(pats[5:40]))  # a sequence of vectors
    g.add_memories(keys[40:], pats[40:].T)  # an (n, m) array, one column per key
    assert g.memories == keys
    assert [g.index(k) for k in keys] == list(range(70))
    assert g.patterns.shape == (11, 70)
    np.testing.assert_array_equal(g.patterns, pats.T)


def test_add_memories_tensor_uses_the_array_layout():
    # an (n, m) tensor is read like an (n, m) array: one column per key (it used to be read as rows)
    P = np.arange(6.0).reshape(3, 2)
    for src in (P, torch.from_numpy(P)):
        g = cdam.MemoryGraph()
        g.add_memories(["a", "b"], src)
        np.testing.assert_array_equal(g.patterns, [[0, 1], [2, 3], [4, 5]])
    g = cdam.MemoryGraph()
    g.add_memories(["a", "b"], torch.arange(4.0).reshape(2, 2))  # square: no shape error to catch a transpose
    np.testing.assert_array_equal(g.patterns, [[0, 1], [2, 3]])
    g2 = cdam.MemoryGraph.from_patterns(torch.arange(4.0).reshape(2, 2))
    np.testing.assert_array_equal(g2.patterns, [[0, 1], [2, 3]])


def test_links_are_undirected_and_transitions_directed():
    g = cdam.MemoryGraph.from_patterns(np.eye(4), keys="abcd")
    g.add_link("a", "b", 2.0)
    assert not g.is_directed
    g.add_transition("c", "d", 0.5)
    assert g.is_directed
    A = g.adjacency()
    assert A.shape == (4, 4)
    np.testing.assert_array_equal(
        A.toarray(),
        [[0, 2, 0, 0], [2, 0, 0, 0], [0, 0, 0, 0.5], [0, 0, 0, 0]],
    )
    assert g.links == [("a", "b", 2.0)]
    assert g.transitions == [("c", "d", 0.5)]


def test_self_loops_count_once_and_parallel_edges_sum():
    g = cdam.MemoryGraph.from_patterns(np.eye(3))
    g.add_link(0, 0, 1.5)  # an undirected self-loop is one edge, weight 1.5
    g.add_transition(1, 1, 0.25)
    g.add_link(0, 1)  # default weight 1
    g.add_link(1, 0, 2.0)  # same link the other way round: sums to 3
    g.add_transition(1, 2, 1.0)
    g.add_transition(1, 2, -0.5)  # parallel transition: sums to 0.5
    g.add_link(1, 2, 4.0)  # link on a pair that also has a transition: both add
    np.testing.assert_array_equal(
        g.adjacency().toarray(),
        [[1.5, 3.0, 0.0], [3.0, 0.25, 4.5], [0.0, 4.0, 0.0]],
    )
    assert sorted(g.links, key=repr) == sorted([(0, 0, 1.5), (0, 1, 3.0), (1, 2, 4.0)], key=repr)
    assert sorted(g.transitions) == [(1, 1, 0.25), (1, 2, 0.5)]
    assert g.number_of_edges() == 5


def test_docstring_example_adjacency():
    g = cdam.MemoryGraph()
    for k in "abc":
        g.add_memory(k, np.arange(5.0))
    g.add_link("a", "b")
    g.add_transition("b", "c", weight=2.0)
    np.testing.assert_array_equal(g.adjacency().toarray(), [[0, 1, 0], [1, 0, 2], [0, 0, 0]])


# ---------------------------------------------------------------------------- networkx
def _pats(n, p, seed=0):
    return np.random.default_rng(seed).random((n, p))


def test_from_networkx_pattern_sources_agree():
    G = nx.Graph()
    G.add_nodes_from(["x", "y", "z"])
    G.add_edge("x", "y", weight=0.5)
    G.add_edge("y", "z")  # no weight attribute: 1
    P = _pats(9, 3)
    g_arr = cdam.MemoryGraph.from_networkx(G, P)
    g_map = cdam.MemoryGraph.from_networkx(G, {"z": P[:, 2], "x": P[:, 0], "y": P[:, 1]})
    for i, u in enumerate(G.nodes):
        G.nodes[u]["pattern"] = P[:, i]
    g_attr = cdam.MemoryGraph.from_networkx(G)
    g_torch = cdam.MemoryGraph.from_networkx(G, torch.from_numpy(P))
    expected_A = [[0, 0.5, 0], [0.5, 0, 1], [0, 1, 0]]
    for g in (g_arr, g_map, g_attr, g_torch):
        assert g.memories == ["x", "y", "z"]
        np.testing.assert_array_equal(g.patterns, P)
        np.testing.assert_array_equal(g.adjacency().toarray(), expected_A)
        assert not g.is_directed


def test_from_networkx_custom_attribute_names():
    G = nx.DiGraph()
    G.add_node(0, vec=[1.0, 0.0])
    G.add_node(1, vec=[0.0, 1.0])
    G.add_edge(0, 1, strength=3.0, weight=100.0)
    g = cdam.MemoryGraph.from_networkx(G, pattern_attr="vec", weight="strength")
    np.testing.assert_array_equal(g.patterns, np.eye(2))
    np.testing.assert_array_equal(g.adjacency().toarray(), [[0, 3], [0, 0]])


def test_from_networkx_digraph_gives_transitions():
    G = nx.DiGraph()
    G.add_nodes_from(range(3))
    G.add_edge(0, 1, weight=2.0)
    G.add_edge(1, 0, weight=3.0)
    G.add_edge(2, 2, weight=-1.0)
    g = cdam.MemoryGraph.from_networkx(G, _pats(4, 3))
    assert g.is_directed and g.links == []
    np.testing.assert_array_equal(g.adjacency().toarray(), [[0, 2, 0], [3, 0, 0], [0, 0, -1]])


def test_from_networkx_multigraphs_sum_parallel_edges():
    M = nx.MultiGraph()
    M.add_nodes_from([0, 1, 2])
    M.add_edge(0, 1, weight=1.0)
    M.add_edge(1, 0, weight=2.5)
    M.add_edge(1, 2)  # weight 1
    M.add_edge(1, 2)
    M.add_edge(2, 2, weight=0.5)
    g = cdam.MemoryGraph.from_networkx(M, _pats(5, 3))
    np.testing.assert_array_equal(g.adjacency().toarray(), [[0, 3.5, 0], [3.5, 0, 2], [0, 2, 0.5]])

    MD = nx.MultiDiGraph()
    MD.add_nodes_from(["a", "b"])
    MD.add_edge("a", "b", weight=1.0)
    MD.add_edge("a", "b", weight=0.25)
    MD.add_edge("b", "a", weight=4.0)
    g = cdam.MemoryGraph.from_networkx(MD, _pats(5, 2))
    assert g.is_directed
    np.testing.assert_array_equal(g.adjacency().toarray(), [[0, 1.25], [4, 0]])


def test_to_networkx_undirected_and_directed():
    P = _pats(6, 3)
    g = cdam.MemoryGraph.from_patterns(P, keys=["u", "v", "w"])
    g.metadata["name"] = "demo"
    g.add_link("u", "v", 2.0)
    g.add_link("w", "w", 0.5)
    G = g.to_networkx()
    assert type(G) is nx.Graph
    assert list(G.nodes) == ["u", "v", "w"]
    assert G.graph["name"] == "demo"
    assert sorted((tuple(sorted((a, b))), d["weight"]) for a, b, d in G.edges(data=True)) == [
        (("u", "v"), 2.0),
        (("w", "w"), 0.5),
    ]
    for i, u in enumerate(G.nodes):
        np.testing.assert_array_equal(G.nodes[u]["pattern"], P[:, i])
    G.nodes["u"]["pattern"][:] = -1.0  # a copy: the graph is not changed
    np.testing.assert_array_equal(g.patterns, P)

    g.add_transition("v", "w", 3.0)
    D = g.to_networkx()
    assert type(D) is nx.DiGraph
    assert {(a, b): d["weight"] for a, b, d in D.edges(data=True)} == {
        ("u", "v"): 2.0,
        ("v", "u"): 2.0,
        ("v", "w"): 3.0,
        ("w", "w"): 0.5,
    }


def test_networkx_round_trip_karate():
    G = nx.karate_club_graph()
    P = _pats(30, G.number_of_nodes(), seed=3)
    g = cdam.MemoryGraph.from_networkx(G, P)
    assert len(g) == 34 and len(g.links) == 78
    back = cdam.MemoryGraph.from_networkx(g.to_networkx())
    assert back.memories == list(G.nodes)
    np.testing.assert_array_equal(back.patterns, P)
    np.testing.assert_array_equal(back.adjacency().toarray(), nx.to_numpy_array(G, weight="weight"))


# ---------------------------------------------------------------------------- torch_geometric
@needs_pyg
def test_to_pyg_layout():
    P = _pats(7, 3)
    g = cdam.MemoryGraph.from_patterns(P, keys=["a", "b", "c"])
    g.add_link("a", "b", 2.0)
    g.add_transition("b", "c", 0.5)
    data = g.to_pyg()
    assert tuple(data.x.shape) == (3, 7) and data.x.dtype == torch.float64
    np.testing.assert_array_equal(data.x.numpy(), P.T)
    edges = {(int(s), int(t)): float(w) for (s, t), w in zip(data.edge_index.T.tolist(), data.edge_weight)}
    assert edges == {(0, 1): 2.0, (1, 0): 2.0, (1, 2): 0.5}
    assert data.edge_index.dtype == torch.long
    assert data.memory_keys == ["a", "b", "c"]
    assert g.to_pyg(dtype=torch.float32).x.dtype == torch.float32


@needs_pyg
def test_from_pyg_symmetric_becomes_links_and_duplicates_sum():
    x = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    ei = torch.tensor([[0, 1, 1, 2, 0], [1, 0, 2, 1, 1]])
    ew = torch.tensor([1.0, 2.0, 0.5, 0.5, 1.0])  # (0, 1) twice: 1 + 1 = 2 = weight of (1, 0)
    g = cdam.MemoryGraph.from_pyg(_Data(x=x, edge_index=ei, edge_weight=ew))
    assert not g.is_directed
    assert g.memories == [0, 1, 2]
    np.testing.assert_array_equal(g.patterns, x.numpy().T)
    np.testing.assert_array_equal(g.adjacency().toarray(), [[0, 2, 0], [2, 0, 0.5], [0, 0.5, 0]])


@needs_pyg
def test_from_pyg_asymmetric_becomes_transitions_and_default_weights():
    x = torch.eye(3, dtype=torch.float64)
    ei = torch.tensor([[0, 1, 2], [1, 2, 2]])
    g = cdam.MemoryGraph.from_pyg(_Data(x=x, edge_index=ei), keys=["p", "q", "r"])
    assert g.is_directed and g.memories == ["p", "q", "r"]
    np.testing.assert_array_equal(g.adjacency().toarray(), [[0, 1, 0], [0, 0, 1], [0, 0, 1]])


@needs_pyg
def test_pyg_round_trip_keeps_keys_patterns_and_adjacency(random_graph):
    for kind in ("undirected", "directed", "mixed"):
        g = random_graph(40, 7, seed=5, kind=kind, weights="signed", isolated=2)
        back = cdam.MemoryGraph.from_pyg(g.to_pyg())
        assert back.memories == g.memories
        np.testing.assert_array_equal(back.patterns, g.patterns)
        np.testing.assert_array_equal(back.adjacency().toarray(), g.adjacency().toarray())


# ---------------------------------------------------------------------------- save / load
def _rich_graph():
    keys = ["s", 7, (1, "b"), 2.5, True, None, ("nested", (3, None), False), -(10**20), 1e-300]
    n = 6
    rng = np.random.default_rng(2)
    P = rng.standard_normal((n, len(keys)))
    P[0, 0] = -0.0
    P[1, 0] = 5e-324  # subnormal
    P[2, 0] = np.finfo(np.float64).max
    P[3, 0] = 1.0 / 3.0
    g = cdam.MemoryGraph(metadata={"name": "rich", "nested": {"list": [1, 2.5, "x", None, True]}, "n": 6})
    g.add_memories(keys, P)
    g.add_link("s", 7, 1.0 / 3.0)
    g.add_link((1, "b"), (1, "b"), -2.0)
    g.add_transition(2.5, True, 1e-300)
    g.add_transition(True, 2.5, -7.25)
    g.add_transition(None, None, 3.0)
    g.add_link(None, -(10**20), 0.1)
    return g, keys, P


def _key_signature(k):
    if isinstance(k, tuple):
        return ("tuple", tuple(_key_signature(x) for x in k))
    return (type(k).__name__, repr(k))


def _assert_exact_same(a, b):
    assert [_key_signature(k) for k in a.memories] == [_key_signature(k) for k in b.memories]
    assert a.n_neurons == b.n_neurons
    pa, pb = a.patterns, b.patterns
    assert pa.shape == pb.shape
    assert np.array_equal(pa.view(np.uint64), pb.view(np.uint64))  # bit for bit, -0.0 included
    assert sorted(map(repr, a.links)) == sorted(map(repr, b.links))
    assert sorted(map(repr, a.transitions)) == sorted(map(repr, b.transitions))
    assert a.metadata == b.metadata


def test_save_load_exact_round_trip(tmp_path):
    g, keys, P = _rich_graph()
    path = tmp_path / "g.cdam"
    g.save(path)
    back = cdam.MemoryGraph.load(path)
    _assert_exact_same(g, back)
    assert back.memories[4] is True and back.memories[5] is None
    assert type(back.memories[3]) is float and type(back.memories[1]) is int
    assert back.pattern("s")[1] == 5e-324 and np.signbit(back.pattern("s")[0])
    assert dict(((u, v), w) for u, v, w in back.transitions)[(2.5, True)] == 1e-300
    assert back.is_directed
    # str paths work too, and the file is not tied to a suffix
    g.save(str(tmp_path / "plain"))
    _assert_exact_same(g, cdam.MemoryGraph.load(str(tmp_path / "plain")))


def test_save_load_numpy_and_subclass_keys(tmp_path):
    # keys that are subclasses of the savable types load back as the plain type, equal and hash-equal
    import enum

    class Colour(str, enum.Enum):
        RED = "red"

    class Level(enum.IntEnum):
        HIGH = 3

    keys = [np.str_("a"), np.int64(5), np.float64(2.5), np.bool_(True), Colour.RED, Level.HIGH, (np.str_("t"), 1)]
    g = cdam.MemoryGraph()
    g.add_memories(keys, [np.full(3, float(i)) for i in range(len(keys))])
    g.add_link(np.str_("a"), Colour.RED, 2.0)
    g.save(tmp_path / "k")
    back = cdam.MemoryGraph.load(tmp_path / "k")
    assert back.memories == ["a", 5, 2.5, True, "red", 3, ("t", 1)]
    assert [type(k) for k in back.memories] == [str, int, float, bool, str, int, tuple]
    np.testing.assert_array_equal(back.patterns, g.patterns)
    np.testing.assert_array_equal(back.adjacency().toarray(), g.adjacency().toarray())


def test_save_load_empty_graph(tmp_path):
    g = cdam.MemoryGraph(metadata={"empty": True})
    g.save(tmp_path / "e")
    back = cdam.MemoryGraph.load(tmp_path / "e")
    assert len(back) == 0 and back.n_neurons is None and back.metadata == {"empty": True}


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path):
    g, _, _ = _rich_graph()
    target = tmp_path / "g.cdam"
    g.save(target)
    assert os.listdir(tmp_path) == ["g.cdam"]
    g2 = cdam.MemoryGraph.from_patterns(np.eye(3))
    g2.save(target)  # overwrite
    assert os.listdir(tmp_path) == ["g.cdam"]
    assert cdam.MemoryGraph.load(target).memories == [0, 1, 2]


def test_saved_file_has_ordinary_permissions(tmp_path):
    g, _, _ = _rich_graph()
    g.save(tmp_path / "g.cdam")
    (tmp_path / "plain").write_bytes(b"x")  # what an ordinary write gets under the current umask
    assert (tmp_path / "g.cdam").stat().st_mode & 0o777 == (tmp_path / "plain").stat().st_mode & 0o777


@pytest.mark.parametrize("where", ["savez", "replace"])
def test_failed_save_leaves_target_untouched(tmp_path, monkeypatch, where):
    g, _, _ = _rich_graph()
    target = tmp_path / "g.cdam"
    g.save(target)
    before = target.read_bytes()

    def broken_savez(fh, **arrays):
        fh.write(b"partial garbage")
        raise OSError("disk full")

    def broken_replace(src, dst):
        raise OSError("cannot rename")

    if where == "savez":
        monkeypatch.setattr(np, "savez", broken_savez)
    else:
        monkeypatch.setattr(os, "replace", broken_replace)
    other = cdam.MemoryGraph.from_patterns(np.ones((2, 2)))
    with pytest.raises(OSError):
        other.save(target)
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["g.cdam"]
    _assert_exact_same(g, cdam.MemoryGraph.load(target))


def _valid_bytes(tmp_path):
    g, _, _ = _rich_graph()
    path = tmp_path / "valid.cdam"
    g.save(path)
    return g, path.read_bytes()


def test_truncated_files_raise_file_format_error(tmp_path):
    _, raw = _valid_bytes(tmp_path)
    bad = tmp_path / "bad"
    for cut in sorted({0, 1, 4, 30, 100, len(raw) // 2, len(raw) - 22, len(raw) - 1, *range(0, len(raw), 97)}):
        bad.write_bytes(raw[:cut])
        with pytest.raises(cdam.FileFormatError):
            cdam.MemoryGraph.load(bad)


def test_random_bytes_and_other_files_raise_file_format_error(tmp_path):
    bad = tmp_path / "bad"
    rng = np.random.default_rng(0)
    for size in (1, 10, 1000):
        bad.write_bytes(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
        with pytest.raises(cdam.FileFormatError):
            cdam.MemoryGraph.load(bad)
    bad.write_text("not a graph at all")
    with pytest.raises(cdam.FileFormatError):
        cdam.MemoryGraph.load(bad)
    np.save(tmp_path / "single.npy", np.arange(3))  # a bare .npy array, not an archive
    with pytest.raises(cdam.FileFormatError):
        cdam.MemoryGraph.load(tmp_path / "single.npy")
    np.savez(tmp_path / "other.npz", a=np.arange(3))  # an archive, but not a cdam graph
    with pytest.raises(cdam.FileFormatError, match="lacks"):
        cdam.MemoryGraph.load(tmp_path / "other.npz")
    with pytest.raises(FileNotFoundError):
        cdam.MemoryGraph.load(tmp_path / "does-not-exist")


def test_flipped_bytes_never_load_a_different_graph(tmp_path):
    g, raw = _valid_bytes(tmp_path)
    bad = tmp_path / "bad"
    rng = np.random.default_rng(1)
    positions = rng.choice(len(raw), size=min(250, len(raw)), replace=False)
    failures = 0
    for pos in positions:
        b = bytearray(raw)
        b[pos] = (b[pos] + 1 + int(rng.integers(255))) % 256
        bad.write_bytes(bytes(b))
        try:
            back = cdam.MemoryGraph.load(bad)
        except cdam.FileFormatError as exc:
            assert isinstance(exc, cdam.CDAMError) and isinstance(exc, ValueError)
            failures += 1
            continue
        _assert_exact_same(g, back)  # a flip in an unused zip field is harmless, never silent damage
    assert failures > 0


def _write_archive(path, header_dict, overrides):
    g = cdam.MemoryGraph.from_patterns(np.eye(2), keys=["a", "b"])
    arrays = {
        "header": np.frombuffer(json.dumps(header_dict).encode(), dtype=np.uint8),
        "patterns": g.patterns.T.copy(),
        "link_index": np.array([[0, 1]], dtype=np.int64),
        "link_weight": np.array([1.0]),
        "transition_index": np.zeros((0, 2), dtype=np.int64),
        "transition_weight": np.zeros(0),
    }
    arrays.update(overrides)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


GOOD_HEADER = {
    "format": "cdam.MemoryGraph",
    "version": 1,
    "n": 2,
    "keys": [{"t": "str", "v": "a"}, {"t": "str", "v": "b"}],
    "metadata": {},
}


def test_hand_written_archive_loads(tmp_path):
    _write_archive(tmp_path / "ok", GOOD_HEADER, {})
    g = cdam.MemoryGraph.load(tmp_path / "ok")
    assert g.memories == ["a", "b"]
    np.testing.assert_array_equal(g.adjacency().toarray(), [[0, 1], [1, 0]])


@pytest.mark.parametrize(
    ("change", "overrides", "match"),
    [
        ({"version": 3}, {}, "version"),  # 2 is float32 patterns
        ({"version": "1"}, {}, "version"),
        ({"format": "something.else"}, {}, "not a"),
        ({"keys": [{"t": "str", "v": "a"}]}, {}, "not a valid"),
        ({"keys": [{"t": "int", "v": "a"}, {"t": "str", "v": "b"}]}, {}, "not a valid"),
        ({"keys": [{"t": "str", "v": "a"}, {"t": "str", "v": "a"}]}, {}, "not a valid"),
        ({"keys": "ab"}, {}, "not a valid"),
        ({"n": 3}, {}, "not a valid"),
        ({}, {"link_index": np.array([[0, 5]], dtype=np.int64)}, "out of range"),
        ({}, {"link_weight": np.array([1.0, 2.0])}, "inconsistent"),
        ({}, {"link_weight": np.array([np.nan])}, "not a valid"),
        ({}, {"patterns": np.eye(2, dtype=np.float32)}, "not a valid"),
        ({}, {"header": np.frombuffer(b"{not json", dtype=np.uint8)}, "header"),
        ({}, {"header": np.frombuffer(b"\xff\xfe\xfd", dtype=np.uint8)}, "header"),
        ({}, {"header": np.frombuffer(b"[1, 2]", dtype=np.uint8)}, "not a"),
    ],
)
def test_bad_archives_raise_file_format_error(tmp_path, change, overrides, match):
    _write_archive(tmp_path / "bad", {**GOOD_HEADER, **change}, overrides)
    with pytest.raises(cdam.FileFormatError, match=match):
        cdam.MemoryGraph.load(tmp_path / "bad")


# ---------------------------------------------------------------------------- properties
scalar_keys = st.one_of(
    st.integers(-(10**12), 10**12),
    st.text(max_size=6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
keys_strategy = st.one_of(scalar_keys, st.tuples(scalar_keys, scalar_keys), st.tuples(st.tuples(scalar_keys)))
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
weights = st.floats(-1e6, 1e6, allow_nan=False)


@st.composite
def graphs(draw):
    keys = draw(st.lists(keys_strategy, min_size=1, max_size=6, unique=True))
    p = len(keys)
    n = draw(st.integers(1, 5))
    pats = draw(st.lists(st.lists(finite, min_size=n, max_size=n), min_size=p, max_size=p))
    g = cdam.MemoryGraph(
        metadata=draw(
            st.dictionaries(st.text(max_size=4), st.one_of(st.integers(), st.text(max_size=4), st.none()), max_size=3)
        )
    )
    g.add_memories(keys, pats)
    edges = draw(st.lists(st.tuples(st.integers(0, p - 1), st.integers(0, p - 1), weights, st.booleans()), max_size=12))
    for i, j, w, directed in edges:
        (g.add_transition if directed else g.add_link)(keys[i], keys[j], w)
    return g


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(g=graphs())
def test_property_save_load_round_trip(tmp_path, g):
    path = tmp_path / "prop.cdam"
    g.save(path)
    _assert_exact_same(g, cdam.MemoryGraph.load(path))
    assert os.listdir(tmp_path) == ["prop.cdam"]


@settings(max_examples=40, deadline=None)
@given(g=graphs())
def test_property_networkx_round_trip(g):
    assume(None not in g.memories)  # networkx refuses None as a node
    back = cdam.MemoryGraph.from_networkx(g.to_networkx())
    assert [_key_signature(k) for k in back.memories] == [_key_signature(k) for k in g.memories]
    assert np.array_equal(back.patterns.view(np.uint64), g.patterns.view(np.uint64))
    np.testing.assert_array_equal(back.adjacency().toarray(), g.adjacency().toarray())
    assert back.is_directed == g.is_directed


@needs_pyg
@settings(max_examples=40, deadline=None)
@given(g=graphs())
def test_property_pyg_round_trip(g):
    data = g.to_pyg()
    assert tuple(data.x.shape) == (len(g), g.n_neurons)
    back = cdam.MemoryGraph.from_pyg(data)
    assert [_key_signature(k) for k in back.memories] == [_key_signature(k) for k in g.memories]
    assert np.array_equal(back.patterns.view(np.uint64), g.patterns.view(np.uint64))
    np.testing.assert_array_equal(back.adjacency().toarray(), g.adjacency().toarray())


def test_pathlib_and_str_paths_agree(tmp_path):
    g, _, _ = _rich_graph()
    g.save(pathlib.Path(tmp_path) / "a")
    g.save(os.path.join(tmp_path, "b"))
    _assert_exact_same(cdam.MemoryGraph.load(str(tmp_path / "a")), cdam.MemoryGraph.load(tmp_path / "b"))


def test_block_of_patterns_is_checked_at_once_and_names_the_bad_key():
    g = cdam.MemoryGraph.from_patterns(np.zeros((5, 2)), keys=["a", "b"])
    block = np.random.default_rng(0).random((5, 4))
    block[2, 3] = np.nan
    with pytest.raises(cdam.PatternError, match=r"memory 'z' holds a non-finite value \(nan\) at neuron 2"):
        g.add_memories(["w", "x", "y", "z"], block)
    with pytest.raises(cdam.PatternError, match="length 6 but the graph's patterns have length 5"):
        g.add_memories(["w", "x"], np.ones((6, 2)))
    with pytest.raises(cdam.PatternError, match="real numbers"):
        g.add_memories(["w"], np.array([["x"], ["y"], ["z"], ["u"], ["v"]]))
    assert g.memories == ["a", "b"] and g.patterns.shape == (5, 2)  # nothing was added
    block[2, 3] = 0.5
    g.add_memories(["w", "x", "y", "z"], block.astype(np.float32))
    np.testing.assert_array_equal(g.patterns[:, 2:], block.astype(np.float32).astype(np.float64))
