"""Benchmarks behind ``cdam bench``: every claim is a ratio measured side by side in one run.

(a) all-starts with overlaps recorded against the notebook approach (a Python loop per
    start and ``np.corrcoef`` per pattern per step, the same update rule);
(b) the batched step against the raw torch matrix products of the same shapes;
(c) time per step and peak memory as the number of memories grows, sparse graphs of mean
    degree 10, with a power-law fit of the cost;
(d) words per second of a memory automaton, all words in one batch (``run_many``) against one
    word at a time (``run``) on the same words, with identical decoded runs checked;
(e) community extraction (``multiscale``, whose deepest stability minimum is ``extract``) against
    networkx's Louvain on the same LFR graphs and seed, time and NMI to the planted truth;
(f) a whole phase diagram (11 x 9 cells, 30-cycle, n = 1000, all starts, T = 100) through
    :func:`cdam.phase_diagram` against a plain loop of two raw torch products per step per cell;
(g) the coefficient-space engine against cdam's own direct path, all starts at p = 30-100
    with overlaps recorded, and the exactness of the two (float64);
(h) a run under a memory_limit of a few MB against the same run unlimited (float64), and an
    all-starts run too large for its budget, which must be refused before it allocates;
(j) ``automata``: memory automata of 100 and 1000 states (random, 4 symbols) against
    automata-lib, compile time and time per word on the same words, answers checked equal.
"""

from __future__ import annotations

import resource
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp
import torch

from .._random import as_generator, as_rng
from ..datasets.graphs import LFR_SETTINGS, lfr_graph, lfr_graphs, planted_truth

__all__ = [
    "LFR_SETTINGS",
    "best_of",
    "bench_automata_vs_lib",
    "bench_automaton_words",
    "bench_community_time",
    "bench_engine",
    "bench_memory_limit",
    "bench_notebook",
    "bench_phase_diagram",
    "bench_raw",
    "bench_scaling",
    "compare_communities",
    "lfr_graph",
    "lfr_graphs",
    "notebook_run",
    "peak_rss_mb",
    "planted_truth",
    "random_words",
    "torch_threads",
]


def notebook_run(Xi, M, a, h, beta, eta, c, x0, steps):
    """The update rule as the paper's notebooks run it: one start at a time, one
    ``np.corrcoef`` per pattern per step. Returns final states and overlaps (B, T, p)."""
    p = Xi.shape[1]
    Q = (a * Xi + h * Xi @ M.T).T
    xbar = Xi.mean(axis=1)
    finals, overlaps = [], []
    for s in range(x0.shape[0]):
        sigma = x0[s].copy()
        traj = []
        for _ in range(steps):
            e = np.exp(beta * sigma @ Xi)
            w = e / e.sum()
            sigma = sigma + eta * ((w @ Q - c * xbar) - sigma)
            traj.append([np.corrcoef(sigma, Xi[:, mu])[0, 1] for mu in range(p)])
        finals.append(sigma)
        overlaps.append(traj)
    return np.array(finals), np.array(overlaps)


def best_of(fn, repeat: int) -> float:
    """Shortest wall time of ``repeat`` calls of ``fn`` (the least disturbed one)."""
    return _best_of_with_result(fn, repeat)[0]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@contextmanager
def torch_threads(threads: int | None):
    """Run the block with ``threads`` torch intra-op threads, then restore the previous count.

    Parameters
    ----------
    threads : int or None
        None leaves torch's setting alone.

    Yields
    ------
    int
        The number of threads in effect inside the block.
    """
    old = torch.get_num_threads()
    if threads is None:
        yield old
        return
    torch.set_num_threads(int(threads))
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(old)


def _best_of_with_result(fn, repeat: int):
    """Like :func:`best_of`, and also the value of the last call (the runs are deterministic)."""
    best, out = float("inf"), None
    for _ in range(max(int(repeat), 1)):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


@dataclass
class NotebookRow:
    p: int
    n: int
    steps: int
    notebook_s: float
    cdam_s: float
    speedup: float
    max_abs_diff: float


def bench_notebook(ps=(30, 60, 100), n: int = 1000, steps: int = 100, repeat: int = 15) -> list[dict]:
    """(a) cdam's all-starts run (overlaps recorded) against the notebook loop, float64.

    cdam's run (milliseconds) is timed best of ``repeat``, as timeit does: on a shared
    machine one disturbed call doubles it; the notebook loop (seconds) is timed once."""
    from ..datasets import cycle_memory_graph
    from ..dynamics import CDAM

    rows = []
    for p in ps:
        g = cycle_memory_graph(p, n, seed=0)
        model = CDAM(g, a=-0.5, h=1.5, dtype=torch.float64)
        x0 = model.initial_states(1.0, seed=0)
        Xi, M, x0n = g.patterns, model.M.toarray(), x0.numpy()
        t_nb = best_of(lambda: notebook_run(Xi, M, -0.5, 1.5, 1.0, 0.1, 1.0, x0n, steps), 1)  # noqa: B023
        t_cd = best_of(lambda: model.run(x0, steps, record_overlaps=True), repeat)  # noqa: B023
        nb_final, nb_ov = notebook_run(Xi, M, -0.5, 1.5, 1.0, 0.1, 1.0, x0n, 3)
        tr = model.run(x0, 3, record_overlaps=True)
        assert tr.overlaps is not None  # recorded
        diff = max(
            float(np.abs(np.asarray(tr.final) - nb_final).max()),
            float(np.abs(tr.overlaps.numpy().transpose(1, 0, 2) - nb_ov).max()),
        )
        rows.append(asdict(NotebookRow(p, n, steps, t_nb, t_cd, t_nb / t_cd, diff)))
    return rows


def bench_raw(B: int = 1024, n: int = 2000, p: int = 4096, steps: int = 5, repeat: int = 3) -> dict:
    """(b) cdam's batched step against raw torch matmuls of the same shapes, float32."""
    from ..dynamics import CDAM
    from ..graph import MemoryGraph

    gen = as_generator(0)
    Xi = torch.rand(n, p, generator=gen)
    model = CDAM(MemoryGraph.from_patterns(Xi.numpy()), a=1.0, h=0.0)
    Q, xbar = model.couplings.Q, model.couplings.xbar
    x0 = torch.rand(B, n, generator=gen)

    def raw():
        s = x0.clone()
        for _ in range(steps):
            w = torch.softmax(s @ Xi, dim=1)
            s = 0.9 * s + 0.1 * (w @ Q - xbar)
        return s

    t_raw = best_of(raw, repeat)
    t_cd = best_of(lambda: model.run(x0, steps), repeat)
    flops = 2 * 2 * B * n * p * steps
    return {
        "B": B,
        "n": n,
        "p": p,
        "steps": steps,
        "raw_s": t_raw,
        "cdam_s": t_cd,
        "fraction_of_raw": t_raw / t_cd,
        "cdam_gflops": flops / t_cd / 1e9,
        "raw_gflops": flops / t_raw / 1e9,
    }


def _first_starts(model, B: int, seed: int) -> torch.Tensor:
    """The all-starts cues of the first ``B`` memories (pattern + U(-1/2, 1/2) noise), drawn
    without building all p of them: at p = 2e5 those are 4.8 GB of float64 transients."""
    gen = as_generator(seed)
    Xi = model.couplings.Xi
    noise = torch.rand(B, Xi.shape[0], generator=gen, dtype=torch.float64) - 0.5
    return (Xi[:, :B].T.to(torch.float64) + noise).to(Xi.dtype)


def bench_scaling(
    ps=(1_000, 3_000, 10_000, 30_000, 100_000, 200_000),
    n: int = 1000,
    B: int = 64,
    degree: int = 10,
    steps: int = 3,
    seed: int = 0,
) -> dict:
    """(c) seconds per step and peak memory against the number of memories ``p``.

    Returns the rows and the exponent ``k`` of a least-squares fit ``time ~ p^k``.
    """
    from ..dynamics import CDAM
    from ..graph import MemoryGraph

    rows = []
    for p in ps:
        t0 = time.perf_counter()
        rng = as_rng(seed)
        patterns = rng.random((n, p), dtype=np.float32)  # kept float32 by from_edges
        u, v = rng.integers(0, p, p * degree // 2), rng.integers(0, p, p * degree // 2)
        g = MemoryGraph.from_edges(np.stack([u, v])[:, u != v], patterns)  # parallel links sum
        del patterns
        model = CDAM(g, a=-0.5, h=1.5)
        build = time.perf_counter() - t0
        x0 = _first_starts(model, B, seed)
        model.run(x0, 1)  # warm-up
        per_step = best_of(lambda: model.run(x0, steps), 2) / steps  # noqa: B023
        rows.append(
            {
                "p": p,
                "n": n,
                "B": B,
                "edges": g.number_of_edges(),
                "build_s": build,
                "step_s": per_step,
                "peak_rss_mb": peak_rss_mb(),
                "M_nnz": int(sp.csr_matrix(model.M).nnz),
            }
        )
        model = g = None  # type: ignore[assignment]  # free this size before building the next
    logp = np.log([r["p"] for r in rows])
    logt = np.log([r["step_s"] for r in rows])
    k = float(np.polyfit(logp, logt, 1)[0]) if len(rows) > 1 else float("nan")
    return {"rows": rows, "time_exponent": k}


def random_words(dfa, count: int, max_len: int, seed: int) -> list[list]:
    """``count`` random words over ``dfa``'s alphabet, lengths uniform in ``1..max_len``.

    Parameters
    ----------
    dfa : DFA
        Supplies the alphabet.
    count, max_len : int
        Number of words and longest length.
    seed : int
        Seed of the lengths and symbols.

    Returns
    -------
    list of list
        One list of symbols per word.
    """
    rng = as_rng(seed)
    return [list(rng.choice(list(dfa.alphabet), size=int(rng.integers(1, max_len + 1)))) for _ in range(count)]


def bench_automaton_words(
    n_states: int = 10,
    n_symbols: int = 4,
    n_neurons: int = 1000,
    n_words: int = 1000,
    max_len: int = 15,
    n_single: int | None = None,
    seed: int = 0,
    repeat: int = 3,
    threads: int | None = 1,
) -> dict:
    """(d) words per second of a memory automaton: one batch against one word at a time.

    A random complete DFA (:func:`cdam.automata.random_dfa`, pattern seed the same) reads
    ``n_words`` random words of length 1..``max_len``, all at once with ``run_many`` and one
    by one with ``run``. Both must decode exactly the DFA's own runs.

    Parameters
    ----------
    n_states, n_symbols, n_neurons : int
        Size of the automaton and of its patterns.
    n_words, max_len : int
        The words read (lengths uniform in 1..max_len).
    n_single : int, optional
        Read only the first ``n_single`` of the same words one at a time (default: all).
    seed : int
        Seeds the DFA, its patterns and the words.
    repeat : int
        The batch is timed best of ``repeat``; the one-at-a-time pass, many times longer,
        is timed once.
    threads : int or None
        Torch threads for the run (None: leave torch's setting).

    Returns
    -------
    dict
        Sizes, ``batched_s``/``single_s`` wall times, ``batched_words_per_s``,
        ``single_words_per_s``, their ratio ``speedup``, and ``identical`` (always True:
        a mismatch raises).

    Raises
    ------
    AssertionError
        When the batched and one-at-a-time runs, or either and the DFA, disagree.
    """
    from ..automata import MemoryAutomaton, random_dfa

    with torch_threads(threads) as used:
        dfa = random_dfa(n_states, n_symbols, seed=seed)
        m = MemoryAutomaton(dfa, n_neurons=n_neurons, seed=seed)
        words = random_words(dfa, n_words, max_len, seed)
        single_words = words if n_single is None else words[:n_single]
        t_batch, batched = _best_of_with_result(lambda: m.run_many(words), repeat)
        t_single, single = _best_of_with_result(lambda: [m.run(w) for w in single_words], 1)
    # a plain assert would vanish under python -O, and a fast wrong answer is no result
    if single != batched[: len(single_words)]:
        raise AssertionError("run_many and run decoded different state sequences for the same words")
    if batched != [dfa.run(w) for w in words]:
        raise AssertionError("the memory automaton's runs differ from the DFA's own")
    batched_wps, single_wps = n_words / t_batch, len(single_words) / t_single
    return {
        "states": n_states,
        "symbols": n_symbols,
        "n_neurons": n_neurons,
        "words": n_words,
        "max_len": max_len,
        "single_words": len(single_words),
        "threads": used,
        "batched_s": t_batch,
        "single_s": t_single,
        "batched_words_per_s": batched_wps,
        "single_words_per_s": single_wps,
        "speedup": batched_wps / single_wps,
        "identical": True,
    }


#: Pattern length of (j) per number of states (4 symbols, beta 0.5), from the guide's capacity
#: table (``benchmarks/automata_capacity.py``): n = 1000 holds 704 x 4 and n = 2000 at least
#: 4096 x 4 for seeds 0 and 1; the fit n ~ 64 + 140 ln S puts 10,000 states near n = 1350.
#: A size between two keys takes the next larger key's n, a size above them all the largest
#: key's (20,000 states verified at n = 2000, the guide's measurement).
AUTOMATA_N_NEURONS = {20: 500, 100: 1000, 1000: 2000, 10000: 2000}


def bench_automata_vs_lib(
    states=(100, 1000), n_symbols: int = 4, n_words: int = 100, max_len: int = 11, seed: int = 0,
    n_neurons: dict | None = None, threads: int | None = 1,
) -> list[dict]:
    """(j) memory automata against automata-lib: compile time and time per word, side by side.

    For each size a random complete DFA (:func:`cdam.automata.random_dfa`, pattern seed the
    same) is compiled with verification (sparse reads) and converted to an automata-lib
    ``DFA``; both read the same ``n_words`` random words (lengths 1..``max_len``) and must
    give the same answers.

    Parameters
    ----------
    states : sequence of int
        Numbers of states.
    n_symbols, n_words, max_len, seed : int
        The DFAs' alphabet, the words read, the seed of DFAs, patterns and words.
    n_neurons : dict, optional
        Pattern length per number of states (default :data:`AUTOMATA_N_NEURONS`).
    threads : int or None
        Torch threads for the runs (None: leave torch's setting).

    Returns
    -------
    list of dict
        One row per size: ``compile_s`` (cdam, with verification) and ``lib_build_s``
        (automata-lib's DFA from the same transitions), ``s_per_word`` and
        ``lib_s_per_word``, their ratios ``compile_ratio`` and ``word_ratio`` (cdam over
        automata-lib), ``agree`` (always True: a mismatch raises), ``dense_fallbacks``.

    Raises
    ------
    MissingDependencyError
        Without automata-lib (``pip install 'cdam[automata]'``).
    AssertionError
        When cdam's answers differ from automata-lib's or the DFA's.
    """
    from ..automata import MemoryAutomaton, random_dfa

    table = AUTOMATA_N_NEURONS if n_neurons is None else n_neurons
    rows = []
    with torch_threads(threads) as used:
        for S in states:
            n = table[min((k for k in table if k >= S), default=max(table))]
            dfa = random_dfa(S, n_symbols, seed=seed)
            t = time.perf_counter()
            m = MemoryAutomaton(dfa, n_neurons=n, seed=seed)
            compile_s = time.perf_counter() - t
            t = time.perf_counter()
            lib = dfa.to_automata_lib()
            lib_build_s = time.perf_counter() - t
            words = random_words(dfa, n_words, max_len, seed + 1)
            t = time.perf_counter()
            got = m.accepts_many(words)
            words_s = time.perf_counter() - t
            strings = ["".join(w) for w in words]  # one-letter symbols: automata-lib reads strings
            t = time.perf_counter()
            want = [lib.accepts_input(w) for w in strings]
            lib_s = time.perf_counter() - t
            if got != want or want != [dfa.accepts(w) for w in words]:
                raise AssertionError(f"the {S}-state memory automaton and automata-lib answered differently")
            rows.append({
                "states": S, "symbols": n_symbols, "n_neurons": n, "words": n_words, "max_len": max_len,
                "threads": used, "compile_s": compile_s, "lib_build_s": lib_build_s,
                "compile_ratio": compile_s / lib_build_s, "s_per_word": words_s / n_words,
                "lib_s_per_word": lib_s / n_words, "word_ratio": words_s / lib_s, "agree": True,
                "dense_fallbacks": m.verification.dense_fallbacks if m.verification else 0,
                "peak_rss_mb": peak_rss_mb(),
            })
            m = None  # type: ignore[assignment]  # free this size before building the next
    return rows


def compare_communities(
    G, truth, seed: int = 0, repeat: int = 1, louvain_repeat: int = 3, threads: int | None = 1
) -> dict:
    """cdam's multi-scale communities and networkx's Louvain on one graph, same seed.

    ``extract`` is the level of ``multiscale`` at the deepest stability minimum
    (:func:`cdam.communities.deepest_stability_minimum`), so one ``multiscale`` call times
    both and gives the whole hierarchy.

    Parameters
    ----------
    G : networkx.Graph
    truth : list of set
        The planted communities.
    seed : int
        For both methods (cdam: patterns and start noise; Louvain: node order).
    repeat, louvain_repeat : int
        Best-of counts of cdam's and Louvain's timings.
    threads : int or None
        Torch threads for cdam (None: leave torch's setting); Louvain is pure Python.

    Returns
    -------
    dict
        Plain-number ``row`` (times, ``time_ratio`` = cdam over Louvain, group counts,
        modularity and NMI against the truth of Louvain and of ``extract``, and the NMI of
        the best level, ``cdam_best_level_nmi``, an upper bound since the truth picks that
        level), and the ``louvain`` partition and cdam ``levels`` themselves.
    """
    from networkx.algorithms.community import louvain_communities, modularity

    from ..communities import deepest_stability_minimum, multiscale
    from ..partitions import normalized_mutual_info

    nodes = list(G)
    t_lv, lv = _best_of_with_result(lambda: louvain_communities(G, seed=seed), louvain_repeat)
    with torch_threads(threads) as used:
        t_cd, levels = _best_of_with_result(lambda: multiscale(G, seed=seed, weight=None), repeat)
    chosen = deepest_stability_minimum(levels)  # extract's default choice
    nmis = [normalized_mutual_info(lvl.partition, truth, nodes) for lvl in levels]
    best_nmi = int(np.argmax(nmis))
    row = {
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "truth_groups": len(truth),
        "threads": used,
        "louvain_s": t_lv,
        "cdam_s": t_cd,
        "time_ratio": t_cd / t_lv,
        "louvain_groups": len(lv),
        "louvain_q": float(modularity(G, lv)),
        "louvain_nmi": normalized_mutual_info(lv, truth, nodes),
        "cdam_a": chosen.a,
        "cdam_resolution": chosen.resolution,
        "cdam_groups": chosen.n_communities,
        "cdam_q": chosen.modularity,
        "cdam_nmi": normalized_mutual_info(chosen.partition, truth, nodes),
        "cdam_levels": len(levels),
        "cdam_best_level_a": levels[best_nmi].a,
        "cdam_best_level_nmi": nmis[best_nmi],
    }
    return {"row": row, "louvain": lv, "levels": levels}


def bench_community_time(
    graphs=None, seed: int = 0, repeat: int = 1, louvain_repeat: int = 3, threads: int | None = 1
) -> list[dict]:
    """(e) community extraction time and quality: cdam against Louvain, graph by graph.

    Parameters
    ----------
    graphs : iterable of (name, G, truth) or (name, G, truth, mu), optional
        Default :func:`lfr_graphs`: LFR n = 1000, mu 0.1 to 0.6.
    seed, repeat, louvain_repeat, threads
        As in :func:`compare_communities`.

    Returns
    -------
    list of dict
        One row per graph: ``graph``, ``mu`` (None when not LFR) and the fields of
        :func:`compare_communities`'s ``row``.
    """
    rows = []
    for name, G, truth, *rest in lfr_graphs(seed=seed) if graphs is None else graphs:
        cmp = compare_communities(G, truth, seed, repeat, louvain_repeat, threads)
        rows.append({"graph": name, "mu": rest[0] if rest else None, **cmp["row"]})
    return rows


def bench_phase_diagram(n: int = 1000, p: int = 30, n_a: int = 11, n_h: int = 9, steps: int = 100,
                        repeat: int = 2) -> dict:
    """(f) ``cdam.phase_diagram`` (observed modes) against two raw torch products per step per cell."""
    from ..datasets import cycle_memory_graph
    from ..dynamics import CDAM
    from ..modes import phase_diagram

    g = cycle_memory_graph(p, n, seed=0)
    a_values, h_values = np.linspace(-3, 2, n_a), np.linspace(0, 4, n_h)
    base = CDAM(g)
    Xi, xbar, x0 = base.couplings.Xi, base.couplings.xbar, base.initial_states(1.0, seed=0)

    def plain():
        for h in h_values:
            for a in a_values:
                Q = base.with_strengths(float(a), float(h)).couplings.Q
                s = x0.clone()
                for _ in range(steps):
                    w = torch.softmax(s @ Xi, dim=1)
                    s = 0.9 * s + 0.1 * (w @ Q - xbar)
        return s

    t_plain = best_of(plain, repeat)
    t_cd, d = _best_of_with_result(lambda: phase_diagram(g, a_values, h_values, steps=steps), repeat)
    return {"cells": n_a * n_h, "p": p, "n": n, "steps": steps, "plain_s": t_plain, "cdam_s": t_cd,
            "speedup": t_plain / t_cd, "agreement": d.agreement}


def bench_engine(ps=(30, 60, 100), n: int = 1000, steps: int = 100, repeat: int = 3) -> list[dict]:
    """(g) all starts with overlaps: coefficient space against cdam's direct path; exactness in float64."""
    from ..datasets import cycle_memory_graph
    from ..dynamics import CDAM

    rows = []
    for p in ps:
        g = cycle_memory_graph(p, n, seed=0)
        times = {}
        for engine in ("direct", "coefficient"):
            model = CDAM(g, a=-0.5, h=1.5, engine=engine)
            x0 = model.initial_states(1.0, seed=0)
            times[engine] = best_of(lambda m=model, x=x0: m.run(x, steps, record_overlaps=True), repeat)
        runs = [CDAM(g, a=-0.5, h=1.5, engine=e, dtype=torch.float64).all_starts(steps, record_overlaps=True)
                for e in ("direct", "coefficient")]
        rel = float((runs[0].final - runs[1].final).abs().max() / runs[0].final.abs().max())
        ov = float((runs[0].overlaps - runs[1].overlaps).abs().max())  # type: ignore[operator]  # recorded
        rows.append({"p": p, "n": n, "steps": steps, "direct_s": times["direct"],
                     "coefficient_s": times["coefficient"], "speedup": times["direct"] / times["coefficient"],
                     "float64_final_rel_diff": rel, "float64_overlap_abs_diff": ov})
    return rows


def bench_memory_limit(rows_per_chunk: int = 8, p: int = 100, n: int = 1000, steps: int = 100) -> dict:
    """(h) a run under a budget that fits ``rows_per_chunk`` rows a step, against the same run
    unlimited (float64), and an oversized run that must be refused before it allocates."""
    from .._engine import _SAFETY
    from .._engine import rows_per_chunk as planned_rows
    from ..datasets import cycle_memory_graph
    from ..dynamics import CDAM
    from ..errors import MemoryBudgetError
    from ..graph import MemoryGraph

    g = cycle_memory_graph(p, n, seed=0)
    out = {}
    for engine in ("direct", "coefficient"):
        free = CDAM(g, a=-0.5, h=1.5, dtype=torch.float64, engine=engine)
        fixed, per_run, per_row = free.memory_estimate(steps, engine=engine, record_overlaps=True)
        limit = fixed + p * per_run + int(rows_per_chunk * per_row * _SAFETY) + 1
        tight = CDAM(g, a=-0.5, h=1.5, dtype=torch.float64, engine=engine, memory_limit=limit)
        planned = planned_rows(tight, p, steps, engine=engine, record_overlaps=True)  # the run's own plan
        t_free, a = _best_of_with_result(lambda m=free: m.all_starts(steps, record_overlaps=True), 1)
        t_tight, b = _best_of_with_result(lambda m=tight: m.all_starts(steps, record_overlaps=True), 1)
        out[engine] = {"rows_per_chunk": planned, "runs": p, "limit_bytes": limit,
                       "unlimited_s": t_free, "limited_s": t_tight,
                       "final_rel_diff": float((a.final - b.final).abs().max() / a.final.abs().max()),
                       "overlap_abs_diff": float((a.overlaps - b.overlaps).abs().max())}
    big_p, big_n, budget = 30_000, 64, 6 << 30
    rng = as_rng(0)
    big = CDAM(MemoryGraph.from_patterns(rng.random((big_n, big_p), dtype=np.float32)), memory_limit=budget)
    t0 = time.perf_counter()
    try:
        big.all_starts(steps=10)
        refused = None
    except MemoryBudgetError as exc:
        refused = str(exc)
    out["large"] = {"p": big_p, "n": big_n, "budget_bytes": budget, "refused": refused,
                    "seconds": time.perf_counter() - t0, "peak_rss_mb": peak_rss_mb()}
    return out
