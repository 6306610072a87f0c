"""Community extraction against the anchors: the same graphs and seeds, side by side.

Louvain (networkx), Leiden (leidenalg, modularity), Infomap (two-level) and Markov stability
(PyGenStability, on graphs of at most ``--pgs-max`` nodes) against cdam's ``extract`` (the
default ``method="markov"``: the deepest stability minimum of the linearised CDAM walk's scan),
cdam's best level of that scan by ARI (an upper bound: the truth picks it) and, with
``--consensus``, the previous default (``method="consensus"``, attractor-weighted edges, the
most modular of the stable scales). Graphs: LFR (n = 1000, tau1 2.5, tau2 1.5, mean degree 20,
max degree 50, communities 20-100, mu 0.1 to 0.7, generator seeds ``--seeds``), planted
partitions, heterogeneous stochastic block models and networkx's real networks (karate: the two
factions; les_miserables, florentine_families, davis_southern_women: no truth, modularity
only). Anchors that are not installed are left out of the table
(``pip install 'cdam[bench]'``).

    python benchmarks/bench_communities.py                  # everything (~30 s per LFR graph)
    python benchmarks/bench_communities.py --quick          # real networks and planted partitions
    python benchmarks/bench_communities.py --mus 0.5 0.6 --seeds 0 1 2 --only lfr
"""

from __future__ import annotations

import argparse
import time
import warnings

import networkx as nx
from networkx.algorithms.community import louvain_communities, modularity

from cdam.communities import deepest_stability_minimum, most_modular_stable, multiscale
from cdam.datasets.graphs import karate_graph, lfr_graph, planted_truth
from cdam.partitions import adjusted_rand_index, normalized_mutual_info


def real_graphs():
    K = nx.karate_club_graph()
    yield "karate", karate_graph(), [{u for u in K if K.nodes[u]["club"] == c} for c in ("Mr. Hi", "Officer")]
    yield "les_miserables", nx.Graph(nx.les_miserables_graph().edges()), None
    yield "florentine_families", nx.florentine_families_graph(), None
    yield "davis_southern_women", nx.Graph(nx.davis_southern_women_graph().edges()), None


def synthetic_graphs(seeds):
    for s in seeds:
        for p_in, p_out in ((0.5, 0.02), (0.3, 0.05), (0.2, 0.06)):
            P = nx.planted_partition_graph(4, 32, p_in, p_out, seed=s)
            yield f"planted 4x32 ({p_in},{p_out}) s{s}", P, planted_truth(P)
        sizes = [40, 60, 80, 100, 150, 250]  # heterogeneous sizes and densities
        dens = [0.3, 0.25, 0.2, 0.15, 0.1, 0.06]
        probs = [[dens[i] if i == j else 0.01 for j in range(6)] for i in range(6)]
        S = nx.stochastic_block_model(sizes, probs, seed=s)
        yield f"SBM hetero 6 blocks s{s}", nx.Graph(S), planted_truth(S)


def lfr(mus, seeds):
    for mu in mus:
        for s in seeds:
            try:
                G = lfr_graph(1000, mu, s)
            except nx.ExceededMaxIterations:
                warnings.warn(f"LFR mu={mu} seed {s}: generator did not converge; skipped", stacklevel=2)
                continue
            yield f"LFR mu={mu} s{s}", G, planted_truth(G)


def anchors(pgs_max):
    out = {"louvain": lambda G, seed: louvain_communities(G, seed=seed)}
    try:
        import igraph
        import leidenalg

        def leiden(G, seed):
            ig = igraph.Graph.from_networkx(G)
            names = ig.vs["_nx_name"]
            part = leidenalg.find_partition(ig, leidenalg.ModularityVertexPartition, seed=seed)
            return [{names[i] for i in block} for block in part]

        out["leiden"] = leiden
    except ImportError:
        pass
    try:
        from infomap import Infomap

        def infomap(G, seed):
            index = {u: i for i, u in enumerate(G)}
            im = Infomap(f"--two-level --silent --seed {seed + 1}")
            for u, v in G.edges():
                im.add_link(index[u], index[v])
            for u in G:
                im.add_node(index[u])
            result = im.run()
            # infomap >= 2.16 returns a Result; older versions leave the modules on im
            modules = dict(result.modules()) if hasattr(result, "modules") else im.get_modules()
            nodes = list(G)
            blocks = {}
            for i, m in modules.items():
                blocks.setdefault(m, set()).add(nodes[i])
            return list(blocks.values())

        out["infomap"] = infomap
    except ImportError:
        pass
    try:
        from pygenstability import run as pgs_run

        def markov_stability(G, seed):
            if G.number_of_nodes() > pgs_max:
                return None
            nodes = list(G)
            res = pgs_run(nx.to_scipy_sparse_array(G, nodelist=nodes, format="csr"), n_scale=20, n_tries=50,
                          with_postprocessing=True, with_optimal_scales=True)
            # a scale is a candidate only if it partitions: at the finest Markov times every node is
            # its own group and at the coarsest there is one group, both with NVI 0 (perfectly
            # reproducible), so taking the first selected scale, or the least NVI, can return singletons
            p = len(nodes)
            sizes = [len(set(lab)) for lab in res["community_id"]]
            candidates = [i for i in range(len(sizes)) if 2 <= sizes[i] <= p // 2]
            if not candidates:
                return None
            selected = [int(i) for i in res.get("selected_partitions") or [] if int(i) in candidates]
            best = selected[0] if selected else min(candidates, key=lambda i: res["NVI"][i])
            lab = res["community_id"][best]
            blocks = {}
            for i, c in enumerate(lab):
                blocks.setdefault(int(c), set()).add(nodes[i])
            return list(blocks.values())

        out["markov stability"] = markov_stability
    except ImportError:
        pass
    return out


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=("real", "synthetic", "lfr"), nargs="*")
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    ap.add_argument("--mus", type=float, nargs="*", default=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    ap.add_argument("--threads", type=int, default=1, help="torch threads for cdam (the anchors use one core)")
    ap.add_argument("--pgs-max", type=int, default=1000)  # LFR n = 1000: about 15 s a graph
    ap.add_argument("--consensus", action="store_true", help="also run method='consensus' (the CDAM dynamics)")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    only = set(args.only or ("real", "synthetic", "lfr"))
    if args.quick:
        only -= {"lfr"}
        args.seeds = args.seeds[:1]
    methods = anchors(args.pgs_max)
    header = f"{'graph':<32}{'method':<26}{'groups':>7}{'Q':>7}{'NMI':>7}{'ARI':>7}{'seconds':>9}"
    print(header)
    print("-" * len(header), flush=True)
    sources = []
    if "real" in only:
        sources.append(real_graphs())
    if "synthetic" in only:
        sources.append(synthetic_graphs(args.seeds))
    if "lfr" in only:
        sources.append(lfr(args.mus, args.seeds))
    for name, G, truth in (g for src in sources for g in src):
        nodes = list(G)
        rows = []
        for mname, fn in methods.items():
            t = time.perf_counter()
            part = fn(G, 0)
            if part is not None:
                rows.append((mname, part, time.perf_counter() - t))
        t = time.perf_counter()
        levels = multiscale(G, seed=0, weight=None)
        dt = time.perf_counter() - t
        chosen = deepest_stability_minimum(levels)  # extract's default choice
        rows.append((f"cdam extract (g={chosen.resolution:.2f})", chosen.partition, dt))
        if truth is not None:
            best = max(levels, key=lambda lvl: adjusted_rand_index(lvl.partition, truth, nodes))
            rows.append((f"cdam best level (g={best.resolution:.2f})", best.partition, dt))
        if args.consensus:
            t = time.perf_counter()
            old = most_modular_stable(multiscale(G, seed=0, weight=None, method="consensus"))
            rows.append((f"cdam consensus (a={old.a:g})", old.partition, time.perf_counter() - t))
        for mname, part, sec in rows:
            score = ("", "") if truth is None else (
                f"{normalized_mutual_info(part, truth, nodes):.3f}", f"{adjusted_rand_index(part, truth, nodes):.3f}")
            print(f"{name:<32}{mname:<26}{len(part):>7}{modularity(G, part):>7.3f}{score[0]:>7}{score[1]:>7}"
                  f"{sec:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
