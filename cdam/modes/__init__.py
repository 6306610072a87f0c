"""The four dynamical modes of CDAM: theory (predict) and observation (classify).

The modes are those of Burns 2024, "Semantically-correlated memories in a dense associative
model", ICML 2024, arXiv 2404.07123: auto-association, narrow and wide hetero-association,
and quiescence. :func:`predict_mode` reads them off the couplings, :func:`classify_mode` off
a batch of runs; :func:`phase_diagram` (defined with the sweeps it runs on, loaded on first
use) maps both over a grid of ``a`` and ``h``.

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
    QUIESCENT_CORRELATION,
    Mode,
    PhaseDiagram,
    classify_mode,
    classify_runs,
    coupling_extremes,
    is_quiescent,
    predict_mode,
    predict_modes,
    predicted_at,
    top_eigenvalue,
)

if TYPE_CHECKING:
    from ..sweeps import phase_diagram

__all__ = [
    "Mode",
    "PhaseDiagram",
    "classify_mode",
    "classify_runs",
    "coupling_extremes",
    "phase_diagram",
    "predict_mode",
    "predict_modes",
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
