r"""All-starts final states for the consensus readout, without the (B, p) run records.

The update is the CDAM update (Burns 2024, arXiv 2404.07123), run once from every node for
each scale (a, h):

.. math::

    w = \operatorname{softmax}_{S}(\beta\,\sigma\,\Xi),\qquad
    \sigma \leftarrow \sigma + \eta\,\big(w\,Q_S - c\,\bar\xi - \sigma\big),\qquad
    Q = a\,\Xi^\top + h\,M\,\Xi^\top,

where the softmax runs over a set :math:`S` of memories per run:

* ``attention="dense"``: every memory (:math:`S` = all p), exactly :class:`cdam.CDAM`'s
  update with dense slots; cost :math:`2 B p n` per step.
* ``attention="local"``: the memories the run attended most last step (its ``k`` largest
  weights, the cue at the start) and their neighbours in the graph (each memory's
  ``max_neighbours`` strongest links), deduplicated. Cost :math:`2 B k (D+1) n` per step for
  D links kept: linear in p for all-starts, which is what makes :math:`p = 10^5` feasible.
  Hetero-association spreads attention along links only, one hop per step at most, so
  restricting it to the neighbourhood of the last step's attention keeps the memories that
  carry the weight (for U[0,1) patterns the logit of an unlinked memory sits
  :math:`\approx\kappa h M_{\mu\nu}` below a linked one, :math:`\kappa = \beta n/12`).

:class:`cdam.CDAM` records per-run attention summaries of shape (B, p), 40 GB at
:math:`p = 10^5` for all-starts; the readout needs only the final states, (B, n), so this
loop keeps nothing else and walks the starts in chunks.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from .._random import as_generator
from ..couplings import normalize
from ..datasets.patterns import random_patterns

__all__ = ["ATTENTIONS", "all_start_finals"]

ATTENTIONS = ("dense", "local")
_CHUNK_ENTRIES = 1 << 23  # float32 temporaries per chunk of starts (32 MB)


def _neighbour_table(M: sp.csr_matrix, width: int) -> torch.Tensor:
    """(p, width + 1): each memory itself, then its ``width`` strongest links (padded with itself)."""
    p = M.shape[0]
    M = sp.csr_matrix(M)
    deg = np.diff(M.indptr)
    table = np.repeat(np.arange(p)[:, None], width + 1, axis=1)
    rows = np.repeat(np.arange(p), deg)
    # order each row's entries by decreasing |weight|; a stable lexsort keeps ties in index order
    order = np.lexsort((-np.abs(M.data), rows))
    rank = np.arange(len(order)) - np.repeat(M.indptr[:-1], deg)
    keep = rank < width
    table[rows[keep], 1 + rank[keep]] = M.indices[order][keep]
    return torch.as_tensor(table)


def _local_chunk(x, cues, keys, Q, table, k, beta, eta, c_xbar, steps):
    B = x.shape[0]
    prev = cues[:, None]
    rows = torch.arange(B)[:, None]
    for _ in range(steps):
        cand, _ = torch.sort(table[prev].reshape(B, -1), dim=1)
        dup = torch.zeros_like(cand, dtype=torch.bool)
        dup[:, 1:] = cand[:, 1:] == cand[:, :-1]
        logits = beta * torch.einsum("bn,bcn->bc", x, keys[cand])
        w = torch.softmax(logits.masked_fill(dup, -torch.inf), dim=1)
        x += eta * (torch.einsum("bc,bcn->bn", w, Q[cand]) - c_xbar - x)
        top = torch.topk(w, min(k, w.shape[1]), dim=1).indices
        prev = cand[rows, top]
    return x


def all_start_finals(A: sp.csr_array, cells, *, n_neurons: int, seed: int, steps: int, noise: float = 1.0,
                     beta: float = 1.0, eta: float = 0.4, mean_coef: float = 1.0, attention: str = "dense",
                     k: int = 16, max_neighbours: int = 16) -> list[torch.Tensor]:
    """Final states (p, n) of the all-starts run of every cell ``{"a": .., "h": ..}`` (see module docstring).

    The patterns and starts are those of ``CDAM(memory_graph_from_networkx(G, n, seed))`` and
    its ``initial_states(noise, seed)``, so ``attention="dense"`` reproduces
    ``CDAM.run_cells(...)[i].final`` to float32 round-off.
    """
    p = A.shape[0]
    if attention == "dense":
        return _dense_finals(A, cells, n_neurons=n_neurons, seed=seed, steps=steps, noise=noise, beta=beta,
                             eta=eta, mean_coef=mean_coef)
    keys = torch.as_tensor(random_patterns(n_neurons, p, seed).T.copy(), dtype=torch.float64)  # (p, n)
    gen = as_generator(seed)
    x0 = (keys + noise * (torch.rand(p, n_neurons, generator=gen, dtype=torch.float64) - 0.5)).float()
    M = normalize(A, "sym")
    MX = torch.as_tensor(M @ keys.numpy())
    c_xbar = (mean_coef * keys.mean(dim=0)).float()
    table = _neighbour_table(M, max_neighbours)
    chunk = max(1, _CHUNK_ENTRIES // max(k * (max_neighbours + 1) * n_neurons, 1))
    keys32 = keys.float()
    out = []
    for cell in cells:
        Q = (cell["a"] * keys + cell["h"] * MX).float()
        final = torch.empty(p, n_neurons)
        for s in range(0, p, chunk):
            cues = torch.arange(s, min(s + chunk, p))
            final[s:s + chunk] = _local_chunk(x0[s:s + chunk].clone(), cues, keys32, Q, table, k, beta, eta, c_xbar,
                                              steps)
        out.append(final)
    return out


def _dense_finals(A, cells, *, n_neurons, seed, steps, noise, beta, eta, mean_coef) -> list[torch.Tensor]:
    """Attention over every memory: the model's own run loop (its engine, chunks and budget),
    keeping the final states only (``attention_summary=False``)."""
    from ..dynamics import CDAM
    from ..graph import MemoryGraph

    p = A.shape[0]
    g = MemoryGraph.from_patterns(random_patterns(n_neurons, p, seed))
    rows, cols = sp.triu(sp.csr_matrix(A), k=0).nonzero()  # self-loops kept, as the graph has them
    weights = np.asarray(sp.csr_matrix(A)[rows, cols]).ravel()
    g._add_index_links(rows, cols, weights)  # A was validated whole (_adjacency): no per-edge checks
    model = CDAM(g, beta=beta, eta=eta, mean_coef=mean_coef)
    x0 = model.initial_states(noise, seed)
    runs = model.run_cells(cells, x0, steps, cues=np.arange(p), attention_summary=False)
    return [r.final for r in runs]
