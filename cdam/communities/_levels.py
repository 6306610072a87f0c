"""Multi-scale community extraction at the CDAM's scales (Burns 2024, arXiv 2404.07123): the entry points.

After the karate-club multi-scale communities experiment of Burns 2024, arXiv 2404.07123.
Anti-Hebbian auto-association (a < 0, h = 1 - a) widens hetero-association from single
memories to neighbourhoods to communities, so sweeping ``a`` downward reads the graph's
structure at coarser and coarser scales. The default method reads each scale through the
stability of the CDAM's linearised walk (``_markov.py``); the others simulate the runs,
every node a cue (all-starts), and compare their final states (``_consensus.py``,
``_paper.py``).

:func:`multiscale` is a dispatcher: each method is one function with its own keyword
parameters, and the options a method reads are exactly those (:data:`METHOD_OPTIONS`,
built from the signatures, so the table cannot drift from the code). An option of another
method is refused with a :class:`~cdam.ParameterError` that names the method it belongs
to: ``draws=5`` with the default method would otherwise look like a result of five
pattern draws. :func:`extract` takes one level of the scan (``_selection.py``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import MappingProxyType

from .. import _validation as check
from ..errors import ParameterError
from ._consensus import consensus_levels
from ._level import Level
from ._markov import markov_levels
from ._paper import MODEL_OPTIONS, paper_levels
from ._selection import SELECTIONS, selected_level

__all__ = ["METHODS", "METHOD_OPTIONS", "checked_method", "extract", "multiscale"]

METHODS = ("markov", "consensus", "paper")
_READERS: dict[str, Callable[..., list[Level]]] = {
    "markov": markov_levels, "consensus": consensus_levels, "paper": paper_levels}


def _keywords(reader) -> frozenset:
    return frozenset(name for name, par in inspect.signature(reader).parameters.items()
                     if par.kind is inspect.Parameter.KEYWORD_ONLY)


#: The options each method reads: its function's keyword parameters (``"paper"`` also passes
#: :class:`cdam.CDAM`'s on to the model).
METHOD_OPTIONS = MappingProxyType({
    "markov": _keywords(markov_levels),
    "consensus": _keywords(consensus_levels),
    "paper": _keywords(paper_levels) | MODEL_OPTIONS,
})

_WHAT_IT_DOES = {
    "markov": "method='markov' simulates nothing: it reads the linearised walk through Leiden tries",
    "consensus": "method='consensus' runs its own all-starts loop over pattern draws",
    "paper": "method='paper' runs cdam.CDAM once and reads the correlations by average linkage",
}
#: per method, the option that counts its partitions per scale (the spread that selection ranks)
_REPEATS = {"markov": "tries", "consensus": "draws"}


def _refusal(name: str, method: str) -> str:
    owners = [m for m in METHODS if name in METHOD_OPTIONS[m]]
    if not owners:
        hint = "; the scales are a_values and h_values" if name in ("a", "h") else ""
        return (f"{name!r} is an option of no method{hint}; method={method!r} takes "
                + ", ".join(sorted(METHOD_OPTIONS[method])))
    where = " and ".join(f"method={m!r}" for m in owners)
    model = " (an option of cdam.CDAM)" if owners == ["paper"] and name in MODEL_OPTIONS else ""
    return (f"{name} belongs to {where}{model}, not method={method!r} ({_WHAT_IT_DOES[method]}); pass "
            + " or ".join(f"method={m!r}" for m in owners) + f", or drop {name}")


def checked_method(method: str, options) -> str:
    """``method``, checked, after checking that it reads every option named in ``options``.

    Raises :class:`~cdam.ParameterError` naming, for each option it does not read, the
    methods that do (:data:`METHOD_OPTIONS`).

    Examples
    --------
    >>> checked_method("consensus", ["draws", "n_neurons"])
    'consensus'
    >>> checked_method("markov", ["draws"])
    Traceback (most recent call last):
    ...
    cdam.errors.ParameterError: draws belongs to method='consensus', not method='markov' (method='markov' \
simulates nothing: it reads the linearised walk through Leiden tries); pass method='consensus', or drop draws
    """
    method = check.choice("method", method, METHODS)
    refused = [_refusal(name, method) for name in sorted(options) if name not in METHOD_OPTIONS[method]]
    if refused:
        raise ParameterError("; ".join(refused))
    return method


def multiscale(
    G,
    seed: int = 0,
    *,
    method: str = "markov",
    a_values=None,
    h_values=None,
    weight: str | None = "weight",
    progress=None,
    **options,
) -> list[Level]:
    r"""Communities of ``G`` at every scale of an anti-Hebbian sweep, fine to coarse.

    ``method="markov"`` (the default) reads each scale (a, h) through the linearised CDAM
    walk: in the linear-attention limit one step of the coefficient dynamics is the lazy
    random walk :math:`T = (sI + tD^{-1}A)/(s + t)`, :math:`s = 1 - \eta + \eta a`,
    :math:`t = \eta h`, and its Markov stability is, up to constants, the modularity at
    resolution :math:`\gamma = (s + t)/t` (:mod:`cdam.communities._markov`; nothing is
    simulated). At every scale ``tries`` optimisations of :math:`Q_\gamma` (igraph's Leiden)
    give the level's ``nvi`` (their mean pairwise NVI) and, the best of them by
    :math:`Q_\gamma` (or with ``rounds`` > 0 their consensus at the same :math:`\gamma`), its
    partition; a scale whose first two tries give one partition stops there (``nvi`` 0).
    The scan runs over ``resolutions`` (by default
    :data:`cdam.communities.MARKOV_RESOLUTIONS`, 4 down to 0.5, of which it reads every
    third and then those next to the instability minimum: ``refine``) or over ``a_values``
    (and ``h_values``), with ``eta`` 0.4 unless given. Its cost is at most ``tries`` Leiden runs
    per scale on one igraph graph built once, linear in the edges.

    For ``method="consensus"`` and ``method="paper"`` each node gets a random U[0,1)
    pattern of ``n_neurons``; every node cues one run (all-starts, ``sym`` normalisation,
    c 1), for each ``a`` of the sweep with ``h = 1 - a`` unless ``h_values`` is given. All
    scales of one pattern draw run as one batch (:meth:`cdam.CDAM.run_cells`). The final
    states are then read out by ``method``.

    ``method="consensus"`` is a consensus of modularity optimisations on
    CDAM similarity graphs. For each of ``draws`` pattern draws :math:`d` it builds the
    sparse similarity graph :math:`W^{(d)}` of the attractors (:func:`similarity_graph`;
    by default the graph's own edges weighted by the positive attractor correlation,
    :math:`W_{ij} = A_{ij}\max(C_{ij}, 0)`, which down-weights edges between nodes whose
    runs settle in different states), and partitions it ``restarts`` times with Louvain
    (igraph's multilevel, a dependency), :math:`P^{(d,r)}`. These R = D x restarts
    partitions are combined on the union of the edges by the co-assignment fraction

    .. math::

        W^{c}_{ij} = \frac1R \sum_{d,r} [P^{(d,r)}(i) = P^{(d,r)}(j)],

    and ``restarts`` Louvain runs on :math:`W^{c}` give the next R partitions, up to
    ``rounds`` times or until they agree (consensus clustering, Lancichinetti and Fortunato
    2012); the first is the level's partition. The mean pairwise normalised variation of
    information between the draws' first partitions is the level's ``nvi``: how much the
    partition depends on the random patterns. Nothing of size p x p is formed.

    The runs (:mod:`cdam.communities._attractors`) keep only the final states. Unless given,
    ``n_neurons`` is 64 and ``beta`` is :math:`\kappa / (n/12)` with :math:`\kappa = 1000/12`,
    the paper's signal at beta 1 and n = 1000; ``eta`` is 0.4 and ``steps`` 20, the
    same fixed points as eta 0.1, T 100, reached to about the same residual
    (:math:`0.6^{20} \approx 3.7\times10^{-5}`, :math:`0.9^{100} \approx 2.7\times10^{-5}`). Attention runs over
    every memory up to ``DENSE_MAX`` nodes (cost :math:`2 p^2 n` per step per scale), above
    that over graph neighbourhoods (``attention="local"``, cost :math:`2 p\,k(k+1)\,n` for
    ``k = neighbours``). ``Level.chance`` says whether a scale kept information: on LFR
    graphs of mean degree 20 every run falls into one global state for :math:`a \le 0`
    (chance ~ 1), and those levels are a consensus of Louvain on the graph itself.

    ``method="paper"`` is the procedure of Burns 2024 (arXiv 2404.07123) unchanged: one
    draw, eta 0.1, T 100, the attractor correlation matrix ``C`` (dense, p x p) and
    average-linkage clustering of it
    cut at ``threshold`` (:func:`correlation_partition`), by default
    :math:`\max(3, \sqrt{2\ln(p(p-1)/2)})/\sqrt{n}`, the largest chance correlation between
    unrelated attractors. Its default sweep is refined where the number of groups falls by
    more than half between neighbouring ``a``, ``refine`` times over.

    Parameters
    ----------
    G : networkx.Graph, networkx.DiGraph, scipy.sparse matrix or cdam.MemoryGraph
        Weighted or not; a sparse matrix is an adjacency matrix on nodes 0..p-1 (row: the
        source of a transition). ``method="markov"`` reads a directed graph (a DiGraph, an
        asymmetric matrix, a MemoryGraph with transitions) as ``directed`` says, and a
        MemoryGraph's links and transitions (its memories the nodes); the other methods
        refuse a directed graph or a MemoryGraph with a message.
    seed : int
        Seeds the patterns, the start noise and Louvain. Draw 0 uses ``seed`` itself.
    method : {"markov", "consensus", "paper"}
    a_values, h_values : sequences of float, optional
        The scales; by default :data:`DEFAULT_A_VALUES` (``"paper"``),
        :data:`CONSENSUS_A_VALUES` (``"consensus"``) or those of :data:`MARKOV_RESOLUTIONS`
        (``"markov"``), with ``h = 1 - a``.
    weight : str or None
        Edge attribute of the weights (None: unweighted).
    progress : bool or callable
        ``True``: a progress bar over the scales (with tqdm); or ``progress(done, total)``
        after each scale (``"markov"``, ``"paper"``) or each draw of all scales (``"consensus"``).
    **options
        The options of ``method`` alone (:data:`METHOD_OPTIONS`); one of another method
        raises :class:`~cdam.ParameterError` naming the method it belongs to.

        ``method="markov"``:

        resolutions : sequence of float, optional
            The scales as modularity resolutions :math:`\gamma > 0` instead of a values
            (:math:`h = 1/(\eta\gamma)`, :math:`a = 1 - h`).
        tries : int, default 8
            Leiden optimisations per scale (their spread is ``Level.nvi``); fewer where
            the first tries agree.
        rounds : int, default 0
            The most consensus rounds; 0: the level's partition is the try of highest
            :math:`Q_\gamma`.
        refine : bool, optional
            Read every third scale, then the scales next to their instability minimum
            until both its neighbours are read (:func:`cdam.communities._markov.coarse_positions`),
            rather than every scale. Default: True for the default scan, False for
            ``resolutions`` or ``a_values`` given.
        eta : float, default 0.4
            The step size of the walk.
        directed : {"flow", "symmetrise"}, default "flow"
            How a directed graph is read. ``"flow"``: the walk follows the transitions,
            :math:`P = D_\text{out}^{-1}A` (the CDAM's row coupling), and the scan runs on
            its undirected flow graph :math:`W = (\Pi P + (\Pi P)^\top)/2`, whose modularity
            at :math:`\gamma` is the walk's linearised Markov stability (Lambiotte, Delvenne
            and Barahona 2014, arXiv 0812.1770; :mod:`cdam.communities._directed`).
            ``"symmetrise"``: the undirected :math:`A + A^\top`. A symmetric graph (an
            undirected one, or both orientations of every edge) reads as undirected either
            way, exactly. ``Level.modularity`` is that of the graph read.
        teleport : float, optional
            ``directed="flow"``: the probability per step that the walk is re-cued at a
            link (chosen by weight; unrecorded, Lambiotte and Rosvall 2012, arXiv
            1112.5252), by default 1/2, one link followed per cue on average. 0: the walk
            itself, refused (:class:`~cdam.GraphError`) where its transitions are not
            strongly connected (never a symmetric graph: its :math:`\pi` is the degree).
        workers : int or None, default 1
            Local processes (``spawn``, one thread each) that run the scales; None: every
            core; 1: this process. Each scale is one task that runs its whole try loop
            (early stop and consensus included) where it lands, so the partitions are
            those of ``workers=1`` for the same seed. Each process starts anew (Python,
            torch and cdam imported: seconds) and holds its own copy of the graph: about
            :math:`B_0 + 1.25\,(220\,m + (160 + 16\,\text{tries})\,n)` bytes for n nodes
            and m edges (:func:`cdam.communities._parallel.worker_bytes`, :math:`B_0` 320 MiB;
            0.6 GiB at 1e5 nodes and 1e6 edges). Two workers paid from about 2e4 nodes
            (1.7x at 3e4, 1.3x at 1e5; slower below, where the start-up dominates).
        scheduler : str or distributed.Client, optional
            A Dask scheduler's address (``"tcp://host:8786"``) or client: the scales run on
            that cluster instead, with the same partitions (needs ``cdam[dask]``).
        memory_limit : int, optional
            Bytes the scan may use on this machine (default: half the memory available);
            a scan whose workers cannot all fit is refused before any starts
            (:class:`~cdam.MemoryBudgetError`).

        ``method="consensus"``:

        n_neurons : int, default 64
            Pattern length n. The signal grows with :math:`\kappa = \beta n
            \operatorname{var}`; the default ``beta`` keeps it.
        steps : int, default 20
            Steps per run.
        noise : float, default 1.0
            Start noise of the runs.
        draws : int, default 3
            Independent pattern draws per scale (at least 1).
        similarity : {"edges", "knn", "both"}
            Which pairs get a similarity (see :func:`similarity_graph`).
        k : int, default 10
            Neighbours per node for ``similarity="knn"`` or ``"both"``.
        attention : {"auto", "dense", "local"}
            Attention over every memory, or over the memories attended last step and
            their ``neighbours`` strongest links (``"auto"``: dense up to ``DENSE_MAX`` nodes).
        neighbours : int, default 16
            Local attention: memories kept per run and links per memory.
        restarts, rounds : int, default 3 and 2
            Louvain runs per similarity graph and per consensus round; the most consensus rounds.
        beta, eta, mean_coef : float
            The update's (``beta`` by default :math:`\kappa / (n/12)`, ``eta`` 0.4, ``mean_coef`` 1).

        ``method="paper"``:

        n_neurons : int, default 1000
            Pattern length n; for a shorter one raise ``beta`` in proportion
            (:math:`\kappa = \beta n \operatorname{var}`).
        steps : int, default 100
            Steps per run.
        noise : float, default 1.0
            Start noise of the runs.
        threshold : float, optional
            The correlation at which groups stop merging.
        refine : int, default 2
            Rounds of refinement of the default sweep.
        beta, eta, memory_limit, ...
            Passed to :class:`cdam.CDAM` (any of its parameters but ``a`` and ``h``).

    Returns
    -------
    list of Level, ordered from the finest partition to the coarsest.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.connected_caveman_graph(3, 5)
    >>> levels = multiscale(G, seed=0, a_values=[1.0, -1.0], n_neurons=400, method="paper")
    >>> [lvl.n_communities for lvl in levels]
    [15, 3]
    >>> levels = multiscale(G, seed=0, a_values=[0.5, 0.0], n_neurons=400, method="consensus")
    >>> [(lvl.n_communities, lvl.nvi) for lvl in levels]
    [(3, 0.0), (3, 0.0)]
    >>> [(round(lvl.resolution, 2), lvl.n_communities) for lvl in multiscale(G, resolutions=[20.0, 1.0])]
    [(20.0, 15), (1.0, 3)]
    """
    method = checked_method(method, options)
    return _READERS[method](G, seed, a_values=a_values, h_values=h_values, weight=weight, progress=progress,
                            **options)


def extract(G, seed: int = 0, *, select: str | None = None, **kwargs) -> list[set]:
    r"""One partition of ``G``: the level of :func:`multiscale` at the deepest minimum of instability.

    ``select="stability_minimum"`` (the default for ``method="markov"``) scores each level
    :math:`\ell` of the scan (fine to coarse) by its :func:`instability`

    .. math::

        I(\ell) = \mathrm{NVI}(\ell) + \tfrac12\big(\mathrm{NVI}(\ell, \ell-1)
        + \mathrm{NVI}(\ell, \ell+1)\big),

    the spread of its own optimisations plus its distance to the neighbouring scales, and
    takes the lowest of its local minima (no higher than any level up to two scales away on
    either side) among the non-trivial levels (more than one group, fewer than one per
    node), ties to the more modular: a scale whose partition is reproducible and persists
    across scales, as Markov stability selects its scales. The two scales at either end of
    the scan are not minima (the coarsest trivially reproduces one group), and a trivial
    neighbour still counts with its own score. Where :math:`I` has no such minimum (no
    scale is more stable than its neighbours: faint structure), it
    takes the most modular non-trivial level (:func:`deepest_stability_minimum`).

    ``select="stable_modularity"`` (the default for ``method="consensus"``) takes, among the
    non-trivial levels :math:`L` (more than one group, fewer than one per node) whose
    partition depends little on the random patterns,

    .. math::

        \ell^* = \operatorname*{arg\,max}_{\ell \in S} Q_G(\ell),\qquad
        S = \{\ell \in L : \mathrm{NVI}_{\text{draws}}(\ell) \le
        \min_{L} \mathrm{NVI}_{\text{draws}} + 0.1\},

    the one of highest Newman modularity :math:`Q_G` on the input graph
    (:data:`STABLE_NVI_MARGIN`). Stability alone cannot rank levels that are all
    reproducible, and modularity alone prefers a scale whose partition changes with the
    patterns. ``select="stability"`` takes the smallest

    .. math::

        \mathrm{NVI}_{\text{draws}}(\ell) + \tfrac12\big(\mathrm{NVI}(\ell, \ell-1)
        + \mathrm{NVI}(\ell, \ell+1)\big),

    as Markov stability selects its scales, ties going to the more modular.
    ``select="modularity"`` (the default, and the only choice with one draw, for
    ``method="paper"``) takes the level of highest modularity.

    Parameters
    ----------
    G : networkx.Graph, networkx.DiGraph, scipy.sparse matrix or cdam.MemoryGraph
        Directed graphs as :func:`multiscale` reads them (``directed``, ``teleport``).
    seed : int
    select : {"stability_minimum", "stable_modularity", "stability", "modularity"}, optional
    **kwargs
        Passed to :func:`multiscale` (``method``, ``a_values``, ``draws``, ...); an option of
        another method than ``method`` is refused, as there.

    Returns
    -------
    list of set
        Communities, largest first, like networkx's community functions.

    Examples
    --------
    >>> import networkx as nx
    >>> parts = extract(nx.connected_caveman_graph(3, 5))
    >>> sorted(len(p) for p in parts)
    [5, 5, 5]
    """
    method = checked_method(kwargs.get("method", "markov"), kwargs.keys() - {"method"})
    default = {"markov": "stability_minimum", "consensus": "stable_modularity"}.get(method, "modularity")
    select = check.choice("select", default if select is None else select, SELECTIONS)
    spread = _REPEATS.get(method)
    repeats = 1 if spread is None else check.positive_int(
        spread, kwargs.get(spread, inspect.signature(_READERS[method]).parameters[spread].default))
    if select != "modularity" and repeats < 2:
        raise ParameterError(f"select={select!r} needs the spread of several partitions per scale: use "
                             "method='markov' with tries >= 2 or 'consensus' with draws >= 2, or select='modularity'")
    levels = multiscale(G, seed=seed, **kwargs)
    return [set(b) for b in selected_level(levels, select).partition]


