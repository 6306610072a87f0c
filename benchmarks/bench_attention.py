"""Speed of the MHN attention backend: Case Sequence training runs, MHNAttention, CDAMConv.

    python benchmarks/bench_attention.py                 # every variant, 5000 batches each
    python benchmarks/bench_attention.py --batches 1000  # quicker

Prints seconds per operation (best of ``--repeat``), with the torch thread count.
"""

from __future__ import annotations

import argparse

import networkx as nx
import torch

from cdam.backends.attention import CDAMConv, MHNAttention, train_case_sequence
from cdam.experiments.bench import best_of

CONFIGS = [
    ("transformer", False),
    ("fixed_k", False),
    ("fixed_k", True),
    ("mhn", False),
    ("mhn", True),
    ("qk_mhn", False),
    ("qk_mhn", True),
]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--nodes", type=int, default=2000, help="graph size for CDAMConv")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op thread")

    for variant, proj in CONFIGS:
        for grads in ("rule", "autograd") if variant in ("transformer", "qk_mhn") else ("rule",):
            r = train_case_sequence(variant, proj, batches=args.batches, seed=0, gradients=grads)
            name = f"{variant}{' + proj' if proj else ''} ({grads})"
            print(
                f"train_case_sequence {name:28s}: {args.batches} batches {r.seconds:6.2f} s "
                f"({r.seconds / args.batches * 1e6:5.0f} us/batch), final accuracy {r.final_accuracy:.3f}"
            )

    m = MHNAttention(64, key_channels=64, beta=0.125)
    q, k, v = torch.randn(64, 16, 64), torch.randn(64, 256, 64), torch.randn(64, 256, 64)
    with torch.no_grad():
        t = best_of(lambda: m(q, k, v), args.repeat)
    print(f"MHNAttention forward, B 64, 16 queries, 256 items, width 64: {t * 1e3:.2f} ms")
    m.reset()
    m.store(k[0], v[0])
    with torch.no_grad():
        t = best_of(lambda: m.retrieve(q[0], 0.125), args.repeat)
    print(f"MHNAttention retrieve, 16 queries from 256 stored: {t * 1e3:.3f} ms")

    G = nx.barabasi_albert_graph(args.nodes, 5, seed=0)
    ei = torch.tensor(list(G.edges), dtype=torch.long).T
    ei = torch.cat([ei, ei.flip(0)], dim=1)
    n = args.nodes
    x = torch.rand(n, 64)
    conv = CDAMConv(a=-0.5, h=1.5)
    coo = torch.sparse_coo_tensor(ei, torch.ones(ei.shape[1]), (n, n), check_invariants=False).coalesce()
    dense = coo.to_dense()
    with torch.no_grad():
        for name, adj in (("edge_index", ei), ("torch.sparse COO", coo), ("dense", dense)):
            t = best_of(lambda adj=adj: conv(x, adj), args.repeat)
            print(f"CDAMConv step, {n} nodes, {ei.shape[1]} edges, F 64, {name:16s}: {t * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
