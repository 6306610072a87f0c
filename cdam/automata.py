r"""Finite automata as memory sequences: compile a DFA into a memory graph and run it.

The construction (SPEC 1.8, after Burns 2024):

- every state :math:`q` is a memory with its own random pattern :math:`\xi_q` and a self-loop;
- every *defined* pair :math:`(q, s)` is a memory whose pattern is :math:`\xi_q` on a block
  of "state" neurons (default 25%) and the symbol's pattern :math:`\zeta_s` on the remaining
  "input" neurons;
- every transition :math:`q \xrightarrow{s} q'` is an edge :math:`(q, s) \to q'`;
- CDAM dynamics with :math:`a = 0`, :math:`h = 1`, normalisation ``none``, :math:`c = 1`.

Reading :math:`s` overwrites the input block of the current state with :math:`\zeta_s`; the
attention then locks onto the memory :math:`(q, s)`, whose value is its successor's pattern,
and the state flows to the attractor of :math:`q'`.

**Exactness.** The paper ran a fixed 100 steps and read off the best-correlated state. Here:

1. *Settling*: a step runs until no neuron moved by more than ``tol`` in one update (each
   word in a batch is frozen once settled), with at most ``max_steps`` updates; otherwise
   :class:`NotSettledError`.
2. *Decoding*: Pearson correlation with the state memories; the margin
   :math:`r_1 - \max(r_2, 0)` must reach ``min_margin`` (default 1/2, derivation below),
   otherwise :class:`AmbiguousStateError`.
3. *Verification at compile time*: every state's attractor is computed, and every defined
   transition is simulated twice: from its state's attractor, and from that attractor with
   every neuron pushed by :math:`\pm r`, :math:`r = 2\,\mathrm{tol}/\eta`. The settled
   state must decode to the target with the margin and lie within :math:`r` (max-abs) of the
   target's attractor. Why :math:`r`: near an attractor the update contracts by about
   :math:`1-\eta` per step, so a state whose last move was at most ``tol`` is within
   :math:`\mathrm{tol}(1-\eta)/\eta < r` of it. A run then chains verified steps: each step
   starts within :math:`r` of an attractor, which run time checks again
   (:class:`MisrecallError` otherwise). If any transition fails, :class:`CapacityError` is
   raised at compile time, with the limit in the message.
4. *Undefined pairs*: the memory holds no :math:`(q, s)` memory; reading one raises
   :class:`UndefinedTransition` naming the state and symbol (the paper's construction would
   drift to another state that reads :math:`s`; :meth:`MemoryAutomaton.drift` shows where).

**Margin threshold.** For a state that mixes two independent patterns with weights
:math:`\lambda` and :math:`1-\lambda`, :math:`r_1 - r_2 = (2\lambda - 1)/\sqrt{\lambda^2 +
(1-\lambda)^2}`; a margin of 1/2 means :math:`\lambda \ge 0.69`, the decoded memory carries more
than 2.2 times the weight of the runner-up. A clean attractor has margin about 0.9, a tie 0,
and chance correlations between random patterns stay below :math:`4/\sqrt n` (0.25 at n = 250),
so 1/2 separates "one memory" from "a mixture" with room on both sides.

**Capacity.** Largest random complete DFA (states x symbols) simulated exactly for 3 of 3 seeds,
measured by ``benchmarks/bench_automata.py`` (see :data:`MEASURED_CAPACITY`):

======  ======================  ======================  =====================
n       2 symbols               4 symbols               8 symbols
======  ======================  ======================  =====================
250     3 x 2                   2 x 4                   3 x 8
500     40 x 2                  24 x 4                  24 x 8
1000    >= 256 x 2              >= 192 x 4              >= 96 x 8
2000    >= 256 x 2              >= 160 x 4              >= 96 x 8
======  ======================  ======================  =====================

(beta 0.5, the paper's; ">=": the scan stopped on time, not on a failure). The limit is the
read: the memory :math:`(q, s)` must win the attention against the other states that read
:math:`s`, a margin of :math:`\beta\, n_\text{state}/12` nats in expectation. With
``beta=1`` the measured limits are much higher (n = 250: 24 x 2, 12 x 4, 4 x 8; n = 500:
>= 256 x 2, 192 x 4, 128 x 8); beta 2 and 4 were worse again at n = 250.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from . import _validation as check
from ._automata_spec import (
    DFA,
    EPSILON,
    NFA,
    AutomatonError,
    UndefinedTransition,
    UnknownSymbolError,
    load_automaton,
    read_automaton,
    save_automaton,
)
from .dynamics import CDAM
from .errors import CDAMError, ParameterError
from .graph import MemoryGraph
from .measures import OverlapOperator

MODEL_FILE_FORMAT = "cdam.MemoryAutomaton"

__all__ = [
    "DFA",
    "EPSILON",
    "FAMILY_TREE_SEQUENCES",
    "MEASURED_CAPACITY",
    "NFA",
    "AmbiguousStateError",
    "AutomatonError",
    "AutomatonTrace",
    "CapacityError",
    "MemoryAutomaton",
    "MisrecallError",
    "NotSettledError",
    "SimulationError",
    "UndefinedTransition",
    "UnknownSymbolError",
    "Verification",
    "draw_trace",
    "family_tree_demo",
    "format_run",
    "load_automaton",
    "plot_family_tree",
    "plot_trace",
    "random_dfa",
    "read_automaton",
    "run_spec",
    "save_automaton",
]

#: Largest random complete DFAs simulated exactly, as "states x symbols" for 2, 4 and 8 symbols,
#: keyed by beta, then n_neurons (eta 0.1, 25% state block, tol 1e-3). "Exactly" means compile-time
#: verification passes and 100 random words of length 1-15 give the reference run, for each of
#: seeds 0, 1, 2 (DFA and patterns). ">=" means the scan (2, 3, 4, 5, 6, 8, ..., 256 states)
#: stopped on its time budget before any failure. Measured with benchmarks/bench_automata.py.
MEASURED_CAPACITY = {
    0.5: {
        250: "3 x 2, 2 x 4, 3 x 8",
        500: "40 x 2, 24 x 4, 24 x 8",
        1000: ">= 256 x 2, >= 192 x 4, >= 96 x 8",
        2000: ">= 256 x 2, >= 160 x 4, >= 96 x 8",
    },
    1.0: {
        250: "24 x 2, 12 x 4, 4 x 8",
        500: ">= 256 x 2, 192 x 4, 128 x 8",
    },
}

_VAR_UNIFORM = 1.0 / 12.0  # variance of U[0,1): the per-neuron signal of a matching pattern


class CapacityError(CDAMError, ValueError):
    """The memory cannot simulate this automaton exactly with these settings."""


class SimulationError(CDAMError, RuntimeError):
    """The memory failed during a run (never returned as a wrong state)."""


class NotSettledError(SimulationError):
    """A step did not settle within ``max_steps`` updates."""


class AmbiguousStateError(SimulationError):
    """The settled state is too close to two state memories to decode."""


class MisrecallError(SimulationError):
    """The settled state is not the attractor of the transition's target."""


@dataclass(frozen=True)
class Verification:
    """What compile-time verification measured over every defined transition.

    Attributes
    ----------
    n_transitions : int
    max_steps, mean_steps : float
        Updates needed to settle a transition.
    min_margin : float
        Smallest decoding margin :math:`r_1 - \\max(r_2, 0)` (attractors and transitions).
    max_distance : float
        Largest max-abs distance between a settled transition and its target's attractor.
    min_read_weight : float
        Smallest attention on the memory :math:`(q, s)` right after reading ``s``.
    """

    n_transitions: int
    max_steps: int
    mean_steps: float
    min_margin: float
    max_distance: float
    min_read_weight: float


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
    """

    word: list
    states: list
    accepted: bool
    overlaps: np.ndarray
    read_times: list
    margins: list
    state_names: list = field(default_factory=list)


class MemoryAutomaton:
    r"""A DFA compiled into a CDAM memory graph and run by its dynamics.

    Parameters
    ----------
    dfa : DFA or NFA
        An NFA is determinised first (:meth:`NFA.to_dfa`).
    n_neurons : int
        Pattern length :math:`n`.
    seed : int
        Seed of the random patterns :math:`\xi_q, \zeta_s \sim U[0,1)`.
    state_fraction : float
        Share of neurons in the state block (the paper: 0.25); the rest is the input block.
    beta, eta, mean_coef : float
        CDAM inverse temperature (paper: 0.5), step size and mean-subtraction coefficient.
    tol : float
        A step has settled when no neuron moved by more than ``tol`` in one update.
    max_steps : int
        Bound on the updates of one step.
    min_margin : float
        Smallest accepted decoding margin (see the module docstring).
    verify : bool
        Simulate every transition at compile time and raise :class:`CapacityError` on failure.
        Turning it off keeps the run-time checks but loses the guarantee.
    dtype, device
        Where the dynamics run.

    Raises
    ------
    CapacityError
        The construction cannot work here: too many states read the same symbol for the
        state block, patterns too correlated, or a transition failed verification.

    Examples
    --------
    >>> from cdam.automata import MemoryAutomaton, load_automaton
    >>> m = MemoryAutomaton(load_automaton("parity"), n_neurons=300, seed=0)
    >>> m.run("0110")
    ['even', 'even', 'odd', 'even', 'even']
    >>> m.accepts("111")
    False
    >>> m.run_many(["1", "11", ""])
    [['even', 'odd'], ['even', 'odd', 'even'], ['even']]
    """

    def __init__(
        self,
        dfa,
        n_neurons: int = 1000,
        seed: int = 0,
        *,
        state_fraction: float = 0.25,
        beta: float = 0.5,
        eta: float = 0.1,
        mean_coef: float = 1.0,
        tol: float = 1e-3,
        max_steps: int = 1000,
        min_margin: float = 0.5,
        verify: bool = True,
        dtype: torch.dtype = torch.float32,
        device="cpu",
    ) -> None:
        if isinstance(dfa, NFA):
            dfa = dfa.to_dfa()
        if not isinstance(dfa, DFA):
            raise AutomatonError(f"MemoryAutomaton needs a DFA or NFA, got {type(dfa).__name__}; see load_automaton")
        n = check.positive_int("n_neurons", n_neurons, minimum=2)
        f = check.finite_real("state_fraction", state_fraction, strict_minimum=0.0)
        n_state = int(round(f * n))
        if f >= 1.0 or not 1 <= n_state <= n - 1:
            raise ParameterError(
                f"state_fraction={f} leaves {n_state} of {n} neurons for the state block; "
                "both blocks need at least one neuron (use a value in (0, 1))"
            )
        self.beta = check.finite_real("beta", beta, strict_minimum=0.0)
        self.eta = check.finite_real("eta", eta, strict_minimum=0.0)
        self.tol = check.finite_real("tol", tol, strict_minimum=0.0)
        self.max_steps = check.positive_int("max_steps", max_steps)
        self.min_margin = check.finite_real("min_margin", min_margin, minimum=0.0)
        if self.min_margin >= 1.0:
            raise ParameterError(f"min_margin must be < 1 (a correlation lead), got {self.min_margin}")
        self.dfa, self.n_neurons, self.seed = dfa, n, seed
        self._settings = {
            "n_neurons": n, "seed": seed, "state_fraction": f, "beta": beta, "eta": eta, "mean_coef": mean_coef,
            "tol": tol, "max_steps": max_steps, "min_margin": min_margin, "verify": bool(verify),
            "dtype": str(dtype).removeprefix("torch."),
        }
        self.state_fraction, self.n_state_neurons = f, n_state
        self.mean_coef = check.finite_real("mean_coef", mean_coef)
        self._check_feasible()

        states, symbols = dfa.states, dfa.alphabet
        self._state_index = {q: i for i, q in enumerate(states)}
        self._symbol_index = {s: j for j, s in enumerate(symbols)}
        rng = np.random.default_rng(seed)
        xi = rng.random((n, len(states)))  # column i: state i
        zeta = rng.random((n - n_state, len(symbols)))
        self._check_correlations(xi, zeta)
        pairs = list(dfa.transitions)
        g = MemoryGraph(metadata={"automaton": dfa.name or "", "state_fraction": f, "seed": seed})
        g.add_memories([("state", q) for q in states], xi)
        if pairs:
            qi = [self._state_index[q] for q, _ in pairs]
            sj = [self._symbol_index[s] for _, s in pairs]
            g.add_memories([("read", q, s) for q, s in pairs], np.vstack([xi[:n_state, qi], zeta[:, sj]]))
        g.add_transitions_from([(("state", q), ("state", q)) for q in states])
        g.add_transitions_from([(("read", q, s), ("state", t)) for (q, s), t in dfa.transitions.items()])
        self.graph = g
        self.model = CDAM(
            g,
            a=0.0,
            h=1.0,
            beta=self.beta,
            eta=self.eta,
            mean_coef=mean_coef,
            normalization="none",
            dtype=dtype,
            device=device,
        )
        dev = self.model.device
        self._xi = torch.as_tensor(xi, dtype=dtype, device=dev)
        self._zeta = torch.as_tensor(zeta.T.copy(), dtype=dtype, device=dev)  # (symbols, n_input)
        self._decoder = OverlapOperator(self._xi, "pearson")
        table = torch.full((len(states), max(len(symbols), 1)), -1, dtype=torch.long)
        for (q, s), t in dfa.transitions.items():
            table[self._state_index[q], self._symbol_index[s]] = self._state_index[t]
        self._table = table.to(dev)
        self._radius = 2.0 * self.tol / self.eta
        self._attractors = self._compute_attractors(verify)
        self.verification = self._verify() if verify else None

    # ------------------------------------------------------------------ compile-time checks
    def _check_feasible(self) -> None:
        if len(self.dfa.states) + self.dfa.n_transitions == 1 and self.mean_coef != 0.0:
            # one memory: c * xbar is that memory, and the dynamics erase it
            raise CapacityError(
                "a 1-state automaton with no transitions compiles to a single memory, which the mean "
                f"subtraction (mean_coef={self.mean_coef}) cancels exactly; add a transition or use mean_coef=0"
            )
        # A step is a majority read only if the memory (q, s) outweighs the K - 1 other states
        # reading s; their expected score gap is beta * n_state * var(U) (the state block).
        readers: dict = {}
        for _q, s in self.dfa.transitions:
            readers[s] = readers.get(s, 0) + 1
        if not readers:
            return
        s_max, k = max(readers.items(), key=lambda kv: kv[1])
        gap = self.beta * self.n_state_neurons * _VAR_UNIFORM
        if k >= 2 and gap <= math.log(k - 1):
            need = math.ceil(math.log(k - 1) / (self.beta * _VAR_UNIFORM * self.state_fraction))
            raise CapacityError(
                f"too many states for n_neurons={self.n_neurons}: {k} states read symbol {s_max!r}, and the "
                f"state block of {self.n_state_neurons} neurons gives an expected read margin of "
                f"beta*n_state/12 = {gap:.2f} nats, not above the limit ln(K-1) = {math.log(k - 1):.2f}; "
                f"use n_neurons > {need} (necessary, not sufficient), a larger beta or state_fraction"
            )
        if 4.0 / math.sqrt(self.n_neurons) >= self.min_margin:
            raise CapacityError(
                f"n_neurons={self.n_neurons} is too small: chance correlations between random patterns "
                f"(4/sqrt(n) = {4 / math.sqrt(self.n_neurons):.2f}) reach the decoding margin {self.min_margin}; "
                f"use n_neurons >= {math.ceil((4 / self.min_margin) ** 2) + 1}"
            )

    def _check_correlations(self, xi: np.ndarray, zeta: np.ndarray) -> None:
        # Reads separate states on the state block and symbols on the input block; two
        # patterns correlated above 1/2 there share more than half of that separation.
        limit = 0.5
        for name, block, labels in (
            ("state", xi[: self.n_state_neurons], self.dfa.states),
            ("symbol", zeta, self.dfa.alphabet),
        ):
            if block.shape[1] < 2:
                continue
            C = np.corrcoef(block.T)
            np.fill_diagonal(C, 0.0)
            i, j = np.unravel_index(np.argmax(C), C.shape)
            if C[i, j] >= limit:
                raise CapacityError(
                    f"{name} patterns {labels[i]!r} and {labels[j]!r} correlate {C[i, j]:.2f} on their block, above "
                    f"the limit {limit}; the block is too small: use more n_neurons or another seed"
                )

    def _compute_attractors(self, verify: bool) -> torch.Tensor:
        x0 = (self._xi.T - self.model.couplings.xbar).contiguous()
        # tighter than tol: every run-time distance is measured from these points
        x, _, settled = self._settle(x0, tol=self.tol / 100.0, max_steps=10 * self.max_steps)
        dec, margin = self._decode(x)
        want = torch.arange(len(self.dfa.states), device=x.device)
        bad = (~settled) | (dec != want) | (margin < self.min_margin)
        if verify and bool(bad.any()):
            i = int(bad.nonzero()[0])
            q = self.dfa.states[i]
            raise CapacityError(
                f"state {q!r} is not a stable memory at n_neurons={self.n_neurons} (decodes to "
                f"{self.dfa.states[int(dec[i])]!r}, margin {float(margin[i]):.2f} < {self.min_margin}); "
                "use more n_neurons"
            )
        return x

    def _verify(self) -> Verification:
        pairs = list(self.dfa.transitions.items())
        if not pairs:
            return Verification(0, 0, 0.0, float(self._decode(self._attractors)[1].min()), 0.0, 1.0)
        dev = self._table.device
        q = torch.tensor([self._state_index[p[0][0]] for p in pairs], device=dev)
        s = torch.tensor([self._symbol_index[p[0][1]] for p in pairs], device=dev)
        want = torch.tensor([self._state_index[p[1]] for p in pairs], device=dev)
        n_states, P = len(self.dfa.states), len(pairs)
        # Each transition is run twice: from its state's attractor, and from a point at the edge
        # of the run-time tolerance (every neuron pushed by +-radius), where a run may start.
        gen = torch.Generator().manual_seed(int(self.seed) if isinstance(self.seed, int) else 0)
        push = self._radius * (2.0 * torch.randint(0, 2, (P, self.n_neurons), generator=gen) - 1.0)
        push = push.to(device=dev, dtype=self._attractors.dtype)
        failures, steps_all, margins, dists, reads = [], [], [], [], []
        chunk = 2048
        for lo in range(0, P, chunk):
            idx = torch.arange(lo, min(lo + chunk, P), device=dev)
            m = idx.numel()
            x = torch.cat([self._attractors[q[idx]], self._attractors[q[idx]] + push[idx]])
            x[:, self.n_state_neurons :] = self._zeta[s[idx]].repeat(2, 1)
            w = self.model.attention(x[:m])
            reads.append(w[torch.arange(m, device=dev), n_states + idx])
            x, steps, settled = self._settle(x)
            dec, margin = self._decode(x)
            dist = (x - self._attractors[dec]).abs().amax(dim=1)
            steps_all.append(steps)
            margins.append(margin)
            dists.append(dist)
            target = want[idx].repeat(2)
            bad = (~settled) | (dec != target) | (margin < self.min_margin) | (dist > self._radius)
            for k in bad.nonzero().squeeze(1).tolist():
                (qq, ss), tt = pairs[lo + k % m]
                why = (
                    "did not settle"
                    if not settled[k]
                    else f"reached {self.dfa.states[int(dec[k])]!r}"
                    if dec[k] != target[k]
                    else f"margin {float(margin[k]):.2f}"
                    if margin[k] < self.min_margin
                    else f"ended {float(dist[k]):.3f} from the attractor"
                )
                failures.append(f"({qq!r}, {ss!r}) -> {tt!r} {why}{' (perturbed start)' if k >= m else ''}")
        if failures:
            k = len(self.dfa.states)
            cap = MEASURED_CAPACITY.get(self.beta, {}).get(self.n_neurons)
            cap_txt = f" (measured limits at n={self.n_neurons}, beta={self.beta}: {cap})" if cap else ""
            better = MEASURED_CAPACITY[1.0].get(self.n_neurons) if self.beta < 1.0 else None
            hint = f"; beta=1 measured higher limits here: {better}" if better else ""
            raise CapacityError(
                f"the memory cannot simulate this {k}-state, {len(self.dfa.alphabet)}-symbol automaton exactly at "
                f"n_neurons={self.n_neurons}, beta={self.beta}{cap_txt}: {len(failures)} of {2 * P} verification runs "
                f"({P} transitions, each from the attractor and from a perturbed start) fail, e.g. "
                f"{'; '.join(failures[:3])}. Use more n_neurons (limits at beta 0.5: "
                + "; ".join(f"n={nn}: {c}" for nn, c in MEASURED_CAPACITY[0.5].items())
                + f"), beta=1, or another seed{hint}"
            )
        steps = torch.cat(steps_all).float()
        return Verification(
            n_transitions=P,
            max_steps=int(steps.max()),
            mean_steps=float(steps.mean()),
            min_margin=float(min(torch.cat(margins).min(), self._decode(self._attractors)[1].min())),
            max_distance=float(torch.cat(dists).max()),
            min_read_weight=float(torch.cat(reads).min()),
        )

    # ------------------------------------------------------------------ dynamics
    def _settle(self, x: torch.Tensor, record=None, *, tol=None, max_steps=None):
        """Update each row until it moves by at most ``tol``; settled rows are frozen."""
        tol = self.tol if tol is None else tol
        max_steps = self.max_steps if max_steps is None else max_steps
        running = torch.arange(x.shape[0], device=x.device)
        steps = torch.zeros(x.shape[0], dtype=torch.long, device=x.device)
        for _ in range(max_steps):
            if running.numel() == x.shape[0]:  # nobody frozen yet: skip the gather and scatter
                xn = self.model.step(x)
                moved = (xn - x).abs().amax(dim=1)
                x = xn
            else:
                xr = x[running]
                xn = self.model.step(xr)
                moved = (xn - xr).abs().amax(dim=1)
                x[running] = xn
            steps[running] += 1
            if record is not None:
                record.append(self._decoder(x))
            running = running[moved > tol]
            if running.numel() == 0:
                break
        settled = torch.ones(x.shape[0], dtype=torch.bool, device=x.device)
        settled[running] = False
        return x, steps, settled

    def _decode(self, x: torch.Tensor):
        """Best-correlated state memory and the margin :math:`r_1 - \\max(r_2, 0)`."""
        r = self._decoder(x)
        if r.shape[1] == 1:
            return torch.zeros(x.shape[0], dtype=torch.long, device=x.device), r[:, 0]
        top = r.topk(2, dim=1)
        return top.indices[:, 0], top.values[:, 0] - top.values[:, 1].clamp(min=0.0)

    def _simulate(self, words, start, record: bool, return_exceptions: bool):
        seqs = [self.dfa.read_word(w) for w in words]  # refuse unknown symbols before any work
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
            xr, _, settled = self._settle(xr, rec)
            dec, margin = self._decode(xr)
            dist = (xr - self._attractors[dec]).abs().amax(dim=1)
            x[rows], cur[rows], hist[rows, t + 1] = xr, dec, dec
            margins.append(margin)
            bad = (~settled) | (margin < self.min_margin) | (dec != target) | (dist > self._radius)
            for k in bad.nonzero().squeeze(1).tolist():
                b = int(rows[k])
                where = f"at position {t} of word {words[b]!r} (reading {syms[int(s[k])]!r})"
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
        if record:
            extra = (
                torch.cat(rec).cpu().numpy(),
                read_times,
                [float(m[0]) for m in margins],
            )
        return out, seqs, extra

    # ------------------------------------------------------------------ public runs
    def save(self, path) -> None:
        """Save the automaton and every construction setting as JSON, atomically.

        The memory patterns are drawn from ``seed``, so :meth:`load` rebuilds exactly the
        same memories, couplings and runs.
        """
        import json
        import os

        doc = {"format": MODEL_FILE_FORMAT, "version": 1, "automaton": self.dfa.to_dict(), "settings": self._settings}
        tmp = f"{os.fspath(path)}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, indent=1)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    @classmethod
    def load(cls, path, device="cpu") -> MemoryAutomaton:
        """Rebuild a memory automaton written by :meth:`save`.

        Raises
        ------
        FileFormatError
            If the file is not a valid memory-automaton file.
        """
        import json

        from ._automata_spec import _from_dict
        from .errors import FileFormatError

        try:
            with open(path, encoding="utf-8") as fh:
                doc = json.load(fh)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FileFormatError(f"{path!s} is not a memory-automaton JSON file: {exc}") from None
        if not isinstance(doc, dict) or doc.get("format") != MODEL_FILE_FORMAT:
            raise FileFormatError(f"{path!s} is not a {MODEL_FILE_FORMAT} file")
        if doc.get("version") != 1:
            raise FileFormatError(f"{path!s} has version {doc.get('version')!r}; this cdam reads version 1")
        dfa = _from_dict(doc.get("automaton"), str(path))
        try:
            settings = dict(doc["settings"])
            settings["dtype"] = {"float32": torch.float32, "float64": torch.float64}[settings["dtype"]]
            return cls(dfa, **settings, device=device)
        except (TypeError, ValueError, KeyError) as exc:
            raise FileFormatError(f"{path!s} holds invalid settings: {exc}") from None

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
        x, _, _ = self._settle(x)
        dec, margin = self._decode(x)
        return self.dfa.states[int(dec[0])], float(margin[0])

    # ------------------------------------------------------------------ views
    @property
    def state_patterns(self) -> np.ndarray:
        """Patterns :math:`\\xi_q` (n, n_states)."""
        return self._xi.cpu().numpy().copy()

    @property
    def attractors(self) -> np.ndarray:
        """Settled state of every state memory (n_states, n)."""
        return self._attractors.cpu().numpy().copy()

    def __repr__(self) -> str:
        return (
            f"MemoryAutomaton({self.dfa!r}, n_neurons={self.n_neurons}, memories={len(self.graph)}, "
            f"state_fraction={self.state_fraction}, beta={self.beta}, verified={self.verification is not None})"
        )


# ---------------------------------------------------------------------- helpers
def random_dfa(n_states: int, n_symbols: int, density: float = 1.0, seed: int = 0, name: str | None = None) -> DFA:
    """A random DFA: states ``q0..``, symbols ``a, b, ..``; each pair defined with probability ``density``.

    Targets are uniform; start ``q0``; each state accepting with probability 1/2.

    Examples
    --------
    >>> d = random_dfa(3, 2, seed=1)
    >>> d.states, d.alphabet, d.is_complete
    (('q0', 'q1', 'q2'), ('a', 'b'), True)
    """
    n_states = check.positive_int("n_states", n_states)
    n_symbols = check.positive_int("n_symbols", n_symbols, minimum=0)
    density = check.finite_real("density", density, minimum=0.0)
    if density > 1.0:
        raise ParameterError(f"density is a probability, got {density}")
    rng = np.random.default_rng(seed)
    states = [f"q{i}" for i in range(n_states)]
    letters = "abcdefghijklmnopqrstuvwxyz"
    symbols = [letters[j] if n_symbols <= 26 else f"s{j}" for j in range(n_symbols)]
    defined = rng.random((n_states, n_symbols)) < density
    targets = rng.integers(0, n_states, size=(n_states, n_symbols))
    delta = {
        (states[i], symbols[j]): states[targets[i, j]]
        for i in range(n_states)
        for j in range(n_symbols)
        if defined[i, j]
    }
    accepting = [q for q, a in zip(states, rng.random(n_states) < 0.5) if a]
    return DFA(states, symbols, delta, "q0", accepting, name=name)


def format_run(dfa: DFA, word, states: list, *, verdict: bool = True) -> str:
    """One line: ``start --s1--> q1 --s2--> q2 ...  [accepted]`` (the verdict optional).

    Examples
    --------
    >>> d = load_automaton("parity")
    >>> format_run(d, "10", ["even", "odd", "odd"])
    'even --1--> odd --0--> odd  [rejected]'
    """
    symbols = dfa.read_word(word)
    parts = [str(states[0])]
    for s, q in zip(symbols, states[1:]):
        label = f"'{s}'" if any(c == "-" or c.isspace() for c in str(s)) else s  # keep "--s-->" readable
        parts.append(f"--{label}--> {q}")
    line = " ".join(parts)
    if not verdict:
        return line
    ok = states[-1] in dfa.accepting and len(states) == len(symbols) + 1
    return line + ("  [accepted]" if ok else "  [rejected]")


def run_spec(spec, word: str, *, n_neurons: int = 1000, seed: int = 0, plot: str | None = None, start=None) -> str:
    """What ``cdam automaton run SPEC WORD`` prints; writes the overlap figure to ``plot`` if given.

    ``spec`` is a gallery name or a JSON path, ``word`` command-line text (see
    :meth:`DFA.parse_word`). An undefined step is reported in the text (the word is
    rejected), not raised; other errors propagate.
    """
    dfa = load_automaton(spec)
    m = MemoryAutomaton(dfa, n_neurons=n_neurons, seed=seed)
    symbols = dfa.parse_word(word)
    try:
        tr = m.trace(symbols, start=start)
    except UndefinedTransition as exc:
        done = m.run(symbols[: exc.position], start=start)
        return (
            format_run(dfa, symbols[: exc.position], done, verdict=False)
            + f" --{exc.symbol}--> (undefined)  [rejected]\n{exc}"
        )
    lines = [format_run(dfa, symbols, tr.states)]
    lines.append(f"states: {' '.join(map(str, tr.states))}")
    lines.append(f"accepted: {'yes' if tr.accepted else 'no'}")
    if plot is not None:
        lines.append(f"figure: {plot_trace(tr, plot)}")
    return "\n".join(lines)


def draw_trace(trace: AutomatonTrace, ax, *, title: str | None = None):
    """Draw the overlaps of a trace on a matplotlib ``ax``: one line per state memory, a dashed
    line and a ``symbol->state`` label at each read. Returns ``ax``."""
    ov = np.asarray(trace.overlaps)
    for i, name in enumerate(trace.state_names):
        ax.plot(np.arange(ov.shape[0]), ov[:, i], label=str(name), lw=1.6, marker="o" if len(ov) == 1 else None)
    for t, s, q in zip(trace.read_times, trace.word, trace.states[1:]):
        ax.axvline(t, color="0.6", lw=0.8, ls="--")
        ax.text(t, 1.02, f"{s}\u2192{q}", fontsize=7, ha="left", va="bottom", transform=ax.get_xaxis_transform())
    ax.set_xlabel("update step")
    ax.set_ylabel("Pearson overlap with state memory")
    ax.set_ylim(-0.4, 1.05)
    if title is None:
        chars = all(isinstance(w, str) and len(w) == 1 for w in trace.word)
        word = ("" if chars else " ").join(map(str, trace.word)) if trace.word else "(empty word)"
        title = f"word: {word}  ({'accepted' if trace.accepted else 'rejected'})"
    ax.set_title(title, pad=16, fontsize=10)
    ax.legend(title="state memory", loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title_fontsize=8)
    return ax


def plot_trace(trace: AutomatonTrace, path) -> str:
    """Write the overlaps-over-time figure of a :meth:`MemoryAutomaton.trace` as a PNG; returns the path.

    matplotlib is imported here (Agg backend), so cdam works without it.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_updates = np.asarray(trace.overlaps).shape[0]
    fig, ax = plt.subplots(figsize=(min(14.0, max(6.0, 0.02 * n_updates + 4)), 4.2))
    draw_trace(trace, ax)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)


#: Three walks through the family tree: (start, symbols). Together they use all 12
#: transitions; the third ends on an undefined pair (Lisa has no sister).
FAMILY_TREE_SEQUENCES = [
    ("Homer", ["wife", "son", "sister", "father"]),
    ("Lisa", ["mother", "husband", "daughter", "brother", "mother", "daughter"]),
    ("Bart", ["father", "son", "sister", "sister"]),
]


def family_tree_demo(n_neurons: int = 1000, seed: int = 0) -> str:
    """Printable text: the family tree (SPEC 1.8) run on three sequences, undefined steps reported.

    Examples
    --------
    >>> print(family_tree_demo(n_neurons=500).splitlines()[0])
    Family tree (SPEC 1.8): 4 states, 8 symbols, 12 transitions, n=500 neurons, 16 memories
    """
    dfa = load_automaton("family_tree")
    m = MemoryAutomaton(dfa, n_neurons=n_neurons, seed=seed)
    v = m.verification
    lines = [
        f"Family tree (SPEC 1.8): {len(dfa.states)} states, {len(dfa.alphabet)} symbols, "
        f"{dfa.n_transitions} transitions, n={n_neurons} neurons, {len(m.graph)} memories",
        f"verified: all {v.n_transitions} transitions exact (min margin {v.min_margin:.2f}, "
        f"settle <= {v.max_steps} updates)",
    ]
    for start, word in FAMILY_TREE_SEQUENCES:
        try:
            states = m.run(word, start=start)
            ref = dfa.run(word, start=start)
            same = "= reference run" if states == ref else "DIFFERS from the reference run"
            lines.append(f"  {format_run(dfa, word, states, verdict=False)}   ({same})")
        except UndefinedTransition as exc:
            done = m.run(word[: exc.position], start=start)
            drift, _ = m.drift(exc.state, exc.symbol)
            head = format_run(dfa, word[: exc.position], done, verdict=False)
            lines.append(f"  {head} --{exc.symbol}--> UNDEFINED")
            lines.append(
                f"    reported: {exc.state} has no {exc.symbol!r} (the unchecked construction would drift to {drift})"
            )
    return "\n".join(lines)


def plot_family_tree(path, n_neurons: int = 1000, seed: int = 0) -> str:
    """Write the family-tree figure: overlaps over time for :data:`FAMILY_TREE_SEQUENCES`, one panel each.

    A sequence that meets an undefined pair is drawn up to it, and the panel title says which
    pair was reported. Returns the path (a PNG; matplotlib is imported here, Agg backend).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dfa = load_automaton("family_tree")
    m = MemoryAutomaton(dfa, n_neurons=n_neurons, seed=seed)
    fig, axes = plt.subplots(len(FAMILY_TREE_SEQUENCES), 1, figsize=(11, 3.6 * len(FAMILY_TREE_SEQUENCES)))
    for ax, (start, word) in zip(np.atleast_1d(axes), FAMILY_TREE_SEQUENCES):
        title = f"start {start}: {' '.join(word)}"
        try:
            tr = m.trace(word, start=start)
        except UndefinedTransition as exc:
            tr = m.trace(word[: exc.position], start=start)
            title += f"   ({exc.state} has no {exc.symbol!r}: reported)"
        draw_trace(tr, ax, title=title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path)
