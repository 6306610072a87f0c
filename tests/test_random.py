"""One seed policy (cdam._random): same seed same stream, streams independent, bad seeds refused."""

import numpy as np
import pytest
import torch

import cdam
from cdam._random import as_generator, as_rng, check_seed, derive_seed
from cdam.automata import MemoryAutomaton, load_automaton


def _torch(seed, **kw):
    return torch.rand(8, generator=as_generator(seed, **kw), dtype=torch.float64)


def _numpy(seed, **kw):
    return as_rng(seed, **kw).random(8)


@pytest.mark.parametrize("seed", [0, 1, 12345, np.int64(7), np.uint32(3), 2**64 - 1])
def test_same_seed_same_stream(seed):
    assert torch.equal(_torch(seed), _torch(seed))
    np.testing.assert_array_equal(_numpy(seed), _numpy(seed))
    for stream in ("noise", 3):
        assert torch.equal(_torch(seed, stream=stream), _torch(seed, stream=stream))
        np.testing.assert_array_equal(_numpy(seed, stream=stream), _numpy(seed, stream=stream))


def test_no_stream_is_the_plain_seed():
    # stream=None must give exactly what the call sites drew before the policy existed
    assert torch.equal(_torch(5), torch.rand(8, generator=torch.Generator().manual_seed(5), dtype=torch.float64))
    np.testing.assert_array_equal(_numpy(5), np.random.default_rng(5).random(8))


def test_different_streams_and_seeds_differ():
    draws = [_torch(0), _torch(1), _torch(0, stream="a"), _torch(0, stream="b"), _torch(0, stream=1)]
    for i, a in enumerate(draws):
        for b in draws[i + 1 :]:
            assert not torch.equal(a, b)
    nd = [_numpy(0), _numpy(1), _numpy(0, stream="a"), _numpy(0, stream="b"), _numpy(0, stream=1)]
    for i, a in enumerate(nd):
        for b in nd[i + 1 :]:
            assert not np.array_equal(a, b)


def test_int_stream_matches_the_kwinner_salt():
    # KWinnerMHN's salted stream predates the policy; as_generator(seed, stream=salt) reproduces it
    state = np.random.SeedSequence([4, 0x4B574D48]).generate_state(2, np.uint32)
    want = torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))
    assert torch.equal(_torch(4, stream=0x4B574D48), torch.rand(8, generator=want, dtype=torch.float64))


def test_generators_pass_through():
    g = torch.Generator().manual_seed(3)
    assert as_generator(g) is g and as_generator(g, stream="x") is g
    r = np.random.default_rng(3)
    assert as_rng(r) is r


def test_none_gives_fresh_entropy():
    assert not torch.equal(_torch(None), _torch(None))
    assert not np.array_equal(_numpy(None), _numpy(None))


BAD_SEEDS = [True, False, np.bool_(True), 1.0, 2.5, float("nan"), "0", "zero", -1, np.int64(-3), 2**64, [0], b"0"]


@pytest.mark.parametrize("seed", BAD_SEEDS, ids=repr)
def test_bad_seed_types_raise_parameter_error(seed):
    for make in (as_generator, as_rng, check_seed):
        with pytest.raises(cdam.ParameterError, match="seed must be an int >= 0"):
            make(seed)


def test_wrong_generator_kind_and_bad_streams():
    with pytest.raises(cdam.ParameterError, match="torch.Generator"):
        as_generator(np.random.default_rng(0))
    with pytest.raises(cdam.ParameterError, match="numpy.random"):
        as_rng(torch.Generator())
    for stream in (-1, 1.5, True, b"x"):
        with pytest.raises(cdam.ParameterError, match="stream must be"):
            as_generator(0, stream=stream)
        with pytest.raises(cdam.ParameterError, match="stream must be"):
            as_rng(None, stream=stream)
    with pytest.raises(cdam.ParameterError, match="my_seed must be"):
        as_generator("x", name="my_seed")


def test_derive_seed_gives_valid_independent_seeds():
    a, b = derive_seed(0, 7, 1), derive_seed(0, 7, 2)
    assert a == derive_seed(0, 7, 1) and a != b and 0 <= a < 2**63
    assert check_seed(a) == a
    with pytest.raises(cdam.ParameterError):
        derive_seed(None, 1)


def test_call_sites_refuse_bad_seeds():
    g = cdam.datasets.cycle_memory_graph(4, 30)
    for call in (
        lambda: MemoryAutomaton(load_automaton("parity"), n_neurons=300, seed="zero"),
        lambda: cdam.CDAM(g).initial_states(seed=1.5),
        lambda: cdam.datasets.random_patterns(4, 2, seed=-1),
        lambda: cdam.automata.random_dfa(3, 2, seed=True),
    ):
        with pytest.raises(cdam.ParameterError, match="seed must be"):
            call()
