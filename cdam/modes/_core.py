"""The four dynamical modes of CDAM and recall failure: theory (predict) and observation (classify).

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
from . import _recall

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
    """Dynamical regime of CDAM (Burns 2024, arXiv 2404.07123), or a failure to recall.

    The first four are the paper's modes, which :func:`predict_mode` predicts for the slot
    store. ``RECALL_FAILURE`` is only ever observed (:func:`classify_mode`): most runs that
    left their cue ended on no memory, or on a memory the graph does not relate to the cue
    (:mod:`cdam.modes._recall`), as a K-winner store's misreads do.
    """

    AUTO = "auto"
    NARROW_HETERO = "narrow_hetero"
    WIDE_HETERO = "wide_hetero"
    QUIESCENT = "quiescent"
    RECALL_FAILURE = "recall_failure"

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
    r"""The dynamical mode that theory (Burns 2024, arXiv 2404.07123) predicts for a slot-store model.

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

    The theory is the slot store's (one hidden unit per memory, softmax attention): a model
    with any other backend (a K-winner network, an MHN layer, a store of your own) raises
    :class:`~cdam.errors.ParameterError`; observe its mode with :func:`classify_mode`.

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


def has_slot_theory(model) -> bool:
    """Whether :func:`predict_mode`'s theory applies: the model reads its own slot store
    (``backend="dense"``, or a :class:`~cdam.backends.DenseSlots` given as an instance)."""
    from ..backends.slots import DenseSlots

    return bool(getattr(model, "_builtin_slots", False)) or type(getattr(model, "backend", None)) is DenseSlots


def _require_slot_theory(model) -> None:
    if not has_slot_theory(model):
        name = type(getattr(model, "backend", None)).__name__
        raise ParameterError(
            f"predict_mode has no theory for the {name} backend: the modes' inequalities (Burns 2024, "
            "arXiv 2404.07123) are derived for the slot store (backend='dense'); observe this model's mode "
            "with cdam.classify_mode(model.all_starts(), graph) instead"
        )


def predicted_at(model, a: float, h: float, memory=None) -> Mode:
    """:func:`predict_mode` for strengths ``a`` and ``h`` on ``model``'s graph (no new model)."""
    _require_slot_theory(model)
    m, lam1 = _spectral(model)
    m_max = float(m[model.graph.index(memory)] if memory is not None else m.max(initial=0.0))
    return _mode_from(a, h, m_max, lam1)


def predict_modes(model: CDAM) -> list[Mode]:
    """Predicted mode for each memory as the cue, in node order (see :func:`predict_mode`)."""
    _require_slot_theory(model)
    m, lam1 = _spectral(model)
    return [_mode_from(model.a, model.h, float(x), lam1) for x in m]


def _dense(x: torch.Tensor) -> torch.Tensor:
    # attention summaries of sparse reads are CSR; classification reads them dense, where that is small
    return _csr.dense_rows(x, "classifying modes")


def _window_attention(trajectory) -> torch.Tensor:
    """The late-window (else final) attention (B, p), dense float64; sparse summaries of sparse
    reads are densified when small enough (:func:`cdam._csr.dense_rows`), else refused."""
    late = getattr(trajectory, "late_attention", None)
    if late is not None:
        return _dense(late).double()
    if trajectory.final_attention is None:
        raise ParameterError("the run kept no attention; run it with attention_summary=True to classify its mode")
    return _dense(trajectory.final_attention).double()


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


#: Per-run outcomes, in the order of the codes :func:`run_outcomes` returns.
OUTCOMES = ("auto", "narrow_hetero", "wide_hetero", "no_memory", "unrelated_memory")
_AUTO, _NARROW, _WIDE, _NO_MEMORY, _UNRELATED = range(len(OUTCOMES))
_OUTCOME_MODES = (Mode.AUTO, Mode.NARROW_HETERO, Mode.WIDE_HETERO, Mode.RECALL_FAILURE, Mode.RECALL_FAILURE)


def run_outcomes(trajectory, graph=None) -> np.ndarray:
    r"""Per run, the index into :data:`OUTCOMES` of what it did (int array (B,)).

    The attention weights are averaged over the second half of the run
    (``trajectory.late_attention``), and the *attended set* is the fewest memories holding
    ``ATTENDED_MASS`` of that attention. With a graph, a run whose final state matches no
    memory is ``no_memory`` first (:mod:`cdam.modes._recall`); otherwise a run is

    - ``auto`` when its cue keeps at least half of the attention;
    - ``unrelated_memory`` when it left the cue for memories all at least
      ``UNRELATED_DISTANCE`` hops away whose end state the runs cued at the cue's
      neighbours do not share (:mod:`cdam.modes._recall`);
    - ``narrow_hetero`` when it left the cue for a mixture of directly linked memories:
      the attended set is a clique of the graph (a single memory, an edge, a triangle...),
      the mixture of a memory with its direct neighbours that ``a > 0`` keeps stable;
    - ``wide_hetero`` when the attention spreads further: the attended set holds two
      memories that are not linked.

    Without a graph there are no patterns to match and no distances: recall failures are
    not told apart, and the participation ratio :math:`1/\sum_\mu \bar w_\mu^2` decides
    narrow (at most ``NARROW_SPREAD``) against wide.
    """
    W = _window_attention(trajectory)
    cues = torch.as_tensor(trajectory.cues, dtype=torch.long)
    if graph is not None and W.shape[1] != len(graph):
        raise StateError(f"the trajectory has {W.shape[1]} memories but the graph has {len(graph)}")
    on_cue = (W[torch.arange(W.shape[0]), cues] >= 0.5).numpy()
    if graph is None:
        narrow = (1.0 / (W * W).sum(dim=1) <= NARROW_SPREAD).numpy()
        return np.where(on_cue, _AUTO, np.where(narrow, _NARROW, _WIDE))
    attended = _attended_sets(W, ATTENDED_MASS)
    narrow = _is_clique(attended, graph).numpy()
    links = _links(graph)
    Z = _recall.final_rows(trajectory)
    matched = (_recall.best_overlaps(Z, graph) >= _recall.MATCH_OVERLAP).numpy()
    far = _recall.far_from_cue(attended, cues, links, graph)
    with np.errstate(invalid="ignore"):  # NaN (no neighbour's run to compare with) is not unrelated
        unshared = _recall.neighbour_correlation(Z, cues, links) <= _recall.RELATED_CORRELATION
    return np.select(
        [~matched, on_cue, far & unshared, narrow],
        [_NO_MEMORY, _AUTO, _UNRELATED, _NARROW],
        default=_WIDE,
    )


def classify_runs(trajectory, graph=None) -> list[Mode]:
    """Observed mode of each run of a batch: ``AUTO``, ``NARROW_HETERO``, ``WIDE_HETERO``, or
    ``RECALL_FAILURE`` for a run that ended on no memory or on an unrelated one (see
    :func:`run_outcomes`). Quiescence is a property of the whole batch; see :func:`classify_mode`."""
    return [_OUTCOME_MODES[c] for c in run_outcomes(trajectory, graph).tolist()]


def is_quiescent(trajectory) -> bool:
    """True when every start ended in one common state (mean pairwise correlation high)."""
    from ..measures import attractor_correlation

    B = trajectory.batch_size
    if B < 2:
        return False
    C = attractor_correlation(trajectory)
    return float((C.sum() - np.trace(C)) / (B * (B - 1))) >= QUIESCENT_CORRELATION


def mode_of_outcomes(counts, quiescent: bool) -> Mode:
    """The batch's mode from its per-run outcome counts (indexed like :data:`OUTCOMES`).

    ``QUIESCENT`` when the batch is; else ``AUTO`` when every run recalled its cue;
    else ``RECALL_FAILURE`` when the failed runs outnumber those that hetero-associated;
    else the more common of narrow and wide (a tie counts as narrow).
    """
    if quiescent:
        return Mode.QUIESCENT
    failed = int(counts[_NO_MEMORY] + counts[_UNRELATED])
    narrow, wide = int(counts[_NARROW]), int(counts[_WIDE])
    if failed + narrow + wide == 0:
        return Mode.AUTO
    if failed > narrow + wide:
        return Mode.RECALL_FAILURE
    return Mode.WIDE_HETERO if wide > narrow else Mode.NARROW_HETERO


def classify_mode(
    trajectory: Trajectory, graph: MemoryGraph | None = None, *, mean_correlation: float | None = None
) -> Mode:
    """The mode the dynamics showed, from a batch of runs (ideally all-starts).

    ``QUIESCENT`` when all starts end in one pattern-unspecific state (mean pairwise
    correlation of final states >= ``QUIESCENT_CORRELATION``). Otherwise ``AUTO`` when
    every run stays on its cue; ``RECALL_FAILURE`` when most runs that did not are recall
    failures (ended on no memory, or on a memory the graph does not relate to the cue:
    :func:`run_outcomes`); else the more common of narrow and wide among the runs that
    hetero-associated; a tie counts as narrow. :func:`cdam.modes.mode_evidence` gives the
    label with its evidence (outcome fractions, correlation by graph distance).

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
    counts = np.bincount(run_outcomes(trajectory, graph), minlength=len(OUTCOMES))
    return mode_of_outcomes(counts, False)


@dataclass(frozen=True)
class PhaseDiagram:
    """Predicted and observed modes on an (h, a) grid; entry ``[i, j]`` is ``h[i], a[j]``.

    ``predicted`` is None for a backend without a theory (any but the slot store, see
    :func:`predict_mode`); ``observed`` is None when the dynamics were not run. Observed
    cells may be :attr:`Mode.RECALL_FAILURE`, which the theory never predicts. ``backend``
    names the store the cells ran on.
    """

    a_values: np.ndarray
    h_values: np.ndarray
    predicted: np.ndarray | None  # object array of Mode, (len(h), len(a))
    observed: np.ndarray | None
    backend: str = "dense"

    def __repr__(self) -> str:
        def axis(name, values) -> str:
            v = np.asarray(values, dtype=float)
            return f"{name}={v[0]:g}" if v.size == 1 else f"{name}: {v.size} values in [{v.min():g}, {v.max():g}]"

        if self.observed is None:
            seen = "not observed"
        elif self.predicted is None:
            seen = "observed only"
        else:
            seen = f"agreement={self.agreement:.2f}"
        store = "" if self.backend == "dense" else f", backend={self.backend}"
        return f"PhaseDiagram({axis('h', self.h_values)}, {axis('a', self.a_values)}, {seen}{store})"

    @property
    def agreement(self) -> float:
        """Fraction of cells where observation matches prediction."""
        if self.observed is None:
            raise ParameterError("no observed modes: build the diagram with observe=True")
        if self.predicted is None:
            raise ParameterError(
                f"no predicted modes: the theory is the slot store's, not {self.backend}'s; compare observed diagrams"
            )
        return float(np.mean(self.predicted == self.observed))

    def plot(self, ax=None, which: str = "both"):
        """Draw the diagram with matplotlib; see :func:`cdam.plot.plot_phase_diagram`."""
        from ..plot import plot_phase_diagram

        return plot_phase_diagram(self, ax=ax, which=which)
