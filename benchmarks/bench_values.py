"""Large p: the value matrix held dense, held as factors, and top-k reads, side by side.

Each configuration runs in its own process so that its peak memory is its own. Sparse
random graph of mean degree 10, n = 1000, B = 64 runs, float32, as in ``cdam bench`` (c).

    python benchmarks/bench_values.py --p 200000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CONFIGS = [("dense", None), ("factored", None), ("dense", 32), ("factored", 32)]

CHILD = """
import json, sys, time
import numpy as np
import torch
from cdam import CDAM, MemoryGraph
from cdam.experiments.bench import _first_starts, best_of, peak_rss_mb

p, values, topk, steps = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3]), 3
t0 = time.perf_counter()
rng = np.random.default_rng(0)
patterns = rng.random((1000, p), dtype=np.float32)
u, v = rng.integers(0, p, p * 5), rng.integers(0, p, p * 5)
g = MemoryGraph.from_edges(np.stack([u, v])[:, u != v], patterns)  # mean degree 10, parallel links sum
del patterns
t1 = time.perf_counter()
model = CDAM(g, a=-0.5, h=1.5, values=values, topk=topk)
t2 = time.perf_counter()
x0 = _first_starts(model, 64, 0)
model.run(x0, 1)  # warm-up
step = best_of(lambda: model.run(x0, steps), 2) / steps
traj = model.run(x0, steps)
left_out = None if traj.topk_discarded is None else float(traj.topk_discarded.max())
print(json.dumps({"p": p, "values": values, "topk": topk, "graph_s": t1 - t0, "model_s": t2 - t1,
                  "step_s": step, "peak_rss_mb": peak_rss_mb(), "topk_discarded_max": left_out}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--p", type=int, default=200_000, help="number of memories")
    ap.add_argument("--json", default=None, help="write the rows here")
    args = ap.parse_args()
    rows = []
    print(f"{'values':>9} {'topk':>5} {'graph s':>8} {'model s':>8} {'ms/step':>8} {'peak MiB':>9} {'left out':>9}")
    for values, topk in CONFIGS:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.p), values, json.dumps(topk)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(r)
        left = "" if r["topk_discarded_max"] is None else f"{r['topk_discarded_max']:.1e}"
        print(
            f"{values:>9} {str(topk):>5} {r['graph_s']:8.1f} {r['model_s']:8.1f} {r['step_s'] * 1e3:8.0f} "
            f"{r['peak_rss_mb']:9.0f} {left:>9}",
            flush=True,
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
