"""The four dynamical modes of CDAM, and recall failure: theory (predict) and observation (classify).

The modes are those of Burns 2024, "Semantically-correlated memories in a dense associative
model", ICML 2024, arXiv 2404.07123: auto-association, narrow and wide hetero-association,
and quiescence. :func:`predict_mode` reads them off the couplings of the slot store (the
theory's; other backends are refused), :func:`classify_mode` off a batch of runs of any
backend, where a fifth outcome, :attr:`Mode.RECALL_FAILURE`, marks batches whose runs mostly
ended on no memory or on one the graph does not relate to the cue; :func:`mode_evidence`
gives the label with its evidence. :func:`phase_diagram` (defined with the sweeps it runs
on, loaded on first use) maps both over a grid of ``a`` and ``h``, for any backend.

Examples
--------
>>> import numpy as np, networkx as nx, cdam
>>> g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(30), np.random.default_rng(0).random((1000, 30)))
>>> model = cdam.CDAM(g, a=1.0, h=0.0)
>>> str(predict_mode(model)), str(classify_mode(model.all_starts(), g))
('auto', 'auto')
"""

from typing import TYPE_CHECKING

# the thresholds, is_quiescent and predicted_at stay reachable here, outside __all__, as in 0.1.0
from ._core import (  # noqa: F401
    ATTENDED_MASS,
    NARROW_SPREAD,
    OUTCOMES,
    QUIESCENT_CORRELATION,
    Mode,
    PhaseDiagram,
    classify_mode,
    classify_runs,
    coupling_extremes,
    has_slot_theory,
    is_quiescent,
    mode_of_outcomes,
    predict_mode,
    predict_modes,
    predicted_at,
    run_outcomes,
    top_eigenvalue,
)
from ._evidence import ModeEvidence, mode_evidence
from ._recall import MATCH_OVERLAP, RELATED_CORRELATION, UNRELATED_DISTANCE  # noqa: F401

if TYPE_CHECKING:
    from ..sweeps import phase_diagram

__all__ = [
    "Mode",
    "ModeEvidence",
    "OUTCOMES",
    "PhaseDiagram",
    "classify_mode",
    "classify_runs",
    "coupling_extremes",
    "has_slot_theory",
    "mode_evidence",
    "phase_diagram",
    "predict_mode",
    "predict_modes",
    "run_outcomes",
    "top_eigenvalue",
]


def __getattr__(name):
    # phase_diagram runs sweeps, which classify with ._core: imported on first use (PEP 562),
    # so that the modes load without the sweeps and their executors
    if name == "phase_diagram":
        from ..sweeps import phase_diagram

        return phase_diagram
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
