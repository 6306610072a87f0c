"""The error hierarchy of cdam.

Every error a user can cause derives from :class:`CDAMError`. Subclasses also derive
from :class:`ValueError` or :class:`KeyError` where Python users expect them, so
``except ValueError`` keeps working around cdam calls.

Each message names the offending value and says what to do about it.
"""

from __future__ import annotations

__all__ = [
    "CDAMError",
    "PatternError",
    "GraphError",
    "UnknownNodeError",
    "DuplicateKeyError",
    "EmptyGraphError",
    "ParameterError",
    "StateError",
    "FileFormatError",
    "MissingDependencyError",
    "MemoryBudgetError",
    "AutomatonError",
    "UnknownSymbolError",
    "UndefinedTransition",
    "CapacityError",
    "SimulationError",
    "NotSettledError",
    "AmbiguousStateError",
    "MisrecallError",
]


class CDAMError(Exception):
    """Base class of every error that cdam raises because of its input."""


class PatternError(CDAMError, ValueError):
    """A pattern has the wrong shape, length or type, or holds NaN or inf."""


class GraphError(CDAMError, ValueError):
    """The memory graph cannot be built or used as asked."""


class UnknownNodeError(CDAMError, KeyError):
    """A key names no memory in the graph."""

    def __str__(self) -> str:  # KeyError would repr() the message; show it as written
        return str(self.args[0]) if self.args else ""


class DuplicateKeyError(GraphError):
    """A memory with this key already exists."""


class EmptyGraphError(GraphError):
    """The operation needs at least one memory."""


class ParameterError(CDAMError, ValueError):
    """A model or function parameter is out of its allowed range."""


class StateError(CDAMError, ValueError):
    """A state (x0, cue, query) has the wrong shape, type or values."""


class FileFormatError(CDAMError, ValueError):
    """A file is not a valid cdam file: truncated, corrupted, or of a newer version."""


class WriteError(CDAMError, OSError):
    """A file could not be written (a full disk, a read-only folder). What was saved before the
    failure is intact; the message says what to free or fix and how to go on."""


class MissingDependencyError(CDAMError, ImportError):
    """An optional dependency needed for the requested feature is not installed."""


class MemoryBudgetError(CDAMError, MemoryError):
    """Work that cannot fit the memory budget at any split of the batch.

    Raised before any large allocation; the message gives the estimate, the budget and the
    options that make the work fit."""


# ---------------------------------------------------------------------- automata (cdam.automata)
class AutomatonError(CDAMError, ValueError):
    """An automaton is malformed: unknown states or symbols, a bad start, duplicates."""


class UnknownSymbolError(AutomatonError):
    """A word holds a symbol outside the automaton's alphabet."""


class UndefinedTransition(CDAMError, KeyError):
    """A word asks for a transition ``(state, symbol)`` that the automaton does not define.

    Attributes
    ----------
    state, symbol
        The pair that has no transition.
    position : int or None
        Index of ``symbol`` in the word, when known.
    """

    def __init__(self, state, symbol, position: int | None = None, word=None):
        self.state, self.symbol, self.position, self.word = state, symbol, position, word
        where = "" if position is None else f" at position {position}"
        of = "" if word is None else f" of word {word!r}"
        super().__init__(
            f"undefined transition: state {state!r} has no transition on symbol {symbol!r}{where}{of}; "
            "add it to the automaton or treat the word as rejected"
        )

    def __str__(self) -> str:  # KeyError would repr() the message; show it as written
        return str(self.args[0])

    def __reduce__(self):
        return (type(self), (self.state, self.symbol, self.position, self.word))


class CapacityError(CDAMError, ValueError):
    """The memory cannot simulate this automaton exactly with these settings.

    Attributes
    ----------
    failures : tuple
        When compile-time verification refused the automaton: each failing run as
        ``(state, symbol, target, reached, perturbed)``, where ``reached`` is the state it
        decoded to (None when it did not settle) and ``perturbed`` says whether it started
        from the pushed point rather than the attractor. Empty for the other refusals.
    """

    def __init__(self, message: str, failures=()):
        super().__init__(message)
        self.failures = tuple(failures)

    def __reduce__(self):
        return (type(self), (self.args[0], self.failures))


class SimulationError(CDAMError, RuntimeError):
    """The memory failed during a run (never returned as a wrong state)."""


class NotSettledError(SimulationError):
    """A step did not settle within ``max_steps`` updates."""


class AmbiguousStateError(SimulationError):
    """The settled state is too close to two state memories to decode."""


class MisrecallError(SimulationError):
    """The settled state is not the attractor of the transition's target."""
