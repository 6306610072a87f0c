r"""The one loop over time, and the run it fills: a context made per call, never kept on the model.

A run of B states for T updates: the plan (rows per chunk under the memory budget), the
stepper (direct or coefficient space, its inputs read once off the model), then for
:math:`t = 0, \dots, T-1` and every chunk: read the store, show the state to the recorders,
update, call the perturbation hook; then the final state is shown once more. Everything the
run makes lives on its :class:`Run`, so one model runs from many threads at once.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch

from ..errors import ParameterError
from ._coefficient import CoefficientStepper
from ._direct import DirectStepper
from ._operators import GRAM, centred_gram, hetero_operator
from ._params import _Params
from ._plan import rows_per_chunk
from ._view import StepView


@contextlib.contextmanager
def subnormals_flushed():
    """Flush subnormal floats to zero while a run steps, and restore the caller's setting.

    The far tail of a sharp softmax underflows to subnormal weights, which x86 multiplies
    several times slower (a whole phase diagram ran 0.31 s -> 0.20 s of CPU with them
    flushed, with identical records): their contributions, below 1e-38, vanish into any
    value they are added to anyway. torch has no getter, so the current mode is read off a
    subnormal that survives or not. The setting is the calling thread's own."""
    already = float(torch.tensor([1e-39], dtype=torch.float32) * 1.0) == 0.0
    if already or not torch.set_flush_denormal(True):
        yield
        return
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


def model_params(model) -> _Params:
    """The model's a, h, beta, eta and c, one value for every run."""
    return _Params(model.a, model.h, model.beta, model.eta, model.mean_coef, model.dtype, model.device)


def stepper_for(model, x: torch.Tensor, params: _Params | None = None, engine: str = "direct"):
    """A stepper of ``engine`` for the states ``x`` (B, n), given its inputs read off ``model``:
    the store, the patterns, the hetero operator, and (coefficient space) the Gram matrices,
    which the model caches as a pure function of its patterns."""
    params = model_params(model) if params is None else params
    c = model.couplings
    if engine == "coefficient":
        gram = model._cache.get_or_make(GRAM, lambda: centred_gram(c.Xi))
        return CoefficientStepper(x, params, backend=model.backend, gram=gram, hetero=hetero_operator(c))
    return DirectStepper(
        x, params, backend=model.backend, patterns=c.Xi, xbar=c.xbar, softmax=model.softmax,
        memory_units=model._memory_units, hetero=hetero_operator(c) if params.per_row_reads else None,
    )


class Run:
    """One call's run: its stepper, its plan and chunks, and what it ended with.

    Attributes
    ----------
    stepper : DirectStepper or CoefficientStepper
    rows_per_chunk : int
        The plan: rows of the batch one pass touches (:func:`rows_per_chunk`).
    chunks : list of slice
        The batch in chunks of ``rows_per_chunk`` rows.
    done : int
        Updates done (fewer than asked when ``tol`` stopped the run).
    final : torch.Tensor (B, n)
        The final states, once the loop ended.
    run_steps, settled : torch.Tensor (B,) or None
        With ``freeze``: each run's updates and whether it settled.
    """

    def __init__(self, stepper, batch: int, rows_per_chunk: int):
        self.stepper, self.batch, self.rows_per_chunk = stepper, batch, rows_per_chunk
        self.chunks = [slice(lo, min(lo + rows_per_chunk, batch)) for lo in range(0, batch, rows_per_chunk)]
        self.done = 0
        self.final = torch.empty(0)  # the loop sets it
        self.run_steps: torch.Tensor | None = None
        self.settled: torch.Tensor | None = None


def loop(run: Run, model, steps: int, recorders, summary, *, tol, perturb, freeze: bool, inference: bool) -> Run:
    """The one loop over time: read, show the state to the recorders, update, perturb."""
    stepper, B, rows_per_chunk = run.stepper, run.batch, run.rows_per_chunk
    for r in recorders:
        r.begin(B, steps, model)
    # with freeze: which runs still move, and each run's updates
    active = torch.ones(B if freeze else 0, dtype=torch.bool)
    run_steps = torch.zeros(B if freeze else 0, dtype=torch.long)
    done = 0
    chunks: list[Any]  # index tensors of the moving runs under freeze, else slices
    rows: Any

    def show(t, rows, cache, final=False):
        view = StepView(stepper, rows, t, cache)
        for r in recorders:
            if r is summary:
                summary.observe(t, rows, view, final=final)
            else:
                r.observe(t, rows, view)

    # steps only the built-in recorders watch need no autograd bookkeeping: inference mode
    # saves ~8% at p = 60; what it makes inside stays internal or is written into buffers
    # allocated before it, so the caller never receives an inference tensor
    with torch.inference_mode(inference):
        for t in range(steps):
            stepper.t = t
            if freeze:
                idx = active.nonzero().squeeze(1)
                chunks = [idx[lo : lo + rows_per_chunk] for lo in range(0, idx.numel(), rows_per_chunk)]
                frozen = (~active).nonzero().squeeze(1)
                for lo in range(0, frozen.numel(), rows_per_chunk):
                    show(t, frozen[lo : lo + rows_per_chunk], {})
            else:
                chunks = run.chunks
            moved_max = 0.0
            for rows in chunks:
                cache = stepper.read(rows, t)
                show(t, rows, cache)
                prev = cache["state"].clone() if tol is not None else None
                x = stepper.update(rows, cache)
                if perturb is not None:
                    perturb(t + 1, rows, x)
                    if not isinstance(rows, slice):
                        stepper.sigma[rows] = x
                if prev is not None:
                    moved = (x - prev).abs().amax(dim=1)
                    moved_max = max(moved_max, float(moved.max()) if moved.numel() else 0.0)
                    if freeze:
                        run_steps[rows] += 1
                        active[rows[moved.cpu() <= tol]] = False
            done += 1
            if tol is not None and (not bool(active.any()) if freeze else moved_max <= tol):
                break
    stepper.t = done
    for rows in run.chunks:
        show(done, rows, {}, final=True)
    for r in recorders:
        r.finish(done)
    run.done = done
    if freeze:
        run.run_steps, run.settled = run_steps, ~active
    run.final = stepper.final_states()
    return run


def execute(
    model, sigma: torch.Tensor, steps: int, recorders, summary, *, engine: str, tol=None, perturb=None,
    freeze: bool = False, params: _Params | None = None, inference: bool = False, record_overlaps: bool = False,
    record_states: bool = False, record_attention: bool = False, attention_summary: bool = True,
    cues: torch.Tensor | None = None, overlap_columns: int | None = None,
) -> Run:
    """Plan, step and record one run of ``model`` from ``sigma`` (B, n), stepped in place.

    ``recorders`` are shown every state (``summary``, among them, the final one as such);
    ``params`` (per-run values) default to the model's. The plan fits ``model.budget`` or
    raises :class:`~cdam.errors.MemoryBudgetError` before the stepper exists. ``cues`` (B,),
    when known, are the first read's ``previous`` for a backend that takes one;
    ``overlap_columns``: the memories recorded overlaps cover, when not all.

    Raises
    ------
    ParameterError
        When the final state overflowed the dtype.
    """
    rows = rows_per_chunk(
        model, sigma.shape[0], steps, engine=engine, record_overlaps=record_overlaps, record_states=record_states,
        record_attention=record_attention, tol=tol, attention_summary=attention_summary,
        cues_given=cues is not None, overlap_columns=overlap_columns,
    )
    with subnormals_flushed():
        run = Run(stepper_for(model, sigma, params, engine), sigma.shape[0], rows)
        if cues is not None and hasattr(run.stepper, "seed_previous"):
            run.stepper.seed_previous(cues)
        loop(run, model, steps, recorders, summary, tol=tol, perturb=perturb, freeze=freeze, inference=inference)
    final = run.final
    # a sum is finite when every entry is (one pass, no bool mask); only a non-finite sum needs the exact check
    if not bool(torch.isfinite(final.sum())) and not bool(torch.isfinite(final).all()):
        raise ParameterError(
            f"the state overflowed {model.dtype} (|a|={model.a:g}, |h|={model.h:g}, beta={model.beta:g}); "
            "use dtype=torch.float64 or smaller strengths"
        )
    return run
