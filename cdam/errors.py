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


class MissingDependencyError(CDAMError, ImportError):
    """An optional dependency needed for the requested feature is not installed."""


class MemoryBudgetError(CDAMError, MemoryError):
    """Work that cannot fit the memory budget at any split of the batch.

    Raised before any large allocation; the message gives the estimate, the budget and the
    options that make the work fit."""
