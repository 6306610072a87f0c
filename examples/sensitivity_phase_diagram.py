"""Where the dynamics amplify rounding: mean finite-time Lyapunov estimate over (a, h)
====================================================================================

cdam's own measurement (``benchmarks/spread.py``), not a paper's result: in wide
hetero-association two runs that start ``eps`` apart end far apart, so statistics there are
reproducible only in distribution (another CPU kernel or thread count moves them by their
spread). This script runs every start of a 30-cycle beside a twin 1e-3 away
(:func:`cdam.sensitivity.twin_divergence`), maps the mean Lyapunov estimate :math:`\\lambda =
(1/T)\\log(d_T/d_0)` over an (a, h) grid, prints the table and writes
``sensitivity_phase_diagram.png``. Negative: the twins merged (auto-association, quiescence);
positive: they separated (wide hetero-association).

Run it in full (about half a minute)::

    python examples/sensitivity_phase_diagram.py --out cdam-output
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from cdam import CDAM, plot
from cdam.datasets import cycle_memory_graph
from cdam.sensitivity import twin_divergence


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    ap.add_argument("--a", type=float, nargs="+", default=[1.0, 0.5, 0.0, -0.5, -1.0, -2.0], help="auto strengths")
    ap.add_argument("--h", type=float, nargs="+", default=[0.0, 0.5, 1.0, 2.0, 3.0], help="hetero strengths")
    ap.add_argument("--p", type=int, default=30, help="memories on the cycle")
    ap.add_argument("--n", type=int, default=1000, help="neurons per pattern")
    ap.add_argument("--steps", type=int, default=100, help="updates T")
    ap.add_argument("--seed", type=int, default=0, help="patterns, start noise and twin directions")
    ap.add_argument("--out", default="cdam-output", help="folder for the figure")
    args = ap.parse_args(argv)

    base = CDAM(cycle_memory_graph(args.p, args.n, seed=args.seed))
    x0 = base.initial_states(seed=args.seed)
    lam = np.empty((len(args.a), len(args.h)))
    chaotic = np.empty_like(lam)
    for i, a in enumerate(args.a):
        for j, h in enumerate(args.h):
            r = twin_divergence(base.with_strengths(a, h), x0, args.steps, seed=args.seed)
            lam[i, j], chaotic[i, j] = r.lyapunov.mean(), r.fraction_chaotic

    print(f"mean Lyapunov estimate per update (share chaotic), {args.p}-cycle, n = {args.n}, T = {args.steps}")
    print("a \\ h " + "".join(f"{h:>14g}" for h in args.h))
    for i, a in enumerate(args.a):
        print(f"{a:>5g} " + "".join(f"{lam[i, j]:+8.3f} ({chaotic[i, j]:.2f})" for j in range(len(args.h))))

    fig = plot.new_figure((6, 4.5))
    ax = fig.add_subplot()
    lim = max(np.abs(lam).max(), 1e-12)
    im = ax.imshow(lam, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_xticks(range(len(args.h)), [f"{h:g}" for h in args.h])
    ax.set_yticks(range(len(args.a)), [f"{a:g}" for a in args.a])
    for i in range(len(args.a)):
        for j in range(len(args.h)):
            ax.text(j, i, f"{lam[i, j]:+.2f}", ha="center", va="center", fontsize=8)
    ax.set_xlabel("hetero-association h")
    ax.set_ylabel("auto-association a")
    ax.set_title(f"twin divergence on a {args.p}-cycle: mean $\\lambda$ per update (T = {args.steps})", fontsize=10)
    fig.colorbar(im, ax=ax, label=r"$\lambda = \frac{1}{T}\log(d_T / d_0)$")
    png = plot.save_figure(fig, Path(args.out) / "sensitivity_phase_diagram.png")
    print(f"wrote {png}")
    return {"lyapunov": lam, "chaotic": chaotic, "a": args.a, "h": args.h, "figure": png}


if __name__ == "__main__":
    main()
