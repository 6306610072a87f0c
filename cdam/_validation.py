"""Private checks shared by the public modules; each raises a specific CDAMError."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import torch

from .errors import ParameterError, PatternError, StateError


def _real(name: str, value) -> float:
    """``value`` as a float (a 0-d array or tensor counts), or a ParameterError for non-numbers."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if isinstance(value, (np.ndarray, torch.Tensor)) and np.ndim(value) == 0:
            return float(value)
        raise ParameterError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    return float(value)


def finite_real(name: str, value, *, minimum=None, strict_minimum=None) -> float:
    """Return ``value`` as a float, refusing non-numbers, NaN, inf and out-of-range values."""
    value = _real(name, value)
    if not math.isfinite(value):
        raise ParameterError(f"{name} must be finite, got {value}; pass a finite real number")
    if minimum is not None and value < minimum:
        raise ParameterError(f"{name} must be >= {minimum}, got {value}")
    if strict_minimum is not None and value <= strict_minimum:
        raise ParameterError(f"{name} must be > {strict_minimum}, got {value}")
    return value


def fraction(name: str, value, meaning: str) -> float:
    """Return ``value`` as a float in (0, 1]; ``meaning`` (what it is the fraction of) goes
    into the message. NaN fails both comparisons, so it is refused here too."""
    value = _real(name, value)
    if not 0.0 < value <= 1.0:
        finite = "" if math.isfinite(value) else "finite and "
        raise ParameterError(f"{name} must be {finite}in (0, 1], got {value}; it is {meaning}")
    return value


def step_size(eta) -> float:
    r"""Return the step size ``eta`` as a float in (0, 1].

    One update moves the state the fraction ``eta`` of the way to its target,
    :math:`\sigma \leftarrow \sigma + \eta\,(T - \sigma)`: 1 jumps to the target, 0 never
    moves, and above 1 the state overshoots it (the energy descent of :meth:`cdam.CDAM.energy`
    is proved for :math:`\eta \in (0, 1]`). Every model and scan that takes ``eta`` checks it
    here.

    Examples
    --------
    >>> step_size(1)
    1.0
    >>> step_size(1.5)
    Traceback (most recent call last):
    ...
    cdam.errors.ParameterError: eta must be in (0, 1], got 1.5; it is the fraction of the way moved per step
    """
    return fraction("eta", eta, "the fraction of the way moved per step")


def seed_list(seeds) -> list:
    """Return ``seeds`` (any iterable of seeds) as a list, refusing an empty one."""
    seeds = list(seeds)
    if not seeds:
        raise ParameterError("seeds is empty; give at least one seed")
    return seeds


def positive_int(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ParameterError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def choice(name: str, value, options) -> str:
    """Return ``value`` if it is one of ``options``."""
    if value not in options:
        raise ParameterError(f"unknown {name} {value!r}; choose one of {', '.join(map(repr, options))}")
    return value


def as_numpy(name: str, value, error) -> np.ndarray:
    """``value`` as a real numeric numpy array, or ``error`` naming ``name``."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and similar
        raise error(f"{name} could not be read as an array: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise error(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise error(f"{name} must be real, got complex dtype {arr.dtype}")
    return arr


def pattern_vector(value, n: int | None, *, key=None) -> np.ndarray:
    """Return a finite 1-D float64 copy of a pattern, checking its length against ``n``."""
    label = "pattern" if key is None else f"pattern of memory {key!r}"
    arr = as_numpy(label, value, PatternError)
    if arr.ndim != 1:
        raise PatternError(f"{label} must be 1-D, got shape {arr.shape}; flatten it first")
    if arr.size == 0:
        raise PatternError(f"{label} is empty; a pattern needs at least one neuron")
    if n is not None and arr.size != n:
        raise PatternError(
            f"{label} has length {arr.size} but the graph's patterns have length {n}; "
            "every memory needs one value per neuron"
        )
    out = arr.astype(np.float64, copy=True)
    if not np.all(np.isfinite(out)):
        bad = int(np.flatnonzero(~np.isfinite(out))[0])
        raise PatternError(f"{label} holds a non-finite value ({out[bad]}) at neuron {bad}; patterns must be finite")
    return out


def pattern_block(value: np.ndarray, n: int | None, keys: Sequence) -> np.ndarray:
    """Check an (n, m) block of patterns, one column per key, at once; return its (m, n)
    rows as a view (the caller copies them into float64 storage). Errors are those of
    :func:`pattern_vector`, naming the first bad key."""
    arr = as_numpy("patterns", value, PatternError)
    if arr.shape[1] == 0:
        return np.empty((0, arr.shape[0]))
    label = f"pattern of memory {keys[0]!r}"
    if arr.shape[0] == 0:
        raise PatternError(f"{label} is empty; a pattern needs at least one neuron")
    if n is not None and arr.shape[0] != n:
        raise PatternError(
            f"{label} has length {arr.shape[0]} but the graph's patterns have length {n}; "
            "every memory needs one value per neuron"
        )
    rows = arr.T
    if np.issubdtype(rows.dtype, np.floating):  # integers and bools are always finite
        finite = np.isfinite(rows)
        if not finite.all():
            j, i = (int(k[0]) for k in np.nonzero(~finite))
            raise PatternError(
                f"pattern of memory {keys[j]!r} holds a non-finite value ({rows[j, i]}) at neuron {i}; "
                "patterns must be finite"
            )
    return rows


def state_batch(value, n: int, *, dtype: torch.dtype, device) -> tuple[torch.Tensor, bool]:
    """Return a (B, n) tensor of a state or batch of states, and whether the input was 1-D."""
    if isinstance(value, torch.Tensor):
        if value.is_complex() or not (value.is_floating_point() or value.dtype in _INT_DTYPES):
            raise StateError(f"x0 must hold real numbers, got dtype {value.dtype}")
        x = value.detach()
    else:
        x = torch.from_numpy(np.ascontiguousarray(as_numpy("x0", value, StateError)))
    single = x.ndim == 1
    if x.ndim not in (1, 2):
        raise StateError(f"x0 must have shape (n,) or (B, n) with n = {n}, got {tuple(x.shape)}")
    if single:
        x = x.unsqueeze(0)
    if x.shape[1] != n:
        raise StateError(f"x0 has {x.shape[1]} neurons but the model has n = {n}; give shape (n,) or (B, n)")
    if x.shape[0] == 0:
        raise StateError("x0 is an empty batch; give at least one state")
    x = x.to(device=device, dtype=dtype).clone()
    if not torch.isfinite(x).all():
        raise StateError("x0 holds NaN or inf; every entry of a state must be finite")
    return x, single


_INT_DTYPES = (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool)
