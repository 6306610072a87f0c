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
    """Save the model (its graph, exactly, and its parameters) atomically to ``path``.

    :meth:`cdam.CDAM.save` is this function. The file is the graph's ``.npz`` format with the
    parameters in its JSON header (format ``cdam.CDAM``); :meth:`cdam.CDAM.load` gives back an
    identical model.

    Parameters
    ----------
    path : str or os.PathLike

    Raises
    ------
    ParameterError
        For a custom backend instance (only named backends are saved), or when the
        graph changed after this model was built from it.

    Examples
    --------
    >>> import os, tempfile, numpy as np, networkx as nx, cdam
    >>> g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(5), np.random.default_rng(0).random((40, 5)))
    >>> model = cdam.CDAM(g, a=0.5, h=1.5)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     model.save(os.path.join(d, "model.npz"))
    ...     again = cdam.CDAM.load(os.path.join(d, "model.npz"))
    >>> again.params() == model.params(), bool((again.graph.patterns == g.patterns).all())
    (True, True)
    """
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
    """Load a model written by :meth:`cdam.CDAM.save` onto ``device``.

    :meth:`cdam.CDAM.load` is this function, as a class method (``cls``, the model's class).

    Parameters
    ----------
    path : str or os.PathLike
    device : str or torch.device

    Raises
    ------
    FileFormatError
        If the file is not a valid cdam model file.

    Examples
    --------
    >>> import os, tempfile, numpy as np, networkx as nx, cdam
    >>> g = cdam.MemoryGraph.from_networkx(nx.path_graph(4), np.random.default_rng(1).random((30, 4)))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     cdam.CDAM(g, beta=2.0, topk=2).save(os.path.join(d, "m.npz"))
    ...     model = cdam.CDAM.load(os.path.join(d, "m.npz"))
    >>> model
    CDAM(p=4, n=30, a=1.0, h=0.0, beta=2.0, eta=0.1, mean_coef=1.0, normalization='sym', topk=2)
    """
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
