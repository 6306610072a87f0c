"""How ``cdam.communities.extract`` grows with the graph: planted SBMs from 1e3 to 1e6 nodes.

Stochastic block models with blocks of ``--block`` nodes (at least 4 blocks), expected
within-block degree ``--k-in`` and between-block degree ``--k-out`` (mixing
``k_out / (k_in + k_out)``), drawn straight into a scipy.sparse matrix (the number of
edges of each kind is binomial, the pairs uniform, repeats dropped; vectorised, no loop
over blocks or edges), so that a large graph never passes through networkx unless asked.
The defaults are a plainly planted partition: blocks of 1000 nodes, 16 neighbours inside
the block and 4 outside on average (mixing 0.2; p_in / p_out = 1000 at 1e6 nodes), so
1e6 nodes have 1000 blocks and about 1e7 edges. ``--stages`` prints how long the set-up
(checks, igraph's graph) and each scale of the scan took.

Measured on the team's shared 2-core machine (one igraph thread; ``/usr/bin/time -v``):
1e5 nodes (992,501 edges): 26.3 s, peak 0.57 GB, ARI 1.000; 1e6 nodes (9,926,300 edges):
396 s, peak 3.0 GB, ARI 1.000, and 337.8 s with ``--workers 2`` (the largest process 2.3
GB). Both read only the five coarse scales: 4, 2.38 and 1.41 give the blocks in two agreeing
tries (24-28 s a Leiden try at 1e6, set-up 5-8 s), 0.84 in two tries within the NVI
tolerance (2e-4 at 1e6), and at 0.5 the tries merge blocks at random (552 groups at 1e6, NVI
0.042), so that scale runs all eight tries (about 200 s at 1e6). ``--levels`` prints each
level read. Each size runs in a fresh process, so
its peak resident memory (``ru_maxrss``) is its own; the largest size also runs from a
networkx graph of the same edges. The last lines fit ``seconds ~ c * x^b`` by least
squares in log-log over the sizes, for ``x`` the nodes and the edges.

``--method markov`` (the default, extract's default: the refined scan of the 13 resolutions,
up to 8 Leiden tries each)
or ``--method consensus`` (the CDAM dynamics with local attention, the settings below).

    python benchmarks/bench_communities_scale.py --louvain              # 1e3 .. 1e5
    python benchmarks/bench_communities_scale.py --sizes 1000 10000 --method consensus
    /usr/bin/time -v python benchmarks/bench_communities_scale.py --sizes 1000000 --no-networkx --stages --levels
    python benchmarks/bench_communities_scale.py --sizes 1000000 --no-networkx --workers 2
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp


def sparse_sbm(p: int, block: int, k_in: float, k_out: float, seed: int = 0):
    """Symmetric 0/1 adjacency (CSR) and block labels of a planted-partition SBM, drawn vectorised.

    Within block b: Binomial(s_b (s_b - 1) / 2, k_in / (s_b - 1)) uniform pairs, all blocks in
    one draw; between blocks: Binomial(pairs between blocks, k_out p / 2 / pairs) uniform pairs
    of different blocks. Repeats and self-pairs are dropped, so the degrees fall a little
    short of ``k_in`` and ``k_out``. No Python loop over blocks or edges."""
    rng = np.random.default_rng(seed)
    blocks = max(4, p // block)
    lab = np.arange(p) * blocks // p
    size = np.bincount(lab).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    m_in = rng.binomial(size * (size - 1) // 2, np.minimum(1.0, k_in / np.maximum(size - 1, 1)))
    which = np.repeat(np.arange(blocks), m_in)  # the block of each within-block pair
    u = start[which] + (rng.random(which.size) * size[which]).astype(np.int64)
    v = start[which] + (rng.random(which.size) * size[which]).astype(np.int64)
    pairs_out = (p * p - int(np.sum(size**2))) // 2
    m = rng.binomial(pairs_out, min(1.0, k_out * p / 2 / max(pairs_out, 1)))
    x, y = rng.integers(0, p, 2 * m), rng.integers(0, p, 2 * m)
    keep = np.flatnonzero(lab[x] != lab[y])[:m]  # between-block pairs only
    r, c = np.concatenate([u, x[keep]]), np.concatenate([v, y[keep]])
    off = r != c
    r, c = r[off], c[off]
    A = sp.coo_array((np.ones(r.size), (np.minimum(r, c), np.maximum(r, c))), shape=(p, p)).tocsr()
    A.sum_duplicates()
    A.data[:] = 1.0
    return sp.csr_array(A + A.T), lab


def one(p: int, args, as_networkx: bool) -> dict:
    import torch

    from cdam.communities import extract, multiscale, selected_level
    from cdam.partitions import adjusted_rand_index

    torch.set_num_threads(args.threads)
    t = time.perf_counter()
    A, lab = sparse_sbm(p, args.block, args.k_in, args.k_out, args.seed)
    generated = time.perf_counter() - t
    G = A
    if as_networkx:
        import networkx as nx

        G = nx.from_scipy_sparse_array(A)
    t = time.perf_counter()
    stamps = []  # when each scale of the scan was done (the time before the first is the set-up)

    def progress(done, total):
        stamps.append(time.perf_counter() - t)
        if args.stages:  # as it happens, so that a run stopped by a time limit still says how far it got
            print(f"{p} nodes: {done} scales read at {stamps[-1]:.1f} s", file=sys.stderr, flush=True)
    levels = []
    if args.method == "markov" and args.levels:  # extract's own steps, keeping the levels it chose from
        levels = multiscale(G, seed=0, weight=None, tries=args.tries, progress=progress, workers=args.workers)
        part = [set(b) for b in selected_level(levels, "stability_minimum").partition]
    elif args.method == "markov":
        part = extract(G, seed=0, weight=None, tries=args.tries, progress=progress, workers=args.workers)
    else:
        part = extract(G, seed=0, weight=None, method="consensus", n_neurons=args.n, neighbours=args.neighbours,
                       steps=args.steps, eta=args.eta, a_values=args.a, draws=args.draws, restarts=args.restarts,
                       rounds=args.rounds, attention=args.attention)
    sec = time.perf_counter() - t
    row = {"nodes": p, "edges": int(A.nnz // 2), "input": "networkx" if as_networkx else "scipy.sparse",
           "seconds": sec, "groups": len(part), "ARI": adjusted_rand_index(part, lab, range(p)),
           "generate_seconds": generated, "scale_done_seconds": stamps,
           "levels": [[lvl.resolution, lvl.n_communities, lvl.nvi, lvl.nvi_coarser] for lvl in levels]}
    if args.louvain:
        import networkx as nx
        from networkx.algorithms.community import louvain_communities

        H = G if as_networkx else nx.from_scipy_sparse_array(A)
        t = time.perf_counter()
        L = louvain_communities(H, seed=0)
        row["louvain_seconds"] = time.perf_counter() - t
        row["louvain_ARI"] = adjusted_rand_index(L, lab, range(p))
    row["peak_GB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    return row


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 3000, 10000, 30000, 100000])
    ap.add_argument("--block", type=int, default=1000)
    ap.add_argument("--k-in", type=float, default=16.0)
    ap.add_argument("--k-out", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--method", choices=("markov", "consensus"), default="markov")
    ap.add_argument("--tries", type=int, default=8, help="markov: Leiden tries per scale")
    # consensus: the large-graph settings: short patterns, local attention
    # over 8 memories and 8 links each, 15 steps of eta 0.5 (0.5^15 ~ 0.7^30 residual), two
    # scales (one that keeps states apart, one near the collapse), two draws
    ap.add_argument("--n", type=int, default=32)
    ap.add_argument("--neighbours", type=int, default=8)
    ap.add_argument("--steps", type=int, default=15)
    ap.add_argument("--eta", type=float, default=0.5)
    ap.add_argument("--a", type=float, nargs="*", default=[0.15, 0.0])
    ap.add_argument("--draws", type=int, default=2)
    ap.add_argument("--restarts", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--attention", default="local")
    ap.add_argument("--louvain", action="store_true", help="also time networkx Louvain on the same graph")
    ap.add_argument("--no-networkx", action="store_true", help="skip the networkx-input run of the largest size")
    ap.add_argument("--stages", action="store_true", help="print the seconds of each scale of the scan")
    ap.add_argument("--levels", action="store_true", help="markov: print each level read (resolution, groups, "
                    "NVI of its tries, NVI to the next coarser level read)")
    ap.add_argument("--workers", type=int, default=1, help="markov: local processes for the scales (workers=)")
    ap.add_argument("--child", nargs=2, metavar=("P", "NX"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(one(int(args.child[0]), args, args.child[1] == "1")))
        return
    jobs = [(p, False) for p in args.sizes]
    if not args.no_networkx:
        jobs.append((max(args.sizes), True))
    print(f"{'nodes':>8}{'edges':>10}  {'input':<13}{'groups':>7}{'ARI':>7}{'seconds':>9}{'peak GB':>9}"
          + (f"{'Louvain s':>11}{'L ARI':>7}" if args.louvain else ""), flush=True)
    rows = []
    passthrough = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--child"]
    for p, as_nx in jobs:
        out = subprocess.run([sys.executable, __file__, *passthrough, "--child", str(p), "1" if as_nx else "0"],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(r)
        louvain = f"{r['louvain_seconds']:>11.1f}{r['louvain_ARI']:>7.3f}" if args.louvain else ""
        print(f"{r['nodes']:>8}{r['edges']:>10}  {r['input']:<13}{r['groups']:>7}{r['ARI']:>7.3f}{r['seconds']:>9.1f}"
              f"{r['peak_GB']:>9.2f}{louvain}", flush=True)
        if args.stages and r["scale_done_seconds"]:
            done = r["scale_done_seconds"]
            print(f"   generate {r['generate_seconds']:.1f} s; set-up and first scale {done[0]:.1f} s; then per scale "
                  + " ".join(f"{b - a:.1f}" for a, b in zip(done, done[1:]))
                  + f"; after the last scale {r['seconds'] - done[-1]:.1f} s", flush=True)
        for res, groups, nvi, coarser in r["levels"]:
            print(f"   resolution {res:.3g}: {groups} groups, NVI of its tries {nvi:.2g}, to the next {coarser:.2g}",
                  flush=True)
    fit = [r for r in rows if r["input"] == "scipy.sparse"]
    if len(fit) >= 2:
        t = np.log([r["seconds"] for r in fit])
        for key in ("nodes", "edges"):
            b, c = np.polyfit(np.log([r[key] for r in fit]), t, 1)
            print(f"fit: seconds ~ {np.exp(c):.3g} * {key}^{b:.2f}")


if __name__ == "__main__":
    main()
