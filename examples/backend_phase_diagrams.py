"""The phase diagram of every storage backend: slots, K-winner ensembles and an MHN layer
=======================================================================================

Burns 2024 ("Semantically-correlated memories in a dense associative model", ICML 2024,
arXiv 2404.07123) derives the CDAM's modes (auto-association, narrow and wide
hetero-association, quiescence) for a store with one hidden unit per memory: the slot
store. Bhandarkar & McClelland 2025 ("Neural Computation Without Slots", arXiv 2511.04593)
store memories without slots instead: as sparse K-winner ensembles over shared hidden units
(``KWinnerMHN``), or as the keys and values of an attention layer (``MHNAttention``, read
through the raw state or through untrained random query/key/value projections). This script
puts the same 30-cycle of U[0,1) patterns (n = 1000) into each store and runs all starts over
a coarse (a, h) grid, with the backend as one more axis of :func:`cdam.sweep`. Only the slot
store has predicted modes; every other cell is observed, and a cell where most runs lose
their cue (they end on no memory, or on one the graph does not relate to it) is a recall
failure, the mode the theory never predicts.

It prints each backend's observed modes, then each backend's range of recall (mean
attractor correlation by graph distance, :func:`cdam.distance_profile`) at two (a, h), and
writes ``backend_phase_diagrams.png``.

Run it in full (about half a minute on one core)::

    python examples/backend_phase_diagrams.py --out cdam-output
"""

from __future__ import annotations

import argparse
import copy
import functools
from pathlib import Path

import numpy as np
import torch

import cdam
from cdam import plot
from cdam.backends import KWinnerMHN, MHNAttention, StorageBackend
from cdam.datasets import cycle_memory_graph
from cdam.modes import Mode, PhaseDiagram

SHORT = {"auto": "A", "narrow_hetero": "N", "wide_hetero": "W", "quiescent": "Q", "recall_failure": "F"}
DISTANCES = (1, 2, 3, 5, 10, 15)


def _pair(text: str) -> tuple[float, float]:
    a, _, h = text.partition(",")
    return float(a), float(h)


def backends(n: int, hidden: int, ks, seed: int) -> dict:
    """The grid's backend axis, by label: the slot store, one K-winner store per k, an MHN layer."""
    axis = {"slots": "dense"}
    for k in ks:  # a factory per k: every cell builds the same wiring from the seed
        axis[f"K-winner k={k}"] = functools.partial(KWinnerMHN, n, hidden, k=k, seed=seed)
    # keys and values as fast weights, read through the raw state: the slot store's read-out
    axis["MHN layer, no projections"] = MHNAttention(n, projections=False)
    torch.manual_seed(seed)  # untrained random query/key/value projections; every cell copies this layer
    axis["MHN layer, random projections"] = MHNAttention(n)
    return axis


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    ap.add_argument("--a", type=float, nargs="+", default=[-1.0, 0.0, 1.0], help="auto strengths")
    ap.add_argument("--h", type=float, nargs="+", default=[0.0, 1.5, 3.0], help="hetero strengths")
    ap.add_argument("--k", type=int, nargs="+", default=[1, 10, 50], help="K-winner ensemble sizes")
    ap.add_argument("--p", type=int, default=30, help="memories on the cycle")
    ap.add_argument("--n", type=int, default=1000, help="neurons per pattern")
    ap.add_argument("--hidden", type=int, default=2000, help="K-winner hidden units")
    ap.add_argument("--profile", type=_pair, nargs="+", default=[(1.0, 0.0), (-0.5, 1.5)],
                    help="(a,h) pairs, e.g. 1,0, for the ranges of recall")  # fmt: skip
    ap.add_argument("--steps", type=int, default=100, help="updates T")
    ap.add_argument("--seed", type=int, default=0, help="patterns, wiring, projections and start noise")
    ap.add_argument("--workers", type=int, default=1, help="processes for the sweep's cells")
    ap.add_argument("--out", default="cdam-output", help="folder for the figure")
    args = ap.parse_args(argv)

    g = cycle_memory_graph(args.p, args.n, seed=args.seed)
    axis = backends(args.n, args.hidden, args.k, args.seed)
    a_values, h_values = sorted(set(args.a)), sorted(set(args.h))
    res = cdam.sweep(g, {"backend": axis, "h": h_values, "a": a_values}, steps=args.steps, seed=args.seed,
                     workers=args.workers, progress=False)  # fmt: skip
    observed = res.to_numpy("observed")  # (backend, h, a)
    predicted = res.to_numpy("predicted")

    print(f"observed modes on a {args.p}-cycle, n = {args.n}, T = {args.steps} "
          "(A auto, N narrow, W wide, Q quiescent, F recall failure; slots: observed/predicted)")  # fmt: skip
    modes = {}
    for b, label in enumerate(axis):
        modes[label] = observed[b]
        print(f"{label}:")
        print("  h \\ a " + "".join(f"{a:>7g}" for a in a_values))
        for i in reversed(range(len(h_values))):
            cells = [SHORT[observed[b, i, j]] + (f"/{SHORT[predicted[b, i, j]]}" if predicted[b, i, j] else "")
                     for j in range(len(a_values))]  # fmt: skip
            print(f"  {h_values[i]:>5g} " + "".join(f"{c:>7}" for c in cells))

    profiles = {}
    print("range of recall: mean attractor correlation at graph distance d")
    for a, h in args.profile:
        print(f"  (a, h) = ({a:g}, {h:g})".ljust(32) + "d =" + "".join(f"{d:>7d}" for d in DISTANCES))
        for label, value in axis.items():
            # what a sweep cell gets: the name, a deep copy of the empty instance, or a new store
            # (a store is an nn.Module, which is callable too: test for the instance first)
            store = value if isinstance(value, str) else copy.deepcopy(value) if isinstance(value, StorageBackend) \
                else value()
            traj = cdam.CDAM(g, a=a, h=h, backend=store).all_starts(args.steps, 1.0, args.seed)
            prof = profiles[label, (a, h)] = cdam.distance_profile(traj, g)
            print(f"  {label:<30}" + "".join(f"{prof.at(d):+7.2f}" for d in DISTANCES if d in prof.distance))

    fig = plot.new_figure((3.2 * len(axis), 6.4))
    n_prof = min(len(args.profile), len(axis))
    cols = len(axis) * n_prof  # top: a diagram per backend; bottom: a range of recall per (a, h)
    spec = fig.add_gridspec(2, cols)
    for b, label in enumerate(axis):
        to_mode = np.vectorize(Mode, otypes=[object])
        theory = to_mode(predicted[b]) if predicted[b, 0, 0] else None
        diagram = PhaseDiagram(np.array(a_values), np.array(h_values), theory, to_mode(observed[b]),
                               "dense" if theory is not None else label)  # fmt: skip
        ax = fig.add_subplot(spec[0, b * n_prof : (b + 1) * n_prof])
        plot.plot_phase_diagram(diagram, ax=ax, which="observed" if theory is None else "both")
        ax.set_title(label, fontsize=10)
        if b < len(axis) - 1:
            ax.get_legend().remove()
    for c, (a, h) in enumerate(args.profile[:n_prof]):
        ax = fig.add_subplot(spec[1, c * len(axis) : (c + 1) * len(axis)])
        for label in axis:
            prof = profiles[label, (a, h)]
            ax.plot(prof.distance, prof.mean, marker=".", label=label)
        ax.axhline(0.0, color="black", lw=0.6)
        ax.set_xlabel("graph distance d")
        ax.set_ylabel("mean attractor correlation")
        ax.set_title(f"range of recall at (a, h) = ({a:g}, {h:g})", fontsize=10)
        ax.legend(fontsize=7, frameon=False, loc="center right")
    fig.suptitle(f"observed modes per storage backend, {args.p}-cycle, U[0,1) patterns, n = {args.n}", fontsize=11)
    png = plot.save_figure(fig, Path(args.out) / "backend_phase_diagrams.png")
    print(f"wrote {png}")
    return {"modes": modes, "profiles": profiles, "sweep": res, "figure": png}


if __name__ == "__main__":
    main()
