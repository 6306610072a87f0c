"""Continual learning: K-winner vs 1-winner modern Hopfield networks
==================================================================

Runs the protocol of the continual-learning experiment of Bhandarkar & McClelland 2025
("Neural Computation Without Slots", arXiv 2511.04593): 2000 burn-in patterns, 2000 studied,
frozen test with 100% and 50% cues, pseudo-memories; 10 samples of 20 runs per model. It prints
the accuracy-by-age and d' table next to the paper's numbers, and writes the figure (accuracy
and d' by age).

Run it in full::

    python examples/kwinner_continual.py                      # the full protocol
    python examples/kwinner_continual.py --samples 4          # 4 of the 10 samples
    python examples/kwinner_continual.py --speedup-runs 4     # also time 1 vs 2 workers

The full protocol is 400 runs of about 1-3 s each (one core per run).

The gallery runs it with ``--samples 1 --runs 2 --workers 1`` (``docs/gallery_setup.py``).
"""

from __future__ import annotations

import argparse
import pickle
import time

from cdam.experiments.continual import KWINNER, ONE_WINNER, continual_experiment, one_winner_difference
from cdam.plot import plot_continual

PAPER = {
    "K-winner": {"accuracy": {1: 0.85, 100: 0.72, 200: 0.64, 1000: 0.52}, "pseudo": 0.52, "dprime": {100: 4.6}},
    "1-winner": {"accuracy": {1: 1.00, 100: 0.49, 200: 0.27, 1000: 0.18}, "pseudo": 0.18, "dprime": {100: 0.8}},
}
ACC_AGES = (1, 100, 200, 1000)
D_AGES = (1, 100, 500)


def fmt(x, spec, digits=2):
    got = f"{x:.{digits}f}"
    return f"{got} ({spec:.{digits}f})" if spec is not None else f"{got} (  -  )"


def print_table(result):
    table = result.table(ACC_AGES, D_AGES)
    print("\nmeasured (Bhandarkar & McClelland 2025), 100% cue")
    head = (
        "model      "
        + "".join(f"acc@{a:<9d}" for a in ACC_AGES)
        + "pseudo       "
        + "".join(f"d'@{a:<10d}" for a in D_AGES)
    )
    print(head)
    for name, row in table.items():
        spec = PAPER.get(name, {"accuracy": {}, "dprime": {}})
        cells = [fmt(row["accuracy"][a], spec["accuracy"].get(a)) for a in ACC_AGES]
        cells.append(fmt(row["pseudo"], spec.get("pseudo")))
        cells += [fmt(row["dprime"][a], spec["dprime"].get(a), 1) for a in D_AGES]
        print(f"{name:<11s}" + "".join(f"{c:<13s}" for c in cells))
    closed = one_winner_difference(ACC_AGES)
    print("1-winner closed-form E[real - pseudo]: " + ", ".join(f"age {a}: {c:.3f}" for a, c in zip(ACC_AGES, closed)))
    diff = result.accuracy("1-winner") - result.pseudo_accuracy("1-winner")
    print("1-winner measured    real - pseudo:    " + ", ".join(f"age {a}: {diff[a - 1]:.3f}" for a in ACC_AGES))
    print("accuracy averaged over ages a-10% .. a+10% (single ages are noisy for the 1-winner):")
    for name in table:
        acc = result.accuracy(name)
        win = [acc[int(a * 0.9) - 1 : int(a * 1.1)].mean() if a > 1 else acc[0] for a in ACC_AGES]
        print(f"  {name:<9s} " + ", ".join(f"age {a}: {w:.2f}" for a, w in zip(ACC_AGES, win)))
    print("50% cue accuracy at the same ages:")
    for name in table:
        acc = result.accuracy(name, 0.5)
        accs = ", ".join(f"{acc[a - 1]:.2f}" for a in ACC_AGES)
        print(f"  {name:<9s} {accs}  pseudo {result.pseudo_accuracy(name, 0.5):.2f}")
    for measure in ("dprime", "difference"):
        comp = result.compare("K-winner", "1-winner", measure=measure)
        if measure == "dprime" and result.real["K-winner"].shape[0] < 2:
            continue
        ages = result.ages
        k_wins, o_wins = ages[comp.winner > 0], ages[comp.winner < 0]
        print(
            f"significant (Welch, p < 0.05) on {measure}: 1-winner better at {_ranges(o_wins)}; "
            f"K-winner better at {_ranges(k_wins)}"
        )


def _ranges(ages):
    if len(ages) == 0:
        return "no age"
    out, start, prev = [], ages[0], ages[0]
    for a in list(ages[1:]) + [None]:
        if a is None or a != prev + 1:
            out.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = a
        prev = a
    return ", ".join(out[:6]) + (f" (+{len(out) - 6} more ranges)" if len(out) > 6 else "")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    ap.add_argument("--samples", type=int, default=10, help="samples of runs (paper: 10)")
    ap.add_argument("--runs", type=int, default=20, help="runs per sample (paper: 20)")
    ap.add_argument("--workers", type=int, default=2, help="local processes")
    ap.add_argument("--scheduler", default=None, help="Dask scheduler address (needs dask.distributed)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="kwinner_continual.png", help="figure path (PNG)")
    ap.add_argument("--save", default=None, help="also pickle the ContinualResult here (to redraw or re-test)")
    ap.add_argument("--speedup-runs", type=int, default=0, help="also time this many runs per model, 1 vs 2 workers")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    result = continual_experiment(
        (KWINNER, ONE_WINNER),
        n_runs=args.runs,
        n_samples=args.samples,
        seed=args.seed,
        workers=args.workers,
        scheduler=args.scheduler,
    )
    wall = time.perf_counter() - t0
    n = 2 * args.samples * args.runs
    print(f"{n} runs ({args.samples} samples x {args.runs} runs x 2 models), {args.workers} workers: {wall:.1f} s wall")
    print_table(result)
    plot_continual(result, path=args.out)
    print(f"figure written to {args.out}")
    if args.save:
        with open(args.save, "wb") as fh:
            pickle.dump(result, fh)

    if args.speedup_runs:
        times = {}
        for w in (1, 2):
            t = time.perf_counter()
            continual_experiment(n_runs=args.speedup_runs, n_samples=1, seed=args.seed + 1, workers=w, progress=False)
            # workers=1 runs in this process, whose torch may use several intra-op threads
            times[w] = time.perf_counter() - t
        print(
            f"speed-up on {2 * args.speedup_runs} runs: 1 worker {times[1]:.1f} s, 2 workers {times[2]:.1f} s, "
            f"x{times[1] / times[2]:.2f}"
        )


if __name__ == "__main__":
    main()
