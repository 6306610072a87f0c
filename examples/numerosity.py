"""A numerosity curve: on a number line (a path of numbers) correlation falls with distance
========================================================================================

Numerosity-selective neurons (Nieder and Miller 2002) respond most to one number and less
to numbers further from it: the numerical distance effect. Here the numbers 1..P are
memories on an undirected path (k linked to k + 1), with the settings of
the range-of-recall experiment of Burns 2024 (n = 1000, sym, eta 0.1, beta 1, T 100, c 1, noise
1, h = 1 - a). The script prints the mean attractor correlation by numerical distance for an
auto-associative, a narrow and two wide hetero-associative settings, and the "tuning curves" of
a few cued numbers (Pearson overlap of the final state with every number's pattern), and writes
``numerosity.png``. The papers give no numbers here, only the shape: correlation falling with
numerical distance.

Run it in full::

    python examples/numerosity.py --numbers 20 --seeds 5 --out cdam-output

The gallery runs it with ``--seeds 2`` (``docs/gallery_setup.py``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import networkx as nx
import numpy as np
from matplotlib.ticker import MaxNLocator

import cdam
from cdam import plot
from cdam.datasets import random_patterns
from cdam.sequences import serial_distance_curve

SETTINGS = ((1.0, 0.0), (0.5, 0.5), (-0.5, 1.5), (-2.0, 3.0))
TUNED = (-0.5, 1.5)  # the setting whose tuning curves are shown


def tuning_curves(numbers: int, a: float, h: float, *, n: int = 1000, seed: int = 0) -> np.ndarray:
    """Overlap (numbers, numbers) of the final state of the run cued by number k with number j."""
    G = nx.relabel_nodes(nx.path_graph(numbers), {k: k + 1 for k in range(numbers)})
    g = cdam.MemoryGraph.from_networkx(G, random_patterns(n, numbers, seed=seed))
    traj = cdam.CDAM(g, a=a, h=h).all_starts(100, 1.0, seed=seed)
    return cdam.overlaps(np.asarray(traj.final), g.patterns)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    ap.add_argument("--numbers", type=int, default=20, help="numbers on the line (1..P)")
    ap.add_argument("--seeds", type=int, default=5, help="number of seeds to average")
    ap.add_argument("--n", type=int, default=1000, help="neurons per pattern")
    ap.add_argument("--out", default="cdam-output", help="folder for the figure")
    args = ap.parse_args(argv)
    P = args.numbers

    curves = {s: serial_distance_curve(P, *s, n=args.n, cycle=False, seeds=range(args.seeds)) for s in SETTINGS}
    shown = min(P - 1, 10)
    print(f"Numerical distance effect: numbers 1..{P} on a path, n = {args.n}, mean over {args.seeds} seeds")
    print(f"{'(a, h)':<12}" + "".join(f"{'d=' + str(d):>8}" for d in range(1, shown + 1)))
    for s, prof in curves.items():
        print(f"{str(s):<12}" + "".join(f"{prof.at(d):>+8.2f}" for d in range(1, shown + 1)))

    T = tuning_curves(P, *TUNED, n=args.n)
    cued = [k for k in (3, P // 2, P - 2) if 1 <= k <= P]
    print(f"\nTuning curves at (a, h) = {TUNED}, seed 0: overlap of the final state with each number")
    print("cued " + "".join(f"{j:>6}" for j in range(1, P + 1)))
    for k in cued:
        print(f"{k:>4} " + "".join(f"{v:>+6.2f}" for v in T[k - 1]))
    peak_offset = {k: int(np.argmax(T[k - 1])) + 1 - k for k in cued}
    print(f"peak minus cued number: {peak_offset}")

    fig = plot.new_figure((11, 4.3))
    ax1, ax2 = fig.subplots(1, 2)
    for s, prof in curves.items():
        ax1.errorbar(prof.distance, prof.mean, yerr=prof.std, fmt="-o", ms=3, capsize=2,
                     label=f"a={s[0]:g}, h={s[1]:g}")
    ax1.axhline(0.0, color="black", lw=0.6)
    ax1.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax1.set_xlabel("numerical distance |i - j|")
    ax1.set_ylabel("mean attractor correlation")
    ax1.set_title(f"distance effect, numbers 1..{P}, n={args.n}, {args.seeds} seeds", fontsize=10)
    ax1.legend(fontsize=8)
    for k in cued:
        ax2.plot(np.arange(1, P + 1), T[k - 1], "-o", ms=3, label=f"cued with {k}")
        ax2.axvline(k, color="gray", lw=0.5, ls=":")
    ax2.axhline(0.0, color="black", lw=0.6)
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.set_xlabel("number j")
    ax2.set_ylabel("Pearson overlap of final state with number j")
    ax2.set_title(f"tuning curves, a={TUNED[0]:g}, h={TUNED[1]:g}, seed 0", fontsize=10)
    ax2.legend(fontsize=8)
    png = plot.save_figure(fig, Path(args.out) / "numerosity.png")
    print(f"wrote {png}")
    return {"curves": curves, "tuning": T, "cued": cued, "peak_offset": peak_offset, "figures": [png]}


if __name__ == "__main__":
    main()
