"""The spread of every statistic the scientific tests assert, over seeds x CPU kernels x threads.

torch picks its CPU kernels from ``ATEN_CPU_CAPABILITY`` (avx2, default, avx512) when it is
imported, so each (kernel, threads) configuration runs this script again in a subprocess with
the variable set (``--child``); the child prints one JSON record per seed. The parent prints,
for each statistic, the test's value (the mean over the seeds the test averages) under every
configuration, its min-max over configurations, and the seed-to-seed standard deviation. The
tests' tolerances are set from this table (the measurement is quoted beside each assertion).

Run: ``python benchmarks/spread.py`` (a few minutes on 2 cores); ``--seeds 5`` by default.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

KERNELS = ("avx2", "default", "avx512")
THREADS = (1, 2)


def _child(seeds: int) -> None:
    # the checkout's cdam, not an installed copy (this script lives in benchmarks/)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import torch

    torch.set_num_threads(int(os.environ.get("CDAM_SPREAD_THREADS", "1")))
    import cdam
    from cdam.experiments import paper
    from cdam.experiments.retrieval import digits_retrieval
    from cdam.sequences import serial_distance_curve

    cycle30 = cdam.datasets.cycle_memory_graph(30, 1000, seed=0)
    traj = cdam.CDAM(cycle30, a=1.0, h=0.5).all_starts(record_overlaps=True)
    own = traj.overlaps[-1][torch.arange(30), traj.cues].double().mean().item()
    print(json.dumps({"seed": -1, "modes own (1, 0.5)": own}), flush=True)
    for s in range(seeds):
        rec = {"seed": s}
        prof = paper.range_of_recall(seeds=(s,))
        for key, ds in ((k, paper.RANGE_DISTANCES) for k in paper.RANGE_OF_RECALL):
            for d in ds:
                rec[f"range {key} d={d}"] = prof[key].at(d)
        m = serial_distance_curve(97, -2.0, 3.0, seeds=(s,))
        for d in (*range(1, 11), 48):
            rec[f"miyashita d={d}"] = m.at(d)
        for ah in ((-0.5, 1.5), (1.0, 0.0), (0.5, 0.5)):
            c = serial_distance_curve(20, *ah, cycle=False, seeds=(s,))
            for d in range(1, 6):
                rec[f"numerosity {ah} d={d}"] = c.at(d)
        for row, a in zip(paper.karate_table(seed=s), paper.KARATE_TABLE):
            rec[f"karate a={a} within"] = row.within
            rec[f"karate a={a} between"] = row.between
            rec[f"karate a={a} groups"] = float(row.groups)
        t = digits_retrieval(seeds=(s,))
        for p in (10, 20, 30):
            rec[f"digits P={p} column"] = t[(p, 1.0)].column
        print(json.dumps({k: (float(v) if not isinstance(v, int) else v) for k, v in rec.items()}), flush=True)


# how many seeds each test averages (the statistic the test asserts is that mean)
TEST_SEEDS = {"range": 5, "miyashita": 3, "numerosity": 2, "karate": 5, "digits": 3, "modes": 1}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json", help="also write the raw records to this file")
    args = ap.parse_args(argv)
    if args.child:
        return _child(args.seeds)
    import numpy as np

    runs = {}
    for kernel in KERNELS:
        for threads in THREADS:
            env = dict(os.environ, ATEN_CPU_CAPABILITY=kernel, CDAM_SPREAD_THREADS=str(threads))
            out = subprocess.run(
                [sys.executable, __file__, "--child", "--seeds", str(args.seeds)],
                env=env, check=True, capture_output=True, text=True,
            ).stdout
            runs[(kernel, threads)] = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
            print(f"# ran {kernel} x {threads} thread(s)", file=sys.stderr, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({f"{k}/{t}": v for (k, t), v in runs.items()}, f)
    configs = list(runs)
    names = list(dict.fromkeys(k for rec in runs[configs[0]] for k in rec if k != "seed"))
    head = " ".join(f"{k[:6]}/{t}".rjust(9) for k, t in configs)
    print(f"{'statistic (test value = mean of first N seeds)':48s} {head}  {'min':>7} {'max':>7} {'seed sd':>7}")
    for name in names:
        family = name.split()[0]
        n_avg = TEST_SEEDS[family]
        vals, sds = [], []
        for c in configs:
            per_seed = [r[name] for r in runs[c] if name in r]
            vals.append(float(np.mean(per_seed[:n_avg])))
            sds.append(float(np.std(per_seed, ddof=1)) if len(per_seed) > 1 else 0.0)
        row = " ".join(f"{v:9.3f}" for v in vals)
        print(f"{name + f' (N={n_avg})':48s} {row}  {min(vals):7.3f} {max(vals):7.3f} {max(sds):7.3f}")


if __name__ == "__main__":
    main()
