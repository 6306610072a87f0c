"""The run loop's recorders: objects shown every state of a run (see :class:`Recorder`).

The built-in ones keep what :class:`~cdam.dynamics.Trajectory` reports: overlaps, states,
attention, and the summary every run keeps (cues, final and late-window attention, the
discarded top-k mass). In coefficient space the overlap recorder keeps only per-step parts and
forms all steps' overlaps at the end. Sparse reads (``Retrieval.index``) keep their summaries
sparse: (B, p) torch CSR tensors, never a dense (B, p) array.
"""

from __future__ import annotations

import torch

from . import _csr
from ._engine import _part, pattern_norms
from .errors import StateError
from .overlap import OverlapOperator

__all__ = ["Recorder"]


class Recorder:
    """Something the run loop shows every state to: subclass and pass ``recorders=[...]``.

    The loop calls :meth:`begin` once, then :meth:`observe` for every state from ``x0``
    (``t = 0``) to the final one (``t = steps``), one chunk of rows at a time, and
    :meth:`finish` with the number of updates done. ``view`` gives the chunk's ``state``,
    ``scores`` (logits), ``weights`` (attention over memories), ``discarded`` and
    ``overlaps(op)``, each computed once on first access (in coefficient space the state itself
    is formed only if a recorder asks for it). For sparse reads ``index`` and
    ``index_weights`` are the read's (rows, k) memories and weights; ``weights`` is then formed
    (rows, p) only if a recorder asks for it.
    """

    def begin(self, batch: int, steps: int, model) -> None:
        """Called before the first update."""

    def observe(self, t: int, rows, view) -> None:
        """The state after ``t`` updates of the runs ``rows`` (a slice or index tensor)."""

    def finish(self, done: int) -> None:
        """Called after the last state was observed."""


class _Overlaps(Recorder):
    """Overlaps of every state. In coefficient space each step only keeps its coefficients
    (the tensor the update made anyway, nothing copied); the overlaps of all steps are formed
    after the run in a few vectorised passes, instead of a dozen small operations per step.

    ``columns`` (j,) int64: only the overlaps with those memories, (T, B, j). With dense reads
    they are the columns of the full overlaps; with sparse reads they come from the chosen
    patterns alone (an operator over those j columns: nothing (rows, p) is formed)."""

    #: bytes of one (steps, rows, p) block formed at once after the run: its ten passes then
    #: run in a core's L2 cache (about 2 ms of 5 saved at p = 60, B = 60, T = 100), and the
    #: temporaries stay bounded
    FINISH_BYTES = 1 << 20

    def __init__(self, op, columns: torch.Tensor | None = None):
        self.op, self.columns = op, columns
        self._sub = None if columns is None else OverlapOperator(op.Xi[:, columns.to(op.Xi.device)], op.kind)

    def begin(self, batch, steps, model):
        width = model.n_memories if self.columns is None else self.columns.numel()
        self.out = torch.empty(steps + 1, batch, width, dtype=model.dtype)
        self.chunks: list = []  # (lo, hi) of the chunks whose coefficients the stepper keeps
        self.stepper = None

    def _overlaps(self, view):
        if self.columns is None:
            return view.overlaps(self.op)
        if self._sub is not None and view.sparse_reads:
            return self._sub(view.state)
        return view.overlaps(self.op)[:, self.columns]

    def observe(self, t, rows, view):
        stepper = view._stepper
        if self.op.kind == "dot" or not hasattr(stepper, "keep_history"):
            self.out[t, rows] = self._overlaps(view).cpu()
            return
        if t == 0:  # before the first update: the stepper keeps every C_t from now on
            self.out[t, rows] = self._overlaps(view).cpu()
            stepper.keep_history(self.out.shape[0] - 1)
            self.stepper = stepper
            self.chunks.append((rows.start, rows.stop))

    def finish(self, done):
        self.out = self.out[: done + 1]
        for lo, hi in self.chunks:
            rows = slice(lo, hi)
            n_rows = len(range(*rows.indices(self.out.shape[1])))
            block = max(1, self.FINISH_BYTES // max(1, n_rows * self.out.shape[2] * self.out.element_size()))
            for t0 in range(0, done, block):
                t1 = min(done, t0 + block)
                C = self.stepper.history(rows, t0, t1)
                target = self.out[1 + t0 : 1 + t1, lo:hi]
                direct = target.device == C.device and target.is_contiguous() and self.columns is None
                part = self.stepper.overlaps_of(self.op.kind, pattern_norms(self.op), rows, C, t0 + 1,
                                                out=target if direct else None)
                if not direct:
                    target.copy_(part if self.columns is None else part[..., self.columns.to(part.device)])
        self.chunks = []


class _States(Recorder):
    def begin(self, batch, steps, model):
        self.out = torch.empty(steps, batch, model.n_neurons, dtype=model.dtype)

    def observe(self, t, rows, view):
        if t > 0:
            self.out[t - 1, rows] = view.state.cpu()

    def finish(self, done):
        self.out = self.out[:done]


class _Attention(_States):
    def begin(self, batch, steps, model):
        self.out = torch.empty(steps, batch, model.n_memories, dtype=model.dtype)

    def observe(self, t, rows, view):
        if t > 0:
            self.out[t - 1, rows] = view.weights.cpu()


class _Summary(Recorder):
    r"""What every run keeps: cues, final attention, the late-window mean, the discarded mass.

    With ``sparse`` reads (the backend's ``sparse_k``) the final and late-window attention are
    (B, p) CSR tensors: each observed read's (index, weights) is kept, (rows, k) per chunk and
    state, and coalesced once at the end. The late window holds :math:`L = T - \lfloor
    (T+1)/2\rfloor + 1` states, so the run keeps at most :math:`L\,B\,k` entries (16 bytes
    each: memory and float64 weight) and the final read's :math:`B\,k`; coalescing needs
    about as much again, once. Nothing is (B, p) dense.
    """

    def __init__(self, cue_op, cues, attention: bool = True, sparse: bool = False):
        self.cue_op, self.cues, self.attention = cue_op, cues, attention
        self.sparse = sparse and attention

    def begin(self, batch, steps, model):
        p = model.n_memories if self.attention and not self.sparse else 0  # no dense (B, p) summaries
        self.p = model.n_memories
        self.batch = batch
        self._final_parts: list = []  # sparse reads: (rows, index, weights) of the final state
        self._late_parts: list = []  # and of every state of the late window
        self.final = torch.empty(batch, p, dtype=model.dtype)
        self.final_dtype = model.dtype
        self.late = torch.zeros(batch, p, dtype=torch.float64)
        self.late_from, self.late_count = (steps + 1) // 2, 0
        self.discarded = None  # the buffer below, once a truncated read reported its mass
        self._discarded_buffer = torch.zeros(batch, dtype=torch.float64)
        self.last = -1
        if self.cues is None:
            self.cues = torch.empty(batch, dtype=torch.long)
            self._find_cues = True
        else:
            self._find_cues = False

    def observe(self, t, rows, view, final=False):
        if t == 0 and self._find_cues:  # the memory best correlated with each start
            self.cues[rows] = view.overlaps(self.cue_op).argmax(dim=1).cpu()
        if self.sparse and (final or t >= self.late_from):
            index = view.index
            if index is None:
                raise StateError("the backend declares sparse_k but returned dense weights; "
                                 "return Retrieval.index with (B, k) weights, or drop sparse_k")
            part = (self._row_ids(rows), index.cpu(), view.index_weights.cpu())
            self._late_parts.append(part)
            if final:
                self._final_parts.append(part)
            elif t != self.last:
                self.last, self.late_count = t, self.late_count + 1
        elif self.attention and (final or t >= self.late_from):
            w = view.weights
            if isinstance(rows, slice):  # a view: one in-place add, no write-back
                _part(self.late, rows).add_(w.cpu())
            else:
                self.late[rows] += w.cpu()
            if final:
                self.final[rows] = w.cpu()
            elif t != self.last:
                self.last, self.late_count = t, self.late_count + 1
        d = view.peek("discarded")  # present wherever a truncated read happened; never computed here
        if d is not None:
            d = d.to(torch.float64).cpu()
            if self.discarded is None:  # the buffer from begin(): made outside the loop's inference mode
                self.discarded = self._discarded_buffer
            self.discarded[rows] = torch.maximum(self.discarded[rows], d)

    def _row_ids(self, rows) -> torch.Tensor:
        if isinstance(rows, slice):
            return torch.arange(*rows.indices(self.batch))
        return rows.cpu()

    def _csr(self, parts, dtype) -> torch.Tensor:
        rows = torch.cat([r[:, None].expand_as(i) for r, i, _ in parts]).reshape(-1)
        cols = torch.cat([i for _, i, _ in parts]).reshape(-1)
        vals = torch.cat([w for _, _, w in parts]).reshape(-1).to(dtype)
        return _csr.from_entries(rows, cols, vals, (self.batch, self.p))

    def final_attention(self):
        """(B, p): dense, or CSR for sparse reads; None without summaries."""
        if not self.attention:
            return None
        if self.sparse:
            return self._csr(self._final_parts, self.final_dtype)
        return self.final

    def late_mean(self):
        if not self.attention:
            return None
        if self.sparse:
            late = self._csr(self._late_parts, torch.float64)
            self._late_parts = []
            return _csr.divided(late, self.late_count + 1)
        return self.late / (self.late_count + 1)
