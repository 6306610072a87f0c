"""Speed of the core dynamics, as ratios measured side by side in one run.

(a) cdam's all-starts run with overlaps recorded, against the notebook approach: a Python
    loop over starts and ``np.corrcoef`` per pattern per step, same update rule.
(b) cdam's batched step against the raw torch matrix products of the same shapes (the
    machine's limit for this update).

    python benchmarks/bench_core.py            # full sizes
    python benchmarks/bench_core.py --quick    # small sizes, a few seconds
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

import cdam
from cdam.datasets import cycle_memory_graph


def notebook_run(Xi, M, a, h, beta, eta, c, x0, steps):
    """The update rule as the paper's notebooks run it: one start at a time."""
    n, p = Xi.shape
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


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bench_notebook(ps, n, steps, repeat):
    rows = []
    for p in ps:
        g = cycle_memory_graph(p, n, seed=0)
        model = cdam.CDAM(g, a=-0.5, h=1.5, dtype=torch.float64)
        x0 = model.initial_states(1.0, seed=0)
        Xi, M = g.patterns, model.M.toarray()
        t_nb = best_of(lambda Xi=Xi, M=M, x0=x0: notebook_run(Xi, M, -0.5, 1.5, 1.0, 0.1, 1.0, x0.numpy(), steps), 1)
        t_cd = best_of(lambda model=model, x0=x0: model.run(x0, steps, record_overlaps=True), repeat)
        nb_final, _ = notebook_run(Xi, M, -0.5, 1.5, 1.0, 0.1, 1.0, x0.numpy(), 3)
        err = float(np.abs(np.asarray(model.run(x0, 3).final) - nb_final).max())
        rows.append({"p": p, "n": n, "steps": steps, "notebook_s": t_nb, "cdam_s": t_cd,
                     "speedup": t_nb / t_cd, "max_abs_diff_3_steps": err})
    return rows


def bench_raw(B, n, p, steps, repeat):
    torch.manual_seed(0)
    Xi = torch.rand(n, p)
    g = cdam.MemoryGraph.from_patterns(Xi.numpy())
    model = cdam.CDAM(g, a=1.0, h=0.0)
    Q = model.couplings.Q
    x0 = torch.rand(B, n)

    def raw():
        s = x0.clone()
        for _ in range(steps):
            w = torch.softmax(s @ Xi, dim=1)
            s = 0.9 * s + 0.1 * (w @ Q)
        return s

    t_raw = best_of(raw, repeat)
    t_cd = best_of(lambda: model.run(x0, steps), repeat)
    flops = 2 * 2 * B * n * p * steps
    return {"B": B, "n": n, "p": p, "steps": steps, "raw_s": t_raw, "cdam_s": t_cd,
            "fraction_of_raw": t_raw / t_cd, "cdam_gflops": flops / t_cd / 1e9}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", default=None, help="write results to this file")
    args = ap.parse_args(argv)
    if args.quick:
        nb = bench_notebook([30], 300, 20, 2)
        raw = bench_raw(64, 500, 512, 5, 2)
    else:
        nb = bench_notebook([30, 60, 100], 1000, 100, 3)
        raw = bench_raw(1024, 2000, 4096, 5, 3)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print("(a) all-starts with overlaps: cdam vs notebook loop")
    for r in nb:
        print(f"  p={r['p']:4d} n={r['n']} T={r['steps']}: notebook {r['notebook_s']:.2f} s, cdam {r['cdam_s']:.4f} s, "
              f"speed-up {r['speedup']:.0f}x (max |diff| after 3 steps {r['max_abs_diff_3_steps']:.1e})")
    print("(b) batched step vs raw torch matmuls of the same shapes")
    print(f"  B={raw['B']} n={raw['n']} p={raw['p']}: raw {raw['raw_s']:.3f} s, cdam {raw['cdam_s']:.3f} s, "
          f"cdam at {raw['fraction_of_raw']:.0%} of raw speed, {raw['cdam_gflops']:.1f} GFLOP/s")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"notebook": nb, "raw": raw}, fh, indent=2)


if __name__ == "__main__":
    main()
