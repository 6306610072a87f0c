"""Which engine computes a run."""

from __future__ import annotations

from ..errors import ParameterError

ENGINES = ("auto", "direct", "coefficient")


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {ENGINES}, got {engine!r}")
    return engine


def choose_engine(model, *, record_states: bool = False, exact_only: bool = False) -> str:
    """The engine ``engine="auto"`` picks: coefficient space where a step costs less.

    A coefficient-space step costs :math:`Bp^2` against :math:`2Bpn` directly (plus
    :math:`Bpn` to form each recorded state), so it is chosen for the model's own slot
    store when :math:`p < 2n` (:math:`p < n` when states are recorded). A model built with
    ``engine="direct"`` or ``"coefficient"`` keeps its engine; ``exact_only`` (a run that
    edits or watches the state itself) and custom backends give ``"direct"``.
    :meth:`cdam.CDAM.choose_engine` is this function.

    Parameters
    ----------
    record_states : bool
    exact_only : bool

    Returns
    -------
    str
        ``"direct"`` or ``"coefficient"``.

    Examples
    --------
    >>> import numpy as np, networkx as nx, cdam
    >>> g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(8), np.random.default_rng(0).random((6, 8)))
    >>> model = cdam.CDAM(g)  # p = 8 memories of n = 6 neurons
    >>> model.choose_engine(), model.choose_engine(record_states=True)
    ('coefficient', 'direct')
    """
    if model.engine != "auto":
        return model.engine
    if not model._builtin_slots or exact_only:
        return "direct"
    p, n = model.n_memories, model.n_neurons
    return "coefficient" if p < (n if record_states else 2 * n) else "direct"


def engine_for_run(model, engine: str | None, *, record_states: bool, direct_only: bool) -> str:
    """The engine a run of ``model`` uses: ``engine`` (None: the model's own), with ``"auto"``
    resolved; ``direct_only`` when the run edits or watches the state itself (tol, freeze, perturb).

    Raises
    ------
    ParameterError
        For an unknown engine, or coefficient space asked of what it cannot run.
    """
    engine = check_engine(model.engine if engine is None else engine)
    if engine == "auto":
        if direct_only or not model._builtin_slots:
            return "direct"
        return choose_engine(model, record_states=record_states)
    if engine == "coefficient":
        if not model._builtin_slots:
            raise ParameterError(
                "engine='coefficient' needs the model's own slot store (backend='dense'); "
                "a custom backend runs with engine='direct'"
            )
        if direct_only:
            raise ParameterError(
                "tol, freeze and perturb act on the state itself: run them with engine='direct' or 'auto'"
            )
    return engine
