"""The cdam command line."""

import numpy as np
import pytest
from click.testing import CliRunner

from cdam import ParameterError
from cdam.cli import main


@pytest.fixture()
def runner():
    return CliRunner()


def test_help_lists_commands(runner):
    res = runner.invoke(main, ["--help"])
    assert res.exit_code == 0
    for cmd in ("demo", "run", "phase-diagram"):
        assert cmd in res.output


def test_demo_prints_tables_and_writes_figures(runner, tmp_path):
    res = runner.invoke(main, ["demo", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "Dynamical modes" in res.output and "Range of recall" in res.output
    assert "family tree" in res.output
    assert "differs" not in res.output.split("Range of recall")[0]
    for name in ("range_of_recall.png", "attractor_correlation.png", "phase_diagram.png", "family_tree.png"):
        f = tmp_path / name
        assert f.exists() and f.read_bytes()[:4] == b"\x89PNG"
    assert f"Figures written to {tmp_path}" in res.output


def test_run_on_edge_list(runner, tmp_path):
    edges = tmp_path / "edges.txt"
    edges.write_text("# a weighted 6-cycle\n" + "".join(f"{i} {(i + 1) % 6} 1.0\n" for i in range(6)))
    res = runner.invoke(main, ["run", str(edges), "--n", "300", "--a", "1", "--h", "0", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "predicted mode: auto" in res.output and "observed mode: auto" in res.output
    C = np.load(tmp_path / "attractor_correlation.npy")
    assert C.shape == (6, 6)
    np.testing.assert_allclose(np.diag(C), 1.0)


def test_run_with_patterns_file_and_graphml(runner, tmp_path):
    import networkx as nx

    G = nx.path_graph(4)
    nx.write_graphml(G, tmp_path / "g.graphml")
    np.save(tmp_path / "pats.npy", np.random.default_rng(0).random((200, 4)))
    res = runner.invoke(
        main, ["run", str(tmp_path / "g.graphml"), "--patterns", str(tmp_path / "pats.npy"), "--out", str(tmp_path)]
    )
    assert res.exit_code == 0, res.output
    assert "4 memories, n=200" in res.output


def test_phase_diagram_command(runner, tmp_path):
    res = runner.invoke(
        main,
        ["phase-diagram", "--graph", "cycle:12", "--n", "300", "--a-range", "-1", "1", "3",
         "--h-range", "0", "2", "3", "--out", str(tmp_path)],
    )
    assert res.exit_code == 0, res.output
    assert "agreement" in res.output
    assert (tmp_path / "phase_diagram.png").exists()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["run", "missing-file.txt"], "does not exist"),
        (["run", "cycle:abc"], "cycle:P"),
        (["run", "cycle:10", "--n", "50", "--eta", "0"], "eta must be"),
        (["run", "cycle:10", "--n", "50", "--beta", "nan"], "beta must be finite"),
    ],
)
def test_errors_are_one_line(runner, args, fragment, tmp_path):
    res = runner.invoke(main, args + ["--out", str(tmp_path)])
    assert res.exit_code == 2
    assert fragment in res.output
    assert "Traceback" not in res.output


def test_patterns_of_wrong_shape(runner, tmp_path):
    np.save(tmp_path / "bad.npy", np.zeros((50, 3)))
    res = runner.invoke(main, ["run", "cycle:10", "--patterns", str(tmp_path / "bad.npy"), "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "one column per node" in res.output


def test_debug_shows_traceback(runner, tmp_path):
    res = runner.invoke(main, ["--debug", "run", "cycle:10", "--n", "50", "--eta", "0", "--out", str(tmp_path)])
    assert res.exit_code == 1
    # the error itself, not the one-line message that test_errors_are_one_line reads
    assert isinstance(res.exception, ParameterError) and "eta must be in (0, 1], got 0.0" in str(res.exception)


def test_bench_quick_writes_json(runner, tmp_path):
    import json
    import math
    import time

    out = tmp_path / "bench.json"
    start = time.perf_counter()
    res = runner.invoke(main, ["bench", "--quick", "--parts", "ab", "--json", str(out), "--out", str(tmp_path)])
    elapsed = time.perf_counter() - start
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    row, b = data["a_notebook"][0], data["b_raw"]
    # the same update rule: cdam and the notebook loop agree to float64 round-off
    assert row["max_abs_diff"] < 1e-10
    # speed itself is the benchmark's to measure; here the times must be durations in seconds
    # that this call contained, and every derived number the one its times give
    times = [row["notebook_s"], row["cdam_s"], b["raw_s"], b["cdam_s"]]
    assert all(math.isfinite(t) and t > 0 for t in times), times
    assert sum(times) < elapsed
    assert row["speedup"] == pytest.approx(row["notebook_s"] / row["cdam_s"], rel=1e-12)
    flops = 2 * 2 * b["B"] * b["n"] * b["p"] * b["steps"]  # two (B, n) x (n, p)-sized products a step
    assert b["cdam_gflops"] == pytest.approx(flops / b["cdam_s"] / 1e9, rel=1e-12)
    assert b["raw_gflops"] == pytest.approx(flops / b["raw_s"] / 1e9, rel=1e-12)
    assert b["fraction_of_raw"] == pytest.approx(b["raw_s"] / b["cdam_s"], rel=1e-12)
    # the printed lines show the numbers the JSON holds
    assert f"speed-up {row['speedup']:7.0f}x" in res.output
    assert f"cdam {b['cdam_gflops']:.1f} GFLOP/s = {b['fraction_of_raw']:.0%} of raw" in res.output


def test_bench_large_graph_part_by_name(runner, tmp_path):
    import json

    out = tmp_path / "bench.json"
    args = ["bench", "--quick", "--parts", "large-graph", "--json", str(out), "--out", str(tmp_path)]
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    # the name is one part, not the letters a, e, g and h it spells
    assert not {"a_notebook", "e_communities", "g_engine", "h_memory_limit"} & data.keys()
    r = data["i_large_graph"]
    assert (r["p"], r["n"], r["batch"], r["steps"], r["checked_runs"]) == (2000, 64, 64, 5, 64)
    assert r["final_attention_nnz"] <= 64 * r["k"]  # sparse summaries: at most k memories a run
    assert all(r[key] > 0 for key in ("build_s", "compile_s", "step_s", "peak_rss_mb"))
    assert f"top-1 = exact scan on {r['top1_match']:.1%} of 64 runs" in res.output
    assert f"{r['step_s']:.3f} s/step" in res.output


def test_automaton_run_and_plot(runner, tmp_path):
    png = tmp_path / "trace.png"
    res = runner.invoke(main, ["automaton", "run", "family_tree", "wife son sister", "--plot", str(png)])
    assert res.exit_code == 0, res.output
    assert "states: Homer Marge Bart Lisa" in res.output and "accepted: yes" in res.output
    assert png.read_bytes()[:4] == b"\x89PNG"
    res = runner.invoke(main, ["automaton", "run", "parity", "0110"])
    assert "states: even even odd even even" in res.output


def test_automaton_errors(runner):
    res = runner.invoke(main, ["automaton", "run", "parity", "01x"])
    assert res.exit_code == 2 and "not in the alphabet" in res.output
    res = runner.invoke(main, ["automaton", "run", "no-such-automaton", "01"])
    assert res.exit_code == 2 and "gallery names" in res.output


def test_submodules_reachable_from_package():
    import cdam

    assert issubclass(cdam.automata.UndefinedTransition, cdam.CDAMError)
    assert callable(cdam.communities.extract)
    with pytest.raises(AttributeError):
        cdam.no_such_module  # noqa: B018


def test_version_is_the_installed_one_or_the_package_attribute(monkeypatch):
    import importlib.metadata

    from click.testing import CliRunner

    from cdam import __version__, cli

    out = CliRunner().invoke(cli.main, ["--version"])
    assert out.exit_code == 0 and out.output.startswith("cdam, version ")
    try:
        assert out.output.split()[-1] == importlib.metadata.version("cdam")
    except importlib.metadata.PackageNotFoundError:
        assert out.output.split()[-1] == __version__

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert cli._version() == __version__


@pytest.mark.scientific  # statistics of the dynamics: rerun under another CPU kernel
def test_cli_communities_karate(tmp_path):
    from click.testing import CliRunner

    from cdam.cli import main

    res = CliRunner().invoke(main, ["communities", "karate", "--plot", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    rows = [line.lstrip("*").split() for line in res.output.splitlines()[2:]]
    rows = [r for r in rows if len(r) == 8 and r[0][:1] in "-0123456789" and not r[0].endswith(":")]
    # the markov scan reaches the two factions at resolution 0.5 (NMI 0.68, 2 groups;
    # the karate-club table of Burns 2024: 0.68-0.84 for the paper method) and picks 4 groups at 1.19 (NMI 0.49);
    # its refined scan reads 8 of the 13 resolutions: 4, 2.38, 1.68, 1.41, 1.19, 1, 0.84, 0.5
    assert len(rows) == 8
    assert max(float(r[-1]) for r in rows) >= 0.6
    assert sum(line.startswith("*") for line in res.output.splitlines()) == 2  # the chosen row and its summary
    for name in ("communities.png", "communities_scan.png", "communities_tree.png"):
        assert (tmp_path / name).exists()

@pytest.mark.parametrize("args, flag, owners", [
    (["--draws", "5"], "--draws", "consensus"),
    (["--draws", "3"], "--draws", "consensus"),  # given at its default value: still refused, not ignored
    (["--n", "100"], "--n", "consensus or paper"),
    (["--method", "paper", "--tries", "4"], "--tries", "markov"),
    (["--method", "paper", "--draws", "2"], "--draws", "consensus"),
    (["--method", "consensus", "--tries", "4"], "--tries", "markov"),
    (["--method", "consensus", "--workers", "2"], "--workers", "markov"),
    (["--method", "paper", "--scheduler", "tcp://127.0.0.1:8786"], "--scheduler", "markov"),
])
def test_cli_communities_refuses_an_option_of_another_method(runner, args, flag, owners):
    res = runner.invoke(main, ["communities", "karate", *args])
    assert res.exit_code == 2
    assert f"{flag} belongs to --method" in res.output and f"pass --method {owners}, or drop {flag}" in res.output


def test_cli_communities_forwards_workers_and_scheduler(runner, monkeypatch):
    from cdam.communities import _levels

    seen = {}
    real = _levels._READERS["markov"]
    monkeypatch.setitem(_levels._READERS, "markov", lambda G, seed, **kw: seen.update(kw) or real(G, seed, **kw))
    res = runner.invoke(main, ["communities", "karate", "--workers", "1", "--tries", "2"])
    assert res.exit_code == 0, res.output
    assert seen["workers"] == 1 and "scheduler" not in seen
    res = runner.invoke(main, ["communities", "karate", "--workers", "0"])
    assert res.exit_code != 0 and "workers must be >= 1, got 0" in res.output


def test_cli_communities_forwards_the_options_it_was_given(runner):
    res = runner.invoke(main, ["communities", "karate", "--method", "consensus", "--draws", "1", "--n", "32",
                               "--a-values", "0.0"])
    assert res.exit_code == 0, res.output
    assert "NVI draws" in res.output
    # one draw: no spread between draws (NaN), and the scale is chosen by modularity
    (row,) = [line for line in res.output.splitlines() if line.startswith("*") and "nan" in line]
    assert row.split()[6] == "nan"
    assert "most modular" in res.output
