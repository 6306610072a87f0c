"""DFAs to and from automata-lib, and regular expressions through it (the ``automata`` extra).

automata-lib parses the regular expression, builds the NFA, determinises and minimises it;
this module only translates its DFA into the parts of a :class:`~cdam.automata.DFA` (the
keyword arguments of its constructor, which :meth:`DFA.from_regex` and
:meth:`DFA.from_automata_lib` call) and a DFA back. It imports nothing of
:mod:`cdam.automata._spec`: the DFA class uses this module, not the other way round.

**Dead states.** automata-lib may describe a language by a *total* DFA, whose words that
can no longer be accepted go to a trap state. :meth:`DFA.from_automata_lib` removes every
state from which no accepting state can be reached (and the transitions into it), so such
a word meets an undefined transition and raises
:class:`~cdam.automata.UndefinedTransition`, as a partial DFA from
:meth:`NFA.to_dfa` does. The accepted language is unchanged, and the memory stores no
trap memories, which only cost capacity. The start state is kept even when it is dead
(the empty language).
"""

from __future__ import annotations

from .._optional import require
from ..errors import AutomatonError

__all__ = ["dfa_parts_from_automata_lib", "dfa_parts_from_regex", "dfa_to_automata_lib"]


def _lib(module: str):
    return require(module, extra="automata", feature="automata-lib interoperation (DFA.from_regex, ...)")


def _library_errors() -> tuple:
    exc = _lib("automata.base.exceptions")
    return (exc.AutomatonException, exc.RegexException)


def dfa_parts_from_regex(pattern: str, alphabet=None) -> dict:
    """The constructor arguments of the minimal DFA of a regular expression; see :meth:`DFA.from_regex`."""
    if not isinstance(pattern, str):
        raise AutomatonError(f"a regular expression is a str, got {type(pattern).__name__} {pattern!r}")
    symbols = None
    if alphabet is not None:
        symbols = list(alphabet)
        bad = [s for s in symbols if not (isinstance(s, str) and len(s) == 1)]
        if bad:
            raise AutomatonError(f"a regular expression reads characters; alphabet symbol {bad[0]!r} is not one")
        if len(set(symbols)) != len(symbols):
            raise AutomatonError(f"alphabet {alphabet!r} lists a symbol twice; symbols must be unique")
    NFA = _lib("automata.fa.nfa").NFA
    LibDFA = _lib("automata.fa.dfa").DFA
    try:
        nfa = NFA.from_regex(pattern, input_symbols=None if symbols is None else set(symbols))
        lib = LibDFA.from_nfa(nfa).minify()
    except _library_errors() as exc:
        shown = "" if symbols is None else f" over the alphabet {''.join(symbols)!r}"
        raise AutomatonError(
            f"{pattern!r} is not a regular expression{shown} that automata-lib reads ({exc}); it uses "
            "| for union, * + ? for repetition, parentheses for grouping, and only alphabet characters"
        ) from None
    return _from_lib(lib, symbols, rename=True, name=pattern)


def dfa_parts_from_automata_lib(obj) -> dict:
    """The constructor arguments of a DFA from an automata-lib ``DFA`` or ``NFA``; see
    :meth:`DFA.from_automata_lib`."""
    LibDFA = _lib("automata.fa.dfa").DFA
    LibNFA = _lib("automata.fa.nfa").NFA
    if isinstance(obj, LibNFA):
        obj = LibDFA.from_nfa(obj)
    if not isinstance(obj, LibDFA):
        raise AutomatonError(
            f"DFA.from_automata_lib needs an automata.fa.dfa.DFA or automata.fa.nfa.NFA, got {type(obj).__name__}"
        )
    return _from_lib(obj, None, rename=False, name=None)


def _from_lib(lib, symbols, *, rename: bool, name) -> dict:
    alphabet = sorted(lib.input_symbols, key=str) if symbols is None else list(symbols)
    delta = {(q, s): t for q, row in lib.transitions.items() for s, t in row.items()}
    live = set(lib.final_states)
    incoming: dict = {}
    for (q, _), t in delta.items():
        incoming.setdefault(t, set()).add(q)
    todo = list(live)
    while todo:  # backwards from the accepting states: everything that can still accept
        for q in incoming.get(todo.pop(), ()):
            if q not in live:
                live.add(q)
                todo.append(q)
    order, seen = [lib.initial_state], {lib.initial_state}
    for q in order:  # breadth first from the start, in alphabet order: a stable state order
        for s in alphabet:
            t = delta.get((q, s))
            if t is not None and t in live and t not in seen:
                seen.add(t)
                order.append(t)
    order += sorted((q for q in lib.states if q in live and q not in seen), key=repr)
    names = {q: (f"q{i}" if rename else q) for i, q in enumerate(order)}
    return dict(
        states=[names[q] for q in order],
        alphabet=alphabet,
        transitions={(names[q], s): names[t] for (q, s), t in delta.items() if q in names and t in live},
        start=names[lib.initial_state],
        accepting=[names[q] for q in order if q in lib.final_states],
        name=name,
    )


def dfa_to_automata_lib(dfa):
    """The automata-lib ``DFA`` of a :class:`~cdam.automata.DFA`; see :meth:`DFA.to_automata_lib`."""
    LibDFA = _lib("automata.fa.dfa").DFA
    transitions: dict = {q: {} for q in dfa.states}
    for (q, s), t in dfa.transitions.items():
        transitions[q][s] = t
    try:
        return LibDFA(
            states=set(dfa.states),
            input_symbols=set(dfa.alphabet),
            transitions=transitions,
            initial_state=dfa.start,
            final_states=set(dfa.accepting),
            allow_partial=not dfa.is_complete,
        )
    except _library_errors() as exc:
        raise AutomatonError(f"automata-lib refuses this DFA: {exc}") from None
