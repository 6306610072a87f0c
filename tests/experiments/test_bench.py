"""The (d) automaton and (e) community parts of ``cdam bench`` (speed itself is not asserted)."""

import json

import networkx as nx
import torch
from click.testing import CliRunner

from cdam.cli import main


def test_bench_quick_automaton_and_communities(tmp_path):
    out = tmp_path / "bench.json"
    threads = torch.get_num_threads()
    res = CliRunner().invoke(main, ["bench", "--quick", "--parts", "de", "--json", str(out), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "(d) automaton" in res.output and "(e) community extraction" in res.output
    data = json.loads(out.read_text())
    assert "a_notebook" not in data and "c_scaling" not in data

    d = data["d_automaton"]
    assert d["identical"] is True  # the batch and the one-word runs decoded the same states
    assert d["single_words"] == d["words"] > 0  # both read the same words
    assert d["batched_words_per_s"] > 0 and d["single_words_per_s"] > 0 and d["speedup"] > 0
    assert d["threads"] == 1

    (e,) = data["e_communities"]
    assert e["louvain_s"] > 0 and e["cdam_s"] > 0 and e["time_ratio"] > 0
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
