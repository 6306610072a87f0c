"""``n_neurons="auto"``: doubling then bisection to the smallest verifying length."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cdam
from cdam.automata import DFA, CapacityError, MemoryAutomaton, NeuronSearch, random_dfa


def test_auto_finds_the_smallest_verifying_multiple_of_64(tmp_path):
    dfa = random_dfa(3, 2, seed=1)
    m = MemoryAutomaton(dfa, n_neurons="auto", seed=0)
    s = m.neuron_search
    assert isinstance(s, NeuronSearch)
    # start 128 (64 fails the chance-correlation check), doubled once, bisected once
    assert (m.n_neurons, s.start, s.resolution, s.max_neurons) == (256, 128, 64, 16384)
    assert s.tries == ((128, False), (256, True), (192, False))
    assert m.verification is not None and m.verification.n_transitions == 6
    assert m.neuron_search.n_neurons == 256 and "auto: 3 tries" in repr(m)
    assert "n_neurons=256 found in 3 tries (128x, 256, 192x" in str(s)
    # one resolution step smaller is refused; the found length compiles alone, the same automaton
    with pytest.raises(CapacityError):
        MemoryAutomaton(dfa, n_neurons=192, seed=0)
    alone = MemoryAutomaton(dfa, n_neurons=256, seed=0)
    assert torch.equal(torch.as_tensor(alone.attractors), torch.as_tensor(m.attractors))
    assert alone.neuron_search is None
    # deterministic: the same seed tries the same lengths
    assert MemoryAutomaton(dfa, n_neurons="auto", seed=0).neuron_search.tries == s.tries
    # the file stores the length found, and rebuilds it without a search
    m.save(tmp_path / "m.json")
    back = MemoryAutomaton.load(tmp_path / "m.json")
    assert back.n_neurons == 256 and back.verification is not None
    words = ["", "a", "ab", "bba", "abab"]
    assert back.run_many(words) == m.run_many(words) == [dfa.run(w) for w in words]


def test_auto_on_a_larger_dfa_bisects_down():
    dfa = random_dfa(6, 3, seed=1)
    m = MemoryAutomaton(dfa, n_neurons="auto", seed=0)
    assert m.neuron_search.tries == ((192, False), (384, True), (256, False), (320, True))
    assert m.n_neurons == 320
    with pytest.raises(CapacityError):
        MemoryAutomaton(dfa, n_neurons=256, seed=0)


def test_auto_refuses_clearly_beyond_its_maximum():
    dfa = random_dfa(3, 2, seed=1)
    refusal = r"no length up to max_neurons=192 .*tried 128, all refused.*raise max_neurons"
    with pytest.raises(CapacityError, match=refusal):
        MemoryAutomaton(dfa, n_neurons="auto", seed=0, max_neurons=192)
    # a maximum under what the read margin needs is refused without building anything
    with pytest.raises(CapacityError, match=r"necessary check refuses every length up to it \(too many states"):
        MemoryAutomaton(random_dfa(40, 2, seed=0), n_neurons="auto", seed=0, max_neurons=300)
    # no length helps a single memory: refused at once
    with pytest.raises(CapacityError, match="single memory"):
        MemoryAutomaton(DFA(["q"], "a", {}, "q", []), n_neurons="auto")
    assert issubclass(CapacityError, cdam.CDAMError)


def test_auto_arguments_are_checked():
    with pytest.raises(cdam.ParameterError, match="verify=False"):
        MemoryAutomaton(random_dfa(3, 2, seed=1), n_neurons="auto", verify=False)
    with pytest.raises(cdam.ParameterError, match="max_neurons bounds the search"):
        MemoryAutomaton(random_dfa(3, 2, seed=1), n_neurons=500, max_neurons=1000)
    with pytest.raises(cdam.ParameterError):
        MemoryAutomaton(random_dfa(3, 2, seed=1), n_neurons="big")
    with pytest.raises(cdam.ParameterError, match="min_margin"):
        MemoryAutomaton(random_dfa(3, 2, seed=1), n_neurons=500, min_margin=0.0)


@st.composite
def small_dfas(draw):
    n_states = draw(st.integers(2, 5))
    n_symbols = draw(st.integers(1, 3))
    dfa = random_dfa(n_states, n_symbols, density=draw(st.sampled_from([0.6, 1.0])), seed=draw(st.integers(0, 999)))
    words = draw(st.lists(st.text(dfa.alphabet, max_size=10), min_size=1, max_size=8))
    return dfa, words, draw(st.integers(0, 99))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_dfas())
def test_auto_accepts_exactly_the_dfas_language(case):
    dfa, words, seed = case
    m = MemoryAutomaton(dfa, n_neurons="auto", seed=seed)
    search = m.neuron_search
    assert m.n_neurons % 64 == 0 and (m.n_neurons, True) in search.tries
    # 64 neurons fewer was refused, or lies below the start (the necessary checks refuse it)
    assert (m.n_neurons - 64, False) in search.tries or m.n_neurons == search.start
    assert m.accepts_many(words) == [dfa.accepts(w) for w in words]
