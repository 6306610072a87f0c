"""Community extraction: cdam's multi-scale CDAM partitions against Louvain (and Leiden).

Same graphs and seeds side by side: Zachary's karate club (NMI against the two factions),
planted partitions, stochastic block models and LFR graphs (n = 1000, mean degree 20,
tau1 2.5, tau2 1.5, mu 0.1 to 0.6). For cdam, the table gives the most modular level
(`extract`) and the best NMI over the levels of the hierarchy (`multiscale`). The LFR timings
against Louvain are part (e) of ``cdam bench`` (``cdam.bench.bench_community_time``), which
this script shares its graphs and comparison with. Louvain's time is the best of 3 runs;
cdam's, one run on one torch thread (``--threads``), like Louvain's one core.

    python benchmarks/bench_communities.py            # everything (several minutes)
    python benchmarks/bench_communities.py --quick    # karate and small planted partitions
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
from networkx.algorithms.community import modularity

from cdam.bench import compare_communities, lfr_graphs, planted_truth
from cdam.datasets import karate_graph
from cdam.measures import adjusted_rand_index, normalized_mutual_info


def graphs(quick: bool, seed: int):
    K = nx.karate_club_graph()
    G = karate_graph()
    yield "karate", G, [{u for u in K if K.nodes[u]["club"] == c} for c in ("Mr. Hi", "Officer")]
    for p_in, p_out in ((0.5, 0.02), (0.3, 0.05)):
        P = nx.planted_partition_graph(4, 32, p_in, p_out, seed=seed)
        yield f"planted 4x32 ({p_in}, {p_out})", P, planted_truth(P)
    if quick:
        return
    S = nx.stochastic_block_model(
        [40, 60, 80, 100],
        [[0.25, 0.02, 0.01, 0.01], [0.02, 0.2, 0.01, 0.02], [0.01, 0.01, 0.15, 0.02], [0.01, 0.02, 0.02, 0.1]],
        seed=seed,
    )
    yield "SBM 40/60/80/100", S, planted_truth(S)
    for name, L, truth, _mu in lfr_graphs(seed=seed):
        yield name, L, truth


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads for cdam (Louvain uses one core)")
    args = ap.parse_args(argv)
    try:
        import igraph
        import leidenalg
    except ImportError:
        leidenalg = None
    header = f"{'graph':<30}{'method':<22}{'groups':>7}{'Q':>8}{'NMI':>7}{'ARI':>7}{'time s':>9}"
    print(header)
    print("-" * len(header))
    for name, G, truth in graphs(args.quick, args.seed):
        nodes = list(G)
        cmp = compare_communities(G, truth, seed=args.seed, threads=args.threads)
        rows = [("louvain (networkx)", cmp["louvain"], cmp["row"]["louvain_s"])]
        if leidenalg is not None:
            t = time.perf_counter()
            ig = igraph.Graph.from_networkx(G)
            part = leidenalg.find_partition(ig, leidenalg.ModularityVertexPartition, seed=args.seed)
            names = ig.vs["_nx_name"]
            rows.append(("leiden", [{names[i] for i in block} for block in part], time.perf_counter() - t))
        levels, dt = cmp["levels"], cmp["row"]["cdam_s"]
        best_q = max(levels, key=lambda lvl: lvl.modularity)
        best_nmi = max(levels, key=lambda lvl: normalized_mutual_info(lvl.partition, truth, nodes))
        rows.append((f"cdam extract (a={best_q.a:g})", best_q.partition, dt))
        rows.append((f"cdam best level (a={best_nmi.a:g})", best_nmi.partition, dt))
        for method, part, sec in rows:
            print(
                f"{name:<30}{method:<22}{len(part):>7}{modularity(G, part):>8.3f}"
                f"{normalized_mutual_info(part, truth, nodes):>7.2f}{adjusted_rand_index(part, truth, nodes):>7.2f}"
                f"{sec:>9.2f}"
            )
        scales = ", ".join(f"a={lvl.a:g}:{lvl.n_communities}" for lvl in levels)
        print(f"{'':<30}cdam hierarchy: {scales}")


if __name__ == "__main__":
    main()
