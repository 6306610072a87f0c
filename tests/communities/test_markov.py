"""The default community readout: Markov stability of the linearised CDAM walk."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from networkx.algorithms.community import modularity

import cdam
from cdam.communities import MARKOV_RESOLUTIONS, extract, multiscale, resolution_of, strengths_for
from cdam.datasets.graphs import lfr_graph, planted_truth
from cdam.partitions import adjusted_rand_index

pytestmark = pytest.mark.scientific


# --------------------------------------------------------------------- the derivation
def _one_step_stability(A: np.ndarray, labels: np.ndarray, a: float, h: float, eta: float) -> float:
    """Tr H^T (Pi T - pi pi^T) H for the lazy walk T = (s I + t D^-1 A) / (s + t), formed densely."""
    d = A.sum(axis=1)
    s, t = 1 - eta + eta * a, eta * h
    T = (s * np.eye(len(A)) + t * A / d[:, None]) / (s + t)
    pi = d / d.sum()
    H = np.eye(labels.max() + 1)[labels]
    return float(np.trace(H.T @ (np.diag(pi) @ T - np.outer(pi, pi)) @ H))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(-3.0, 0.9), st.floats(0.05, 1.0), st.booleans(), st.integers(1, 5))
def test_walk_stability_is_modularity_at_the_scale_resolution(seed, a, eta, tied, groups):
    # the module's claim: r(H) = s/(s+t) + t/(s+t) Q_gamma(H), gamma = (s+t)/t, for every partition
    rng = np.random.default_rng(seed)
    G = nx.gnp_random_graph(12, 0.4, seed=seed)
    G.add_edges_from((i, i + 1) for i in range(11))  # connected: every degree positive
    h = 1.0 - a if tied else float(rng.uniform(0.2, 3.0))
    if not 1 - eta * (1 - a - h) > 0:
        return
    A = nx.to_numpy_array(G)
    labels = rng.integers(0, groups, 12)
    labels = np.unique(labels, return_inverse=True)[1]
    gamma = resolution_of(a, h, eta)
    s, t = 1 - eta + eta * a, eta * h
    part = [set(np.flatnonzero(labels == c)) for c in range(labels.max() + 1)]
    expected = s / (s + t) + t / (s + t) * modularity(G, part, resolution=gamma)
    assert _one_step_stability(A, labels, a, h, eta) == pytest.approx(expected, abs=1e-12)


@given(st.floats(0.01, 100.0), st.floats(0.01, 1.0))
def test_strengths_for_inverts_resolution_of(gamma, eta):
    a, h = strengths_for(gamma, eta)
    assert a + h == pytest.approx(1.0)
    assert resolution_of(a, h, eta) == pytest.approx(gamma, rel=1e-9)


def test_resolution_literals_and_refusals():
    assert resolution_of(0.0, 1.0, 0.4) == 2.5
    assert resolution_of(-1.5, 2.5, 0.4) == pytest.approx(1.0)
    assert MARKOV_RESOLUTIONS[0] == pytest.approx(4.0) and MARKOV_RESOLUTIONS[-1] == pytest.approx(0.5)
    with pytest.raises(cdam.ParameterError, match="h > 0"):
        resolution_of(1.0, 0.0, 0.4)
    G = nx.connected_caveman_graph(3, 5)
    with pytest.raises(cdam.ParameterError, match="h > 0"):
        multiscale(G, a_values=[1.0])  # h = 0: no walk
    with pytest.raises(cdam.ParameterError, match="not both"):
        multiscale(G, resolutions=[1.0], a_values=[0.0])
    with pytest.raises(cdam.ParameterError, match="resolution"):
        multiscale(G, resolutions=[-1.0])
    with pytest.raises(cdam.ParameterError, match="simulates nothing"):
        multiscale(G, n_neurons=100)
    with pytest.raises(cdam.ParameterError, match="markov"):
        multiscale(G, method="consensus", resolutions=[1.0])
    with pytest.raises(cdam.ParameterError, match="engine belongs to method='paper'"):
        multiscale(G, engine="direct")
    with pytest.raises(cdam.ParameterError, match="tries >= 2"):
        extract(G, tries=1)  # one partition per scale: no spread to select by


# --------------------------------------------------------------------- the scan
def test_scan_levels_fine_to_coarse_with_resolution_and_spread():
    G = nx.connected_caveman_graph(3, 5)
    levels = multiscale(G, seed=0, refine=False)
    assert [lvl.resolution for lvl in levels] == pytest.approx(list(MARKOV_RESOLUTIONS))
    for lvl in levels:
        assert resolution_of(lvl.a, lvl.h, 0.4) == pytest.approx(lvl.resolution)
        assert np.isnan(lvl.chance) and lvl.correlation is None
    assert levels[-1].n_communities == 3 and levels[-1].nvi == 0.0  # three cliques, every try agrees
    assert np.isnan(levels[-1].nvi_coarser)
    one = multiscale(G, seed=0, resolutions=[1.0], tries=1)
    assert np.isnan(one[0].nvi) and one[0].n_communities == 3
    assert multiscale(G, seed=0, a_values=[-1.5])[0].resolution == pytest.approx(1.0)
    assert multiscale(G, seed=0, a_values=[0.0], eta=0.2)[0].resolution == pytest.approx(5.0)


def test_refined_scan_reads_the_full_scans_levels_around_its_instability_minimum():
    from cdam.communities import deepest_stability_minimum
    from cdam.communities._markov import coarse_positions

    K = cdam.datasets.karate_graph()
    full = multiscale(K, seed=3, refine=False)
    refined = multiscale(K, seed=3)  # the default scan refines
    grid = [round(lvl.resolution, 9) for lvl in full]
    read = [grid.index(round(lvl.resolution, 9)) for lvl in refined]
    assert read == sorted(read) and set(coarse_positions(len(full))) <= set(read) and len(read) < len(full)
    for k, lvl in zip(read, refined):  # each scale seeded by its place in the scan: the same tries
        assert lvl.partition == full[k].partition and lvl.nvi == full[k].nvi
    at = read[refined.index(deepest_stability_minimum(refined))]
    for k in (at - 1, at + 1):  # the minimum's neighbours are read, or lie between two reads of one partition
        if 0 <= k < len(full) and k not in read:
            below, above = max(i for i in read if i < k), min(i for i in read if i > k)
            assert full[below].partition == full[above].partition
    explicit = multiscale(K, seed=3, resolutions=list(MARKOV_RESOLUTIONS))  # scales given: every one is read
    assert [lvl.partition for lvl in explicit] == [lvl.partition for lvl in full]
    assert len(multiscale(K, seed=3, resolutions=list(MARKOV_RESOLUTIONS), refine=True)) == len(refined)
    with pytest.raises(cdam.ParameterError, match="refine must be"):
        multiscale(K, refine="yes")


def test_refined_scan_skips_the_scales_between_two_of_one_partition():
    from cdam.communities._markov import coarse_positions

    G = nx.connected_caveman_graph(3, 5)
    full = multiscale(G, seed=0, refine=False)
    refined = multiscale(G, seed=0)
    # 2.38 and every coarser scale give the three cliques: only the five coarse scales are read
    assert [round(lvl.resolution, 2) for lvl in refined] == [4.0, 2.38, 1.41, 0.84, 0.5]
    assert [lvl.n_communities for lvl in refined] == [9, 3, 3, 3, 3]
    assert coarse_positions(len(full)) == [0, 3, 6, 9, 12]
    # what the refinement skipped is what the full scan found there (an optimum at both ends
    # of a resolution interval is one throughout it)
    assert all(lvl.partition == full[3].partition for lvl in full[3:])


def test_scan_is_deterministic_and_scipy_sparse_input_matches_networkx():
    G = nx.planted_partition_graph(3, 20, 0.5, 0.05, seed=1)
    A = sp.csr_array(nx.to_scipy_sparse_array(G, nodelist=sorted(G)))
    a = multiscale(G, seed=4)
    b = multiscale(A, seed=4)
    assert [lvl.partition for lvl in a] == [lvl.partition for lvl in b]
    assert [lvl.nvi for lvl in a] == [lvl.nvi for lvl in multiscale(G, seed=4)]


def test_each_level_is_at_least_as_good_as_one_louvain_run_at_its_resolution():
    # the consensus of the tries must not lose quality against a single optimisation of Q_gamma
    G = cdam.datasets.karate_graph()
    for lvl in multiscale(G, seed=0, resolutions=[2.0, 1.0, 0.6]):
        single = nx.community.louvain_communities(G, resolution=lvl.resolution, seed=0)
        ours = modularity(G, lvl.partition, resolution=lvl.resolution)
        assert ours >= modularity(G, single, resolution=lvl.resolution) - 0.01


# --------------------------------------------------------------------- quality against the anchors
# Measured (generator seeds 0-2, cdam seed 0): ARI 0.980 / 0.941 / 0.939; Markov stability
# (PyGenStability) 0.977 / 0.941 / 0.940, Leiden 0.894 / 0.843 / 0.834, Louvain 0.846 / 0.771 / 0.863.
# Louvain inside is igraph's (C): the partitions do not depend on torch's CPU kernel.
def test_lfr_mu_04_within_reach_of_markov_stability():
    aris = []
    for s in (0, 1, 2):
        G = lfr_graph(1000, 0.4, s)
        aris.append(adjusted_rand_index(extract(G, seed=0, weight=None), planted_truth(G), list(G)))
    assert min(aris) >= 0.92, aris
    assert float(np.mean(aris)) >= 0.94, aris


# Measured (seeds 0-2): ARI 0.979 / 0.918 / 0.958, equal to networkx Louvain's; 4 groups each.
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_partition_at_least_louvain(seed):
    P = nx.planted_partition_graph(4, 32, 0.3, 0.05, seed=seed)
    truth = planted_truth(P)
    ours = adjusted_rand_index(extract(P, seed=0), truth, list(P))
    louvain = adjusted_rand_index(nx.community.louvain_communities(P, seed=0), truth, list(P))
    assert ours >= 0.9
    assert ours >= louvain - 1e-9


# --------------------------------------------------------------------- the scan's shortcuts
@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), min_size=6, max_size=6), min_size=2, max_size=5))
def test_mean_pairwise_nvi_is_the_mean_of_the_pairs(rows):
    from itertools import combinations

    from cdam.communities._markov import mean_pairwise_nvi
    from cdam.partitions import normalized_variation_of_information

    parts = [np.array(r) for r in rows]
    pairs = [normalized_variation_of_information(x, y) for x, y in combinations(parts, 2)]
    assert mean_pairwise_nvi(parts) == float(np.mean(pairs))  # the same numbers, not merely close


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=12), st.permutations(range(5)))
def test_same_partition_ignores_label_names(labels, names):
    from cdam.communities._louvain import same_partition

    x = np.array(labels)
    assert same_partition(x, np.array(names)[x])  # a renaming groups alike
    if len(set(labels)) < len(labels):  # split one group in two: no longer alike
        y = x.copy()
        i = int(np.flatnonzero(np.bincount(x)[x] > 1)[0])
        y[i] = 99
        assert not same_partition(x, y)


@pytest.fixture
def leiden_calls(monkeypatch):
    """The number of seeds of each Leiden call the markov scan makes (a list that grows)."""
    import cdam.communities._markov as markov

    calls = []
    run = markov.optimised_labels

    def counted(g, weights, seeds, *args):
        calls.append(len(seeds))
        return run(g, weights, seeds, *args)

    monkeypatch.setattr(markov, "optimised_labels", counted)
    return calls


def test_a_scale_whose_first_tries_agree_stops_there(monkeypatch, leiden_calls):
    import cdam.communities._markov as markov

    calls = leiden_calls
    G = nx.connected_caveman_graph(3, 5)
    (lvl,) = multiscale(G, seed=0, resolutions=[1.0])  # three cliques: every try finds them
    assert sum(calls) == markov.AGREEING_TRIES == 2 and lvl.nvi == 0.0 and lvl.n_communities == 3
    calls.clear()
    K = cdam.datasets.karate_graph()
    (lvl,) = multiscale(K, seed=0, resolutions=[4.0])  # fine scale of karate: the tries differ
    assert sum(calls) == markov.DISAGREEING_TRIES == 3 and lvl.nvi > 0
    # two tries within AGREEMENT_NVI agree too (here every two: the tolerance raised to 1)
    (first,) = multiscale(K, seed=0, resolutions=[4.0], tries=2)  # the same first two tries, to compare
    monkeypatch.setattr(markov, "AGREEMENT_NVI", 1.0)
    calls.clear()
    (loose,) = multiscale(K, seed=0, resolutions=[4.0])
    assert sum(calls) == 2 and loose.nvi == first.nvi > 0  # stopped at two, keeping their NVI and best try
    assert loose.partition == first.partition


def test_a_scale_whose_first_tries_disagree_stops_there(monkeypatch, leiden_calls):
    import cdam.communities._markov as markov

    calls = leiden_calls
    K = cdam.datasets.karate_graph()
    (lvl,) = multiscale(K, seed=0, resolutions=[4.0])  # 13 groups, three tries 0.1005 apart
    assert sum(calls) == markov.DISAGREEING_TRIES == 3
    assert lvl.nvi == pytest.approx(0.1005, abs=1e-4) and markov.DISAGREEMENT_NVI == 0.05
    (three,) = multiscale(K, seed=0, resolutions=[4.0], tries=3)  # the same three tries: their NVI, best try
    assert lvl.nvi == three.nvi and lvl.partition == three.partition
    # tries that differ by less than the threshold run all eight: four planted blocks at 1.5
    P = nx.planted_partition_graph(4, 32, 0.3, 0.05, seed=0)
    calls.clear()
    (close,) = multiscale(P, seed=0, resolutions=[1.5])
    assert sum(calls) == 8 and markov.AGREEMENT_NVI < close.nvi <= markov.DISAGREEMENT_NVI
    assert close.nvi == pytest.approx(0.0382, abs=1e-4)
    # with the threshold raised above any NVI, karate's fine scale runs all eight again
    monkeypatch.setattr(markov, "DISAGREEMENT_NVI", 1.0)
    calls.clear()
    (full,) = multiscale(K, seed=0, resolutions=[4.0])
    assert sum(calls) == 8 and full.nvi > 0


def test_below_250_nodes_only_one_partition_is_within_the_nvi_tolerance():
    from cdam.communities._markov import AGREEMENT_NVI, mean_pairwise_nvi

    # the smallest change, two single nodes joined, costs 2 ln 2 / (n ln n)
    for n in (100, 240, 260, 1000):
        joined = np.arange(n)
        joined[1] = 0
        nvi = mean_pairwise_nvi([np.arange(n), joined])
        assert nvi == pytest.approx(2 * np.log(2) / (n * np.log(n)))
        assert (nvi > AGREEMENT_NVI) == (n < 250)


def test_rounds_chooses_the_best_try_or_the_consensus():
    K = cdam.datasets.karate_graph()
    for gamma in (2.0, 1.0):
        (best,) = multiscale(K, seed=0, resolutions=[gamma])  # rounds=0: the try of highest Q_gamma
        (first,) = multiscale(K, seed=0, resolutions=[gamma], tries=1)  # the first of the same tries
        assert modularity(K, best.partition, resolution=gamma) >= modularity(K, first.partition, resolution=gamma)
        (consensus,) = multiscale(K, seed=0, resolutions=[gamma], rounds=2)
        assert consensus.nvi == best.nvi  # the same tries, combined another way
    with pytest.raises(cdam.ParameterError, match="rounds must be >= 0"):
        multiscale(K, rounds=-1)
