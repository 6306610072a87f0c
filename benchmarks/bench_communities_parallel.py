"""``cdam.communities.extract`` in this process against ``workers=2`` local processes, side by side.

On the planted SBMs of ``bench_communities_scale.py`` (blocks of 1000 nodes, within-block
degree 15, between-block degree 5), for each size: the wall time of the serial scan and of
the same scan spread over ``--workers`` processes (their start-up included), the speed-up,
whether the partitions are identical (they must be: each scale runs its whole try loop in
one task), the ARI against the planted blocks and the memory each worker is stated to need
(:func:`cdam.communities._parallel.worker_bytes`). One JSON line per size.

    python benchmarks/bench_communities_parallel.py --sizes 1000 10000 100000
    python benchmarks/bench_communities_parallel.py --sizes 100000 --every 2   # 7 of the 13 scales
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_communities_scale import sparse_sbm  # noqa: E402


def one(p: int, workers: int, seed: int, every: int) -> dict:
    import numpy as np

    from cdam.communities import MARKOV_RESOLUTIONS, extract
    from cdam.communities._parallel import worker_bytes
    from cdam.partitions import adjusted_rand_index

    A, lab = sparse_sbm(p, 1000, 15.0, 5.0, seed)
    truth = [set(np.flatnonzero(lab == b).tolist()) for b in np.unique(lab)]
    scales = list(MARKOV_RESOLUTIONS[::every])
    t = time.perf_counter()
    serial = extract(A, seed=0, weight=None, resolutions=scales)
    t_serial = time.perf_counter() - t
    t = time.perf_counter()
    spread = extract(A, seed=0, weight=None, resolutions=scales, workers=workers)
    t_spread = time.perf_counter() - t
    return {"nodes": p, "edges": int(A.nnz // 2), "scales": len(scales), "serial_s": round(t_serial, 2),
            f"workers{workers}_s": round(t_spread, 2), "speedup": round(t_serial / t_spread, 2),
            "same_partition": serial == spread,
            "ARI": round(adjusted_rand_index(serial, truth, list(range(p))), 4),
            "worker_MiB": round(worker_bytes(p, int(A.nnz // 2)) / 2**20)}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 100000])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--every", type=int, default=1, help="every k-th of the default resolutions (1: all 13)")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    for p in args.sizes:
        print(json.dumps(one(p, args.workers, args.seed, args.every)), flush=True)


if __name__ == "__main__":
    main()
