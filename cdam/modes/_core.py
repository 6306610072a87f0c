"""The four dynamical modes of CDAM: theory (predict) and observation (classify).

What :mod:`cdam.modes` shows, less :func:`~cdam.phase_diagram`: the sweeps classify their
cells with this module, so it stays below them.
"""

from __future__ import annotations

import enum
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import torch

from .. import _csr
from ..errors import ParameterError, StateError

if TYPE_CHECKING:  # annotations only
    from ..dynamics import CDAM, Trajectory
    from ..graph import MemoryGraph

#: A run whose time-averaged attention spreads over more memories than this (participation
#: ratio) is wide. In the coefficient picture of the four modes a narrow run locks into a pair (the
#: cue and the neighbour it mixes with, ratio ~2), because a > 0 keeps the pair ahead of
#: the pair's other neighbours; with a <= 0 no pair is stable and the mixture takes three or
#: more memories. 2.5 is halfway between a pair and a triple. Measured medians: narrow
#: 1.0-2.4, wide 2.6-13 (cycle, 4-regular ring, karate club; n = 1000).
NARROW_SPREAD = 2.5
#: Share of a run's time-averaged attention that its attended set must hold.
ATTENDED_MASS = 0.9
#: Mean pairwise correlation of final states above which all starts share one state.
QUIESCENT_CORRELATION = 0.75


class Mode(enum.Enum):
    """Dynamical regime of CDAM: the four dynamical modes of Burns 2024, arXiv 2404.07123."""

    AUTO = "auto"
    NARROW_HETERO = "narrow_hetero"
    WIDE_HETERO = "wide_hetero"
    QUIESCENT = "quiescent"

    def __str__(self) -> str:
        return self.value


def top_eigenvalue(M) -> float:
    """Largest real part among the eigenvalues of ``M`` (1 for ``sym`` on a connected graph)."""
    M = sp.csr_matrix(M)
    p = M.shape[0]
    if M.nnz == 0:
        return 0.0
    symmetric = abs(M - M.T).max() <= 1e-12 * max(abs(M).max(), 1.0)
    if p <= 2000:
        dense = M.toarray()
        ev = np.linalg.eigvalsh(dense) if symmetric else np.linalg.eigvals(dense).real
        return float(ev.max())
    if symmetric:
        return float(spla.eigsh(M, k=1, which="LA", return_eigenvectors=False)[0])
    return float(spla.eigs(M, k=1, which="LR", return_eigenvectors=False)[0].real)


def coupling_extremes(M) -> np.ndarray:
    """Largest off-diagonal coupling out of each memory, ``max_{nu != mu} M[mu, nu]`` (p,).

    Memories without outgoing off-diagonal couplings get 0.
    """
    M = sp.csr_matrix(M).tocoo()
    off = M.row != M.col
    out = np.full(M.shape[0], -np.inf)
    np.maximum.at(out, M.row[off], M.data[off])
    out[np.isneginf(out)] = 0.0
    return out


def _spectral(model) -> tuple[np.ndarray, float]:
    cache = getattr(model, "_cache", None)
    if cache is None or "spectral" not in cache:
        value = (coupling_extremes(model.M), top_eigenvalue(model.M))
        if cache is None:
            return value
        cache["spectral"] = value
    return cache["spectral"]


def _exceeds(x: float, y: float) -> bool:
    # Strict x > y beyond round-off: lambda1 of a connected sym graph is 1 only to ~1e-16,
    # and a boundary such as a + h * lambda1 = 0 must not flip on that last bit.
    return x - y > 1e-9 * max(1.0, abs(x), abs(y))


def _mode_from(a: float, h: float, m_max: float, lam1: float) -> Mode:
    if _exceeds(a, 0.0) and _exceeds(a, h * m_max):
        return Mode.AUTO
    if _exceeds(a, 0.0):
        return Mode.NARROW_HETERO
    if _exceeds(a + h * lam1, 0.0):
        return Mode.WIDE_HETERO
    return Mode.QUIESCENT


def predict_mode(model: CDAM, memory=None) -> Mode:
    r"""The dynamical mode that theory (Burns 2024) predicts for a model.

    With :math:`m_\max` the largest off-diagonal coupling out of the attended memory and
    :math:`\lambda_1` the top eigenvalue of ``M``:

    ============================  ===========================================
    auto-association              :math:`a > \max(0, h\,m_\max)`
    narrow hetero-association     :math:`0 < a \le h\,m_\max`
    wide hetero-association       :math:`a \le 0 < a + h\lambda_1`
    neutral quiescence            :math:`a + h\lambda_1 \le 0`
    ============================  ===========================================

    The boundary :math:`a = h\,m_\max` (with ``a > 0``) counts as narrow, since
    auto-association needs the cue to win strictly.

    Parameters
    ----------
    model : CDAM
    memory : key, optional
        Use this memory's :math:`m_\max`. By default the largest over all memories: the
        model is auto-associative only when every memory is.

    Examples
    --------
    >>> import numpy as np, networkx as nx, cdam
    >>> g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(30), np.random.default_rng(0).random((100, 30)))
    >>> [str(predict_mode(cdam.CDAM(g, a=a, h=h))) for a, h in [(1, 0), (0.5, 2), (-1, 2), (-1, 1)]]
    ['auto', 'narrow_hetero', 'wide_hetero', 'quiescent']
    """
    return predicted_at(model, model.a, model.h, memory)


def predicted_at(model, a: float, h: float, memory=None) -> Mode:
    """:func:`predict_mode` for strengths ``a`` and ``h`` on ``model``'s graph (no new model)."""
    m, lam1 = _spectral(model)
    m_max = float(m[model.graph.index(memory)] if memory is not None else m.max(initial=0.0))
    return _mode_from(a, h, m_max, lam1)


def predict_modes(model: CDAM) -> list[Mode]:
    """Predicted mode for each memory as the cue, in node order (see :func:`predict_mode`)."""
    m, lam1 = _spectral(model)
    return [_mode_from(model.a, model.h, float(x), lam1) for x in m]


def _window_attention(trajectory) -> torch.Tensor:
    """The late-window (else final) attention (B, p), dense float64; sparse summaries of sparse
    reads are densified when small enough (:func:`cdam._csr.dense_rows`), else refused."""
    late = getattr(trajectory, "late_attention", None)
    if late is None:
        late = trajectory.final_attention
    if late is None:
        raise ParameterError("the run kept no attention; run it with attention_summary=True to classify its mode")
    return _csr.dense_rows(late, "classifying modes").double()


def _attended_sets(W: torch.Tensor, mass: float) -> torch.Tensor:
    """Boolean (B, p): per run, the fewest memories holding ``mass`` of the attention."""
    w, order = torch.sort(W, dim=1, descending=True)
    before = torch.cumsum(w, dim=1) - w  # mass of the memories ranked above each one
    keep = before < mass
    return torch.zeros_like(keep).scatter_(1, order, keep)


_LINKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph -> (version, link matrix)


def _links(graph) -> sp.csr_matrix:
    """0/1 matrix of the pairs linked in either direction, no self-links; once per graph version
    (a sweep classifies every cell on the same graph)."""
    version = getattr(graph, "_version", None)
    hit = _LINKS.get(graph)
    if hit is not None and hit[0] == version:
        return hit[1]
    A = graph.adjacency()
    A = ((abs(A) + abs(A.T)) > 0).astype(np.float64).tocsr()
    A.setdiag(0.0)
    A.eliminate_zeros()
    try:
        _LINKS[graph] = (version, A)
    except TypeError:  # not weak-referenceable: no cache
        pass
    return A


def _is_clique(S: torch.Tensor, graph) -> torch.Tensor:
    """Per run, whether the memories in ``S`` (B, p) are pairwise linked (either direction)."""
    A = _links(graph)
    Sd = S.double().numpy()
    linked_pairs = np.asarray((A @ Sd.T).T * Sd).sum(axis=1)  # ordered pairs inside S with an edge
    k = Sd.sum(axis=1)
    return torch.as_tensor(linked_pairs >= k * (k - 1) - 0.5)


def classify_runs(trajectory, graph=None) -> list[Mode]:
    r"""Observed mode of each run of a batch, from what its attention did.

    The attention weights are averaged over the second half of the run
    (``trajectory.late_attention``), and the *attended set* is the fewest memories holding
    ``ATTENDED_MASS`` of that attention. A run is

    - ``AUTO`` when its cue keeps at least half of the attention;
    - ``NARROW_HETERO`` when it left the cue for a mixture of directly linked memories:
      the attended set is a clique of the graph (a single memory, an edge, a triangle...),
      the mixture of a memory with its direct neighbours that ``a > 0`` keeps stable;
    - ``WIDE_HETERO`` when the attention spreads further: the attended set holds two
      memories that are not linked.

    Without a graph, the participation ratio :math:`1/\sum_\mu \bar w_\mu^2` decides
    instead (at most ``NARROW_SPREAD``: narrow). Quiescence is a property of the whole
    batch; see :func:`classify_mode`.
    """
    W = _window_attention(trajectory)
    cues = torch.as_tensor(trajectory.cues, dtype=torch.long)
    if graph is not None and W.shape[1] != len(graph):
        raise StateError(f"the trajectory has {W.shape[1]} memories but the graph has {len(graph)}")
    on_cue = W[torch.arange(W.shape[0]), cues]
    if graph is not None:
        narrow = _is_clique(_attended_sets(W, ATTENDED_MASS), graph)
    else:
        narrow = 1.0 / (W * W).sum(dim=1) <= NARROW_SPREAD
    out = []
    for c, nar in zip(on_cue.tolist(), narrow.tolist()):
        if c >= 0.5:
            out.append(Mode.AUTO)
        elif nar:
            out.append(Mode.NARROW_HETERO)
        else:
            out.append(Mode.WIDE_HETERO)
    return out


def is_quiescent(trajectory) -> bool:
    """True when every start ended in one common state (mean pairwise correlation high)."""
    from ..measures import attractor_correlation

    B = trajectory.batch_size
    if B < 2:
        return False
    C = attractor_correlation(trajectory)
    return float((C.sum() - np.trace(C)) / (B * (B - 1))) >= QUIESCENT_CORRELATION


def classify_mode(
    trajectory: Trajectory, graph: MemoryGraph | None = None, *, mean_correlation: float | None = None
) -> Mode:
    """The mode the dynamics showed, from a batch of runs (ideally all-starts).

    ``QUIESCENT`` when all starts end in one pattern-unspecific state (mean pairwise
    correlation of final states >= ``QUIESCENT_CORRELATION``). Otherwise ``AUTO`` when
    every run stays on its cue, and else the more common of narrow and wide among the runs
    that left their cue (see :func:`classify_runs`); a tie counts as narrow.

    ``mean_correlation``: the mean off-diagonal attractor correlation, when the caller has
    it already (a sweep records it); otherwise it is computed from the final states.

    Examples
    --------
    >>> import numpy as np, networkx as nx, cdam
    >>> g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(30), np.random.default_rng(0).random((1000, 30)))
    >>> traj = cdam.CDAM(g, a=-2, h=3).all_starts()
    >>> str(classify_mode(traj, g))
    'wide_hetero'
    """
    quiescent = (
        is_quiescent(trajectory) if mean_correlation is None else mean_correlation >= QUIESCENT_CORRELATION
    )
    if quiescent:
        return Mode.QUIESCENT
    runs = classify_runs(trajectory, graph)
    left = [m for m in runs if m is not Mode.AUTO]
    if not left:
        return Mode.AUTO
    wide = sum(m is Mode.WIDE_HETERO for m in left)
    return Mode.WIDE_HETERO if wide > len(left) - wide else Mode.NARROW_HETERO


@dataclass(frozen=True)
class PhaseDiagram:
    """Predicted and observed modes on an (h, a) grid; entry ``[i, j]`` is ``h[i], a[j]``."""

    a_values: np.ndarray
    h_values: np.ndarray
    predicted: np.ndarray  # object array of Mode, (len(h), len(a))
    observed: np.ndarray | None

    def __repr__(self) -> str:
        def axis(name, values) -> str:
            v = np.asarray(values, dtype=float)
            return f"{name}={v[0]:g}" if v.size == 1 else f"{name}: {v.size} values in [{v.min():g}, {v.max():g}]"

        seen = "not observed" if self.observed is None else f"agreement={self.agreement:.2f}"
        return f"PhaseDiagram({axis('h', self.h_values)}, {axis('a', self.a_values)}, {seen})"

    @property
    def agreement(self) -> float:
        """Fraction of cells where observation matches prediction."""
        if self.observed is None:
            raise ParameterError("no observed modes: build the diagram with observe=True")
        return float(np.mean(self.predicted == self.observed))

    def plot(self, ax=None, which: str = "both"):
        """Draw the diagram with matplotlib; see :func:`cdam.plot.plot_phase_diagram`."""
        from ..plot import plot_phase_diagram

        return plot_phase_diagram(self, ax=ax, which=which)
