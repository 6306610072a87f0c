"""How ``cdam.communities.extract`` grows with the graph: planted SBMs from 1e3 to 1e5 nodes.

Stochastic block models with blocks of ``--block`` nodes (at least 4 blocks), expected
within-block degree ``--k-in`` and between-block degree ``--k-out`` (mixing
``k_out / (k_in + k_out)``), drawn straight into a scipy.sparse matrix (the number of
edges of each kind is binomial, the pairs uniform, repeats dropped), so that a 1e5-node
graph never passes through networkx unless asked. Each size runs in a fresh process, so
its peak resident memory (``ru_maxrss``) is its own; the largest size also runs from a
networkx graph of the same edges. The last lines fit ``seconds ~ c * x^b`` by least
squares in log-log over the sizes, for ``x`` the nodes and the edges.

``--method markov`` (the default, extract's default: 13 resolutions, 8 Louvain tries each)
or ``--method consensus`` (the CDAM dynamics with local attention, the settings below).

    python benchmarks/bench_communities_scale.py --louvain              # 1e3 .. 1e5
    python benchmarks/bench_communities_scale.py --sizes 1000 10000 --method consensus
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
    """Symmetric 0/1 adjacency (CSR) and block labels of a planted-partition SBM."""
    rng = np.random.default_rng(seed)
    blocks = max(4, p // block)
    lab = np.arange(p) * blocks // p
    size = np.bincount(lab)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    rows, cols = [], []
    for b in range(blocks):  # within: Binomial(pairs, p_in) uniform pairs of the block
        s = int(size[b])
        m = rng.binomial(s * (s - 1) // 2, min(1.0, k_in / max(s - 1, 1)))
        u, v = rng.integers(0, s, m), rng.integers(0, s, m)
        rows.append(start[b] + u)
        cols.append(start[b] + v)
    pairs_out = (p * p - int(np.sum(size.astype(np.int64) ** 2))) // 2
    m = rng.binomial(pairs_out, min(1.0, k_out * p / 2 / max(pairs_out, 1)))
    u, v = rng.integers(0, p, 2 * m), rng.integers(0, p, 2 * m)
    keep = np.flatnonzero(lab[u] != lab[v])[:m]  # between-block pairs only
    rows.append(u[keep])
    cols.append(v[keep])
    r, c = np.concatenate(rows), np.concatenate(cols)
    off = r != c
    A = sp.coo_array((np.ones(int(off.sum())), (r[off], c[off])), shape=(p, p)).tocsr()
    A = A.maximum(A.T)
    A.data[:] = 1.0
    return sp.csr_array(A), lab


def one(p: int, args, as_networkx: bool) -> dict:
    import torch

    from cdam.communities import extract
    from cdam.partitions import adjusted_rand_index

    torch.set_num_threads(args.threads)
    A, lab = sparse_sbm(p, args.block, args.k_in, args.k_out, args.seed)
    truth = [set(np.flatnonzero(lab == b).tolist()) for b in np.unique(lab)]
    G = A
    if as_networkx:
        import networkx as nx

        G = nx.from_scipy_sparse_array(A)
    t = time.perf_counter()
    if args.method == "markov":
        part = extract(G, seed=0, weight=None, tries=args.tries)
    else:
        part = extract(G, seed=0, weight=None, method="consensus", n_neurons=args.n, neighbours=args.neighbours,
                       steps=args.steps, eta=args.eta, a_values=args.a, draws=args.draws, restarts=args.restarts,
                       rounds=args.rounds, attention=args.attention)
    sec = time.perf_counter() - t
    row = {"nodes": p, "edges": int(A.nnz // 2), "input": "networkx" if as_networkx else "scipy.sparse",
           "seconds": sec, "groups": len(part), "ARI": adjusted_rand_index(part, truth, list(range(p)))}
    if args.louvain:
        import networkx as nx
        from networkx.algorithms.community import louvain_communities

        H = G if as_networkx else nx.from_scipy_sparse_array(A)
        t = time.perf_counter()
        L = louvain_communities(H, seed=0)
        row["louvain_seconds"] = time.perf_counter() - t
        row["louvain_ARI"] = adjusted_rand_index(L, truth, list(range(p)))
    row["peak_GB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    return row


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 3000, 10000, 30000, 100000])
    ap.add_argument("--block", type=int, default=1000)
    ap.add_argument("--k-in", type=float, default=15.0)
    ap.add_argument("--k-out", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--method", choices=("markov", "consensus"), default="markov")
    ap.add_argument("--tries", type=int, default=8, help="markov: Louvain tries per scale")
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
    fit = [r for r in rows if r["input"] == "scipy.sparse"]
    if len(fit) >= 2:
        t = np.log([r["seconds"] for r in fit])
        for key in ("nodes", "edges"):
            b, c = np.polyfit(np.log([r[key] for r in fit]), t, 1)
            print(f"fit: seconds ~ {np.exp(c):.3g} * {key}^{b:.2f}")


if __name__ == "__main__":
    main()
