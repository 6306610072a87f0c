r"""A model's node store: the slot backend built from its couplings, or a user's backend filled.

The slot store (:class:`~cdam.backends.DenseSlots`) keys on :math:`\Xi^\top` and reads the values
:math:`Q = K\Xi^\top` either as one (p, n) matrix or from their factors
(:class:`~cdam.couplings.FactoredValues`), which ``values="auto"`` picks once ``Q`` would exceed
:data:`DENSE_VALUES_MAX_BYTES`. A user's :class:`~cdam.backends.base.StorageBackend` must arrive
empty and is given the associations (keys :math:`\Xi^\top`, values ``Q``), or the factors of
``Q`` under the same rule when it declares ``accepts_factored_values``.
"""

from __future__ import annotations

from .backends.base import StorageBackend
from .backends.slots import DenseSlots
from .couplings import Couplings
from .errors import ParameterError

__all__ = ["DENSE_VALUES_MAX_BYTES", "VALUE_STORAGE", "build_store"]

VALUE_STORAGE = ("auto", "dense", "factored")
DENSE_VALUES_MAX_BYTES = 1 << 30


def build_store(c: Couplings, backend, *, softmax: str, topk: int | None, values: str) -> tuple[StorageBackend, bool]:
    """The store holding ``c``'s associations, and whether it has one hidden unit per memory.

    ``backend`` is ``"dense"`` (a new :class:`~cdam.backends.DenseSlots`) or an empty
    :class:`~cdam.backends.base.StorageBackend`, which is filled here.
    """
    if isinstance(backend, StorageBackend):
        if backend.n_stored:
            raise ParameterError(
                f"the backend already holds {backend.n_stored} associations; give CDAM a fresh backend "
                "(storing this graph on top would mix two graphs' memories)"
            )
        try:
            before = backend.n_hidden
        except Exception:  # noqa: BLE001 - a store may only know its size once it holds something
            before = 0
        if _factored(c, values):
            if not backend.accepts_factored_values:
                if values == "factored":
                    raise ParameterError(
                        f"{type(backend).__name__} does not take factored values (its accepts_factored_values is "
                        "False): use values='auto' or 'dense', or a store that accepts them (DenseSlots, "
                        "CandidateSlots)"
                    )
                backend.store(c.Xi.T, c.Q)  # auto: a store that needs the matrix gets it, as before
            else:
                keys = c.Xi.T.contiguous()
                # the store shares this copy of the patterns; it declared that it reads factors
                backend.store(keys, c.factored_values(rows=keys))  # type: ignore[arg-type]
        else:
            backend.store(c.Xi.T, c.Q)
        # a store that grew one hidden unit per memory holds the memories themselves
        return backend, before == 0 and backend.n_hidden == c.n_memories
    if backend == "dense":
        keys = c.Xi.T.contiguous()
        return DenseSlots(keys, _slot_values(c, keys, values), softmax=softmax, topk=topk), True
    raise ParameterError(f"unknown backend {backend!r}; use 'dense' or a StorageBackend instance")


def _factored(c: Couplings, values: str) -> bool:
    """Whether the values are given as factors: asked for, or ``auto`` and ``Q`` over the limit."""
    q_bytes = c.n_memories * c.n_neurons * c.Xi.element_size()
    return values == "factored" or (values == "auto" and q_bytes > DENSE_VALUES_MAX_BYTES)


def _slot_values(c: Couplings, keys, values: str):
    if _factored(c, values):
        return c.factored_values(rows=keys)  # shares the keys' copy of the patterns
    return c.Q
