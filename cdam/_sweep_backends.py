"""The ``backend`` axis of a sweep's grid: labels for the file, stores for the workers.

A sweep (:func:`cdam.sweep`) may vary the storage backend like any parameter,
``{"backend": ["dense", KWinnerMHN(n, 2 * n, k=10)], "a": [...]}``. Each value is

- a backend name (``"dense"``, the slot store), or
- an *empty* :class:`~cdam.backends.base.StorageBackend`, which every cell gets a deep copy
  of (all cells start from the same wiring and weights), or
- a callable with no arguments that returns a fresh, empty store (a class,
  ``functools.partial(KWinnerMHN, n, 2 * n, k=10)``, a module-level function).

The records and the file name each backend by a *label*: the name itself, the instance's
``repr`` or the factory's ``repr`` / qualified name; or, with the axis given as a mapping
``{"kwinner k=10": factory, ...}``, the mapping's keys. A label must be stable from run to run
(so that a resumed sweep finds its cells): an automatic label that holds a memory address
(``<function <lambda> at 0x...>``) is refused with a request for a named mapping. The file's
header also records, per label, the store's class and a SHA-256 digest of a fresh store's
state (its tensors and scalar settings, e.g. a K-winner's seed), so that resuming with a store
that would compute other results is refused however it is labelled.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import numbers
import pickle
from collections.abc import Mapping

import numpy as np
import torch

from .backends.base import StorageBackend
from .errors import ParameterError

__all__ = ["NAMED_BACKENDS", "backend_axis", "fresh_store"]

#: Backends a grid may name (the rest are given as instances or factories).
NAMED_BACKENDS = ("dense",)

_WHAT = (
    "give 'dense', an empty StorageBackend (e.g. KWinnerMHN(n, 2 * n, k=10)), or a no-argument callable "
    "returning one (e.g. functools.partial(KWinnerMHN, n, 2 * n, k=10)); name them with a mapping "
    "{'kwinner k=10': ...} if you like"
)


def fresh_store(value) -> StorageBackend:
    """A new empty store for one cell, from an instance (deep copy) or a factory (a call)."""
    if isinstance(value, StorageBackend):
        return copy.deepcopy(value)
    store = value()
    if not isinstance(store, StorageBackend):
        raise ParameterError(f"the backend callable {value!r} returned {type(store).__name__}, not a StorageBackend")
    if store.n_stored:
        raise ParameterError(
            f"the backend callable {value!r} returned a store holding {store.n_stored} associations; "
            "return a fresh, empty one"
        )
    return store


def backend_axis(values, *, picklable: bool) -> tuple[tuple[str, ...], dict, dict]:
    """Labels (grid order), label -> value (name, instance or factory), label -> description.

    ``picklable``: the stores travel to worker processes, so each instance or factory must
    pickle.

    Examples
    --------
    >>> from cdam.backends import KWinnerMHN
    >>> labels, values, described = backend_axis(["dense", KWinnerMHN(100, 200, k=5)], picklable=True)
    >>> labels
    ('dense', 'KWinnerMHN(n_visible=100, n_hidden=200, k=5, fan_in=1.0, lr=1.0, connections=20000)')
    >>> described["dense"], described[labels[1]]["type"]
    ({'name': 'dense'}, 'cdam.backends.kwinner.KWinnerMHN')
    >>> backend_axis([lambda: KWinnerMHN(100, 200, k=5)], picklable=False)
    Traceback (most recent call last):
    ...
    cdam.errors.ParameterError: backend 'cdam._sweep_backends.<lambda>' has no label that stays the same from run \
to run (a resumed sweep must find its cells); name it with a mapping, grid['backend'] = {'my store': ...}
    """
    if isinstance(values, Mapping):
        pairs = list(values.items())
        for label, _ in pairs:
            if not isinstance(label, str) or not label:
                raise ParameterError(f"grid['backend'] names its backends with non-empty str keys, got {label!r}")
    elif isinstance(values, (str, bytes, StorageBackend)) or not hasattr(values, "__iter__"):
        raise ParameterError(f"grid['backend'] must be a list (or a mapping of name to backend); got {values!r}")
    else:
        pairs = [(_label(v), v) for v in values]
    if not pairs:
        raise ParameterError("grid['backend'] is empty; give at least one backend")
    labels = [label for label, _ in pairs]
    if len(set(labels)) != len(labels):
        raise ParameterError(
            f"grid['backend'] has two backends labelled alike ({labels}); give each once, or name them with a "
            "mapping {'name': backend, ...}"
        )
    described = {}
    for label, value in pairs:
        described[label] = _describe(label, value)
        if picklable and not isinstance(value, str):
            try:
                pickle.dumps(value)
            except Exception as exc:
                raise ParameterError(
                    f"backend {label!r} cannot be sent to worker processes ({exc}); give an instance, a class or a "
                    "module-level function (functools.partial works), or run with workers=1"
                ) from None
    return tuple(labels), dict(pairs), described


def _label(value) -> str:
    if isinstance(value, str):
        label = value
    elif isinstance(value, StorageBackend) or isinstance(value, functools.partial):
        label = repr(value)
    elif callable(value):
        label = f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', type(value).__qualname__)}"
    else:
        raise ParameterError(f"grid['backend'] holds {value!r}; {_WHAT}")
    if " at 0x" in label or "<locals>" in label or "<lambda>" in label:
        raise ParameterError(
            f"backend {label!r} has no label that stays the same from run to run (a resumed sweep must find its "
            "cells); name it with a mapping, grid['backend'] = {'my store': ...}"
        )
    return label


def _describe(label: str, value) -> dict:
    """What identifies the store's results: its class and a digest of a fresh store's state."""
    if isinstance(value, str):
        if value not in NAMED_BACKENDS:
            raise ParameterError(f"unknown backend {value!r} in grid['backend']; {_WHAT}")
        return {"name": value}
    if not (isinstance(value, StorageBackend) or callable(value)):
        raise ParameterError(f"grid['backend'][{label!r}] is {value!r}; {_WHAT}")
    if isinstance(value, StorageBackend) and value.n_stored:
        raise ParameterError(
            f"backend {label!r} already holds {value.n_stored} associations; every cell gets a copy of an "
            "empty store: pass a fresh instance, or a callable that builds one"
        )
    try:
        store = fresh_store(value)
    except TypeError as exc:  # a class or function that needs arguments
        raise ParameterError(f"backend {label!r} cannot be called without arguments ({exc}); {_WHAT}") from None
    return {"type": f"{type(store).__module__}.{type(store).__qualname__}", "sha256": _state_digest(store)}


def _state_digest(store) -> str:
    """SHA-256 of a store's tensors (module state and tensor attributes) and scalar settings."""
    h = hashlib.sha256()
    items = dict(store.state_dict()) if isinstance(store, torch.nn.Module) else {}
    for name, v in vars(store).items():
        if isinstance(v, (torch.Tensor, str, bool, numbers.Number)) and name not in items:
            items[name] = v
    for name in sorted(items):
        v = items[name]
        if isinstance(v, torch.Tensor):
            a = np.ascontiguousarray(v.detach().cpu().numpy())
            h.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
            h.update(a.tobytes())
        else:
            h.update(f"{name}={v!r}".encode())
    return h.hexdigest()
