"""Speed of the K-winner MHN: online storage, batched recall, one protocol run.

At the sizes of the continual-learning experiment (Bhandarkar & McClelland 2025).


    python benchmarks/bench_kwinner.py               # 4000 patterns at n_hidden 2000, and the 1-winner
    python benchmarks/bench_kwinner.py --repeat 5    # best of 5

Prints seconds per operation (best of ``--repeat``), with the torch thread count.
"""

from __future__ import annotations

import argparse
import time

import torch

from cdam.backends.kwinner import KWinnerMHN
from cdam.experiments.bench import best_of
from cdam.experiments.continual import KWINNER, ONE_WINNER, run_protocol, sparse_patterns


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patterns", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    X = sparse_patterns(args.patterns, 1000, 100, seed=0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads")
    for cfg in (KWINNER, ONE_WINNER):

        def build(cfg=cfg):
            return KWinnerMHN(1000, cfg.n_hidden, cfg.k, fan_in=cfg.fan_in, lr=cfg.lr, seed=0)

        t_build = best_of(build, args.repeat)
        t_store = float("inf")
        for _ in range(args.repeat):
            m = build()
            t = time.perf_counter()
            m.store(X)
            t_store = min(t_store, time.perf_counter() - t)
        t_recall = best_of(lambda m=m: m.recall(X, 100), args.repeat)
        t_run = best_of(lambda cfg=cfg: run_protocol(cfg, seed=0), 1)
        each = t_store / args.patterns * 1e6
        print(
            f"{cfg.name:9s} (n_h {cfg.n_hidden}, k {cfg.k}, f {cfg.fan_in}, lr {cfg.lr}): "
            f"build {t_build:.3f} s, store {args.patterns} patterns {t_store:.2f} s "
            f"({each:.0f} us each), recall {args.patterns} cues in one batch {t_recall:.3f} s, "
            f"one continual-learning protocol run {t_run:.2f} s"
        )


if __name__ == "__main__":
    main()
