"""MHN attention: attention as hetero-associative memory, and the Case Sequence Task.

After Bhandarkar & McClelland 2025, "Neural Computation Without Slots", arXiv 2511.04593.
The third storage backend. A hetero-associative modern Hopfield network whose hidden
units hold keys in their incoming weights and values in their outgoing weights computes
single-head attention. This module is the public surface; the implementation lives in
small private files:

- :class:`MHNAttention`: the attention layer and :class:`StorageBackend` (fast weights
  written one shot; auto or hetero mode; energy in auto mode);
- :class:`CDAMConv`: one CDAM step as a torch_geometric message-passing layer (imported
  on first use, as it needs the ``pyg`` extra);
- :class:`MinimalTransformer`, :class:`MHNTransformer`: the paper's Case Sequence Task models;
- :func:`train_case_sequence`: train one of them on the Case Sequence Task (the trainer and
  the models live in :mod:`cdam.experiments.case_sequence`; they are re-exported here).

Examples
--------
>>> from cdam.backends.attention import train_case_sequence
>>> r = train_case_sequence("transformer", batches=10, seed=0)
>>> len(r.accuracy)
10
"""

from typing import TYPE_CHECKING

from ..experiments.case_sequence import (
    GRADIENTS,
    VARIANTS,
    CaseSequenceResult,
    FastMemory,
    MHNRead,
    MHNTransformer,
    MinimalTransformer,
    TransformerRead,
    case_key_similarity,
    train_case_sequence,
)
from ._attention_mhn import MODES, MHNAttention

if TYPE_CHECKING:
    from ._attention_conv import CDAMConv

__all__ = [
    "CDAMConv",
    "CaseSequenceResult",
    "FastMemory",
    "GRADIENTS",
    "MHNAttention",
    "MHNRead",
    "MHNTransformer",
    "MODES",
    "MinimalTransformer",
    "TransformerRead",
    "VARIANTS",
    "case_key_similarity",
    "train_case_sequence",
]


def __getattr__(name):
    # CDAMConv subclasses torch_geometric's MessagePassing: import the optional extra only when asked
    if name == "CDAMConv":
        from ._attention_conv import CDAMConv

        return CDAMConv
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
