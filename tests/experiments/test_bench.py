"""The (d) automaton and (e) community parts of ``cdam bench`` (speed itself is not asserted)."""

import json
import math
import time

import networkx as nx
import pytest
import torch
from click.testing import CliRunner

from cdam.cli import main


def test_bench_quick_automaton_and_communities(tmp_path):
    out = tmp_path / "bench.json"
    threads = torch.get_num_threads()
    start = time.perf_counter()
    res = CliRunner().invoke(main, ["bench", "--quick", "--parts", "de", "--json", str(out), "--out", str(tmp_path)])
    elapsed = time.perf_counter() - start
    assert res.exit_code == 0, res.output
    assert "(d) automaton" in res.output and "(e) community extraction" in res.output
    data = json.loads(out.read_text())
    assert "a_notebook" not in data and "c_scaling" not in data

    d = data["d_automaton"]
    assert d["identical"] is True  # the batch and the one-word runs decoded the same states
    assert d["single_words"] == d["words"] > 0  # both read the same words
    # speed is the benchmark's to measure; here the times must be durations in seconds that
    # this call contained, and the rates and ratios the ones those times give
    (e,) = data["e_communities"]
    times = [d["batched_s"], d["single_s"], e["louvain_s"], e["cdam_s"]]
    assert all(math.isfinite(t) and t > 0 for t in times), times
    assert sum(times) < elapsed
    assert d["batched_words_per_s"] == pytest.approx(d["words"] / d["batched_s"], rel=1e-12)
    assert d["single_words_per_s"] == pytest.approx(d["single_words"] / d["single_s"], rel=1e-12)
    assert d["speedup"] == pytest.approx(d["batched_words_per_s"] / d["single_words_per_s"], rel=1e-12)
    assert f"speed-up {d['speedup']:5.1f}x" in res.output
    assert d["threads"] == 1

    assert e["time_ratio"] == pytest.approx(e["cdam_s"] / e["louvain_s"], rel=1e-12)
    assert f"{e['louvain_s']:>9.3f} {e['cdam_s']:>8.2f} {e['time_ratio']:>6.0f}x" in res.output
    for key in ("louvain_nmi", "cdam_nmi", "cdam_best_level_nmi"):
        assert 0.0 <= e[key] <= 1.0
    assert e["cdam_best_level_nmi"] >= e["cdam_nmi"]  # the best level includes the most modular one
    assert e["truth_groups"] == 4 and e["nodes"] == 64
    assert torch.get_num_threads() == threads  # the one-thread runs leave torch's setting as it was


def test_lfr_graph_matches_the_benchmark_settings():
    from cdam.experiments.bench import LFR_SETTINGS, lfr_graph, planted_truth

    G = lfr_graph(250, 0.3, seed=0)
    truth = planted_truth(G)
    assert G.number_of_nodes() == 250 and nx.number_of_selfloops(G) == 0
    assert sorted(u for block in truth for u in block) == list(range(250))  # a partition of the nodes
    assert all(LFR_SETTINGS["min_community"] <= len(block) <= LFR_SETTINGS["max_community"] for block in truth)


def test_bench_quick_engine_parts(tmp_path):
    out = tmp_path / "bench.json"
    res = CliRunner().invoke(main, ["bench", "--quick", "--parts", "fgh", "--json", str(out), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    f = data["f_phase_diagram"]
    assert f["cells"] == 12 and f["agreement"] == 1.0  # the diagram's observed modes match theory here
    (g,) = data["g_engine"]
    # both engines are exact: float64 runs agree to round-off over 20 steps of a contracting setting
    assert g["float64_final_rel_diff"] < 1e-12 and g["float64_overlap_abs_diff"] < 1e-12
    h = data["h_memory_limit"]
    for engine in ("direct", "coefficient"):
        assert h[engine]["final_rel_diff"] < 1e-12 and h[engine]["overlap_abs_diff"] < 1e-12
    assert h["large"]["refused"] is not None and "memory budget" in h["large"]["refused"]


def test_bench_quick_automata_part_by_name(tmp_path):
    pytest.importorskip("automata")
    out = tmp_path / "bench.json"
    args = ["bench", "--quick", "--parts", "automata", "--json", str(out), "--out", str(tmp_path)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    # the name is one part, not the letters a and t it spells
    assert set(data) == {"torch", "threads", "j_automata"}
    (r,) = data["j_automata"]
    sizes = (r["states"], r["symbols"], r["n_neurons"], r["words"], r["max_len"], r["threads"])
    assert sizes == (20, 4, 500, 30, 11, 1)
    # at n = 500 most of the 160 verification runs leave out more than 1e-4 of the mass
    assert r["agree"] is True and 0 <= r["dense_fallbacks"] <= 2 * 20 * 4
    assert all(math.isfinite(r[k]) for k in ("compile_s", "lib_build_s", "s_per_word", "lib_s_per_word"))
    assert r["compile_ratio"] == pytest.approx(r["compile_s"] / r["lib_build_s"], rel=1e-12)
    assert r["word_ratio"] == pytest.approx(r["s_per_word"] / r["lib_s_per_word"], rel=1e-12)
    assert f"({r['word_ratio']:6.0f}x)   same answers: yes" in res.output


def test_automata_part_answers_equal_automata_lib():
    pytest.importorskip("automata")
    from cdam.automata import MemoryAutomaton, random_dfa
    from cdam.experiments.bench import bench_automata_vs_lib, random_words

    (r,) = bench_automata_vs_lib([5], n_symbols=2, n_words=20, n_neurons={5: 400})
    assert (r["states"], r["n_neurons"], r["agree"]) == (5, 400, True)
    # the answers it compared, recomputed: cdam's equal automata-lib's on the same words
    dfa = random_dfa(5, 2, seed=0)
    words = random_words(dfa, 20, 11, 1)
    lib = dfa.to_automata_lib()
    got = MemoryAutomaton(dfa, n_neurons=400, seed=0).accepts_many(words)
    assert got == [lib.accepts_input("".join(w)) for w in words]
    assert 0 < sum(got) < 20  # both answers occur
