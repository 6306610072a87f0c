r"""Recall failure: runs that end on no memory, or on one the graph does not relate to the cue.

Burns 2024 ("Semantically-correlated memories in a dense associative model", ICML 2024,
arXiv 2404.07123) describes four modes, each a way of recalling *something*: the cue,
a mixture with its neighbours, a neighbourhood. A store that misreads (a K-winner network
of Bhandarkar & McClelland 2025, "Neural Computation Without Slots", arXiv 2511.04593,
whose ensembles overlap) can also end a run

- on **no memory**: the final state's best Pearson overlap with any pattern,
  :math:`\max_\mu \operatorname{corr}(\sigma, \xi_\mu)`, is below :data:`MATCH_OVERLAP`;
- on an **unrelated memory**: every memory it attends to is at least
  :data:`UNRELATED_DISTANCE` hops from its cue, and its final state is not positively
  correlated (mean at most :data:`RELATED_CORRELATION`) with the final states of the runs
  cued at the cue's graph neighbours.

The second test needs both halves. Wide hetero-association can drift several hops from
the cue (up to 9 measured), but then neighbouring cues drift together and their end states
stay correlated; a misread lands wherever the store's overlapping units send it, and its
neighbours' runs do not follow. A run whose cue has no neighbour's run in the batch
cannot take the second half of the test and is never called unrelated.

The thresholds were measured with the slot store (n = 1000, T = 100, all starts) on every
non-quiescent cell of a = -3..2, h = 0..4 on a 30-cycle (two pattern draws), a 24-node
4-regular ring and the karate club: the best overlap was never below 0.20, and of 2358
runs that left their cue none had every attended memory 3 or more hops away together with
a mean neighbour correlation of 0 or less. K-winner no-memory runs
(``KWinnerMHN(1000, 2000, k=10 or 50)`` on the 30-cycle) end with best overlaps of -0.10 to
0.08, the chance level :math:`\sqrt{2\ln p / n} \approx 0.08`; its misreads land 5 to 15
hops away with neighbour correlations of -0.14 to -0.03.
"""

from __future__ import annotations

import weakref

import numpy as np
import scipy.sparse as sp
import torch

from ..overlap import _normalise_rows

#: A final state whose best Pearson overlap with any memory is below this matches no memory
#: (measured: slot runs >= 0.20, K-winner no-memory runs <= 0.08; see the module notes).
#: Meaningful where chance overlaps, about sqrt(2 ln p / n), stay well below it.
MATCH_OVERLAP = 0.15
#: Hops from the cue from which on an attended memory may be unrelated to it.
UNRELATED_DISTANCE = 3
#: Mean correlation with the neighbours' runs at or below which a far run is unrelated.
RELATED_CORRELATION = 0.0

_PATTERNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph -> (version, unit rows)
_BALLS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph -> (version, hops, ball)


def _cached(cache, graph, key, make):
    version = getattr(graph, "_version", None)
    hit = cache.get(graph)
    if hit is not None and hit[0] == (version, key):
        return hit[1]
    value = make()
    try:
        cache[graph] = ((version, key), value)
    except TypeError:  # not weak-referenceable: no cache
        pass
    return value


def _pattern_rows(graph) -> torch.Tensor:
    """The patterns as centred unit rows (p, n), float64, once per graph version."""
    return _cached(
        _PATTERNS, graph, None,
        lambda: _normalise_rows(torch.as_tensor(np.asarray(graph.patterns), dtype=torch.float64).T, center=True),
    )


def final_rows(trajectory) -> torch.Tensor:
    """The final states as centred unit rows (B, n), float64 (constant rows give 0)."""
    return _normalise_rows(trajectory.final.to(torch.float64), center=True)


def best_overlaps(Z: torch.Tensor, graph) -> torch.Tensor:
    """Per run, the largest Pearson overlap of its final state (unit row of ``Z``) with a memory (B,)."""
    return (Z @ _pattern_rows(graph).T).amax(dim=1)


def _ball(links: sp.csr_matrix, hops: int, graph) -> sp.csr_matrix:
    """0/1 (p, p): the memories within ``hops`` links of each memory, itself included."""

    def make():
        step = (links + sp.identity(links.shape[0], format="csr")).astype(bool).astype(np.float64)
        ball = sp.identity(links.shape[0], format="csr")
        for _ in range(hops):  # a few sparse products (hops < UNRELATED_DISTANCE)
            ball = ((ball @ step) > 0).astype(np.float64)
        return ball.tocsr()

    return _cached(_BALLS, graph, hops, make)


def far_from_cue(attended: torch.Tensor, cues: torch.Tensor, links: sp.csr_matrix, graph) -> np.ndarray:
    """Per run, whether no attended memory lies within ``UNRELATED_DISTANCE - 1`` hops of its cue."""
    near = _ball(links, UNRELATED_DISTANCE - 1, graph)[cues.numpy()]  # (B, p) sparse rows
    hits = np.asarray(near.multiply(attended.numpy()).sum(axis=1)).ravel()
    return hits == 0


def neighbour_correlation(Z: torch.Tensor, cues: torch.Tensor, links: sp.csr_matrix) -> np.ndarray:
    r"""Per run ``b``, the mean Pearson correlation of its final state with those of the runs
    cued at a graph neighbour of its cue, :math:`\operatorname{mean}_{b': c_{b'} \sim c_b}
    \langle z_b, z_{b'}\rangle` (NaN where the batch has no such run). One sparse (B, B)
    product: the pairs are those of ``E A E^T`` with ``E`` the (B, p) one-hot cue matrix."""
    B, p = Z.shape[0], links.shape[0]
    E = sp.csr_matrix((np.ones(B), (np.arange(B), cues.numpy())), shape=(B, p))
    pairs = (E @ links @ E.T).tocsr()
    count = np.asarray(pairs.sum(axis=1)).ravel()
    Zn = Z.numpy()
    total = np.einsum("bn,bn->b", np.asarray(pairs @ Zn), Zn)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)
