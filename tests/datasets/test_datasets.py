"""Built-in generators."""

import networkx as nx
import numpy as np
import pytest

import cdam
from cdam import datasets


@pytest.mark.parametrize("dist", ["uniform", "binary", "normal"])
def test_random_patterns_are_seeded(dist):
    a = datasets.random_patterns(50, 4, seed=3, distribution=dist)
    b = datasets.random_patterns(50, 4, seed=3, distribution=dist)
    assert a.shape == (50, 4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, datasets.random_patterns(50, 4, seed=4, distribution=dist))


def test_uniform_patterns_in_unit_interval_with_variance_one_twelfth():
    x = datasets.random_patterns(2000, 10, seed=0)
    assert x.min() >= 0 and x.max() < 1
    assert x.var() == pytest.approx(1 / 12, rel=0.05)


def test_binary_patterns_are_zero_one():
    assert set(np.unique(datasets.random_patterns(100, 3, distribution="binary"))) == {0.0, 1.0}


def test_bad_generator_arguments():
    with pytest.raises(cdam.ParameterError):
        datasets.random_patterns(0, 3)
    with pytest.raises(cdam.ParameterError):
        datasets.random_patterns(10, 3, distribution="cauchy")
    with pytest.raises(cdam.ParameterError):
        datasets.cycle_memory_graph(2)


def test_karate_has_78_unweighted_edges_and_two_clubs():
    g = datasets.karate_memory_graph(n=50)
    assert len(g) == 34 and len(g.links) == 78
    assert {w for _, _, w in g.links} == {1.0}
    assert sorted(set(g.metadata["club"])) == ["Mr. Hi", "Officer"]
    assert g.metadata["club"][0] == "Mr. Hi" and g.metadata["club"][33] == "Officer"


def test_cycle_graph_structure():
    g = datasets.cycle_memory_graph(7, 20)
    assert nx.is_isomorphic(g.to_networkx(), nx.cycle_graph(7))
