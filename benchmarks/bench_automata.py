"""Capacity and speed of automata simulated by CDAM memory (cdam.automata).

Capacity protocol: for each n_neurons, random *complete* DFAs (``random_dfa(k, s, seed)``,
pattern seed = the same seed) with s symbols and k states, k rising through a fixed ladder.
An automaton counts as simulated exactly when compile-time verification passes (every
transition, from its state's attractor, decodes to the target with margin >= 1/2 and settles
onto the target's attractor) and 100 random words of length 15 give the reference run. The
capacity is the largest k x s for which every seed passes, scanning k upward until the first
failure. Defaults: beta 0.5, eta 0.1, 25% state block, tol 1e-3. (The guide's capacity table
and ``MEASURED_CAPACITY`` come from ``benchmarks/automata_capacity.py``: verification alone, seeds
0 and 1, doubling and bisection over the states, up to 4096.)

Throughput: words of length 1..15 on a random 10 x 4 DFA at n = 1000, run in one batch by
``run_many`` versus one at a time by ``run`` on the same words; reported as words per second.
This is part (d) of ``cdam bench`` (``cdam.experiments.bench.bench_automaton_words``).

Large (issue 25): a 100-state DFA at n = 1000 by dense and by sparse reads, then random
4-symbol DFAs of ``--large-states`` at ``--large-n`` (default 1000 states at n = 4000) by sparse
reads: compile with verification, 100 words of length 1-11, exactness on 1000 words, and
automata-lib on the same 100 words, all in one process.

Run:  python benchmarks/bench_automata.py [--quick] [--capacity] [--throughput] [--large]
"""

from __future__ import annotations

import argparse
import time

import torch

from cdam.automata import CapacityError, MemoryAutomaton, random_dfa
from cdam.experiments.bench import bench_automaton_words, random_words

LADDER = [2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256]


def exact(n: int, k: int, s: int, seed: int, n_words: int = 100, beta: float = 0.5) -> bool:
    dfa = random_dfa(k, s, seed=seed)
    try:
        m = MemoryAutomaton(dfa, n_neurons=n, seed=seed, beta=beta)
    except CapacityError:
        return False
    words = random_words(dfa, n_words, 15, seed + 1000)
    return m.run_many(words) == [dfa.run(w) for w in words]


def capacity(n: int, s: int, seeds=(0, 1, 2), max_k: int = 256, budget_s: float = 300.0, beta: float = 0.5) -> str:
    best, t0, last = None, time.perf_counter(), 0.0
    for k in LADDER:
        # the next rung costs about (k'/k)^2 the last one: stop before the budget is blown
        if k > max_k or (best and time.perf_counter() - t0 + last * (k / best) ** 2 > budget_s):
            return f">= {best} x {s}" if best else "-"
        t = time.perf_counter()
        if not all(exact(n, k, s, seed, beta=beta) for seed in seeds):
            return f"{best} x {s}" if best else f"< 2 x {s}"
        best, last = k, time.perf_counter() - t
    return f">= {best} x {s}"


def large(k: int = 1000, s: int = 4, n: int = 4000, seed: int = 0, reads: str = "sparse") -> None:
    """Issue 25: a k-state random DFA through ``reads``, beside automata-lib on the same words."""
    import resource

    dfa = random_dfa(k, s, seed=seed)
    t = time.perf_counter()
    try:
        m = MemoryAutomaton(dfa, n_neurons=n, seed=seed, reads=reads)
    except CapacityError as exc:
        print(f"{k} x {s} DFA, n={n}: refused after {time.perf_counter() - t:.1f} s: {str(exc)[:300]}", flush=True)
        return
    t_compile = time.perf_counter() - t
    words = random_words(dfa, 100, 11, seed + 1)
    t = time.perf_counter()
    got = m.accepts_many(words)
    t_words = time.perf_counter() - t
    check = random_words(dfa, 1000, 11, seed + 2)
    t = time.perf_counter()
    exact = m.run_many(check) == [dfa.run(w) for w in check]
    t_check = time.perf_counter() - t
    v = m.verification
    line = (f"{k} x {s} DFA, n={n}, {reads} reads: compile+verify {t_compile:.2f} s ({2 * v.n_transitions} "
            f"verification runs, {v.dense_fallbacks} dense fallbacks), 100 words {t_words:.3f} s "
            f"(agree {got == [dfa.accepts(w) for w in words]}), 1000 words {t_check:.2f} s exact {exact}")
    try:
        lib = dfa.to_automata_lib()
        t = time.perf_counter()
        for w in words:
            lib.accepts_input(w)
        line += f"; automata-lib: 100 words {1e3 * (time.perf_counter() - t):.2f} ms"
    except Exception as exc:  # the automata extra is optional
        line += f"; automata-lib unavailable ({type(exc).__name__})"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    print(line + f"; peak RSS so far {rss:.2f} GB", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--capacity", action="store_true")
    ap.add_argument("--throughput", action="store_true")
    ap.add_argument("--large", action="store_true", help="large random DFAs by sparse reads, beside automata-lib")
    ap.add_argument("--large-states", type=int, nargs="*", default=[1000], help="states of the --large DFAs")
    ap.add_argument("--large-n", type=int, nargs="*", default=[4000], help="n_neurons of each --large DFA")
    ap.add_argument("--beta", type=float, default=0.5, help="inverse temperature (the paper: 0.5)")
    ap.add_argument("--sizes", type=int, nargs="*", help="n_neurons values for the capacity table")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1 is fastest on a busy 2-core box)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.large:
        # side by side in one process: dense and sparse reads where dense is affordable
        large(100, 4, 1000, reads="dense")
        large(100, 4, 1000)
        for k, n in zip(args.large_states, args.large_n):
            large(k, 4, n)
        return
    both = not (args.capacity or args.throughput)
    if args.capacity or both:
        ns = args.sizes or ([250, 500] if args.quick else [250, 500, 1000, 2000])
        print(
            f"capacity (beta {args.beta}): largest random complete DFA (states x symbols) "
            "simulated exactly for seeds 0, 1, 2"
        )
        print(f"{'n':>6} | {'2 symbols':>16} | {'4 symbols':>16} | {'8 symbols':>16}")
        for n in ns:
            t = time.perf_counter()
            row = [capacity(n, s, max_k=256, beta=args.beta) for s in (2, 4, 8)]
            print(
                f"{n:>6} | " + " | ".join(f"{c:>16}" for c in row) + f"   ({time.perf_counter() - t:.0f} s)", flush=True
            )
    if args.throughput or both:
        r = bench_automaton_words(n_words=200 if args.quick else 1000, threads=args.threads)
        print(
            f"throughput (10 x 4 DFA, n=1000, words of length 1-15): batched {r['batched_words_per_s']:.1f} words/s "
            f"({r['words']} words), one by one {r['single_words_per_s']:.1f} words/s, speedup {r['speedup']:.1f}x"
        )


if __name__ == "__main__":
    main()
