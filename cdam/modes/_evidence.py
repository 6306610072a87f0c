"""A batch's observed mode together with the evidence for it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse.csgraph as csgraph
import torch

from ..errors import ParameterError
from . import _recall
from ._core import OUTCOMES, QUIESCENT_CORRELATION, Mode, _links, mode_of_outcomes, run_outcomes


@dataclass(frozen=True)
class ModeEvidence:
    """What :func:`mode_evidence` found: the batch's mode and why.

    Attributes
    ----------
    mode : Mode
        The label :func:`cdam.classify_mode` gives.
    outcomes : numpy.ndarray of str (B,)
        Per run, one of ``OUTCOMES``: ``"auto"``, ``"narrow_hetero"``, ``"wide_hetero"``,
        ``"no_memory"`` or ``"unrelated_memory"`` (the last two are recall failures).
    fractions : dict of str to float
        Share of the runs with each outcome (all five keys, summing to 1).
    best_overlap : numpy.ndarray (B,)
        Per run, the largest Pearson overlap of its final state with any memory.
    mean_correlation : float or None
        Mean off-diagonal attractor correlation (None for a single run).
    correlation_by_distance : dict of float to float
        Mean Pearson correlation between the final states of two runs whose cues are ``d``
        hops apart (undirected links; ``inf`` for unreachable pairs; ``0`` for two runs
        of one cue). Hetero-association shows as positive correlation at ``d = 1``
        (Burns 2024, arXiv 2404.07123, range of recall); failed recall does not.
    """

    mode: Mode
    outcomes: np.ndarray
    fractions: dict
    best_overlap: np.ndarray
    mean_correlation: float | None
    correlation_by_distance: dict

    @property
    def recall_failures(self) -> float:
        """Share of the runs that ended on no memory or on an unrelated one."""
        return self.fractions["no_memory"] + self.fractions["unrelated_memory"]

    def __str__(self) -> str:
        return str(self.mode)

    def __repr__(self) -> str:
        shares = ", ".join(f"{k} {v:.2f}" for k, v in self.fractions.items() if v > 0)
        near = self.correlation_by_distance.get(1.0)
        c1 = "" if near is None else f", C(d=1)={near:+.2f}"
        return f"ModeEvidence(mode={self.mode}, runs: {shares}{c1})"


def mode_evidence(trajectory, graph, *, memory_limit: int | None = None) -> ModeEvidence:
    """The mode of a batch of runs (as :func:`cdam.classify_mode`) with its evidence.

    Parameters
    ----------
    trajectory : Trajectory
        Ideally all starts (:meth:`cdam.CDAM.all_starts`): telling an unrelated memory from
        far-reaching hetero-association compares each run with the runs cued at its
        cue's graph neighbours.
    graph : MemoryGraph
        The graph the runs ran on (its patterns and links).
    memory_limit : int, optional
        Bytes the (B, B) attractor correlation may use (see :func:`cdam.attractor_correlation`).

    Returns
    -------
    ModeEvidence
        ``.mode`` is the :class:`Mode`; the per-run outcomes, their shares, each run's best
        overlap and the mean correlation by graph distance back it.

    Examples
    --------
    >>> import cdam
    >>> from cdam.backends import KWinnerMHN
    >>> g = cdam.datasets.cycle_memory_graph(30, 1000, seed=0)
    >>> ev = mode_evidence(cdam.CDAM(g, a=0.5, h=2.0).all_starts(), g)
    >>> ev.mode, ev.recall_failures
    (<Mode.NARROW_HETERO: 'narrow_hetero'>, 0.0)
    >>> round(ev.correlation_by_distance[1.0], 2)
    0.72
    """
    from ..measures import attractor_correlation

    if graph is None:
        raise ParameterError("mode_evidence needs the graph (patterns and links); pass the MemoryGraph the runs ran on")
    codes = run_outcomes(trajectory, graph)
    B = len(codes)
    counts = np.bincount(codes, minlength=len(OUTCOMES))
    C = attractor_correlation(trajectory, memory_limit)
    off = ~np.eye(B, dtype=bool)
    mean_corr = float(C[off].mean()) if B > 1 else None
    quiescent = mean_corr is not None and mean_corr >= QUIESCENT_CORRELATION
    cues = torch.as_tensor(trajectory.cues, dtype=torch.long).numpy()
    used, inverse = np.unique(cues, return_inverse=True)
    D = csgraph.shortest_path(_links(graph), directed=False, unweighted=True, indices=used)[inverse][:, cues]
    keys, where = np.unique(D[off], return_inverse=True)
    means = np.bincount(where, weights=C[off], minlength=keys.size) / np.bincount(where, minlength=keys.size)
    return ModeEvidence(
        mode=mode_of_outcomes(counts, quiescent),
        outcomes=np.asarray(OUTCOMES)[codes],
        fractions={name: float(counts[i]) / B for i, name in enumerate(OUTCOMES)},
        best_overlap=_recall.best_overlaps(_recall.final_rows(trajectory), graph).numpy(),
        mean_correlation=mean_corr,
        correlation_by_distance={float(d): float(m) for d, m in zip(keys, means)},
    )
