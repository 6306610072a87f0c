"""Community extraction against the anchors: the same graphs and seeds, side by side.

Louvain (networkx), igraph's multilevel (Louvain in C) and Leiden (modularity, iterated until
stable), leidenalg's Leiden and, with ``--profile``, its resolution profile (the partition of the
widest plateau in log resolution over the scan's range 0.5-4, bisected to 0.05; 30 s on one LFR
graph, ~100 times cdam's extract, hence not by default), Infomap (two-level) and Markov stability
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

Every method's time is printed beside its ratio to one igraph multilevel run on the same graph
(column ``x ML``; the median of ``--ml-repeats`` runs, timed without the conversion from
networkx, which every igraph-based anchor gets for free), and the last lines summarise each
method: mean ARI and NMI over the graphs with a truth, mean seconds, median and largest ratio.
The machine's load average is printed at the start and the end: on a shared machine compare
ratios within one run. Run it with ``OMP_NUM_THREADS=1``.

    python benchmarks/bench_communities.py                  # everything (~30 s per LFR graph)
    python benchmarks/bench_communities.py --quick          # real networks and planted partitions
    python benchmarks/bench_communities.py --mus 0.5 0.6 --seeds 0 1 2 --only lfr
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import random
import statistics
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


def as_igraph(G):
    """``G`` as an igraph graph on vertices 0..p-1 in ``list(G)`` order (built outside the timings)."""
    import igraph

    index = {u: i for i, u in enumerate(G)}
    return igraph.Graph(n=len(index), edges=[(index[u], index[v]) for u, v in G.edges()])


def blocks_of(membership, nodes):
    blocks = {}
    for i, c in enumerate(membership):
        blocks.setdefault(c, set()).add(nodes[i])
    return list(blocks.values())


def igraph_multilevel(ig, seed):
    """One igraph multilevel (Louvain) run at resolution 1, seeded as cdam seeds it."""
    import igraph

    igraph.set_random_number_generator(random.Random(seed))
    try:
        return ig.community_multilevel().membership
    finally:
        igraph.set_random_number_generator(random)


def anchors(pgs_max, profile=False):
    """name -> fn(G, ig, seed) returning a partition (list of sets) or None (not run on this graph)."""
    out = {"louvain (networkx)": lambda G, ig, seed: louvain_communities(G, seed=seed),
           "igraph multilevel": lambda G, ig, seed: blocks_of(igraph_multilevel(ig, seed), list(G))}

    def igraph_leiden(G, ig, seed):
        import igraph

        igraph.set_random_number_generator(random.Random(seed))
        try:
            found = ig.community_leiden(objective_function="modularity", n_iterations=-1)
        finally:
            igraph.set_random_number_generator(random)
        return blocks_of(found.membership, list(G))

    out["igraph leiden"] = igraph_leiden
    try:
        import leidenalg

        def leiden(G, ig, seed):
            part = leidenalg.find_partition(ig, leidenalg.ModularityVertexPartition, seed=seed)
            return blocks_of(part.membership, list(G))

        def leiden_profile(G, ig, seed):
            # the plateau a partition keeps over the profile's resolutions (in log resolution): the
            # usual reading of a resolution profile; the finest (last) partition's runs to the range's end
            lo, hi = 0.5, 4.0
            optimiser = leidenalg.Optimiser()
            optimiser.set_rng_seed(seed)
            with contextlib.redirect_stderr(io.StringIO()):  # its progress bar, one line per bisection
                found = optimiser.resolution_profile(ig, leidenalg.RBConfigurationVertexPartition,
                                                     resolution_range=(lo, hi), min_diff_resolution=0.05)
            p = ig.vcount()
            ends = [q.resolution_parameter for q in found[1:]] + [hi]
            width = [abs(math.log(e / q.resolution_parameter)) for q, e in zip(found, ends)]
            keep = [i for i, q in enumerate(found) if 1 < len(q) < p] or range(len(found))
            best = max(keep, key=lambda i: width[i])
            return blocks_of(found[best].membership, list(G))

        out["leiden (leidenalg)"] = leiden
        if profile:
            out["leiden profile"] = leiden_profile
    except ImportError:
        pass
    try:
        from infomap import Infomap

        def infomap(G, ig, seed):
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

        def markov_stability(G, ig, seed):
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


def summary(records):
    """Per method (in table order): graphs, mean ARI and NMI over those with a truth, mean seconds, ratios."""
    lines = [f"{'method':<26}{'graphs':>7}{'mean ARI':>10}{'mean NMI':>10}{'mean s':>9}{'median x ML':>13}"
             f"{'max x ML':>10}"]
    for key in dict.fromkeys(r["key"] for r in records):
        rs = [r for r in records if r["key"] == key]
        scored = [r for r in rs if r["ARI"] is not None]
        ari = f"{statistics.mean(r['ARI'] for r in scored):.4f}" if scored else ""
        nmi = f"{statistics.mean(r['NMI'] for r in scored):.4f}" if scored else ""
        ratios = [r["x_ML"] for r in rs]
        lines.append(f"{key:<26}{len(rs):>7}{ari:>10}{nmi:>10}{statistics.mean(r['seconds'] for r in rs):>9.3f}"
                     f"{statistics.median(ratios):>13.1f}{max(ratios):>10.1f}")
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=("real", "synthetic", "lfr"), nargs="*")
    ap.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2])
    ap.add_argument("--mus", type=float, nargs="*", default=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    ap.add_argument("--threads", type=int, default=1, help="torch threads for cdam (the anchors use one core)")
    ap.add_argument("--pgs-max", type=int, default=1000)  # LFR n = 1000: about 15 s a graph
    ap.add_argument("--profile", action="store_true", help="also run leidenalg's resolution profile (slow)")
    ap.add_argument("--ml-repeats", type=int, default=5, help="igraph multilevel runs timed per graph (median)")
    ap.add_argument("--consensus", action="store_true", help="also run method='consensus' (the CDAM dynamics)")
    ap.add_argument("--json", help="also write every row (and the load averages) to this JSON file")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    only = set(args.only or ("real", "synthetic", "lfr"))
    if args.quick:
        only -= {"lfr"}
        args.seeds = args.seeds[:1]
    methods = anchors(args.pgs_max, args.profile)
    load_start = os.getloadavg()
    print(f"load average at start: {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f} "
          f"(OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')})")
    header = f"{'graph':<32}{'method':<26}{'groups':>7}{'Q':>7}{'NMI':>7}{'ARI':>7}{'seconds':>10}{'x ML':>8}"
    print(header)
    print("-" * len(header), flush=True)
    sources = []
    if "real" in only:
        sources.append(real_graphs())
    if "synthetic" in only:
        sources.append(synthetic_graphs(args.seeds))
    if "lfr" in only:
        sources.append(lfr(args.mus, args.seeds))
    records = []
    for name, G, truth in (g for src in sources for g in src):
        nodes = list(G)
        ig = as_igraph(G)
        ml_times = []
        for _ in range(args.ml_repeats):
            t = time.perf_counter()
            igraph_multilevel(ig, 0)
            ml_times.append(time.perf_counter() - t)
        ml_sec = statistics.median(ml_times)
        rows = []
        for mname, fn in methods.items():
            t = time.perf_counter()
            part = fn(G, ig, 0)
            if part is not None:
                rows.append((mname, mname, part, ml_sec if mname == "igraph multilevel" else time.perf_counter() - t))
        t = time.perf_counter()
        levels = multiscale(G, seed=0, weight=None)
        dt = time.perf_counter() - t
        chosen = deepest_stability_minimum(levels)  # extract's default choice
        rows.append(("cdam extract", f"cdam extract (g={chosen.resolution:.2f})", chosen.partition, dt))
        if truth is not None:
            best = max(levels, key=lambda lvl: adjusted_rand_index(lvl.partition, truth, nodes))
            rows.append(("cdam best level", f"cdam best level (g={best.resolution:.2f})", best.partition, dt))
        if args.consensus:
            t = time.perf_counter()
            old = most_modular_stable(multiscale(G, seed=0, weight=None, method="consensus"))
            rows.append(("cdam consensus", f"cdam consensus (a={old.a:g})", old.partition, time.perf_counter() - t))
        for key, mname, part, sec in rows:
            nmi = None if truth is None else normalized_mutual_info(part, truth, nodes)
            ari = None if truth is None else adjusted_rand_index(part, truth, nodes)
            q = modularity(G, part)
            records.append({"graph": name, "key": key, "method": mname, "groups": len(part), "Q": q, "NMI": nmi,
                            "ARI": ari, "seconds": sec, "x_ML": sec / ml_sec})
            score = ("", "") if truth is None else (f"{nmi:.3f}", f"{ari:.3f}")
            print(f"{name:<32}{mname:<26}{len(part):>7}{q:>7.3f}{score[0]:>7}{score[1]:>7}"
                  f"{sec:>10.4f}{sec / ml_sec:>8.1f}", flush=True)
    load_end = os.getloadavg()
    print()
    print("\n".join(summary(records)))
    print(f"load average at end: {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"load_start": load_start, "load_end": load_end, "rows": records}, f, indent=1)


if __name__ == "__main__":
    main()
