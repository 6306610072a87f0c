"""``method="consensus"``: consensus of Louvain partitions of CDAM similarity graphs."""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp
import torch

from .. import _validation as check
from .._progress import progress_reporter
from .._random import derive_seed
from ..partitions import normalized_variation_of_information
from ._attractors import ATTENTIONS, all_start_finals
from ._graph import _adjacency, _scales
from ._level import Level, with_neighbour_nvi
from ._louvain import consensus_labels, label_blocks, louvain_labels, modularity
from ._similarity import SIMILARITIES, similarity_graph, unit_rows

__all__ = ["CONSENSUS_A_VALUES", "DENSE_MAX", "KAPPA", "consensus_levels"]

#: The consensus method's default scales: on LFR graphs (mean degree 20) a = 0.3 already
#: reads neighbourhoods as communities, while a >= 0.5 stays near auto-association (every
#: run near its own cue). From a = 0 down every run of such graphs falls into one global
#: state (``Level.chance`` ~ 1), so one scale below 0 (-0.5, which karate still splits)
#: stands for them all. Each scale costs ``draws`` all-starts runs.
CONSENSUS_A_VALUES = (0.3, 0.15, 0.0, -0.5)

#: Signal strength :math:`\kappa = \beta\, n \operatorname{var}(\xi)` of the default: the
#: paper's beta 1 with n = 1000 U[0,1) neurons (var 1/12). ``beta`` defaults to
#: :math:`\kappa / (n \operatorname{var})` so that short patterns keep it (the dynamics depend on the product).
KAPPA = 1000.0 / 12.0
UNIFORM_VAR = 1.0 / 12.0
#: Up to this many nodes attention runs over every memory; above, over graph neighbourhoods.
#: A dense step costs 2 p n per run, a local one 2 k (k + 1) n gathered entries (k = 16:
#: 272 memories), about ten times slower per entry than a matrix product: they cross near
#: p ~ 2500.
DENSE_MAX = 2500
_CHANCE_PAIRS = 2000


def _chance_correlation(final, rows, cols) -> float:
    """Median attractor correlation of random node pairs: ~0 when runs keep their own
    states, ~1 when every run fell into one global state (the weights then carry nothing)."""
    Z = unit_rows(final)
    return float(torch.median((Z[rows] * Z[cols]).sum(dim=1)))


def consensus_levels(G, seed: int = 0, *, a_values=None, h_values=None, n_neurons: int = 64, steps: int = 20,
                     noise: float = 1.0, draws: int = 3, similarity: str = "edges", k: int = 10,
                     weight: str | None = "weight", progress=None, attention: str = "auto", neighbours: int = 16,
                     restarts: int = 3, rounds: int = 2, beta: float | None = None, eta: float = 0.4,
                     mean_coef: float = 1.0) -> list[Level]:
    """See :func:`cdam.communities.multiscale` (``method="consensus"``); ``a_values`` None: :data:`CONSENSUS_A_VALUES`.

    Examples
    --------
    >>> import networkx as nx
    >>> levels = consensus_levels(nx.connected_caveman_graph(3, 5), a_values=[0.5, 0.0], n_neurons=400)
    >>> [(lvl.n_communities, lvl.nvi) for lvl in levels]
    [(3, 0.0), (3, 0.0)]
    """
    A, nodes = _adjacency(G, weight)
    a_values, h_values = _scales(CONSENSUS_A_VALUES if a_values is None else a_values, h_values)
    n_neurons = check.positive_int("n_neurons", n_neurons, minimum=2)
    steps = check.positive_int("steps", steps)
    draws = check.positive_int("draws", draws)
    k = check.positive_int("k", k)
    neighbours = check.positive_int("neighbours", neighbours)
    restarts = check.positive_int("restarts", restarts)
    rounds = check.positive_int("rounds", rounds)
    similarity = check.choice("similarity", similarity, SIMILARITIES)
    attention = check.choice("attention", attention, ("auto",) + ATTENTIONS)
    beta = KAPPA / (n_neurons * UNIFORM_VAR) if beta is None else check.finite_real("beta", beta, minimum=0.0)
    eta = check.step_size(eta)
    mean_coef = check.finite_real("mean_coef", mean_coef)
    p = len(nodes)
    if attention == "auto":
        attention = "dense" if p <= DENSE_MAX else "local"
    cells = [{"a": a, "h": h} for a, h in zip(a_values, h_values)]
    labels: list[list[list[np.ndarray]]] = [[] for _ in cells]  # labels[scale][draw][restart]
    graphs: list[list[sp.csr_array]] = [[] for _ in cells]
    chance: list[list[float]] = [[] for _ in cells]
    rng = np.random.default_rng(seed)
    pair_rows, pair_cols = rng.integers(0, p, _CHANCE_PAIRS), rng.integers(0, p, _CHANCE_PAIRS)
    with progress_reporter(progress, draws, desc="pattern draws", unit="draw") as bar:
        for d in range(draws):
            s = seed if d == 0 else derive_seed(seed, d)
            finals = all_start_finals(A, cells, n_neurons=n_neurons, seed=s, steps=steps, noise=noise, beta=beta,
                                      eta=eta, mean_coef=mean_coef, attention=attention, k=neighbours,
                                      max_neighbours=neighbours)
            for i, final in enumerate(finals):
                chance[i].append(_chance_correlation(final, pair_rows, pair_cols))
                W = similarity_graph(final, A, similarity, k)
                graphs[i].append(W)
                labels[i].append(louvain_labels(W, [seed + d + 7919 * r for r in range(restarts)]))
            bar.advance()
    levels = []
    for (a, h), labs, Ws, ch in zip(zip(a_values, h_values), labels, graphs, chance):
        firsts = [runs[0] for runs in labs]  # one partition per draw: the spread due to the patterns
        nvi = float("nan") if draws == 1 else float(np.mean(
            [normalized_variation_of_information(x, y) for x, y in itertools.combinations(firsts, 2)]))
        parts = [lab for runs in labs for lab in runs]
        if len(parts) == 1:
            lab = parts[0]
        else:
            U = sp.triu(sum(Ws), k=1).tocoo()  # the pairs any draw weighted
            lab = consensus_labels(parts, U.row, U.col, p, seed, restarts, rounds)
        lab = np.unique(lab, return_inverse=True)[1]
        levels.append(Level(a, h, label_blocks(lab, nodes), modularity(A, lab), None, nvi,
                            chance=float(np.mean(ch))))
    levels.sort(key=lambda lvl: (-lvl.n_communities, -lvl.a))  # fine to coarse
    return with_neighbour_nvi(levels, nodes)

