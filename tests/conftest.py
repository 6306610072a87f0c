"""Shared fixtures: small random memory graphs (session-scoped factories, hypothesis-safe)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, settings

import cdam

# hypothesis profiles, chosen by HYPOTHESIS_PROFILE (or --hypothesis-profile):
# - "deterministic", the default: every run on every machine tries the same examples (drawn
#   from a seed derived from each test's name), so a red suite is red everywhere and a green
#   one stays green; no example database (a failure seen once is not replayed from .hypothesis/
#   on later runs, so the result depends on the code alone); no deadline and no too_slow
#   check (both measure time, which differs between machines). Tests' own max_examples win.
# - "wide": random examples (pick them with --hypothesis-seed), WIDE_EXAMPLES times each
#   test's max_examples, and the blob that replays a failure printed with it.
_NO_TIMING = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile(
    "deterministic", derandomize=True, database=None, max_examples=100, print_blob=True, **_NO_TIMING
)
settings.register_profile("wide", derandomize=False, database=None, max_examples=100, print_blob=True, **_NO_TIMING)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
WIDE_EXAMPLES = 10


def pytest_collection_modifyitems(config, items):
    """Under the wide profile, multiply each property test's own max_examples by WIDE_EXAMPLES.

    An explicit ``@settings(max_examples=...)`` overrides any profile, so the profile alone
    cannot widen those tests; hypothesis reads a test's settings from the attribute that
    ``@settings`` sets, at call time, so replacing it here takes effect.
    """
    if settings.get_current_profile_name() != "wide":
        return
    widened = set()
    for item in items:
        test = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
        if not getattr(test, "is_hypothesis_test", False) or id(test) in widened:
            continue  # parametrised copies share one function: widen it once
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if own is None:
            raise pytest.UsageError(
                f"{item.nodeid}: this hypothesis version keeps a test's settings elsewhere; "
                "update tests/conftest.py's wide profile"
            )
        test._hypothesis_internal_use_settings = settings(own, max_examples=own.max_examples * WIDE_EXAMPLES)
        widened.add(id(test))


# CDAM_TEST_THREADS=2 reruns the suite with two intra-op threads (another reduction order):
# the scientific tests' tolerances were measured under 1 and 2 (benchmarks/spread.py).
TEST_THREADS = int(os.environ.get("CDAM_TEST_THREADS", "1"))


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread_for_the_suite():
    """Tests use tiny tensors: intra-op threads only contend (10-200x slower on a loaded
    2-core machine). Speed is measured in benchmarks/, not here."""
    before = torch.get_num_threads()
    torch.set_num_threads(TEST_THREADS)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def single_thread():
    """Run a module's tests with one torch thread, then restore the setting.

    Their tensors are tiny; intra-op threads only contend with each other (and with other
    test runs) on a small shared machine, which made single steps up to 200x slower.
    Use with ``pytestmark = pytest.mark.usefixtures("single_thread")``.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(TEST_THREADS)
    yield
    torch.set_num_threads(before)


def _random_graph(n=60, p=8, *, seed=0, kind="undirected", density=0.35, weights="positive", isolated=0):
    """A random memory graph with U[0,1) patterns.

    kind: "undirected" (links), "directed" (transitions) or "mixed" (both, with self-loops).
    weights: "unit", "positive" (U[0.5, 2)) or "signed" (+-U[0.2, 2), about 40% negative).
    isolated: how many extra memories get no edge at all (zero degree).
    """
    rng = np.random.default_rng(seed)
    g = cdam.MemoryGraph()
    for k in range(p + isolated):
        g.add_memory(k, rng.random(n))

    def weight():
        if weights == "unit":
            return 1.0
        if weights == "positive":
            return float(rng.uniform(0.5, 2.0))
        w = float(rng.uniform(0.2, 2.0))
        return w if rng.random() < 0.6 else -w

    for i in range(p):
        for j in range(p):
            if i == j and kind != "mixed":
                continue
            if rng.random() >= density:
                continue
            if kind == "undirected" and i < j:
                g.add_link(i, j, weight())
            elif kind == "directed":
                g.add_transition(i, j, weight())
            elif kind == "mixed":
                (g.add_link if rng.random() < 0.5 else g.add_transition)(i, j, weight())
    return g


@pytest.fixture(scope="session")
def random_graph():
    """Factory: ``random_graph(n, p, seed=..., kind=..., weights=..., isolated=...)``."""
    return _random_graph


def graph_state(g):
    """Everything observable about a graph, to compare before and after a failed call."""
    return (
        g.memories,
        g.patterns.copy(),
        sorted(map(repr, g.links)),
        sorted(map(repr, g.transitions)),
        g.adjacency().toarray(),
        g.n_neurons,
        dict(g.metadata),
    )


@pytest.fixture(scope="session")
def snapshot():
    """Factory: ``snapshot(g)`` returns a comparable record of the graph's full contents."""
    return graph_state


@pytest.fixture(scope="session")
def assert_same_graph():
    """Factory: ``assert_same_graph(before, g)`` checks ``g`` still matches a snapshot."""

    def check(before, g):
        after = graph_state(g)
        assert before[0] == after[0]
        np.testing.assert_array_equal(before[1], after[1])
        assert before[2] == after[2]
        assert before[3] == after[3]
        np.testing.assert_array_equal(before[4], after[4])
        assert before[5] == after[5]
        assert before[6] == after[6]

    return check
