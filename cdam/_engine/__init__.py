r"""How a run is executed: two exact state representations, and chunks that fit a memory budget.

This package owns a run. :meth:`cdam.CDAM.run` checks its arguments, builds the recorders and
calls :func:`execute`, which plans the chunks under the budget (:func:`rows_per_chunk`,
every engine's byte formula in :func:`memory_estimate`), builds the stepper from inputs read
once off the model (:func:`stepper_for`) and runs the one loop over time (``_loop``) with the
recorders and the perturbation hook. Everything a run makes lives on its :class:`Run`, made per
call: a run leaves nothing on the model, so one model runs from several threads at once.
:func:`run_cells` stacks parameter cells into one batch; :func:`run_spread` sends chunks of a
batch to processes, threads or Dask.

Modules: ``_plan`` (budget, byte formulas, rows per chunk), ``_choice`` (which engine),
``_params`` (per-run parameters), ``_operators`` (hetero operator, Gram matrices), ``_view``
(what a recorder sees), ``_direct`` and ``_coefficient`` (the steppers), ``_loop`` (the run),
``_cells``, ``_spread``.

**Direct** (:class:`DirectStepper`): the state :math:`\sigma` (B, n) itself; a step reads
the store, :math:`\sigma \leftarrow (1-\eta)\sigma + \eta(wQ - c\bar\xi)`, two products of
cost :math:`Bpn`. Every backend, hook and stopping rule works here.

**Coefficient space** (:class:`CoefficientStepper`; an exact reformulation of the CDAM update
of Burns 2024, "Semantically-correlated memories in a dense associative model", arXiv
2404.07123): every update adds a combination of the patterns, and :math:`\bar\xi =
\Xi\mathbf 1/p` is one too, so exactly

.. math::

    \sigma_t = R_t + C_t\,\Xi^\top,\qquad R_t = \textstyle\prod_{s<t}(1-\eta)\,\sigma_0,\qquad
    C_{t+1} = (1-\eta)\,C_t + \eta\,\big(w_t K - \tfrac{c}{p}\mathbf 1^\top\big),

with :math:`K = aI + hM` (:math:`M^\top` in reverse), so :math:`Q = K\Xi^\top`. With
:math:`G = \Xi^\top\Xi` (p, p, once per patterns), the logits are
:math:`\sigma_t\Xi = R_t\Xi + C_tG`. With :math:`\Xi_c` the column-centred patterns,
:math:`m` their column means and :math:`G_c = \Xi_c^\top\Xi_c`, the Pearson statistics follow
without the state: :math:`\sigma_t\cdot\xi^c_\mu = R_t\cdot\xi^c_\mu + (C_tG_c)_\mu` and
:math:`\lVert\sigma_t - \bar\sigma_t\rVert^2 = \lVert R^c_t\rVert^2 + 2\,C_t\cdot(R_t\Xi_c) +
C_t\cdot(C_tG_c)` (the centred Gram keeps the large mean out of the difference). A step costs
:math:`Bp^2 + B\,\mathrm{nnz}(M)` instead of :math:`2Bpn`; the state is formed once, at the end,
and recorded overlaps are formed after the run from the kept :math:`C_t`, in cache-sized blocks
of steps.

**Per-row parameters.** Both steppers take ``a``, ``h``, ``beta``, ``eta`` and ``c`` either as
floats or as (B, 1) tensors, one value per run: many cells of a sweep then run as one batch
sharing :math:`\Xi`, :math:`G_c` and ``M``.

**Chunks.** The loop visits the batch in row chunks sized by :func:`plan_rows` so that the
persistent state, the recorded outputs and one chunk's temporaries fit ``memory_limit``; runs
are independent, so the result does not depend on the split. Work that cannot fit at any
split raises :class:`~cdam.errors.MemoryBudgetError` before anything large is allocated.
"""

from ._cells import run_cells
from ._choice import ENGINES, check_engine, choose_engine, engine_for_run
from ._coefficient import CoefficientStepper
from ._direct import DirectStepper
from ._loop import Run, execute, stepper_for
from ._operators import DENSE_COUPLING_MAX_P, centred_gram, hetero_operator
from ._params import _Params as _Params
from ._params import _part as _part
from ._params import _take as _take
from ._plan import _SAFETY as _SAFETY
from ._plan import (
    DEFAULT_MEMORY_SHARE,
    default_memory_limit,
    memory_estimate,
    plan_rows,
    rows_per_chunk,
    sparse_read_width,
    summary_bytes,
)
from ._spread import run_spread
from ._view import StepView, pattern_norms

__all__ = [
    "DEFAULT_MEMORY_SHARE",
    "DENSE_COUPLING_MAX_P",
    "ENGINES",
    "CoefficientStepper",
    "DirectStepper",
    "Run",
    "StepView",
    "centred_gram",
    "check_engine",
    "choose_engine",
    "default_memory_limit",
    "engine_for_run",
    "execute",
    "hetero_operator",
    "memory_estimate",
    "pattern_norms",
    "plan_rows",
    "rows_per_chunk",
    "run_cells",
    "run_spread",
    "sparse_read_width",
    "stepper_for",
    "summary_bytes",
]
