"""cdam: graph-centric Correlated Dense Associative Memory.

Memories are nodes of a :class:`MemoryGraph`; links and transitions are its edges. The
graph compiles to sparse couplings that drive :class:`CDAM` dynamics.
"""

from .dynamics import CDAM, Trajectory
from .errors import (
    AmbiguousStateError,
    AutomatonError,
    CapacityError,
    CDAMError,
    DuplicateKeyError,
    EmptyGraphError,
    FileFormatError,
    GraphError,
    MemoryBudgetError,
    MisrecallError,
    MissingDependencyError,
    NotSettledError,
    ParameterError,
    PatternError,
    SimulationError,
    StateError,
    UndefinedTransition,
    UnknownNodeError,
    UnknownSymbolError,
)
from .graph import MemoryGraph
from .measures import attractor_correlation, distance_profile, overlaps
from .modes import Mode, classify_mode, phase_diagram, predict_mode
from .sweeps import SweepResult, sweep

__version__ = "0.1.0"

_SUBMODULES = {
    "automata", "backends", "bench", "communities", "convert", "couplings", "datasets", "dynamics", "errors",
    "gallery", "graph", "io", "measures", "modes", "paper", "plot", "retrieval", "sequences",
}


def __getattr__(name):
    # cdam.automata, cdam.communities, ... on first use, so that `import cdam` stays light and
    # optional extras (torch_geometric, matplotlib) load only when their module is used
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'cdam' has no attribute {name!r}")

__all__ = [
    "CDAM",
    "AmbiguousStateError",
    "AutomatonError",
    "CDAMError",
    "CapacityError",
    "DuplicateKeyError",
    "EmptyGraphError",
    "FileFormatError",
    "GraphError",
    "MemoryBudgetError",
    "MemoryGraph",
    "MisrecallError",
    "MissingDependencyError",
    "Mode",
    "NotSettledError",
    "ParameterError",
    "PatternError",
    "SimulationError",
    "StateError",
    "SweepResult",
    "Trajectory",
    "UndefinedTransition",
    "UnknownNodeError",
    "UnknownSymbolError",
    "attractor_correlation",
    "classify_mode",
    "distance_profile",
    "overlaps",
    "phase_diagram",
    "predict_mode",
    "sweep",
]
