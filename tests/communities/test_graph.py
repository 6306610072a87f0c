"""The input graph: weighted, multigraph and sparse input; what is refused."""

import networkx as nx
import pytest

import cdam
from cdam.communities import extract, multiscale

# statistics of the dynamics: run again under ATEN_CPU_CAPABILITY=default in .ci/run
pytestmark = pytest.mark.scientific

KARATE = cdam.datasets.karate_graph()


def test_weighted_and_multigraph_input():
    G = nx.MultiGraph()
    G.add_edges_from([(0, 1), (0, 1), (1, 2), (3, 4), (4, 5), (3, 5), (2, 3)])
    levels = multiscale(G, seed=0, a_values=[0.0], n_neurons=300, method="paper")
    assert levels[0].n_communities >= 1
    assert multiscale(G, seed=0, a_values=[0.0], n_neurons=300, method="consensus")[0].n_communities >= 1
    assert multiscale(G, seed=0, a_values=[0.0])[0].n_communities >= 1
    W = nx.Graph()
    W.add_weighted_edges_from(
        [(0, 1, 5.0), (1, 2, 5.0), (2, 0, 5.0), (2, 3, 0.1), (3, 4, 5.0), (4, 5, 5.0), (5, 3, 5.0)]
    )
    for method in ("paper", "consensus", "markov"):
        parts = extract(W, seed=0, method=method, **({} if method == "markov" else {"n_neurons": 400}))
        assert sorted(map(sorted, parts)) == [[0, 1, 2], [3, 4, 5]]


def test_directed_and_empty_graphs_refused():
    with pytest.raises(cdam.GraphError, match="undirected"):  # the default method reads its flow (test_directed)
        multiscale(nx.DiGraph([(0, 1)]), method="consensus")
    with pytest.raises(cdam.GraphError, match="no nodes"):
        multiscale(nx.Graph())
    with pytest.raises(cdam.ParameterError):
        multiscale(KARATE, a_values=[1.0], h_values=[0.0, 1.0])


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_edge_weights_are_refused(bad):
    import scipy.sparse as sp

    G = nx.karate_club_graph()
    G[0][1]["weight"] = bad
    with pytest.raises(cdam.GraphError, match="edge weights must be finite"):
        extract(G, seed=0, weight="weight")
    with pytest.raises(cdam.GraphError, match="edge weights must be finite"):
        extract(sp.csr_array(nx.to_scipy_sparse_array(G)), seed=0)
    G[0][1]["weight"] = "heavy"
    with pytest.raises(cdam.GraphError, match="must be numbers"):
        extract(G, seed=0, weight="weight")
