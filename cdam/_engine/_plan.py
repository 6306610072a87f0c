"""The memory budget: what a run may use, and how many rows of its batch one pass may touch.

Every engine's byte formula is :func:`memory_estimate`; :func:`plan_rows` turns the bytes into rows
per chunk, or refuses the run with :class:`~cdam.errors.MemoryBudgetError` before anything
large is allocated.
"""

from __future__ import annotations

import os
import resource

from ..errors import MemoryBudgetError
from ._operators import GRAM

DEFAULT_MEMORY_SHARE = 0.5  # of the memory available when the run starts (and of the address-space headroom)
_SAFETY = 1.25  # torch's temporaries beyond the ones counted below (measured peaks stay under this)


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _address_space_headroom() -> int | None:
    """Bytes left under an address-space limit (``ulimit -v``), or None when unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return max(0, soft - int(line.split()[1]) * 1024)
    except OSError:
        pass
    return soft


def default_memory_limit() -> int:
    """The bytes a run may use when ``memory_limit=None``.

    :data:`DEFAULT_MEMORY_SHARE` (a half) of the memory the system reports available now,
    and of the headroom under an address-space limit (``ulimit -v``) when one is set.

    Examples
    --------
    >>> default_memory_limit() > 0
    True
    """
    limits = [x for x in (_meminfo_available(), _address_space_headroom()) if x is not None]
    if not limits:
        return 8 << 30
    return max(1, int(DEFAULT_MEMORY_SHARE * min(limits)))


def _gb(x: float) -> str:
    return f"{x / 1e9:.3g} GB"


def plan_rows(batch: int, *, fixed: int, per_run: int, per_chunk_row: int, budget: int, hints: str) -> int:
    """Rows per chunk so that ``fixed + batch * per_run + rows * per_chunk_row`` fits ``budget``.

    ``fixed``: bytes held whatever the batch (the model's patterns, the Gram matrix);
    ``per_run``: bytes each run keeps for the whole run (its state and recorded outputs);
    ``per_chunk_row``: temporaries of one step per row of the chunk in flight.

    Raises
    ------
    MemoryBudgetError
        When not even one row fits; the message gives the estimate and ``hints``.

    Examples
    --------
    >>> plan_rows(1000, fixed=0, per_run=10, per_chunk_row=80, budget=20_000, hints="")
    100
    """
    per_chunk_row = int(per_chunk_row * _SAFETY)
    room = budget - fixed - batch * per_run
    if room < per_chunk_row:
        need = fixed + batch * per_run + per_chunk_row
        raise MemoryBudgetError(
            f"this run needs about {_gb(need)} ({_gb(fixed)} for the model, {_gb(batch * per_run)} for the "
            f"{batch} runs' states and recorded outputs, {_gb(per_chunk_row)} per row of a step) but the memory "
            f"budget is {_gb(budget)}. To make it fit: {hints}"
        )
    return int(max(1, min(batch, room // per_chunk_row)))


def sparse_read_width(model) -> int | None:
    """``k`` when the model's reads are sparse (its memory store declares ``sparse_k``: each read
    names k memories in ``Retrieval.index``), else None."""
    k = getattr(model.backend, "sparse_k", None)
    return int(k) if k is not None and getattr(model, "_memory_units", False) else None


def summary_bytes(model, steps: int, attention_summary: bool = True) -> int:
    r"""Bytes each run's attention summaries (final and late-window attention) keep.

    Dense reads: a (p,) row of the dtype and one of float64. Sparse reads of k memories: the
    final read's k entries and the late window's :math:`L = T - \lfloor (T+1)/2\rfloor + 1`
    reads of k (memory and float64 weight, 16 bytes an entry, with room for coalescing them
    once at the end and the CSR results).
    """
    if not attention_summary:
        return 0
    p, e = model.n_memories, model.dtype.itemsize
    k = sparse_read_width(model)
    if k is None:
        return e * p + 8 * p
    late = steps - (steps + 1) // 2 + 1
    return (e + 8) * k + 16 + late * k * (16 + 24 + 16)


def memory_estimate(
    model, steps: int, *, engine: str = "direct", record_overlaps: bool = False, record_states: bool = False,
    record_attention: bool = False, tol=None, attention_summary: bool = True, cues_given: bool = False,
    overlap_columns: int | None = None,
) -> tuple[int, int, int]:
    """Bytes a run needs: ``(fixed, per_run, per_chunk_row)``, every engine's formula.

    ``fixed`` whatever the batch (the Gram matrices of coefficient space, unless the model
    holds them already), ``per_run`` kept by each run for the whole run (state, start, final,
    cues, attention summaries, recorded outputs), ``per_chunk_row`` the temporaries of one step
    per row in flight (the gathered value rows of a top-k read included). A batch of B runs in
    chunks of c rows needs about ``fixed + B per_run + c per_chunk_row``.
    :meth:`cdam.CDAM.memory_estimate` is this function.

    Parameters
    ----------
    steps : int
    engine : {"direct", "coefficient"}
    record_overlaps, record_states, record_attention, tol, attention_summary
        As for :meth:`cdam.CDAM.run`.
    cues_given : bool
        The run is given its cues. With sparse reads (:func:`sparse_read_width`) a step's
        temporaries are k per row, plus one (p,) row where something asks for every memory:
        cues found from the start's overlaps (``cues_given`` False), all overlaps or the
        attention recorded.
    overlap_columns : int, optional
        Recorded overlaps cover that many memories (``overlaps_with``), not all p.

    Examples
    --------
    >>> import numpy as np, networkx as nx, cdam
    >>> g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(10), np.random.default_rng(0).random((100, 10)))
    >>> cdam.CDAM(g).memory_estimate(50, record_overlaps=True)  # per run: 3376 B, 2040 of them 51 x 10 overlaps
    (0, 3376, 1120)
    """
    p, n, e = model.n_memories, model.n_neurons, model.dtype.itemsize
    cols = p if overlap_columns is None else overlap_columns
    # kept for the whole run, per run: state, start, final, cues, attention summaries
    per_run = e * 3 * n + 16 + summary_bytes(model, steps, attention_summary)
    per_run += e * ((steps + 1) * cols * record_overlaps + steps * n * record_states + steps * p * record_attention)
    fixed = 0
    if engine == "coefficient":
        per_run += e * (3 * p + 4) + e * steps * (p + 3) * record_overlaps  # C_t kept per step for the overlaps
        fixed += 2 * e * p * p + 8 * (2 * p * p + n * p) * (GRAM not in model._cache)
        per_row = e * (6 * p + n) + 8 * p
        return fixed, per_run, per_row
    k_sparse = sparse_read_width(model)
    if k_sparse is not None:
        per_run += 8 * k_sparse  # each run's last read index, the next read's previous
        wide = not cues_given or (record_overlaps and overlap_columns is None) or record_attention
        per_row = e * (2 * n + k_sparse * n) + 24 * k_sparse + e * n * (tol is not None)
        per_row += 3 * e * p * wide + 3 * e * cols * (record_overlaps and overlap_columns is not None)
        return fixed, per_run, per_row
    per_row = e * (6 * p + 2 * n) + 8 * p + e * n * (tol is not None)
    k = getattr(model.backend, "topk", None)
    if k:
        per_row += e * k * n  # the gathered value rows of a top-k read
    return fixed, per_run, per_row


def rows_per_chunk(
    model, batch: int, steps: int, *, engine: str, record_overlaps: bool = False, record_states: bool = False,
    record_attention: bool = False, tol=None, attention_summary: bool = True, cues_given: bool = False,
    overlap_columns: int | None = None,
) -> int:
    """Rows of a batch of ``batch`` runs one pass may touch under ``model.budget``, or
    :class:`~cdam.errors.MemoryBudgetError` (naming what makes it fit) before anything large exists.

    When the attention summaries alone exceed the budget, the error says so and names
    ``attention_summary=False`` first."""
    fixed, per_run, per_row = model.memory_estimate(
        steps, engine=engine, record_overlaps=record_overlaps, record_states=record_states,
        record_attention=record_attention, tol=tol, attention_summary=attention_summary,
        cues_given=cues_given, overlap_columns=overlap_columns,
    )
    summaries = batch * summary_bytes(model, steps, attention_summary)
    if summaries and fixed + summaries >= model.budget:
        dense = sparse_read_width(model) is None
        raise MemoryBudgetError(
            f"the attention summaries alone (final_attention and late_attention, "
            f"{'two dense (B, p) arrays' if dense else 'sparse'} for {batch} runs of {model.n_memories} memories) "
            f"need about {_gb(summaries)}, but the memory budget is {_gb(model.budget)}. To make it fit: "
            "run with attention_summary=False (the final states and any recorded overlaps are kept; mode "
            "classification needs the summaries), run fewer starts at once, or give memory_limit= more bytes"
        )
    hints = (
        "give memory_limit= more bytes (CDAM(..., memory_limit=...)), run fewer starts at once, "
        "record fewer quantities (record_states / record_overlaps / record_attention, "
        "overlaps_with= a few memories, attention_summary=False)"
        + ("" if engine == "coefficient" else ", use values='factored' or topk= for large p")
        + ", or use fewer neurons or memories"
    )
    return plan_rows(batch, fixed=fixed, per_run=per_run, per_chunk_row=per_row, budget=model.budget, hints=hints)
