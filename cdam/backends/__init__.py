"""Node-storage backends: where the memory patterns live and how they are read.

``DenseSlots`` (one hidden unit per memory, the default), ``CandidateSlots`` (slots read over
a per-query candidate set from a nearest-neighbour index, for large p; the ``ann`` extra),
``KWinnerMHN`` (sparse K-winner ensembles) and ``MHNAttention`` (keys and values as fast
weights) share one protocol,
:class:`StorageBackend`. Only the protocol and the slot backend load with ``cdam``; the
others load on first use, so that ``import cdam`` stays light and ``CDAMConv`` (a
torch_geometric layer) leaves torch_geometric an optional extra.

Examples
--------
>>> from cdam.backends import KWinnerMHN, StorageBackend
>>> issubclass(KWinnerMHN, StorageBackend)
True
"""

import importlib
from typing import TYPE_CHECKING

from .base import Retrieval, StorageBackend
from .slots import DenseSlots

if TYPE_CHECKING:
    from .attention import CDAMConv, MHNAttention, MHNTransformer, MinimalTransformer, train_case_sequence
    from .candidates import CandidateSlots
    from .kwinner import KWinnerMHN

__all__ = [
    "CDAMConv",
    "CandidateSlots",
    "DenseSlots",
    "KWinnerMHN",
    "MHNAttention",
    "MHNTransformer",
    "MinimalTransformer",
    "Retrieval",
    "StorageBackend",
    "train_case_sequence",
]

# public name -> the submodule that defines it, imported on first access (PEP 562)
_LAZY = {
    "CDAMConv": "attention",
    "CandidateSlots": "candidates",
    "KWinnerMHN": "kwinner",
    "MHNAttention": "attention",
    "MHNTransformer": "attention",
    "MinimalTransformer": "attention",
    "train_case_sequence": "attention",
}
_SUBMODULES = {"attention", "base", "candidates", "kwinner", "slots"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | _SUBMODULES)
