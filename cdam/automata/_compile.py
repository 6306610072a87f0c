"""Compiling a DFA into a memory graph: patterns, couplings, compile-time verification, files.

The construction and why it is exact are in the :mod:`cdam.automata` docstring.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch

from .. import _validation as check
from .._random import as_generator, as_rng, check_seed
from ..backends import CandidateSlots
from ..dynamics import CDAM
from ..errors import AutomatonError, CapacityError, FileFormatError, ParameterError
from ..graph import MemoryGraph
from ..io import atomic_write, check_format, read_json
from ..overlap import OverlapOperator
from ._auto import AUTO_MAX_NEURONS, NeuronSearch, search_neurons
from ._simulate import READS, _Runner
from ._spec import DFA, NFA, _from_dict

__all__ = ["MEASURED_CAPACITY", "MemoryAutomaton", "Verification"]

MODEL_FILE_FORMAT = "cdam.MemoryAutomaton"

#: Largest random complete DFAs that verify, as "states x symbols" for 2, 4 and 8 symbols, keyed by
#: beta, then n_neurons (eta 0.1, 25% state block, tol 1e-3, sparse reads). "Verify" means
#: compile-time verification passes for each of seeds 0 and 1 (DFA and patterns), which makes every
#: run exact; the states were found by doubling from 2, then bisection to 1/8. ">=" means the scan
#: stopped at 4096 states. Measured with benchmarks/automata_capacity.py (the guide's table).
MEASURED_CAPACITY = {
    0.5: {
        250: "3 x 2, 3 x 4, 3 x 8",
        375: "18 x 2, 10 x 4, 5 x 8",
        500: "40 x 2, 30 x 4, 24 x 8",
        750: "160 x 2, 128 x 4, 80 x 8",
        1000: "768 x 2, 704 x 4, 512 x 8",
        1500: ">= 4096 x 2, >= 4096 x 4, >= 4096 x 8",
    },
    1.0: {
        250: "24 x 2, 14 x 4, 10 x 8",
        375: "104 x 2, 80 x 4, 64 x 8",
        500: "512 x 2, 240 x 4, 60 x 8",
        750: ">= 4096 x 2, >= 4096 x 4, 768 x 8",
        1000: ">= 4096 x 2, >= 4096 x 4, 240 x 8",
    },
}

_VAR_UNIFORM = 1.0 / 12.0  # variance of U[0,1): the per-neuron signal of a matching pattern


def _most_correlated(block: np.ndarray, rows: int = 2048) -> tuple[int, int, float]:
    """The two columns of ``block`` (m, S) with the largest Pearson correlation: (i, j, r).

    Computed ``rows`` columns at a time: a whole (S, S) matrix would be 3.2 GB at 20,000
    states (and numpy's ``corrcoef`` crashed there). A constant column correlates 0.
    """
    z = block - block.mean(axis=0)
    norm = np.sqrt((z * z).sum(axis=0))
    z = np.divide(z, norm, out=np.zeros_like(z), where=norm > 0)
    best = (0, 0, -np.inf)
    S = z.shape[1]
    for lo in range(0, S, rows):
        C = z[:, lo : lo + rows].T @ z  # (rows, S)
        C[np.arange(C.shape[0]), np.arange(lo, lo + C.shape[0])] = 0.0
        k = int(np.argmax(C))
        i, j = divmod(k, S)
        if C[i, j] > best[2]:
            best = (lo + i, j, float(C[i, j]))
    return best


def _check_not_single(dfa: DFA, mean_coef: float) -> None:
    if len(dfa.states) + dfa.n_transitions == 1 and mean_coef != 0.0:
        # one memory: c * xbar is that memory, and the dynamics erase it
        raise CapacityError(
            "a 1-state automaton with no transitions compiles to a single memory, which the mean "
            f"subtraction (mean_coef={mean_coef}) cancels exactly; add a transition or use mean_coef=0"
        )


def _necessary_refusal(dfa: DFA, n: int, f: float, beta: float, min_margin: float) -> str | None:
    """Why ``n`` neurons cannot work, from the automaton's shape alone (None: they may)."""
    n_state = int(round(f * n))
    if not 1 <= n_state <= n - 1:
        return f"state_fraction={f} leaves {n_state} of {n} neurons for the state block"
    # A step is a majority read only if the memory (q, s) outweighs the K - 1 other states
    # reading s; their expected score gap is beta * n_state * var(U) (the state block).
    readers: dict = {}
    for _q, s in dfa.transitions:
        readers[s] = readers.get(s, 0) + 1
    if readers:
        s_max, k = max(readers.items(), key=lambda kv: kv[1])
        gap = beta * n_state * _VAR_UNIFORM
        if k >= 2 and gap <= math.log(k - 1):
            need = math.ceil(math.log(k - 1) / (beta * _VAR_UNIFORM * f))
            return (
                f"too many states for n_neurons={n}: {k} states read symbol {s_max!r}, and the "
                f"state block of {n_state} neurons gives an expected read margin of "
                f"beta*n_state/12 = {gap:.2f} nats, not above the limit ln(K-1) = {math.log(k - 1):.2f}; "
                f"use n_neurons > {need} (necessary, not sufficient), a larger beta or state_fraction"
            )
    if 4.0 / math.sqrt(n) >= min_margin:
        return (
            f"n_neurons={n} is too small: chance correlations between random patterns "
            f"(4/sqrt(n) = {4 / math.sqrt(n):.2f}) reach the decoding margin {min_margin}; "
            f"use n_neurons >= {math.ceil((4 / min_margin) ** 2) + 1}"
        )
    return None


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
    dense_fallbacks : int
        Verification runs whose sparse read left out more softmax mass than
        ``max_discarded`` and were re-run with dense reads (0 with ``reads="dense"``).
    """

    n_transitions: int
    max_steps: int
    mean_steps: float
    min_margin: float
    max_distance: float
    min_read_weight: float
    dense_fallbacks: int = 0


class MemoryAutomaton(_Runner):
    r"""A DFA compiled into a CDAM memory graph and run by its dynamics.

    Parameters
    ----------
    dfa : DFA or NFA
        An NFA is determinised first (:meth:`NFA.to_dfa`).
    n_neurons : int or "auto"
        Pattern length :math:`n`. ``"auto"``: the smallest multiple of 64 that compiles and
        verifies, found by doubling from the smallest length that passes the necessary checks,
        then bisection to 64 neurons, every try with the same ``seed`` (deterministic); what
        the search tried is in :attr:`neuron_search`, and ``save`` stores the length found.
        It costs a few compilations (the doubling's, then about :math:`\log_2(n/64)`
        bisection steps); refused tries stop at their first failing chunk of transitions.
    seed : int or None
        Seed of the random patterns :math:`\xi_q, \zeta_s \sim U[0,1)` (None: fresh
        entropy, and the automaton cannot be saved). Anything else raises
        :class:`~cdam.ParameterError`.
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
        Turning it off keeps the run-time checks but loses the guarantee. Verification runs
        through the same reads as the runs (``reads``), so it proves what the runs do.
    reads : {"sparse", "dense"}
        ``"sparse"`` (default): each settle reads only the cue's candidates in the
        transition graph (the memory :math:`(q, s)`, the memories of :math:`q` and of its
        target, at most :math:`4A + 3`), fixed before its first update and stepped in
        coefficient space (the guide's "Sparse reads"): :math:`O(c\,n)` once per
        settle and :math:`O(c^2)` per update instead of :math:`O(p\,n)` per update.
        ``"dense"``: every update reads every memory (the oracle the sparse reads are tested
        against).
    max_discarded : float
        Sparse reads only: a settle whose reads left out more than this softmax mass
        (``Trajectory.topk_discarded``) is re-run with dense reads; such re-runs are counted
        in ``Verification.dense_fallbacks`` and ``last_dense_fallbacks``.
    max_neurons : int, optional
        With ``n_neurons="auto"`` only: no try is longer (default 16384).
    dtype, device
        Where the dynamics run.

    Attributes
    ----------
    verification : Verification or None
        What compile-time verification measured (None with ``verify=False``).
    neuron_search : NeuronSearch or None
        How ``n_neurons="auto"`` found :attr:`n_neurons`: every length tried and whether it
        verified (None when ``n_neurons`` was given).

    Raises
    ------
    CapacityError
        The construction cannot work here: too many states read the same symbol for the
        state block, patterns too correlated, or a transition failed verification. With
        ``n_neurons="auto"``: no length up to ``max_neurons`` verifies.

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
    >>> auto = MemoryAutomaton(load_automaton("parity"), n_neurons="auto", seed=0)
    >>> auto.n_neurons, auto.neuron_search.tries  # the first try verified: 64 neurons are refused
    (128, ((128, True),))
    """

    def __init__(
        self,
        dfa,
        n_neurons: int | str = 1000,
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
        reads: str = "sparse",
        max_discarded: float = 1e-4,
        max_neurons: int | None = None,
        dtype: torch.dtype = torch.float32,
        device="cpu",
    ) -> None:
        if isinstance(dfa, NFA):
            dfa = dfa.to_dfa()
        if not isinstance(dfa, DFA):
            raise AutomatonError(f"MemoryAutomaton needs a DFA or NFA, got {type(dfa).__name__}; see load_automaton")
        if isinstance(n_neurons, str) and n_neurons == "auto":
            self._compile_auto(
                dfa, seed, max_neurons, state_fraction=state_fraction, beta=beta, eta=eta, mean_coef=mean_coef,
                tol=tol, max_steps=max_steps, min_margin=min_margin, verify=verify, reads=reads,
                max_discarded=max_discarded, dtype=dtype, device=device,
            )
            return
        if max_neurons is not None:
            raise ParameterError(
                f"max_neurons bounds the search of n_neurons='auto'; with n_neurons={n_neurons!r} it would be "
                "ignored: drop it, or pass n_neurons='auto'"
            )
        #: How n_neurons="auto" found n_neurons (None when it was given).
        self.neuron_search: NeuronSearch | None = None
        n = check.positive_int("n_neurons", n_neurons, minimum=2)
        seed = check_seed(seed)  # stored and saved: an int or None, never a generator
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
        self.min_margin = check.finite_real("min_margin", min_margin, strict_minimum=0.0)
        if self.min_margin >= 1.0:
            raise ParameterError(f"min_margin must be < 1 (a correlation lead), got {self.min_margin}")
        self.reads = check.choice("reads", reads, READS)
        self.max_discarded = check.finite_real("max_discarded", max_discarded, minimum=0.0)
        self.dfa, self.n_neurons, self.seed = dfa, n, seed
        self._settings = {
            "n_neurons": n, "seed": seed, "state_fraction": f, "beta": beta, "eta": eta, "mean_coef": mean_coef,
            "tol": tol, "max_steps": max_steps, "min_margin": min_margin, "verify": bool(verify),
            "reads": self.reads, "max_discarded": self.max_discarded,
            "dtype": str(dtype).removeprefix("torch."),
        }
        self.state_fraction, self.n_state_neurons = f, n_state
        self.mean_coef = check.finite_real("mean_coef", mean_coef)
        self._check_feasible()

        states, symbols = dfa.states, dfa.alphabet
        self._state_index = {q: i for i, q in enumerate(states)}
        self._symbol_index = {s: j for j, s in enumerate(symbols)}
        rng = as_rng(seed)
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
        self._model_kwargs = dict(
            a=0.0, h=1.0, beta=self.beta, eta=self.eta, mean_coef=mean_coef, normalization="none",
            dtype=dtype, device=device,
        )
        S = len(states)
        pair_memory = torch.full((S, max(len(symbols), 1)), -1, dtype=torch.long)
        for i, (q, s) in enumerate(pairs):
            pair_memory[self._state_index[q], self._symbol_index[s]] = S + i
        if self.reads == "sparse":
            self.model = CDAM(g, backend=self._candidate_store(pairs), **self._model_kwargs)
        else:
            self.model = self._dense_model = CDAM(g, **self._model_kwargs)
        dev = self.model.device
        self._pair_memory = pair_memory.to(dev)
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

    def _compile_auto(self, dfa, seed, max_neurons, **settings) -> None:
        """``n_neurons="auto"``: compile at the length :func:`search_neurons` finds, adopt that automaton."""
        if not settings["verify"]:
            raise ParameterError(
                "n_neurons='auto' searches for the smallest n that passes compile-time verification; "
                "with verify=False nothing would be checked: pass verify=True or an int n_neurons"
            )
        top = AUTO_MAX_NEURONS if max_neurons is None else check.positive_int("max_neurons", max_neurons, minimum=2)
        check_seed(seed)
        f = check.finite_real("state_fraction", settings["state_fraction"], strict_minimum=0.0)
        if f >= 1.0:
            raise ParameterError(f"state_fraction={f} leaves no input block; use a value in (0, 1)")
        beta = check.finite_real("beta", settings["beta"], strict_minimum=0.0)
        margin = check.finite_real("min_margin", settings["min_margin"], strict_minimum=0.0)
        _check_not_single(dfa, check.finite_real("mean_coef", settings["mean_coef"]))  # no n helps there
        cls = type(self)

        def build(n: int) -> MemoryAutomaton:
            m = cls(dfa, n, seed, **{**settings, "verify": False})
            if m._attractor_refusal is not None:
                raise CapacityError(m._attractor_refusal)
            m.verification = m._verify(first_failure=True)
            m._settings["verify"] = True
            return m

        what = f"this {len(dfa.states)}-state, {len(dfa.alphabet)}-symbol automaton"
        found, search = search_neurons(build, lambda n: _necessary_refusal(dfa, n, f, beta, margin),
                                       max_neurons=top, what=what)
        self.__dict__.update(found.__dict__)
        self.neuron_search = search

    def _candidate_store(self, pairs) -> CandidateSlots:
        r"""The graph-seeded store of sparse reads: the transition graph as its neighbour table.

        Links: state :math:`q` -- its own memories :math:`(q, s)` (weight 3), and
        :math:`(q, s)` -- its target :math:`\delta(q, s)` (weight 2). A row of the table keeps
        the ``A + 1`` strongest links (A symbols): a state's own memories first, then one
        memory leading into it; a memory :math:`(q, s)`'s row is its state and its target.
        Each read attends ``k = A + 3`` memories and all of them bring their neighbours, so
        the candidates of a run at :math:`q` reading :math:`s` hold :math:`q`, every
        :math:`(q, s')`, their targets and, one hop further, the targets' own memories.
        """
        S, A = len(self.dfa.states), len(self.dfa.alphabet)
        p = S + len(pairs)
        rows, cols, vals = [], [], []
        for i, ((q, _s), t) in enumerate(self.dfa.transitions.items()):
            rows += [self._state_index[q], S + i]
            cols += [S + i, self._state_index[t]]
            vals += [3.0, 2.0]
        links = sp.csr_matrix((vals, (rows, cols)), shape=(p, p))
        k = min(p, A + 3)
        return CandidateSlots(index=None, neighbours=links, k=k, candidates=k, max_neighbours=A + 1)

    @property
    def dense_model(self) -> CDAM:
        """The same memories read densely (every memory at every update): the oracle, the fallback."""
        if getattr(self, "_dense_model", None) is None:
            self._dense_model = CDAM(self.graph, **self._model_kwargs)
        return self._dense_model

    # ------------------------------------------------------------------ compile-time checks
    def _check_feasible(self) -> None:
        _check_not_single(self.dfa, self.mean_coef)
        why = _necessary_refusal(self.dfa, self.n_neurons, self.state_fraction, self.beta, self.min_margin)
        if why is not None:
            raise CapacityError(why)

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
            i, j, c = _most_correlated(block)
            if c >= limit:
                raise CapacityError(
                    f"{name} patterns {labels[i]!r} and {labels[j]!r} correlate {c:.2f} on their block, above "
                    f"the limit {limit}; the block is too small: use more n_neurons or another seed"
                )

    def _compute_attractors(self, verify: bool) -> torch.Tensor:
        x0 = (self._xi.T - self.model.couplings.xbar).contiguous()
        self._fallbacks = 0
        # tighter than tol: every run-time distance is measured from these points
        x, _, settled = self._settle(x0, tol=self.tol / 100.0, max_steps=10 * self.max_steps,
                                     cues=torch.arange(x0.shape[0], device=x0.device))
        dec, margin = self._decode(x)
        want = torch.arange(len(self.dfa.states), device=x.device)
        bad = (~settled) | (dec != want) | (margin < self.min_margin)
        self._attractor_refusal = None
        if bool(bad.any()):
            i = int(bad.nonzero()[0])
            q = self.dfa.states[i]
            self._attractor_refusal = (
                f"state {q!r} is not a stable memory at n_neurons={self.n_neurons} (decodes to "
                f"{self.dfa.states[int(dec[i])]!r}, margin {float(margin[i]):.2f} < {self.min_margin}); "
                "use more n_neurons"
            )
            if verify:
                raise CapacityError(self._attractor_refusal)
        return x

    def _verify(self, first_failure: bool = False) -> Verification:
        """Simulate every transition (twice); ``first_failure``: stop after the first failing chunk."""
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
        gen = as_generator(0 if self.seed is None else self.seed)
        push = self._radius * (2.0 * torch.randint(0, 2, (P, self.n_neurons), generator=gen) - 1.0)
        push = push.to(device=dev, dtype=self._attractors.dtype)
        failures, failed, steps_all, margins, dists, reads = [], [], [], [], [], []
        chunk = 2048
        for lo in range(0, P, chunk):
            idx = torch.arange(lo, min(lo + chunk, P), device=dev)
            m = idx.numel()
            x = torch.cat([self._attractors[q[idx]], self._attractors[q[idx]] + push[idx]])
            x[:, self.n_state_neurons :] = self._zeta[s[idx]].repeat(2, 1)
            reads.append(self._read_weight(x[:m], n_states + idx))
            x, steps, settled = self._settle(x, cues=(n_states + idx).repeat(2))
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
                failed.append((qq, ss, tt, self.dfa.states[int(dec[k])] if settled[k] else None, k >= m))
            if failures and first_failure:
                break
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
                f"{'; '.join(failures[:3])}. Use more n_neurons or n_neurons='auto' (limits at beta 0.5: "
                + "; ".join(f"n={nn}: {c}" for nn, c in MEASURED_CAPACITY[0.5].items())
                + f"), beta=1, or another seed{hint}",
                failures=failed,
            )
        steps = torch.cat(steps_all).float()
        return Verification(
            n_transitions=P,
            max_steps=int(steps.max()),
            mean_steps=float(steps.mean()),
            min_margin=float(min(torch.cat(margins).min(), self._decode(self._attractors)[1].min())),
            max_distance=float(torch.cat(dists).max()),
            min_read_weight=float(torch.cat(reads).min()),
            dense_fallbacks=self._fallbacks,
        )

    # ------------------------------------------------------------------ files
    def save(self, path) -> None:
        """Save the automaton and every construction setting as JSON, atomically.

        The memory patterns are drawn from ``seed``, so :meth:`load` rebuilds exactly the
        same memories, couplings and runs.
        """
        if self.seed is None:
            raise ParameterError(
                "this automaton's patterns were drawn from fresh entropy (seed=None), so no file can rebuild "
                "them; build it with an int seed to save it"
            )
        doc = {"format": MODEL_FILE_FORMAT, "version": 1, "automaton": self.dfa.to_dict(), "settings": self._settings}
        atomic_write(path, json.dumps(doc, indent=1))

    @classmethod
    def load(cls, path, device="cpu") -> MemoryAutomaton:
        """Rebuild a memory automaton written by :meth:`save`.

        Raises
        ------
        FileFormatError
            If the file is not a valid memory-automaton file.
        """
        doc = read_json(path, what="memory-automaton")
        check_format(doc, MODEL_FILE_FORMAT, 1, path)
        dfa = _from_dict(doc.get("automaton"), str(path))
        try:
            settings = dict(doc["settings"])
            settings["dtype"] = {"float32": torch.float32, "float64": torch.float64}[settings["dtype"]]
            return cls(dfa, **settings, device=device)
        except (TypeError, ValueError, KeyError) as exc:
            raise FileFormatError(f"{path!s} holds invalid settings: {exc}") from None

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
            f"state_fraction={self.state_fraction}, beta={self.beta}, verified={self.verification is not None}"
            + ("" if self.neuron_search is None else f", auto: {len(self.neuron_search.tries)} tries") + ")"
        )
