"""Building and compiling a large memory graph without networkx: time and peak memory.

p float32 U[0,1) patterns of n neurons and a random undirected graph of mean degree
``--degree`` (``p * degree / 2`` links drawn with numpy, self-loops and repeats kept:
parallel links sum), built with ``MemoryGraph.from_edges`` or ``from_scipy_sparse``, then
compiled with ``normalization="sym"``. Run one size per process so that the peak resident
memory (``ru_maxrss``) is that size's own.

Measured (2 cores shared with other jobs, degree 10, float32, from_edges; build / compile s,
peak RSS): p = 1e5, n = 256: 0.5 / 0.25 s, 0.53 GiB (the per-edge add_links_from path: 7.9 /
1.6 s, 0.68 GiB); p = 1e6, n = 256: 9.4 / 7.8 s, 3.0 GiB (from_scipy_sparse 10.5 / 11.4 s,
3.4 GiB); p = 1e7, n = 64: 132 / 146 s, 12.9 GiB (inputs alone 3.4 GiB).

    python benchmarks/bench_graph_build.py --p 1000000 --n 256
    python benchmarks/bench_graph_build.py --p 10000000 --n 64 --via scipy
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np
import scipy.sparse as sp

import cdam


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--p", type=int, default=1_000_000, help="number of memories")
    ap.add_argument("--n", type=int, default=256, help="neurons per pattern")
    ap.add_argument("--degree", type=int, default=10, help="mean degree of the random graph")
    ap.add_argument("--via", choices=("edges", "scipy"), default="edges", help="which constructor")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    patterns = rng.random((args.n, args.p), dtype=np.float32)
    m = args.p * args.degree // 2
    edge_index = rng.integers(0, args.p, (2, m), dtype=np.int64)
    data_mib = peak_rss_mib()
    t0 = time.perf_counter()
    if args.via == "edges":
        g = cdam.MemoryGraph.from_edges(edge_index, patterns)
    else:
        A = sp.coo_array((np.ones(m), (edge_index[0], edge_index[1])), shape=(args.p, args.p))
        A = sp.csr_array(A + A.T)  # symmetric: undirected links
        t0 = time.perf_counter()
        g = cdam.MemoryGraph.from_scipy_sparse(A, patterns)
        del A
    t1 = time.perf_counter()
    del patterns, edge_index  # what a caller done with its arrays would do
    c = g.compile("sym")
    t2 = time.perf_counter()
    row = {
        "p": args.p,
        "n": args.n,
        "degree": args.degree,
        "via": args.via,
        "links": g.number_of_edges(),
        "M_nnz": int(c.M.nnz),
        "build_s": round(t1 - t0, 2),
        "compile_s": round(t2 - t1, 2),
        "inputs_peak_mib": round(data_mib),
        "peak_rss_mib": round(peak_rss_mib()),
    }
    print(json.dumps(row))


if __name__ == "__main__":
    main()
