"""Communities of directed graphs: cdam's flow reading against Infomap and symmetrised Louvain.

Directed planted partitions (``--blocks`` blocks of ``--size`` memories, each memory with
about ``--degree`` out-links, a fraction ``mu`` of them leaving its block), generator seeds
``--seeds`` (none of them a test's):

- ``cyclic``: the out-links that leave block ``c`` all go to block ``c + 1`` (mod the number
  of blocks), a circulating flow between the blocks, as in a memory sequence of groups;
- ``reciprocal``: they go to any other block, and every link is reciprocated with
  probability ``--reciprocal`` (noise that hides the direction);
- ``sparse``: ``cyclic`` at mean out-degree 3, where memories without in- or out-links
  leave the transitions not strongly connected, so that the walk teleports
  (cdam's default, 0.15 to links).

Methods: cdam's ``extract`` on the directed scipy.sparse matrix (the default
``directed="flow"``: the flow graph of the CDAM's walk, scanned over the CDAM's scales),
``extract(..., directed="symmetrise")`` (the same scan on A + A^T), Infomap (two-level,
``--directed``: its default unrecorded teleportation to links, 0.15) and igraph's Louvain
(``community_multilevel``) on the symmetrised A + A^T. Each method's ARI to the planted
blocks and seconds per graph are printed side by side, then the mean ARI and time per
family. Run it with ``OMP_NUM_THREADS=1``; on a shared machine compare the times within
one run.

    python benchmarks/bench_communities_directed.py
    python benchmarks/bench_communities_directed.py --mus 0.3 0.5 --seeds 100 101 --size 250
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

import numpy as np
import scipy.sparse as sp

from cdam.communities import extract
from cdam.partitions import adjusted_rand_index


def directed_sbm(family: str, blocks: int, size: int, degree: float, mu: float, reciprocal: float, seed: int):
    """A directed planted partition (CSR, no self-loops) and its block labels."""
    rng = np.random.default_rng(seed)
    p = blocks * size
    labels = np.repeat(np.arange(blocks), size)
    if family == "sparse":
        degree = 3.0
    # each ordered pair independently: inside a block with p_in, towards the chosen outside blocks with p_out
    p_in = (1 - mu) * degree / (size - 1)
    if family in ("cyclic", "sparse"):
        p_out = mu * degree / size
        outside = (labels[None, :] - labels[:, None]) % blocks == 1
    else:
        p_out = mu * degree / (size * (blocks - 1))
        outside = labels[None, :] != labels[:, None]
    prob = np.where(labels[None, :] == labels[:, None], p_in, np.where(outside, p_out, 0.0))
    dense = rng.random((p, p)) < prob
    np.fill_diagonal(dense, False)
    if family == "reciprocal":
        dense |= dense.T & (rng.random((p, p)) < reciprocal)
    return sp.csr_array(dense.astype(np.float64)), labels


def cdam_flow(A, seed):
    return extract(A, seed=seed)


def cdam_symmetrised(A, seed):
    return extract(A, seed=seed, directed="symmetrise")


def infomap_directed(A, seed):
    from infomap import Infomap

    im = Infomap(f"--two-level --directed --silent --seed {seed + 1}")
    C = A.tocoo()
    for i in range(A.shape[0]):
        im.add_node(i)
    for u, v, w in zip(C.row.tolist(), C.col.tolist(), C.data.tolist()):
        im.add_link(u, v, w)
    result = im.run()
    modules = dict(result.modules()) if hasattr(result, "modules") else im.get_modules()
    return np.array([modules[i] for i in range(A.shape[0])])


def louvain_symmetrised(A, seed):
    import igraph

    U = sp.triu(A + A.T, k=1).tocoo()
    g = igraph.Graph(n=A.shape[0], edges=list(zip(U.row.tolist(), U.col.tolist())))
    igraph.set_random_number_generator(random.Random(seed))
    try:
        return np.array(g.community_multilevel(weights=U.data.tolist()).membership)
    finally:
        igraph.set_random_number_generator(random)


METHODS = {"cdam extract (flow)": cdam_flow, "cdam extract (symmetrise)": cdam_symmetrised,
           "infomap (directed)": infomap_directed, "igraph Louvain (A + A^T)": louvain_symmetrised}


def labels_of(found, p: int) -> np.ndarray:
    if isinstance(found, np.ndarray):
        return found
    lab = np.empty(p, dtype=np.int64)
    for k, block in enumerate(found):
        lab[list(block)] = k
    return lab


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", nargs="+", default=["cyclic", "reciprocal", "sparse"])
    ap.add_argument("--mus", type=float, nargs="+", default=[0.2, 0.35, 0.5])
    ap.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102])
    ap.add_argument("--blocks", type=int, default=5)
    ap.add_argument("--size", type=int, default=120)
    ap.add_argument("--degree", type=float, default=10.0)
    ap.add_argument("--reciprocal", type=float, default=0.5)
    args = ap.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f}; {args.blocks} blocks of {args.size}, out-degree {args.degree}")
    names = list(METHODS)
    print("| family | mu | seed | " + " | ".join(f"{n} ARI / s" for n in names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    rows = []
    for family in args.families:
        for mu in args.mus:
            for seed in args.seeds:
                A, truth = directed_sbm(family, args.blocks, args.size, args.degree, mu, args.reciprocal, seed)
                cells = {}
                for name, method in METHODS.items():
                    t = time.perf_counter()
                    found = method(A, seed)
                    cells[name] = (adjusted_rand_index(labels_of(found, A.shape[0]), truth), time.perf_counter() - t)
                rows.append((family, mu, cells))
                print(f"| {family} | {mu:g} | {seed} | "
                      + " | ".join(f"{cells[n][0]:.3f} / {cells[n][1]:.2f}" for n in names) + " |", flush=True)
    print()
    print("| family | " + " | ".join(f"{n} mean ARI / s" for n in names) + " |")
    print("|---|" + "---|" * len(names))
    for family in [*args.families, "all"]:
        sel = [c for f, _, c in rows if family in ("all", f)]
        print(f"| {family} | " + " | ".join(
            f"{statistics.mean(c[n][0] for c in sel):.3f} / {statistics.mean(c[n][1] for c in sel):.2f}"
            for n in names) + " |")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
