"""The model file: a memory graph's ``.npz`` file with the model's parameters in its header.

:meth:`cdam.CDAM.save` and :meth:`cdam.CDAM.load` delegate here. The graph goes through its own
``_to_arrays`` / ``_from_arrays`` (so it comes back exactly), the header names the format
``cdam.CDAM`` and the graph file version, and :mod:`cdam.io` writes atomically and checks the
format once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import torch

from .errors import FileFormatError, ParameterError
from .graph import FILE_VERSION, GRAPH_ARRAYS, MemoryGraph
from .io import read_header, read_npz, write_npz

__all__ = ["MODEL_FORMAT", "load_model", "save_model"]

MODEL_FORMAT = "cdam.CDAM"
DTYPES = {"float32": torch.float32, "float64": torch.float64}
REQUIRED = {"a", "h", "beta", "eta", "mean_coef", "normalization", "softmax", "backend"}
OPTIONAL = {"topk", "values", "engine", "memory_limit"}  # absent from files written before them

_Model = TypeVar("_Model")


def save_model(model, path) -> None:
    """Write ``model`` (its graph, exactly, and its parameters) atomically to ``path``."""
    if model._backend_spec is None:
        raise ParameterError("only models with a named backend ('dense') can be saved; save the graph instead")
    if model.graph._version != model._graph_version:
        raise ParameterError(
            "the graph changed after this model was built, so the model no longer matches it; "
            "build a new CDAM from the graph before saving"
        )
    params = {**model.params(), "backend": model._backend_spec, "dtype": str(model.dtype).removeprefix("torch.")}
    write_npz(path, model.graph._to_arrays(fmt=MODEL_FORMAT, model=params))


def load_model(cls: Callable[..., _Model], path, device="cpu") -> _Model:
    """The model of class ``cls`` that :func:`save_model` wrote to ``path``, on ``device``."""
    arrays = read_npz(path, GRAPH_ARRAYS)
    header = read_header(arrays["header"], MODEL_FORMAT, FILE_VERSION, path)
    graph = MemoryGraph._from_arrays(arrays, header, path)
    params = header.get("model")
    try:
        params = dict(params)  # type: ignore[arg-type]  # a missing entry is a TypeError, caught below
        dtype = DTYPES[params.pop("dtype")]
        direction = params.pop("direction")
        if not REQUIRED <= set(params) <= REQUIRED | OPTIONAL:
            raise ValueError(f"model parameters {sorted(params)} are not {sorted(REQUIRED)} (+ {sorted(OPTIONAL)})")
        return cls(graph, **params, direction=direction, dtype=dtype, device=device)
    except (TypeError, ValueError, KeyError) as exc:
        raise FileFormatError(f"{path!s} holds invalid model parameters: {exc}") from None
