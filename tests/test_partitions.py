"""Partition agreement: NMI, ARI and NVI, from labels or lists of sets."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cdam
from cdam.partitions import (
    adjusted_rand_index,
    normalized_mutual_info,
    normalized_variation_of_information,
    partition_labels,
)


# --------------------------------------------------------------------- NMI / ARI
def test_nmi_ari_literal_values():
    assert normalized_mutual_info([0, 0, 1, 1], [1, 1, 0, 0]) == 1.0
    assert adjusted_rand_index([0, 0, 1, 1], [1, 1, 0, 0]) == 1.0
    assert normalized_mutual_info([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(0.0, abs=1e-12)
    # ARI of [0,0,1,1] vs [0,1,0,1]: index 0, expected 2*2/6, max 2 -> (0 - 2/3) / (2 - 2/3) = -0.5
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    # lists of sets are read in the given node order
    assert normalized_mutual_info([{"a", "b"}, {"c"}], [{"a"}, {"b", "c"}], nodes="abc") < 1.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=2, max_size=40), st.data())
def test_nmi_ari_match_scikit_learn(a, data):
    metrics = pytest.importorskip("sklearn.metrics")
    b = data.draw(st.lists(st.integers(0, 4), min_size=len(a), max_size=len(a)))
    assert normalized_mutual_info(a, b) == pytest.approx(metrics.normalized_mutual_info_score(a, b), abs=1e-9)
    assert adjusted_rand_index(a, b) == pytest.approx(metrics.adjusted_rand_score(a, b), abs=1e-9)


def test_partition_measures_refuse_mismatched_input():
    with pytest.raises(cdam.StateError):
        normalized_mutual_info([0, 1], [0, 1, 1])
    with pytest.raises(cdam.StateError):
        normalized_mutual_info([{1}, {2}], [{1, 2}], nodes=[1, 2, 3])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=2, max_size=30), st.data())
def test_nvi_is_a_symmetric_normalised_distance(a, data):
    b = data.draw(st.lists(st.integers(0, 4), min_size=len(a), max_size=len(a)))
    assert normalized_variation_of_information(a, a) == 0.0
    assert normalized_variation_of_information(a, [x + 7 for x in a]) == 0.0  # labels do not matter
    d = normalized_variation_of_information(a, b)
    assert d == pytest.approx(normalized_variation_of_information(b, a), abs=1e-12)
    assert 0.0 <= d <= 1.0 + 1e-12


def test_nvi_literal_and_sets():
    # VI(one block, singletons) = ln N, so NVI = 1; two halves vs one block: ln 2 / ln 4 = 0.5
    assert normalized_variation_of_information([0] * 4, [0, 1, 2, 3]) == pytest.approx(1.0)
    assert normalized_variation_of_information([0, 0, 1, 1], [0, 0, 0, 0]) == pytest.approx(0.5)
    assert normalized_variation_of_information([{"a", "b"}, {"c", "d"}], [{"a", "b", "c", "d"}]) == pytest.approx(0.5)


# --------------------------------------------------------------------- the values before the move
def _labels(n, k, salt):
    """Deterministic pseudo-random labels in 0..k-1 (no random generator whose stream could change)."""
    i = np.arange(n, dtype=np.int64)
    return (i * i * 7919 + i * salt + 104729) % 1000003 % k


# (n, k_a, k_b, NMI, ARI, NVI) from cdam.measures' normalized_mutual_info and adjusted_rand_index
# and cdam.communities' normalized_variation_of_information as they were before this module
# (dense contingency table; NVI's own label converter and entropy). ARI and NVI are bit-identical;
# NMI reads the marginals as n_i / N instead of sums of the table's rows, 2e-16 apart at most.
BEFORE = [
    (12, 3, 4, 0.04805232485546898, -0.10290237467018473, 0.5672683230995896),
    (60, 6, 3, 0.7690166190069256, 0.5879990656110059, 0.1600843092835021),
    (200, 40, 7, 0.2385385354762966, -0.00021222777054662423, 0.7989545979497622),
    (500, 500, 12, 0.48965871054070775, 0.0032814598453817572, 0.6650897876113444),
]


@pytest.mark.parametrize("n, ka, kb, nmi, ari, nvi", BEFORE)
def test_values_are_those_before_the_move(n, ka, kb, nmi, ari, nvi):
    a, b = _labels(n, ka, 1), _labels(n, kb, 31)
    assert normalized_mutual_info(a, b) == pytest.approx(nmi, abs=1e-15)
    assert adjusted_rand_index(a, b) == ari
    assert normalized_variation_of_information(a, b) == nvi


def test_sets_and_labels_give_the_same_values():
    sets = ([{"a", "b"}, {"c"}, {"d", "e"}], [{"a"}, {"b", "c", "d", "e"}])
    labels = ([0, 0, 1, 2, 2], [0, 1, 1, 1, 1])  # the same partitions in node order a..e
    for score in (normalized_mutual_info, adjusted_rand_index, normalized_variation_of_information):
        assert score(*sets) == score(*labels) == score(*sets, nodes="abcde")
        assert score(sets[0], labels[1]) == score(*labels)  # one of each: the set partition's nodes
    # literal values from before the move (see BEFORE)
    assert normalized_mutual_info(*sets) == pytest.approx(0.2869418248409962, abs=1e-15)
    assert adjusted_rand_index(*sets) == -0.07142857142857141
    assert normalized_variation_of_information(*sets) == 0.689082492917429


def test_partition_labels_literal():
    assert partition_labels([{"b", "c"}, {"a"}]).tolist() == [1, 0, 0]
    assert partition_labels([{"b", "c"}, {"a"}], nodes="cab").tolist() == [0, 1, 0]
    assert partition_labels(["x", "y", "x"]).tolist() == [0, 1, 0]
    assert partition_labels(np.array([5, 5, 2])).tolist() == [1, 1, 0]


def test_a_partition_that_drops_or_repeats_a_node_is_refused():
    with pytest.raises(cdam.StateError, match="node 2 is in two blocks"):
        partition_labels([{1, 2}, {2, 3}])
    with pytest.raises(cdam.StateError, match="node 3 of the partition is not among nodes"):
        normalized_mutual_info([{1, 2}, {3}], [{1, 2, 3}], nodes=[1, 2])
    with pytest.raises(cdam.StateError, match="node 3 is in no block"):
        adjusted_rand_index([{1, 2}], [{1}, {2}], nodes=[1, 2, 3])
    with pytest.raises(cdam.StateError, match="is in no block"):  # two partitions of different nodes
        normalized_variation_of_information([{1, 2}], [{3, 4}])
    with pytest.raises(cdam.StateError, match="one label per node"):
        normalized_variation_of_information([0, 1], [0, 1], nodes=[1, 2, 3])
    with pytest.raises(cdam.StateError, match="1-D"):
        partition_labels([[0, 1], [1, 0]])
    for score in (normalized_mutual_info, adjusted_rand_index, normalized_variation_of_information):
        with pytest.raises(cdam.StateError, match="empty"):
            score([], [])
        with pytest.raises(cdam.StateError, match="must cover the same nodes"):
            score([0, 1], [0, 1, 1])


def test_many_blocks_need_no_dense_table():
    # 50 000 singletons against themselves: a k_a x k_b table would hold 2.5e9 cells (20 GB)
    n = 50_000
    singletons = np.arange(n)
    assert normalized_mutual_info(singletons, singletons[::-1]) == 1.0
    assert adjusted_rand_index(singletons, singletons) == 1.0
    assert normalized_variation_of_information(singletons, np.zeros(n, dtype=int)) == pytest.approx(1.0)


def test_old_import_paths_still_work():
    import cdam.communities
    import cdam.measures
    import cdam.partitions

    assert cdam.measures.normalized_mutual_info is cdam.partitions.normalized_mutual_info
    assert cdam.measures.adjusted_rand_index is cdam.partitions.adjusted_rand_index
    assert cdam.measures.partition_labels is cdam.partitions.partition_labels
    assert cdam.communities.normalized_variation_of_information is cdam.partitions.normalized_variation_of_information
    with pytest.raises(AttributeError):
        cdam.measures.normalized_variation_of_informatio  # noqa: B018


def test_cdam_partitions_loads_on_first_use_and_not_before():
    import subprocess
    import sys

    probe = ("import sys, cdam\nprint('cdam.partitions' in sys.modules)\n"
             "print(cdam.partitions.normalized_mutual_info([0, 1], [1, 0]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "1.0"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=30), st.data())
def test_labels_and_their_blocks_are_the_same_partition(a, data):
    b = data.draw(st.lists(st.integers(0, 5), min_size=len(a), max_size=len(a)))
    nodes = [f"n{i}" for i in range(len(a))]  # names whose sorted order is not the index order

    def blocks(labels):
        return [{nodes[i] for i, x in enumerate(labels) if x == c} for c in sorted(set(labels), reverse=True)]

    assert partition_labels(blocks(a), nodes).tolist() == partition_labels([-x for x in a]).tolist()
    for score in (normalized_mutual_info, adjusted_rand_index, normalized_variation_of_information):
        # other block numbers sum the same terms in another order: equal up to rounding
        assert score(blocks(a), blocks(b), nodes) == pytest.approx(score(a, b), abs=1e-12)
