r"""One seed policy: every function that draws turns its ``seed`` into a generator here.

A seed is a non-negative int (numpy ints too), ``None`` (fresh entropy from the OS), or an
existing generator of the right kind, which is used as it is. Anything else (a bool, a
float, a str, a negative int) raises :class:`~cdam.ParameterError`: a bad seed is an
error, never a silent default.

Streams
-------
``stream`` derives an independent stream from one seed, so that two draws that must not
correlate (start noise and a network's initial weights, say) can share the user's seed.
The stream's key (an int, or a str hashed to one with BLAKE2b) is mixed with the seed by
NumPy's :class:`numpy.random.SeedSequence`:

.. math::

    (s_0, s_1) = \mathrm{SeedSequence}([\text{seed}, \text{key}]).\mathrm{generate\_state}(2),
    \qquad \text{torch seed} = 2^{32} s_0 + s_1 ,

and the numpy generator is ``default_rng(SeedSequence([seed, key]))``. ``stream=None``
is the plain seed: ``torch.Generator().manual_seed(seed)`` and ``np.random.default_rng(seed)``
exactly.
"""

from __future__ import annotations

import hashlib
import numbers

import numpy as np
import torch

from .errors import ParameterError

__all__ = ["as_generator", "as_rng", "check_seed", "derive_seed"]

_MAX_SEED = 2**64  # torch.Generator.manual_seed takes 64 bits
_GENERATOR_NAMES = {torch.Generator: "torch.Generator", np.random.Generator: "numpy.random.Generator"}


def check_seed(seed, *, name: str = "seed", generator: type | None = None):
    """``seed`` as a plain int, ``None``, or the ``generator`` instance it already is.

    The one validation behind :func:`as_generator` and :func:`as_rng`; a function that
    stores a seed (to save it, say) checks it here when it takes it.

    Parameters
    ----------
    seed : int, None or generator
    name : str
        The argument's name, for the message.
    generator : type, optional
        The generator class accepted as is (``torch.Generator`` or
        ``numpy.random.Generator``); None accepts neither.

    Raises
    ------
    ParameterError
        For a bool, float, str, negative or too large int, or a generator of another kind.

    Examples
    --------
    >>> import numpy as np
    >>> check_seed(np.int64(3))
    3
    >>> check_seed(1.5)
    Traceback (most recent call last):
    ...
    cdam.errors.ParameterError: seed must be an int >= 0 or None (fresh entropy), got 1.5 (float)
    """
    if seed is None or (generator is not None and isinstance(seed, generator)):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_)) and 0 <= int(seed) < _MAX_SEED:
        return int(seed)
    kinds = "an int >= 0 or None (fresh entropy)"
    if generator is not None:
        kinds = f"an int >= 0, None (fresh entropy) or a {_GENERATOR_NAMES.get(generator, generator.__name__)}"
    raise ParameterError(f"{name} must be {kinds}, got {seed!r} ({type(seed).__name__})")


def _stream_key(stream) -> int:
    if isinstance(stream, str):
        return int.from_bytes(hashlib.blake2b(stream.encode("utf-8"), digest_size=8).digest(), "little")
    if isinstance(stream, numbers.Integral) and not isinstance(stream, (bool, np.bool_)) and int(stream) >= 0:
        return int(stream)
    raise ParameterError(f"stream must be a str or an int >= 0, got {stream!r} ({type(stream).__name__})")


def _sequence(seed: int, stream) -> np.random.SeedSequence:
    return np.random.SeedSequence([seed, _stream_key(stream)])


def as_generator(seed=None, *, stream=None, name: str = "seed") -> torch.Generator:
    """A CPU ``torch.Generator`` for ``seed`` (see the module docstring for the policy).

    Parameters
    ----------
    seed : int, None or torch.Generator
        A generator is returned as it is (its owner chose its stream, so ``stream`` is not
        applied to it); None seeds a new generator from OS entropy.
    stream : str or int, optional
        Key of an independent stream of the same seed.
    name : str
        The argument's name, for the message.

    Examples
    --------
    >>> import torch
    >>> torch.equal(torch.rand(3, generator=as_generator(5)),
    ...             torch.rand(3, generator=torch.Generator().manual_seed(5)))
    True
    >>> g = torch.Generator()
    >>> as_generator(g) is g
    True
    >>> a = torch.rand(3, generator=as_generator(5, stream="noise"))
    >>> torch.equal(a, torch.rand(3, generator=as_generator(5, stream="noise")))
    True
    """
    seed = check_seed(seed, name=name, generator=torch.Generator)
    if isinstance(seed, torch.Generator):
        return seed
    gen = torch.Generator()
    if seed is None:
        if stream is not None:
            _stream_key(stream)  # a bad stream is an error even without a seed
        gen.seed()
    elif stream is None:
        gen.manual_seed(seed)
    else:
        s0, s1 = _sequence(seed, stream).generate_state(2, np.uint32)
        gen.manual_seed(int(s0) << 32 | int(s1))
    return gen


def as_rng(seed=None, *, stream=None, name: str = "seed") -> np.random.Generator:
    """A ``numpy.random.Generator`` for ``seed``: the numpy side of :func:`as_generator`.

    Examples
    --------
    >>> import numpy as np
    >>> as_rng(0).random() == np.random.default_rng(0).random()
    True
    >>> as_rng(0, stream=1).random() == as_rng(0, stream=2).random()
    False
    """
    seed = check_seed(seed, name=name, generator=np.random.Generator)
    if isinstance(seed, np.random.Generator):
        return seed
    if stream is None:
        return np.random.default_rng(seed)
    if seed is None:
        _stream_key(stream)
        return np.random.default_rng()
    return np.random.default_rng(_sequence(seed, stream))


def derive_seed(seed, *keys: int) -> int:
    """A 63-bit int seed for the stream ``keys`` of base ``seed``, itself a valid seed.

    For protocols that hand each run and model its own int seed (which they record)
    rather than a generator.

    Examples
    --------
    >>> derive_seed(0, 7, 1) == derive_seed(0, 7, 1) != derive_seed(0, 7, 2)
    True
    """
    seed = check_seed(seed)
    if seed is None:
        raise ParameterError("derive_seed needs an int seed; None has no reproducible streams")
    state = np.random.SeedSequence([seed, *map(_stream_key, keys)]).generate_state(2, np.uint32)
    return int(state[0]) << 31 | int(state[1]) >> 1
