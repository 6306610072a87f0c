"""Node-storage backends: where the memory patterns live and how they are read.

``DenseSlots`` (one hidden unit per memory, the default), ``KWinnerMHN`` (sparse K-winner
ensembles) and ``MHNAttention`` (keys and values as fast weights) share one protocol,
:class:`StorageBackend`. ``CDAMConv`` (a torch_geometric layer) loads on first use, so that
torch_geometric stays an optional extra.
"""

from typing import TYPE_CHECKING

from .attention import MHNAttention, MHNTransformer, MinimalTransformer, train_case_sequence
from .base import Retrieval, StorageBackend
from .kwinner import KWinnerMHN
from .slots import DenseSlots

if TYPE_CHECKING:
    from .attention import CDAMConv

__all__ = [
    "CDAMConv",
    "DenseSlots",
    "KWinnerMHN",
    "MHNAttention",
    "MHNTransformer",
    "MinimalTransformer",
    "Retrieval",
    "StorageBackend",
    "train_case_sequence",
]


def __getattr__(name):
    if name == "CDAMConv":
        from .attention import CDAMConv

        return CDAMConv
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
