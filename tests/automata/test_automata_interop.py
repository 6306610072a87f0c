"""DFA.from_regex / from_automata_lib / to_automata_lib: the memory accepts what automata-lib accepts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cdam
from cdam.automata import DFA, AutomatonError, MemoryAutomaton, UndefinedTransition, load_automaton

lib_dfa = pytest.importorskip("automata.fa.dfa")
lib_nfa = pytest.importorskip("automata.fa.nfa")

regexes = st.recursive(
    st.sampled_from(["a", "b"]),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map("".join),
        st.tuples(inner, inner).map(lambda t: f"({t[0]}|{t[1]})"),
        inner.map(lambda r: f"({r})*"),
    ),
    max_leaves=6,
)


def _reference(pattern):
    return lib_dfa.DFA.from_nfa(lib_nfa.NFA.from_regex(pattern, input_symbols={"a", "b"}))


@settings(max_examples=25, deadline=None)
@given(pattern=regexes, words=st.lists(st.text(alphabet="ab", max_size=8), min_size=1, max_size=10))
def test_memory_from_regex_accepts_what_automata_lib_accepts(pattern, words):
    dfa = DFA.from_regex(pattern, alphabet="ab")
    ref = _reference(pattern)
    want = [ref.accepts_input(w) for w in words]
    assert [dfa.accepts(w) for w in words] == want
    assert MemoryAutomaton(dfa, n_neurons=400, seed=0).accepts_many(words) == want
    assert len(dfa.states) == len(ref.minify().states)  # minimal (automata-lib's partial minimum)
    assert DFA.from_automata_lib(dfa.to_automata_lib()) == dfa


def test_from_regex_names_states_breadth_first():
    d = DFA.from_regex("ab*")
    assert d.alphabet == ("a", "b") and d.name == "ab*"
    assert d.states == ("q0", "q1") and d.transitions == {("q0", "a"): "q1", ("q1", "b"): "q1"}
    assert d.accepting == {"q1"} and not d.is_complete


def test_trap_states_are_removed_so_undefined_steps_raise():
    total = lib_dfa.DFA(
        states={"even", "odd", "dead"},
        input_symbols={"0", "1", "x"},
        transitions={
            "even": {"0": "even", "1": "odd", "x": "dead"},
            "odd": {"0": "odd", "1": "even", "x": "dead"},
            "dead": {"0": "dead", "1": "dead", "x": "dead"},
        },
        initial_state="even",
        final_states={"even"},
    )
    d = DFA.from_automata_lib(total)
    assert d.states == ("even", "odd") and d.n_transitions == 4
    m = MemoryAutomaton(d, n_neurons=400, seed=0)
    assert m.accepts("0110") and not m.accepts("01x0")
    with pytest.raises(UndefinedTransition, match="'x'"):
        m.run("01x0")


def test_nfa_and_round_trip_of_a_gallery_automaton():
    nfa = lib_nfa.NFA.from_regex("(a|b)*abb", input_symbols={"a", "b"})
    d = DFA.from_automata_lib(nfa)
    for w in ["abb", "aabb", "ab", "babb", ""]:
        assert d.accepts(w) == nfa.accepts_input(w)
    parity = load_automaton("parity")
    lib = parity.to_automata_lib()
    assert lib.accepts_input("0110") and not lib.accepts_input("1")
    back = DFA.from_automata_lib(lib)
    assert back.transitions == parity.transitions and back.accepting == parity.accepting


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: DFA.from_regex("a|"), "not a regular expression"),
        (lambda: DFA.from_regex("(a"), "not a regular expression"),
        (lambda: DFA.from_regex("ac", alphabet="ab"), "over the alphabet 'ab'"),
        (lambda: DFA.from_regex(3), "is a str"),
        (lambda: DFA.from_regex("a", alphabet=["ab"]), "reads characters"),
        (lambda: DFA.from_regex("a", alphabet="aa"), "twice"),
        (lambda: DFA.from_automata_lib("not an automaton"), "automata.fa.dfa.DFA"),
    ],
)
def test_bad_input_raises_automaton_error(call, match):
    with pytest.raises(AutomatonError, match=match) as info:
        call()
    assert isinstance(info.value, cdam.CDAMError)


def test_missing_automata_lib_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "automata.fa.nfa", None)  # import now fails
    with pytest.raises(cdam.MissingDependencyError, match=r"cdam\[automata\]"):
        DFA.from_regex("ab")
