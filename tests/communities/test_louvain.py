"""igraph's Louvain, a dependency: a broken install says how to fix it."""

import pytest

import cdam
from cdam.communities import extract

# statistics of the dynamics: run again under ATEN_CPU_CAPABILITY=default in .ci/run
pytestmark = pytest.mark.scientific

KARATE = cdam.datasets.karate_graph()


def test_consensus_without_igraph_says_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "igraph", None)  # a broken install: the import fails
    with pytest.raises(cdam.MissingDependencyError, match="pip install 'python-igraph"):
        extract(KARATE, seed=0)
