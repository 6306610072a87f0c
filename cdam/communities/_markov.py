r"""The default readout: Markov stability of the CDAM's linearised coefficient walk.

Write the state as a mix of the patterns, :math:`\sigma = \sum_\nu c_\nu \xi_\nu` (plus the
mean term). The CDAM update (Burns 2024, arXiv 2404.07123)
:math:`\sigma \leftarrow \sigma + \eta\,(w Q - c\bar\xi - \sigma)`
with :math:`Q = a\,\Xi^\top + h\,M\Xi^\top` moves the coefficients as

.. math::

    c \leftarrow (1 - \eta + \eta a)\, c + \eta h\, M^\top w .

In the linear-attention limit (attention proportional to the coefficients, :math:`w = c`)
and with :math:`M = D^{-1}A` (the random-walk form of the ``sym`` coupling
:math:`D^{-1/2}AD^{-1/2}`, to which it is similar), one step is the lazy walk

.. math::

    T = \frac{s\,I + t\,D^{-1}A}{s + t},\qquad s = 1 - \eta + \eta a,\quad t = \eta h,

with stationary distribution :math:`\pi = d / 2m`. Its Markov stability at one step
(Delvenne, Yaliraki and Barahona 2010), the probability that the walk stays in its
community minus the chance of it, is for a partition :math:`H`

.. math::

    r(H) = \operatorname{Tr} H^\top(\Pi T - \pi\pi^\top)H
         = \frac{s}{s+t} + \frac{t}{s+t}\Big[\sum_c \frac{L_c}{m}
           - \gamma \sum_c \Big(\frac{d_c}{2m}\Big)^2\Big],
    \qquad \gamma = \frac{s + t}{t} = \frac{1 - \eta(1 - a - h)}{\eta h},

so the partitions the walk keeps longest at scale :math:`(a, h)` are those of largest
modularity at resolution :math:`\gamma` (:math:`1/(\eta h)` when :math:`a + h = 1`):
auto-association (small h) reads fine structure, wide hetero-association coarse structure.
Nothing is simulated: this is the walk's exact stability, not the nonlinear dynamics'.

At each scale ``tries`` Louvain optimisations of :math:`Q_\gamma` (igraph's multilevel) give
partitions whose mean pairwise normalised variation of information is the level's ``nvi``
(how reproducible the optimum is, as in Markov stability), and a Lancichinetti-Fortunato
consensus of them at the same :math:`\gamma` is the level's partition. The cost is
``tries`` + a few Louvain runs per scale on the graph itself: linear in the edges, no
p x p matrix.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp

from .. import _validation as check
from .._progress import progress_reporter
from .._random import derive_seed
from ..errors import ParameterError
from ._consensus import _blocks, _consensus, _louvain_labels, _modularity, _with_neighbour_nvi
from ._graph import _adjacency, _scales
from ._stability import normalized_variation_of_information

__all__ = ["MARKOV_RESOLUTIONS", "markov_levels", "resolution_of", "strengths_for"]

#: The default scan: 13 resolutions, geometric from 4 (fine) to 0.5 (coarse). The scales
#: ``extract`` selects on the benchmark's graphs: 1.41-2.83 on the LFR graphs of
#: ``benchmarks/bench_communities.py``
#: (mu 0.1-0.5), 0.71-2.38 on planted partitions of four blocks, 0.71-1.0 on the
#: heterogeneous SBMs (``benchmarks/bench_communities.py``).
MARKOV_RESOLUTIONS = tuple(float(g) for g in np.geomspace(4.0, 0.5, 13))
_CONSENSUS_RUNS = 3


def resolution_of(a: float, h: float, eta: float) -> float:
    r"""The modularity resolution :math:`\gamma = (1 - \eta(1 - a - h)) / (\eta h)` of scale (a, h).

    Examples
    --------
    >>> resolution_of(0.0, 1.0, 0.4)
    2.5
    >>> round(resolution_of(-1.5, 2.5, 0.4), 6)
    1.0
    """
    s, t = 1.0 - eta + eta * a, eta * h
    if not t > 0 or not s + t > 0:
        raise ParameterError(
            f"the linearised CDAM walk at a={a:g}, h={h:g}, eta={eta:g} is not a random walk: it needs "
            "h > 0 and 1 - eta (1 - a - h) > 0; give positive h (h = 1 - a by default, so a < 1)")
    return (s + t) / t


def strengths_for(resolution: float, eta: float) -> tuple[float, float]:
    """The scale (a, h = 1 - a) whose walk has modularity ``resolution`` (the inverse of :func:`resolution_of`).

    Examples
    --------
    >>> strengths_for(2.5, 0.4)
    (0.0, 1.0)
    """
    h = 1.0 / (eta * resolution)
    return 1.0 - h, h


def markov_levels(G, seed, *, a_values, h_values, resolutions, eta, tries, rounds, weight, progress, **unused):
    """See :func:`cdam.communities.multiscale` (``method="markov"``)."""
    from ._levels import Level

    if unused:
        raise ParameterError(
            f"method='markov' reads the scales (a, h, eta) and Louvain settings only; drop {sorted(unused)} "
            "or use method='consensus' or 'paper', which simulate the dynamics")
    A, nodes = _adjacency(G, weight)
    eta = check.finite_real("eta", 0.4 if eta is None else eta, strict_minimum=0.0)
    tries = check.positive_int("tries", tries)
    rounds = check.positive_int("rounds", rounds)
    scales = _markov_scales(a_values, h_values, resolutions, eta)
    p = A.shape[0]
    U = sp.triu(A, k=1).tocoo()
    levels = []
    with progress_reporter(progress, len(scales), desc="scales", unit="scale") as bar:
        for i, (a, h, gamma) in enumerate(scales):
            s = derive_seed(seed, i)
            parts = _louvain_labels(A, [s + r for r in range(tries)], gamma)
            nvi = float("nan") if tries == 1 else float(np.mean(
                [normalized_variation_of_information(x, y) for x, y in itertools.combinations(parts, 2)]))
            lab = parts[0] if tries == 1 else _consensus(parts, U.row, U.col, p, s + tries, _CONSENSUS_RUNS, rounds,
                                                         gamma)
            lab = np.unique(lab, return_inverse=True)[1]
            levels.append(Level(a, h, _blocks(lab, nodes), _modularity(A, lab), None, nvi, resolution=gamma))
            bar.advance()
    levels.sort(key=lambda lvl: -lvl.resolution)  # fine to coarse: the scan's own order
    return _with_neighbour_nvi(levels, nodes)


def _markov_scales(a_values, h_values, resolutions, eta) -> list[tuple[float, float, float]]:
    if resolutions is not None and (a_values is not None or h_values is not None):
        raise ParameterError("give the scales either as resolutions or as a_values (and h_values), not both")
    if a_values is None and h_values is not None:
        raise ParameterError("h_values needs a_values, one a per h")
    if a_values is not None:
        a_values, h_values = _scales(a_values, h_values)
        return [(a, h, resolution_of(a, h, eta)) for a, h in zip(a_values, h_values)]
    gammas = [check.finite_real("resolution", g, strict_minimum=0.0)
              for g in (MARKOV_RESOLUTIONS if resolutions is None else resolutions)]
    if not gammas:
        raise ParameterError("resolutions must hold at least one positive number")
    return [(*strengths_for(g, eta), g) for g in gammas]
