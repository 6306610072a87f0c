"""Reproduce Burns 2024: the four modes and the range of recall on the 30-memory cycle
===================================================================================

Prints the mode table and the mean attractor correlation by graph distance, averaged over
seeds (each seed draws new patterns and start noise), next to the paper's numbers, and
writes ``range_of_recall.png`` and ``phase_diagram.png``. The (-2, 3) row is reproducible only
in distribution (its dynamics amplify rounding: the 5-seed means move by up to 0.035
across CPU kernels and thread counts, ``benchmarks/spread.py``); the other rows agree to
rounding. Its d = 1 cell reads 0.57-0.59 against the paper's 0.63: the script prints the
per-seed spread and the cell at T 50-150, which show that it is still falling at T 100
(``benchmarks/paper_gaps.py`` measures every candidate: softmax, dtype, noise, beta, T).

Run it in full::

    python examples/range_of_recall.py --seeds 10 --out cdam-output

The gallery runs it with ``--seeds 2`` (``docs/gallery_setup.py``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from cdam import plot
from cdam.datasets import cycle_memory_graph
from cdam.experiments import paper
from cdam.modes import phase_diagram


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    ap.add_argument("--seeds", type=int, default=10, help="number of seeds to average")
    ap.add_argument("--n", type=int, default=1000, help="neurons per pattern")
    ap.add_argument("--out", default="cdam-output", help="folder for the figures")
    args = ap.parse_args(argv)
    seeds = range(args.seeds)

    print(f"Modes on the 30-cycle (n = {args.n}, seed 0)")
    print(f"{'a':>6} {'h':>5}  {'paper':<14} {'predicted':<14} {'observed':<14}")
    rows = paper.mode_table(n=args.n)
    for r in rows:
        print(f"{r.a:>6g} {r.h:>5g}  {r.paper!s:<14} {r.predicted!s:<14} {r.observed!s:<14}")

    profiles = paper.range_of_recall(n=args.n, seeds=seeds)
    print(f"\nRange of recall, mean (sd) over {args.seeds} seeds, vs the paper")
    print(f"{'(a, h)':<13}" + "".join(f"{'d=' + str(d):>17}" for d in paper.RANGE_DISTANCES))
    for key, prof in profiles.items():
        cells = []
        for d, ref in zip(paper.RANGE_DISTANCES, paper.RANGE_OF_RECALL[key]):
            i = np.flatnonzero(prof.distance == d)[0]
            cells.append(f"{prof.mean[i]:+.2f}({prof.std[i]:.2f})/{ref:+.2f}")
        print(f"{str(key):<13}" + "".join(f"{c:>17}" for c in cells))

    # The (-2, 3) row is wide-regime (it amplifies rounding, benchmarks/spread.py); its d = 1 is
    # the one cell off the paper. Read it per
    # seed and at other T to show what it depends on (benchmarks/paper_gaps.py [2] measures
    # softmax, dtype, noise, beta too; its logits never leave (-36, 709), so the legacy softmax
    # of the notebooks would give the same run).
    wide, ref1 = (-2.0, 3.0), paper.RANGE_OF_RECALL[(-2.0, 3.0)][0]
    by_T = {T: np.array([paper.range_of_recall([wide], n=args.n, seeds=[s], steps=T)[wide].at(1) for s in seeds])
            for T in (50, 70, 100, 150)}
    d1 = by_T[100]
    print(f"\n(-2, 3) at d = 1: {d1.mean():.2f} over {args.seeds} seeds (paper {ref1:.2f}); seed sd {d1.std():.2f}, "
          f"{(d1 >= ref1).mean():.0%} of single seeds reach the paper's value; read at T = "
          + ", ".join(f"{T}: {v.mean():.2f}" for T, v in by_T.items())
          + ". The cell is still falling at T 100 (an earlier read gives the paper's value) and moves with the "
          "seeds and the CPU kernels (benchmarks/spread.py); the softmax and the dtype are not the cause "
          "(benchmarks/paper_gaps.py)")

    out = Path(args.out)
    reference = {k: dict(zip(paper.RANGE_DISTANCES, v)) for k, v in paper.RANGE_OF_RECALL.items()}
    png1 = plot.save_figure(
        plot.plot_range_of_recall(profiles, reference, title=f"Range of recall, 30-cycle, mean of {args.seeds} seeds "
                                  "(lines) vs paper (circles)"),
        out / "range_of_recall.png",
    )
    diagram = phase_diagram(cycle_memory_graph(30, args.n, seed=0), np.linspace(-3, 2, 11), np.linspace(0, 4, 9))
    png2 = plot.save_figure(plot.plot_phase_diagram(diagram), out / "phase_diagram.png")
    print(f"\nphase diagram agreement (predicted vs observed): {diagram.agreement:.1%}")
    print(f"wrote {png1} and {png2}")
    return {"modes": rows, "profiles": profiles, "diagram": diagram, "figures": [png1, png2], "wide_d1_by_T": by_T}


if __name__ == "__main__":
    main()
