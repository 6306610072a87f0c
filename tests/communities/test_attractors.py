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


def _old_local_finals(A, cell, *, n_neurons, seed, steps, beta, eta, k, width, noise=1.0, mean_coef=1.0):
    """The hand-written local-attention loop the module had before it ran through CDAM.run: the
    softmax over the last step's k most attended memories and their ``width`` strongest links."""
    import scipy.sparse as sp
    import torch

    from cdam._random import as_generator
    from cdam.couplings import normalize
    from cdam.datasets.patterns import random_patterns

    p = A.shape[0]
    keys = torch.as_tensor(random_patterns(n_neurons, p, seed).T.copy(), dtype=torch.float64)
    gen = as_generator(seed)
    x = (keys + noise * (torch.rand(p, n_neurons, generator=gen, dtype=torch.float64) - 0.5)).float()
    M = sp.csr_matrix(normalize(A, "sym"))
    deg = np.diff(M.indptr)
    table = np.repeat(np.arange(p)[:, None], width + 1, axis=1)
    rows = np.repeat(np.arange(p), deg)
    order = np.lexsort((-np.abs(M.data), rows))
    rank = np.arange(len(order)) - np.repeat(M.indptr[:-1], deg)
    keep = rank < width
    table[rows[keep], 1 + rank[keep]] = M.indices[order][keep]
    table = torch.as_tensor(table)
    Q = (cell["a"] * keys + cell["h"] * torch.as_tensor(M @ keys.numpy())).float()
    c_xbar = (mean_coef * keys.mean(dim=0)).float()
    keys = keys.float()
    prev, at = torch.arange(p)[:, None], torch.arange(p)[:, None]
    for _ in range(steps):
        cand, _ = torch.sort(table[prev].reshape(p, -1), dim=1)
        dup = torch.zeros_like(cand, dtype=torch.bool)
        dup[:, 1:] = cand[:, 1:] == cand[:, :-1]
        w = torch.softmax((beta * torch.einsum("bn,bcn->bc", x, keys[cand])).masked_fill(dup, -torch.inf), dim=1)
        x += eta * (torch.einsum("bc,bcn->bn", w, Q[cand]) - c_xbar - x)
        prev = cand[at, torch.topk(w, min(k, w.shape[1]), dim=1).indices]
    return x


@pytest.mark.parametrize("cell, width", [({"a": 0.3, "h": 0.7}, 3), ({"a": -0.5, "h": 1.0}, 40)])
def test_local_attention_through_cdam_run_matches_the_old_loop(cell, width):
    """The local attention now runs in CDAM.run (a graph-seeded CandidateSlots): the same finals
    as the loop it replaced, to float32 round-off (measured 7e-7 on karate)."""
    import scipy.sparse as sp

    from cdam.communities._attractors import all_start_finals

    A = sp.csr_array(nx.to_scipy_sparse_array(KARATE, format="csr"))
    kw = dict(n_neurons=64, seed=3, steps=20, beta=15.0, eta=0.3)
    new = all_start_finals(A, [cell], attention="local", k=4, max_neighbours=width, **kw)[0]
    old = _old_local_finals(A, cell, k=4, width=width, **kw)
    assert float((new - old).abs().max()) < 1e-5
