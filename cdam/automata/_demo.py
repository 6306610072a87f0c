"""Helpers around the memory automaton: random DFAs, printable runs, the family-tree demo.

Text only; what also draws (:func:`~cdam.automata.run_spec`) lives in
:mod:`cdam.automata._run_spec`, on the plot side of the imports.
"""

from __future__ import annotations

from .. import _validation as check
from .._random import as_rng
from ..errors import ParameterError, UndefinedTransition
from ._compile import MemoryAutomaton
from ._spec import DFA, load_automaton

__all__ = ["FAMILY_TREE_SEQUENCES", "family_tree_demo", "format_run", "random_dfa"]


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
    rng = as_rng(seed)
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


#: Three walks through the family tree: (start, symbols). Together they use all 12
#: transitions; the third ends on an undefined pair (Lisa has no sister).
FAMILY_TREE_SEQUENCES = [
    ("Homer", ["wife", "son", "sister", "father"]),
    ("Lisa", ["mother", "husband", "daughter", "brother", "mother", "daughter"]),
    ("Bart", ["father", "son", "sister", "sister"]),
]


def family_tree_demo(n_neurons: int = 1000, seed: int = 0) -> str:
    """Printable text: the family tree (Burns 2024) run on three sequences, undefined steps reported.

    Examples
    --------
    >>> print(family_tree_demo(n_neurons=500).splitlines()[0])
    Family tree (Burns 2024): 4 states, 8 symbols, 12 transitions, n=500 neurons, 16 memories
    """
    dfa = load_automaton("family_tree")
    m = MemoryAutomaton(dfa, n_neurons=n_neurons, seed=seed)
    v = m.verification
    assert v is not None  # MemoryAutomaton verifies by default
    lines = [
        f"Family tree (Burns 2024): {len(dfa.states)} states, {len(dfa.alphabet)} symbols, "
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
