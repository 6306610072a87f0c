"""The all-starts runs of the consensus method against cdam.CDAM."""

import networkx as nx
import numpy as np
import pytest

import cdam

# statistics of the dynamics: run again under ATEN_CPU_CAPABILITY=default in .ci/run
pytestmark = pytest.mark.scientific

KARATE = cdam.datasets.karate_graph()


def test_all_starts_loop_matches_cdam_and_local_attention_matches_dense():
    import scipy.sparse as sp

    from cdam.communities._attractors import all_start_finals

    p = KARATE.number_of_nodes()
    A = sp.csr_array(nx.to_scipy_sparse_array(KARATE, format="csr"))
    cell = [{"a": 0.3, "h": 0.7}]  # a contracting regime: round-off is not amplified
    final = all_start_finals(A, cell, n_neurons=64, seed=3, steps=30, beta=15.0, eta=0.3)[0]
    model = cdam.CDAM(cdam.datasets.memory_graph_from_networkx(KARATE, n=64, seed=3), beta=15.0, eta=0.3)
    ref = model.run_cells(cell, model.initial_states(1.0, 3), 30, cues=np.arange(p))[0].final
    assert float((final - ref).abs().max()) < 1e-5
    # on a complete graph the neighbourhood of any memory is every memory: local == dense
    Kn = sp.csr_array(np.ones((6, 6)) - np.eye(6))
    dense = all_start_finals(Kn, cell, n_neurons=32, seed=0, steps=20, beta=10.0)[0]
    local = all_start_finals(Kn, cell, n_neurons=32, seed=0, steps=20, beta=10.0, attention="local", k=6,
                             max_neighbours=6)[0]
    assert float((dense - local).abs().max()) < 1e-5
