"""Running a compiled memory automaton: settle each step, decode the state, check it.

:class:`MemoryAutomaton` (compiled in :mod:`cdam.automata._compile`) inherits these
methods. They read what compilation sets: ``model``, ``dfa``, the state attractors, the
symbol patterns, the transition table, the tolerances and the decoder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..dynamics import Recorder
from ..errors import AmbiguousStateError, AutomatonError, MisrecallError, NotSettledError, UndefinedTransition
from ..overlap import OverlapOperator
from ._candidates import BLOCK_ELEMENTS, CandidateGraph, settle_over_candidates

__all__ = ["AutomatonTrace"]

READS = ("sparse", "dense")


@dataclass
class AutomatonTrace:
    """A run of one word with the overlaps over time (for plotting).

    Attributes
    ----------
    word : list
        The symbols read.
    states : list
        Decoded states: start, then one per symbol.
    accepted : bool
    overlaps : numpy.ndarray (T + 1, n_states)
        Pearson overlap of the state with every state memory at every update; index 0 is
        the start's attractor.
    read_times : list of int
        Index into ``overlaps`` of the moment each symbol was written into the input block.
    margins : list of float
        Decoding margin after each symbol.
    state_names : list
    dense_fallbacks : int
        Settles re-run with dense reads because a sparse read left out too much mass.
    """

    word: list
    states: list
    accepted: bool
    overlaps: np.ndarray
    read_times: list
    margins: list
    state_names: list = field(default_factory=list)
    dense_fallbacks: int = 0


class _DecodedStates(Recorder):
    """The decoder's correlations (B, k) of every state after an update, appended in order."""

    def __init__(self, decoder, out: list):
        self.decoder, self.out = decoder, out

    def begin(self, batch, steps, model):
        self.rows_by_t: dict = {}
        self.batch = batch

    def observe(self, t, rows, view):
        if t > 0:
            r = self.decoder(view.state)
            block = self.rows_by_t.get(t)
            if block is None:
                block = self.rows_by_t[t] = r.new_empty(self.batch, r.shape[1])
            block[rows] = r

    def finish(self, done):
        self.out.extend(self.rows_by_t[t] for t in range(1, done + 1))


class _Runner:
    """Settling, decoding and the batched run of words (see the package docstring)."""

    # set by MemoryAutomaton.__init__ (this mixin holds the run logic only)
    dfa: Any
    model: Any
    tol: float
    beta: float
    eta: float
    mean_coef: float
    max_steps: int
    min_margin: float
    n_state_neurons: int
    _decoder: OverlapOperator
    _state_index: dict
    _symbol_index: dict
    _table: torch.Tensor
    _zeta: torch.Tensor
    _attractors: torch.Tensor
    _radius: float
    _pair_memory: torch.Tensor
    reads: str
    max_discarded: float
    dense_model: Any
    #: Settles of the last run call re-run with dense reads (see ``max_discarded``).
    last_dense_fallbacks: int = 0
    _fallbacks: int = 0

    # ------------------------------------------------------------------ dynamics
    def _settle(self, x: torch.Tensor, record=None, *, cues, tol=None, max_steps=None):
        """Update each row until it moves by at most ``tol``; settled rows are frozen.

        Sparse reads: :func:`settle_over_candidates`, each run over the fixed candidates of
        its cue in the transition graph; dense reads: the model's one run loop
        (``freeze=True``). ``record`` (a list) receives the decoder's correlations of the whole
        batch after every update. ``cues`` (B,): each run's memory, :math:`(q, s)` or the
        state. A run whose sparse reads left out more than ``max_discarded`` softmax mass
        (estimated) is run again with dense reads, from the same start (counted in
        ``_fallbacks``)."""
        tol = self.tol if tol is None else tol
        max_steps = self.max_steps if max_steps is None else max_steps
        cues_np = cues.cpu().numpy()
        dev = x.device
        sink: list | None = None if record is None else []
        if self.reads == "dense":
            recorders = [] if sink is None else [_DecodedStates(self._decoder, sink)]
            traj = self.model.run(x, max_steps, tol=tol, freeze=True, engine="direct", recorders=recorders,
                                  cues=cues_np)
            final, steps, settled = traj.final.to(dev), traj.run_steps.to(dev), traj.settled.to(dev)
            redo = None
        else:
            store = self.model.backend
            r = settle_over_candidates(
                x, cues.to(dev), self._candidate_graph, store.keys, beta=self.beta, eta=self.eta,
                mean_coef=self.mean_coef, xbar=self.model.couplings.xbar, tol=tol, max_steps=max_steps,
                record=sink, decoder=self._decoder,
            )
            final, steps, settled = r.final, r.steps, r.settled
            redo = r.discarded > self.max_discarded
        if redo is not None and bool(redo.any()):
            rows = redo.nonzero().squeeze(1) if sink is None else torch.arange(x.shape[0], device=dev)
            self._fallbacks += int(rows.numel())
            recorders = []
            if sink is not None:  # a recorded run is one word: re-record it whole
                sink = []
                recorders = [_DecodedStates(self._decoder, sink)]
            again = self.dense_model.run(x[rows], max_steps, tol=tol, freeze=True, engine="direct",
                                         recorders=recorders, cues=cues_np[rows.cpu().numpy()])
            final[rows], steps[rows], settled[rows] = again.final.to(dev), again.run_steps.to(dev), \
                again.settled.to(dev)
        if record is not None:
            record.extend(sink)
        return final, steps, settled

    def _read_weight(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        """The attention (B,) that the first read of ``x`` (B, n) puts on ``memory`` (B,)."""
        if self.reads == "dense":
            return self.model.attention(x)[torch.arange(x.shape[0], device=x.device), memory]
        cand, bad = self._candidate_graph.candidates(memory)
        keys, out = self.model.backend.keys, x.new_empty(x.shape[0])
        rows = max(1, BLOCK_ELEMENTS // (cand.shape[1] * x.shape[1]))
        block = keys.new_empty(min(rows, x.shape[0]) * cand.shape[1], x.shape[1])
        for lo in range(0, x.shape[0], rows):  # the gathered keys (rows, c, n) stay small
            c, b = cand[lo : lo + rows], bad[lo : lo + rows]
            K = torch.index_select(keys, 0, c.reshape(-1), out=block[: c.numel()]).view(*c.shape, -1)
            s = torch.bmm(x[lo : lo + rows].unsqueeze(1), K.transpose(1, 2)).squeeze(1).masked_fill(b, float("-inf"))
            out[lo : lo + rows] = (torch.softmax(s * self.beta, dim=1) * (c == memory[lo : lo + rows, None])).sum(dim=1)
        return out

    @property
    def _candidate_graph(self) -> CandidateGraph:
        """Each memory's state and successor in the transition graph (built once, on first use)."""
        g = getattr(self, "_graph_of_candidates", None)
        if g is None:
            g = self._graph_of_candidates = CandidateGraph(self._table, self._pair_memory)
        return g

    def _decode(self, x: torch.Tensor):
        """Best-correlated state memory and the margin :math:`r_1 - \\max(r_2, 0)`."""
        r = self._decoder(x)
        if r.shape[1] == 1:
            return torch.zeros(x.shape[0], dtype=torch.long, device=x.device), r[:, 0]
        top = r.topk(2, dim=1)
        return top.indices[:, 0], top.values[:, 0] - top.values[:, 1].clamp(min=0.0)

    def _simulate(self, words, start, record: bool, return_exceptions: bool):
        seqs = [self.dfa.read_word(w) for w in words]  # refuse unknown symbols before any work
        self._fallbacks = 0
        q0 = self._state_index[self.dfa._checked_start(start)]
        dev = self._table.device
        B = len(seqs)
        lengths = torch.tensor([len(w) for w in seqs], dtype=torch.long, device=dev)
        L = int(lengths.max()) if B else 0
        sym = torch.full((B, max(L, 1)), -1, dtype=torch.long, device=dev)
        for b, w in enumerate(seqs):
            if w:
                sym[b, : len(w)] = torch.tensor([self._symbol_index[s] for s in w], dtype=torch.long)
        x = self._attractors[q0].expand(B, -1).clone()
        cur = torch.full((B,), q0, dtype=torch.long, device=dev)
        hist = torch.full((B, L + 1), -1, dtype=torch.long, device=dev)
        hist[:, 0] = q0
        alive = torch.ones(B, dtype=torch.bool, device=dev)
        errors: list = [None] * B
        rec = [self._decoder(x)] if record else None
        read_times, margins = [], []
        names, syms = self.dfa.states, self.dfa.alphabet
        for t in range(L):
            rows = (alive & (lengths > t)).nonzero().squeeze(1)
            if rows.numel() == 0:
                break
            s, q = sym[rows, t], cur[rows]
            target = self._table[q, s]
            undefined = target < 0
            if bool(undefined.any()):
                for b, qi, si in zip(rows[undefined].tolist(), q[undefined].tolist(), s[undefined].tolist()):
                    errors[b] = UndefinedTransition(names[qi], syms[si], t, words[b])
                    alive[b] = False
                keep = ~undefined
                rows, s, target = rows[keep], s[keep], target[keep]
                if rows.numel() == 0:
                    continue
            xr = x[rows]
            xr[:, self.n_state_neurons :] = self._zeta[s]
            if rec is not None:
                read_times.append(len(rec))
                rec.append(self._decoder(xr))
            xr, _, settled = self._settle(xr, rec, cues=self._pair_memory[cur[rows], s])
            dec, margin = self._decode(xr)
            dist = (xr - self._attractors[dec]).abs().amax(dim=1)
            # the next read starts from the decoded state's attractor, the point verification ran
            # every transition from: a settled state within r of it passed two sampled points of
            # that ball, not all of it (a 3-state cycle at n = 256 lost its third read from one)
            x[rows], cur[rows], hist[rows, t + 1] = self._attractors[dec], dec, dec
            margins.append(margin)
            bad = (~settled) | (margin < self.min_margin) | (dec != target) | (dist > self._radius)
            for k in bad.nonzero().squeeze(1).tolist():
                b = int(rows[k])
                where = f"at position {t} of word {words[b]!r} (reading {syms[int(s[k])]!r})"
                err: Exception
                if not settled[k]:
                    err = NotSettledError(f"the state did not settle within max_steps={self.max_steps} updates {where}")
                elif margin[k] < self.min_margin:
                    err = AmbiguousStateError(
                        f"ambiguous state {where}: decoding margin {float(margin[k]):.3f} "
                        f"< min_margin={self.min_margin}"
                    )
                else:
                    err = MisrecallError(
                        f"the memory recalled {names[int(dec[k])]!r} {where}, expected the transition target "
                        f"{names[int(target[k])]!r} (distance to its attractor {float(dist[k]):.3f}); "
                        "the automaton exceeds this memory's capacity"
                    )
                errors[b] = err
                alive[b] = False
        self.last_dense_fallbacks = self._fallbacks
        if not return_exceptions:
            for e in errors:
                if e is not None:
                    raise e
        hist_l = hist.tolist()
        out = []
        for b in range(B):
            if errors[b] is not None:
                out.append(errors[b])
            else:
                out.append([names[i] for i in hist_l[b][: len(seqs[b]) + 1]])
        extra = None
        if rec is not None:
            extra = (
                torch.cat(rec).cpu().numpy(),
                read_times,
                [float(m[0]) for m in margins],
            )
        return out, seqs, extra

    # ------------------------------------------------------------------ public runs
    def run(self, word, start=None) -> list:
        """Decoded state sequence: ``start`` (default the DFA's), then one state per symbol.

        Raises
        ------
        UndefinedTransition
            The decoded state has no transition on the next symbol.
        UnknownSymbolError
            A symbol is outside the alphabet.
        SimulationError
            The memory failed a run-time check (never a silent wrong state).
        """
        return self._simulate([word], start, False, False)[0][0]

    def run_many(self, words, start=None, *, return_exceptions: bool = False) -> list:
        """Run many words in one batched simulation (any mix of lengths).

        All words advance together, one symbol position at a time; a word that has ended,
        failed, or settled early is left out of the updates, so each word follows exactly
        the dynamics it would follow alone. With ``return_exceptions=True`` a failed word's
        entry is the exception (e.g. :class:`UndefinedTransition`) instead of raising the
        first one.
        """
        words = list(words)
        if not words:
            return []
        return self._simulate(words, start, False, return_exceptions)[0]

    def accepts(self, word, start=None) -> bool:
        """True when the decoded run ends in an accepting state; an undefined step rejects."""
        try:
            return self.run(word, start)[-1] in self.dfa.accepting
        except UndefinedTransition:
            return False

    def accepts_many(self, words, start=None) -> list:
        """:meth:`accepts` for many words in one batched simulation."""
        out = self.run_many(words, start, return_exceptions=True)
        for r in out:
            if isinstance(r, Exception) and not isinstance(r, UndefinedTransition):
                raise r
        return [(not isinstance(r, Exception)) and r[-1] in self.dfa.accepting for r in out]

    def trace(self, word, start=None) -> AutomatonTrace:
        """Run one word and record the overlaps with every state memory at every update."""
        out, seqs, (ov, read_times, margins) = self._simulate([word], start, True, False)
        states = out[0]
        return AutomatonTrace(
            word=seqs[0],
            states=states,
            accepted=states[-1] in self.dfa.accepting,
            overlaps=ov,
            read_times=read_times,
            margins=margins,
            state_names=list(self.dfa.states),
            dense_fallbacks=self.last_dense_fallbacks,
        )

    def drift(self, state, symbol):
        """Where the *unchecked* paper construction goes on an undefined pair (for illustration).

        Writes ``symbol`` into the input block of ``state``'s attractor and lets the dynamics
        settle although no memory ``(state, symbol)`` exists; returns the decoded state and
        its margin. :meth:`run` never does this: it raises :class:`UndefinedTransition`.
        """
        if state not in self._state_index:
            raise AutomatonError(f"{state!r} is not a state of this automaton")
        qi = self._state_index[state]
        self.dfa.read_word([symbol])
        x = self._attractors[qi : qi + 1].clone()
        x[:, self.n_state_neurons :] = self._zeta[self._symbol_index[symbol]]
        # no memory (state, symbol) seeds a sparse read here: read every memory
        traj = self.dense_model.run(x, self.max_steps, tol=self.tol, freeze=True, engine="direct")
        x = traj.final.to(x.device)
        dec, margin = self._decode(x)
        return self.dfa.states[int(dec[0])], float(margin[0])
