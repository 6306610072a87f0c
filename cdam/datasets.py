"""Generators and loaders: patterns, memory graphs, and the built-in data of the examples."""

from __future__ import annotations

import networkx as nx
import numpy as np

from . import _validation as check
from ._random import as_rng
from .case_task import CaseBatch, CaseSequenceTask
from .graph import MemoryGraph

__all__ = [
    "CaseBatch",
    "CaseSequenceTask",
    "cycle_memory_graph",
    "karate_graph",
    "karate_memory_graph",
    "load_digits_patterns",
    "memory_graph_from_networkx",
    "random_patterns",
]


def random_patterns(n: int, p: int, seed: int | None = 0, distribution: str = "uniform") -> np.ndarray:
    """Random patterns (n, p): i.i.d. ``U[0, 1)`` (the paper's), ``binary`` {0, 1} or ``normal``.

    Examples
    --------
    >>> random_patterns(4, 2, seed=0).shape
    (4, 2)
    """
    n = check.positive_int("n", n)
    p = check.positive_int("p", p)
    check.choice("distribution", distribution, ("uniform", "binary", "normal"))
    rng = as_rng(seed)
    if distribution == "uniform":
        return rng.random((n, p))
    if distribution == "binary":
        return (rng.random((n, p)) < 0.5).astype(np.float64)
    return rng.standard_normal((n, p))


def memory_graph_from_networkx(G: nx.Graph, n: int = 1000, seed: int | None = 0, distribution="uniform") -> MemoryGraph:
    """A memory graph on ``G`` with one random pattern of length ``n`` per node."""
    return MemoryGraph.from_networkx(G, random_patterns(n, G.number_of_nodes(), seed, distribution))


def cycle_memory_graph(p: int = 30, n: int = 1000, seed: int | None = 0) -> MemoryGraph:
    """The undirected ``p``-cycle of SPEC 1.3/1.4 with i.i.d. U[0,1) patterns.

    Examples
    --------
    >>> g = cycle_memory_graph(30, 100)
    >>> len(g), len(g.links)
    (30, 30)
    """
    return memory_graph_from_networkx(nx.cycle_graph(check.positive_int("p", p, minimum=3)), n, seed)


def karate_graph() -> nx.Graph:
    """Zachary's karate club with 0/1 edges (SPEC 1.5), nodes 0..33 in order, ``club`` kept.

    networkx ships interaction counts as weights; the CDAM paper uses the bare ties.
    """
    G = nx.karate_club_graph()
    H = nx.Graph()
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from(G.edges())
    return H


def karate_memory_graph(n: int = 1000, seed: int | None = 0) -> MemoryGraph:
    """Zachary's karate club (0/1 edges) with random patterns; node attribute ``club``
    is kept in ``g.metadata["club"]`` as a list in node order."""
    G = karate_graph()
    g = memory_graph_from_networkx(_bare(G), n, seed)
    g.metadata["club"] = [G.nodes[u]["club"] for u in G.nodes]
    return g


def _bare(G: nx.Graph) -> nx.Graph:
    H = nx.Graph()
    H.add_nodes_from(G.nodes)
    H.add_edges_from(G.edges())
    return H


def load_digits_patterns(p: int | None = None, *, start: int = 0, digits=None, return_labels: bool = False):
    """Scikit-learn's bundled 8x8 handwritten digits as patterns (64, p) scaled into [0, 1].

    The images (1797 of them, pixel values 0-16) ship inside scikit-learn, so nothing is
    downloaded. Pixel values are divided by 16, the largest value the data set can hold,
    so every pattern lies in [0, 1] as SPEC 1.7 asks.

    Parameters
    ----------
    p : int, optional
        How many images to take, in data-set order from ``start``; None takes all that remain.
    start : int
        Index of the first image.
    digits : iterable of int, optional
        Keep only images of these digit classes (0-9) before taking ``p``.
    return_labels : bool
        Also return the digit label of each pattern.

    Returns
    -------
    patterns : numpy.ndarray (64, p), float64
    labels : numpy.ndarray (p,), int, when ``return_labels``

    Raises
    ------
    CDAMError
        If scikit-learn is not installed (``pip install 'cdam[digits]'``).
    ParameterError
        If ``p``, ``start`` or ``digits`` ask for images that do not exist.

    Examples
    --------
    >>> X, y = load_digits_patterns(10, return_labels=True)
    >>> X.shape, float(X.min()), float(X.max()) <= 1.0, y.tolist()
    ((64, 10), 0.0, True, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    from .errors import CDAMError, ParameterError

    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise CDAMError("the digits data set needs scikit-learn: pip install 'cdam[digits]'") from exc
    data = load_digits()
    images, labels = data.data.astype(np.float64) / 16.0, data.target.astype(np.int64)
    if digits is not None:
        wanted = np.asarray(list(digits))
        if wanted.size == 0 or not np.isin(wanted, np.arange(10)).all():
            raise ParameterError(f"digits must name classes among 0-9, got {wanted.tolist()}")
        keep = np.isin(labels, wanted)
        images, labels = images[keep], labels[keep]
    start = check.positive_int("start", start, minimum=0)
    total = images.shape[0]
    p = total - start if p is None else check.positive_int("p", p)
    if start + p > total:
        raise ParameterError(
            f"asked for images {start}..{start + p - 1} but only {total} are available; lower p or start"
        )
    X = images[start : start + p].T.copy()
    return (X, labels[start : start + p].copy()) if return_labels else X
