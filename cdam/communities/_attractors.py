r"""All-starts final states for the consensus readout, without the (B, p) run records.

The update is that of Burns 2024 (arXiv 2404.07123), run once from every node for each scale (a, h):

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

Both run through :meth:`cdam.CDAM.run` (one run loop): the local attention is a graph-seeded
:class:`~cdam.backends.CandidateSlots` (no index) whose reads are sparse, so a step forms
nothing (B, p); the readout needs only the final states, (B, n), so the runs keep no
attention summaries (``attention_summary=False``) and the budget plans the chunks.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from ..couplings import normalize
from ..datasets.patterns import random_patterns

__all__ = ["ATTENTIONS", "all_start_finals"]

ATTENTIONS = ("dense", "local")


def _memory_graph(A, n_neurons: int, seed: int):
    """The memory graph of ``A`` with ``random_patterns(n_neurons, p, seed)``: the patterns and
    links of ``cdam.datasets.memory_graph_from_networkx`` (A was validated whole by
    ``_adjacency``: no per-edge checks)."""
    from ..graph import MemoryGraph

    p = A.shape[0]
    g = MemoryGraph.from_patterns(random_patterns(n_neurons, p, seed))
    rows, cols = sp.triu(sp.csr_matrix(A), k=0).nonzero()  # self-loops kept, as the graph has them
    weights = np.asarray(sp.csr_matrix(A)[rows, cols]).ravel()
    g._add_index_links(rows, cols, weights)
    return g


def all_start_finals(A: sp.csr_array, cells, *, n_neurons: int, seed: int, steps: int, noise: float = 1.0,
                     beta: float = 1.0, eta: float = 0.4, mean_coef: float = 1.0, attention: str = "dense",
                     k: int = 16, max_neighbours: int = 16) -> list[torch.Tensor]:
    """Final states (p, n) of the all-starts run of every cell ``{"a": .., "h": ..}`` (see module docstring).

    The patterns and starts are those of ``CDAM(memory_graph_from_networkx(G, n, seed))`` and
    its ``initial_states(noise, seed)``; both attentions run through :meth:`cdam.CDAM.run`, so
    ``attention="dense"`` is ``CDAM.run_cells(...)[i].final``.
    """
    g = _memory_graph(A, n_neurons, seed)
    if attention == "dense":
        return _dense_finals(g, cells, seed=seed, steps=steps, noise=noise, beta=beta, eta=eta, mean_coef=mean_coef)
    return _local_finals(A, g, cells, seed=seed, steps=steps, noise=noise, beta=beta, eta=eta,
                         mean_coef=mean_coef, k=k, max_neighbours=max_neighbours)


def _local_finals(A, g, cells, *, seed, steps, noise, beta, eta, mean_coef, k, max_neighbours) -> list[torch.Tensor]:
    """Attention over neighbourhoods: a graph-seeded :class:`~cdam.backends.CandidateSlots`
    (no index) in the model's run loop. Each read scores the ``k`` memories the run attended
    most last step (its cue at the first read: ``follow=k`` of the last read, best first) and
    their ``max_neighbours`` strongest links, and attends to every one of them (its ``k`` is the
    candidate count, so no candidate is cut)."""
    from ..backends.candidates import CandidateSlots
    from ..dynamics import CDAM

    p = A.shape[0]
    M = normalize(A, "sym")
    out = []
    for cell in cells:
        store = CandidateSlots(index=None, neighbours=M, k=min(k * (max_neighbours + 1), p), follow=k,
                               max_neighbours=max_neighbours)
        model = CDAM(g, a=cell["a"], h=cell["h"], beta=beta, eta=eta, mean_coef=mean_coef, backend=store)
        x0 = model.initial_states(noise, seed)
        out.append(model.run(x0, steps, cues=np.arange(p), attention_summary=False).final)
    return out


def _dense_finals(g, cells, *, seed, steps, noise, beta, eta, mean_coef) -> list[torch.Tensor]:
    """Attention over every memory: the model's own run loop (its engine, chunks and budget),
    keeping the final states only (``attention_summary=False``)."""
    from ..dynamics import CDAM

    p = len(g)
    model = CDAM(g, beta=beta, eta=eta, mean_coef=mean_coef)
    x0 = model.initial_states(noise, seed)
    runs = model.run_cells(cells, x0, steps, cues=np.arange(p), attention_summary=False)
    return [r.final for r in runs]
