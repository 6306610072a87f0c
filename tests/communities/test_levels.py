"""multiscale and extract: the dispatcher, each method's options, and what is refused."""

import networkx as nx
import numpy as np
import pytest
import torch

import cdam
from cdam.communities import METHOD_OPTIONS, METHODS, extract, multiscale

# statistics of the dynamics: run again under ATEN_CPU_CAPABILITY=default in .ci/run
pytestmark = pytest.mark.scientific


@pytest.mark.parametrize("method", ["paper", "consensus"])
def test_caveman_communities_exact(method):
    G = nx.connected_caveman_graph(4, 6)
    parts = extract(G, seed=1, n_neurons=500, method=method)
    truth = [set(range(6 * k, 6 * k + 6)) for k in range(4)]
    assert sorted(map(sorted, parts)) == sorted(map(sorted, truth))


# --------------------------------------------------------------------- each method's options
TINY = nx.connected_caveman_graph(2, 4)
ALL_OPTIONS = sorted(set().union(*METHOD_OPTIONS.values()))
FOREIGN = [(method, name) for method in METHODS for name in ALL_OPTIONS if name not in METHOD_OPTIONS[method]]


def test_each_method_reads_exactly_its_options():
    # literal: an option added to a method must be added here, on purpose
    shared = {"a_values", "h_values", "weight", "progress"}
    assert METHOD_OPTIONS["markov"] == shared | {"resolutions", "eta", "tries", "rounds", "refine", "directed",
                                                 "teleport", "workers", "scheduler", "memory_limit"}
    assert METHOD_OPTIONS["consensus"] == shared | {
        "n_neurons", "steps", "noise", "draws", "similarity", "k", "attention", "neighbours", "restarts", "rounds",
        "beta", "eta", "mean_coef"}
    model = {"beta", "eta", "mean_coef", "normalization", "backend", "device", "dtype", "softmax", "direction", "topk",
             "values", "engine", "memory_limit"}  # cdam.CDAM's parameters but the scales a and h
    assert METHOD_OPTIONS["paper"] == shared | {"n_neurons", "steps", "noise", "threshold", "refine"} | model
    assert len(FOREIGN) == 52  # 21 foreign to markov, 18 to consensus, 13 to paper


@pytest.mark.parametrize("method, name", FOREIGN)
def test_an_option_of_another_method_is_refused_naming_its_methods(method, name):
    owners = [m for m in METHODS if name in METHOD_OPTIONS[m]]
    fix = " or ".join(f"method={m!r}" for m in owners) + f", or drop {name}"
    value = object()  # never read: the refusal comes before any work
    with pytest.raises(cdam.ParameterError, match=f"^{name} belongs to .*not method={method!r}") as err:
        multiscale(TINY, method=method, **{name: value})
    assert all(f"method={m!r}" in str(err.value).split(", not")[0] for m in owners)
    assert str(err.value).endswith(fix)
    with pytest.raises(cdam.ParameterError, match=f"^{name} belongs to"):
        extract(TINY, method=method, **{name: value})


def test_the_default_method_refuses_draws_with_what_to_do():
    with pytest.raises(cdam.ParameterError) as err:
        multiscale(TINY, draws=3)
    assert str(err.value) == (
        "draws belongs to method='consensus', not method='markov' (method='markov' simulates nothing: it reads the "
        "linearised walk through Leiden tries); pass method='consensus', or drop draws")
    with pytest.raises(cdam.ParameterError, match="draws belongs to method='consensus'"):
        extract(TINY, draws=3)
    # several at once: each is named
    with pytest.raises(cdam.ParameterError, match="draws belongs.*; k belongs.*; threshold belongs to method='paper'"):
        multiscale(TINY, draws=3, k=4, threshold=0.2)
    with pytest.raises(cdam.ParameterError, match=r"^dtype belongs to method='paper' \(an option of cdam.CDAM\)"):
        multiscale(TINY, method="consensus", dtype=torch.float64)
    with pytest.raises(cdam.ParameterError, match="^memory_limit belongs to method='markov' and method='paper', not "
                                                  "method='consensus'"):
        multiscale(TINY, method="consensus", memory_limit=10)


def test_an_option_of_no_method_is_refused_with_the_methods_options():
    with pytest.raises(cdam.ParameterError, match="'resolution' is an option of no method; method='markov' takes "
                                                  "a_values, directed, eta, h_values, memory_limit, progress, refine, "
                                                  "resolutions, rounds, scheduler, teleport, tries, weight, workers"):
        multiscale(TINY, resolution=[1.0])
    with pytest.raises(cdam.ParameterError, match="'a' is an option of no method; the scales are a_values"):
        multiscale(TINY, method="paper", a=0.5)  # cdam.CDAM's a: the sweep sets it
    with pytest.raises(cdam.ParameterError, match="method"):
        multiscale(TINY, method="louvain")


# a valid value, other than the default where the default is not None, of every option
VALID = {
    "a_values": [0.0], "h_values": [1.0], "weight": None, "progress": False,
    "resolutions": [1.0], "eta": 0.3, "tries": 2, "rounds": 1, "directed": "symmetrise", "teleport": 0.3,
    "n_neurons": 48, "steps": 6, "noise": 0.5, "draws": 2, "similarity": "knn", "k": 3, "attention": "local",
    "neighbours": 4, "restarts": 2, "beta": 20.0, "mean_coef": 0.5, "threshold": 0.3, "refine": 0,
    "normalization": "row", "backend": "dense", "device": "cpu", "dtype": torch.float64, "softmax": "stable",
    "direction": "forward", "topk": 4, "values": "auto", "engine": "direct", "memory_limit": 10**8,
    "workers": 2, "scheduler": "tcp://127.0.0.1:8786",
}
OWN = [(method, name) for method in METHODS for name in sorted(METHOD_OPTIONS[method])]


def test_every_option_has_a_valid_value_here():
    assert set(VALID) == set(ALL_OPTIONS)


@pytest.mark.parametrize("method, name", OWN)
def test_each_method_receives_its_own_options(monkeypatch, method, name):
    from cdam.communities import _levels

    seen = {}
    monkeypatch.setitem(_levels._READERS, method, lambda G, seed, **kw: seen.update(kw) or [])
    multiscale(TINY, method=method, **{name: VALID[name]})
    assert seen[name] is VALID[name]  # passed on as given, not dropped or replaced


# every option at once (scales that suit the method), through the method itself
RUNS = {
    "markov": {"resolutions": [2.0, 1.0], "eta": 0.3, "tries": 2, "rounds": 1, "weight": None, "workers": 1,
               "memory_limit": 10**8},
    "consensus": {"a_values": [0.3, 0.0], "n_neurons": 48, "steps": 6, "noise": 0.5, "draws": 2,
                  "similarity": "both", "k": 3, "attention": "local", "neighbours": 4, "restarts": 2, "rounds": 1,
                  "beta": 20.0, "eta": 0.3, "mean_coef": 0.5, "weight": None},
    "paper": {"a_values": [0.5, -1.0], "n_neurons": 48, "steps": 6, "noise": 0.5, "threshold": 0.3, "refine": 0,
              "beta": 20.0, "eta": 0.3, "mean_coef": 0.5, "dtype": torch.float64, "engine": "direct",
              "memory_limit": 10**8, "weight": None},
}


@pytest.mark.parametrize("method", METHODS)
def test_each_method_runs_with_its_own_options(method):
    levels = multiscale(TINY, seed=0, method=method, **RUNS[method])
    assert len(levels) == 2
    for lvl in levels:
        assert sorted(set().union(*lvl.partition)) == list(TINY)
    if method == "markov":
        assert [lvl.resolution for lvl in levels] == [2.0, 1.0]
    else:
        assert sorted(lvl.a for lvl in levels) == sorted(RUNS[method]["a_values"])
    if method == "consensus":
        assert all(np.isfinite(lvl.nvi) for lvl in levels)  # two draws: a spread between them
    if method == "paper":
        assert levels[0].correlation.dtype == np.float64  # the model ran in the dtype it was given
