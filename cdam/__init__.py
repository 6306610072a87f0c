"""cdam: graph-centric Correlated Dense Associative Memory.

Memories are nodes of a :class:`MemoryGraph`; links and transitions are its edges. The
graph compiles to sparse couplings that drive :class:`CDAM` dynamics.
"""

from typing import TYPE_CHECKING

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
    WriteError,
)
from .graph import MemoryGraph
from .measures import attractor_correlation, distance_profile, overlaps
from .modes import Mode, classify_mode, predict_mode

if TYPE_CHECKING:
    from .sweeps import SweepResult, phase_diagram, sweep

__version__ = "0.1.0"

_SUBMODULES = {
    "automata", "backends", "cli", "communities", "continual", "convert", "couplings",
    "datasets", "dynamics", "errors", "experiments", "gallery", "graph", "io", "measures", "modes", "partitions",
    "plot", "sensitivity", "sequences", "sweeps",
}
# public name -> the submodule that defines it; sweeps pull in the executors, so they load on first use
_LAZY = {"SweepResult": "sweeps", "phase_diagram": "sweeps", "sweep": "sweeps"}


def __getattr__(name):
    # cdam.automata, cdam.sweep, ... on first use (PEP 562), so that `import cdam` loads the core only
    # and optional extras (torch_geometric, matplotlib) load only when their module is used
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'cdam' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)


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
    "WriteError",
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
