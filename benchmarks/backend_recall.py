"""Recall of each storage backend at pure auto-association, for two pattern families.

The table of docs/guide/backends.rst: on a 30-cycle (n = 1000), all starts at (a, h) = (1, 0)
for the slot store, K-winner ensembles (Bhandarkar & McClelland 2025, arXiv 2511.04593;
k = 1, 10, 50 of 2000 hidden units) and an MHN layer (no projections, and untrained random
projections), once with U[0,1) patterns (Burns 2024, arXiv 2404.07123) and once with sparse
binary patterns (10% of the bits active, as in the continual-learning experiment). For each
it prints

- recall: the fraction of runs whose final state's best-overlap memory (Pearson) is its cue;
- self-overlap: the mean Pearson overlap of each run's final state with its cue;
- the observed mode (:func:`cdam.classify_mode`).

Run (about 10 seconds on one core)::

    python benchmarks/backend_recall.py
"""

from __future__ import annotations

import argparse
import functools
import time

import networkx as nx
import numpy as np
import torch

import cdam
from cdam.backends import KWinnerMHN, MHNAttention
from cdam.datasets import cycle_memory_graph
from cdam.experiments.continual import sparse_patterns


def recall(model, traj) -> dict:
    """Fraction of runs whose best Pearson-overlap memory is the cue (a sweep measure)."""
    P = np.asarray(model.graph.patterns, dtype=np.float64).T  # (p, n)
    Z = traj.final.detach().double().numpy()
    P = P - P.mean(axis=1, keepdims=True)
    Z = Z - Z.mean(axis=1, keepdims=True)
    P /= np.linalg.norm(P, axis=1, keepdims=True)
    norms = np.linalg.norm(Z, axis=1, keepdims=True)
    Z = np.divide(Z, norms, out=np.zeros_like(Z), where=norms > 0)  # a constant state matches nothing
    best = (Z @ P.T).argmax(axis=1)
    return {"recall": float((best == traj.cues.numpy()).mean())}


def backends(n: int, hidden: int, ks, seed: int) -> dict:
    axis = {"slots": "dense"}
    for k in ks:
        axis[f"K-winner k={k}"] = functools.partial(KWinnerMHN, n, hidden, k=k, seed=seed)
    axis["MHN layer, no projections"] = MHNAttention(n, projections=False)
    torch.manual_seed(seed)
    axis["MHN layer, random projections"] = MHNAttention(n)
    return axis


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    ap.add_argument("--p", type=int, default=30)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--hidden", type=int, default=2000)
    ap.add_argument("--k", type=int, nargs="+", default=[1, 10, 50])
    ap.add_argument("--active", type=float, default=0.1, help="share of active bits in the sparse patterns")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    sparse = sparse_patterns(args.p, args.n, round(args.active * args.n), seed=args.seed).T.numpy()
    families = {
        "U[0,1)": cycle_memory_graph(args.p, args.n, seed=args.seed),
        f"sparse binary ({args.active:.0%} active)": cdam.MemoryGraph.from_networkx(nx.cycle_graph(args.p), sparse),
    }
    table = {}
    print(f"{args.p}-cycle, n = {args.n}, all starts at (a, h) = (1, 0), T = {args.steps}, seed {args.seed}")
    print(f"{'patterns':<27} {'backend':<30} {'recall':>7} {'self-overlap':>13}  mode")
    for family, g in families.items():
        t0 = time.perf_counter()
        res = cdam.sweep(g, {"backend": backends(args.n, args.hidden, args.k, args.seed), "a": [1.0], "h": [0.0]},
                         steps=args.steps, seed=args.seed, workers=1, progress=False, measure=recall)  # fmt: skip
        for r in res.records:
            table[family, r["backend"]] = (r["recall"], r["cue_overlap"], r["observed"])
            print(f"{family:<27} {r['backend']:<30} {r['recall']:>7.2f} {r['cue_overlap']:>13.2f}  {r['observed']}")
        print(f"  ({time.perf_counter() - t0:.0f} s)")
    return table


if __name__ == "__main__":
    main()
