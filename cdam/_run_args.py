"""What :meth:`cdam.CDAM.run` and :meth:`cdam.CDAM.run_cells` are given, checked, and the built-in
recorders a run's arguments ask for.

:func:`checked_run` turns ``run``'s arguments into what the engine takes (a state batch, a step
count, cue indices, the engine) or raises a :class:`~cdam.errors.CDAMError` saying what to fix;
:func:`builtin_recorders` builds the recorders behind :class:`~cdam.dynamics.Trajectory`'s
fields; :func:`checked_cell` merges one parameter cell with the model's own values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from . import _engine
from . import _validation as check
from ._recorders import Recorder, _Attention, _Overlaps, _States, _Summary
from .errors import ParameterError, StateError

__all__ = ["CELL_PARAMS", "BuiltinRecorders", "builtin_recorders", "checked_cell", "checked_run", "cue_indices"]

CELL_PARAMS = ("a", "h", "beta", "eta", "mean_coef")


def checked_run(
    model, x0, steps, *, tol, freeze, cues, engine, perturb, record_states, checked
) -> tuple[torch.Tensor, int, float | None, torch.Tensor | None, str]:
    """``(sigma, steps, tol, cues, engine)`` for a run of ``model``, or the error that says what to fix.

    ``checked=True`` takes ``x0`` as a state batch built from checked starts (``run_cells``' own
    stacked batch): no second pass over it.
    """
    steps = check.positive_int("steps", steps, minimum=0)
    if tol is not None:
        tol = check.finite_real("tol", tol, minimum=0.0)
    if freeze and tol is None:
        raise ParameterError("freeze=True needs tol=, the largest move of a settled run")
    if checked:
        assert isinstance(x0, torch.Tensor)  # run_cells' own stacked batch
        sigma: torch.Tensor = x0
    else:
        sigma = check.state_batch(x0, model.n_neurons, dtype=model.dtype, device=model.device)[0]
    cue_idx = None if cues is None else cue_indices(cues, sigma.shape[0], model.n_memories)
    engine = _engine.engine_for_run(
        model, engine, record_states=record_states, direct_only=tol is not None or perturb is not None or freeze
    )
    return sigma, steps, tol, cue_idx, engine


def cue_indices(cues, batch: int, p: int) -> torch.Tensor:
    """``cues`` as (batch,) int64 memory indices, or StateError saying what is wrong."""
    idx = np.asarray(cues)
    if idx.shape != (batch,) or not np.issubdtype(idx.dtype, np.integer):
        raise StateError(f"cues must be {batch} integer memory indices, one per run; got {idx!r}")
    if idx.size and (idx.min() < 0 or idx.max() >= p):
        raise StateError(f"cues must index memories 0..{p - 1}; got {idx.min()}..{idx.max()}")
    return torch.as_tensor(idx, dtype=torch.long)


@dataclass
class BuiltinRecorders:
    """The recorders behind a :class:`~cdam.dynamics.Trajectory`: the summary every run keeps,
    and the overlap, state and attention recorders that were asked for (None otherwise)."""

    summary: _Summary
    overlaps: _Overlaps | None
    states: _States | None
    attention: _Attention | None

    def all(self) -> list[Recorder]:
        """The summary first, then the asked-for recorders in the order the loop shows them states."""
        return [self.summary] + [r for r in (self.overlaps, self.states, self.attention) if r is not None]


def memory_indices(name: str, idx, p: int) -> torch.Tensor:
    """``idx`` as (j,) int64 memory indices, j >= 1, or ParameterError saying what is wrong."""
    arr = np.asarray(idx.cpu() if isinstance(idx, torch.Tensor) else idx)
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer):
        raise ParameterError(f"{name} must be a non-empty 1-D sequence of integer memory indices; got {idx!r}")
    if arr.min() < 0 or arr.max() >= p:
        raise ParameterError(f"{name} must index memories 0..{p - 1}; got {arr.min()}..{arr.max()}")
    return torch.as_tensor(arr, dtype=torch.long)


def builtin_recorders(
    model, cues, *, overlap: str, record_overlaps: bool, record_states: bool, record_attention: bool,
    attention_summary: bool, overlaps_with=None,
) -> BuiltinRecorders:
    """The built-in recorders of a run of ``model`` (``cues``: checked indices, or None to find them).

    ``overlaps_with``: memory indices the overlaps are recorded against (implies recording them).
    The summary keeps sparse summaries when the model's reads are sparse."""
    op = model._overlap_operator(overlap)
    columns = None if overlaps_with is None else memory_indices("overlaps_with", overlaps_with, model.n_memories)
    sparse = _engine.sparse_read_width(model) is not None
    return BuiltinRecorders(
        summary=_Summary(model._overlap_operator("pearson"), cues, attention=attention_summary, sparse=sparse),
        overlaps=_Overlaps(op, columns) if record_overlaps or columns is not None else None,
        states=_States() if record_states else None,
        attention=_Attention() if record_attention else None,
    )


def checked_cell(model, cell) -> dict:
    """``cell`` (a dict of some of :data:`CELL_PARAMS`) over ``model``'s own values, checked, as floats."""
    unknown = sorted(set(cell) - set(CELL_PARAMS))
    if unknown:
        raise ParameterError(f"cells vary only {CELL_PARAMS}; got {unknown}")
    merged = {**{name: getattr(model, name) for name in CELL_PARAMS}, **cell}
    check.finite_real("a", merged["a"])
    check.finite_real("h", merged["h"])
    check.finite_real("beta", merged["beta"], minimum=0.0)
    check.step_size(merged["eta"])
    check.finite_real("mean_coef", merged["mean_coef"])
    return {k: float(v) for k, v in merged.items()}
