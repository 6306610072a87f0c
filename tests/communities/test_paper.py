"""method="paper": Burns 2024 (arXiv 2404.07123) section 1.5's procedure, its karate table and example."""

import runpy
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from networkx.algorithms.community import modularity

import cdam
from cdam.communities import extract, multiscale
from cdam.experiments import paper
from cdam.partitions import normalized_mutual_info

# statistics of the dynamics: run again under ATEN_CPU_CAPABILITY=default in .ci/run
pytestmark = pytest.mark.scientific

K = nx.karate_club_graph()
KARATE = cdam.datasets.karate_graph()
FACTIONS = [{u for u in K if K.nodes[u]["club"] == c} for c in ("Mr. Hi", "Officer")]


def test_multiscale_goes_fine_to_coarse_on_karate():
    levels = multiscale(KARATE, seed=0, method="paper")
    counts = [lvl.n_communities for lvl in levels]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == 34  # a = 1: every member its own attractor
    assert counts[-1] == 2
    for lvl in levels:
        assert lvl.modularity == pytest.approx(modularity(KARATE, lvl.partition))
        assert set().union(*lvl.partition) == set(KARATE)
        assert sum(map(len, lvl.partition)) == 34
    # the karate-club experiment (Burns 2024): the two factions at some scale with NMI >= 0.6
    assert max(normalized_mutual_info(lvl.partition, FACTIONS, list(KARATE)) for lvl in levels) >= 0.6


def test_extract_karate_is_as_modular_as_louvain():
    # Burns 2024: modularity methods reach Q = 0.4198 with 4 communities
    parts = extract(KARATE, seed=1, method="paper")
    assert modularity(KARATE, parts) == pytest.approx(0.4198, abs=0.03)
    assert 3 <= len(parts) <= 5


# --------------------------------------------------------------------- the karate-club table of Burns 2024
# Means over 5 seeds against the paper's single draw. Seed-to-seed spread (5 seeds):
# a = 0: within 0.28-0.31, groups 9-11; a = -0.5: within 0.47-0.68, groups 3-4;
# a = -2: within 0.52-0.79, between -0.19 to -0.54, groups 6-9. Tolerances ~ that spread.
# Across avx2/default/avx512 x 1/2 threads (benchmarks/spread.py) only a = -2 moves: 5-seed
# means within 0.623-0.637, between -0.357 to -0.335, groups 7.8-9.2 (worst deviations from
# paper 0.117, 0.105, 1.2 against tolerances 0.2, 0.2, 4); a >= -0.5 agree to 0.001.
@pytest.fixture(scope="module")
def karate_means():
    tables = [paper.karate_table(seed=s) for s in range(5)]
    return {a: np.mean([[r.within, r.between, r.groups, r.agreement] for r in (t[i] for t in tables)], axis=0)
            for i, a in enumerate(paper.KARATE_TABLE)}


@pytest.mark.parametrize("a, tol_c, tol_groups", [(1.0, 0.02, 0), (0.0, 0.05, 3), (-0.5, 0.1, 2), (-2.0, 0.2, 4)])
def test_karate_table_matches_spec(karate_means, a, tol_c, tol_groups):
    within, between, groups, agreement = karate_means[a]
    ref = paper.KARATE_TABLE[a]
    assert within == pytest.approx(ref[0], abs=tol_c)
    assert between == pytest.approx(ref[1], abs=tol_c)
    assert groups == pytest.approx(ref[2], abs=tol_groups)
    if a <= 0:
        assert agreement >= ref[3] - 0.1


def test_karate_example_reduced(tmp_path, capsys):
    script = Path(__file__).resolve().parents[2] / "examples" / "karate_communities.py"
    res = runpy.run_path(str(script))["main"](["--seeds", "1", "--out", str(tmp_path)])
    assert "Louvain" in capsys.readouterr().out
    assert res["figure"].read_bytes()[:4] == b"\x89PNG"
    assert res["means"][-0.5][3] >= 0.9
