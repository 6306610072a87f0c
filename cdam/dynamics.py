r"""CDAM: batched Correlated Dense Associative Memory dynamics on torch.

:class:`~cdam.CDAM` is the model of Burns 2024, "Semantically-correlated memories in a dense
associative model" (ICML 2024, arXiv 2404.07123) on a memory graph. One step, for a batch of
row states :math:`\sigma` (B, n):

.. math::

    w = \operatorname{softmax}(\beta\,\sigma\,\Xi),\qquad
    Q = (a\,\Xi + h\,\Xi M^\top)^\top,\qquad
    \sigma \leftarrow \sigma + \eta\,\big((w Q - c\,\bar\xi) - \sigma\big)

``a`` is auto-association (negative: anti-Hebbian), ``h`` hetero-association along
the graph's edges, ``c`` (``mean_coef``) the mean-subtraction coefficient. With
``eta=1, a=1, h=0, mean_coef=0`` one step is the modern Hopfield update. The
coefficient-space engine (``engine="coefficient"``) steps
:math:`\sigma_t = d_t\sigma_0 + C_t\Xi^\top` instead of the state: an exact reformulation of
the CDAM update, a step costing :math:`Bp^2` instead of :math:`2Bpn`.

For ``a = 1``, ``h = 0`` the model has the energy :meth:`~cdam.CDAM.energy`,

.. math::

    E(\sigma) = -\frac1\beta \log\sum_\mu e^{\beta\,\sigma\cdot\xi_\mu}
                + \tfrac12\lVert\sigma\rVert^2 + c\,\bar\xi\cdot\sigma

For ``c = 0`` this is the modern Hopfield energy. The linear term makes it a
Lyapunov function of the mean-subtracted update too: with :math:`T(\sigma) =
\Xi\,\operatorname{softmax}(\beta\Xi^\top\sigma) - c\bar\xi` and step
:math:`\sigma' = \sigma + \eta(T - \sigma)`, convexity of log-sum-exp gives
:math:`E(\sigma') - E(\sigma) \le -\eta(1 - \eta/2)\lVert T - \sigma\rVert^2 \le 0`
for :math:`\eta \in (0, 1]`. No energy is known for ``a != 1`` or ``h != 0``.

A run (:meth:`~cdam.CDAM.run`) is one loop over time that serves every use: built-in recorders
(overlaps, states, attention, the late-window mean, discarded top-k mass), user recorders
(:class:`~cdam.dynamics.Recorder`), a ``perturb`` hook that edits states between updates, and settling rules
(``tol``, ``freeze``). How a step is computed is the engine's business (:mod:`cdam._engine`):
directly, or exactly in coefficient space; the batch runs in chunks that fit the model's
``memory_limit``, with the same result as one batch. Recorded overlaps and attention
cost no extra matrix product with the slot backend: they are read off the attention logits
:math:`\sigma\Xi` that the next update computes anyway (:meth:`~cdam.overlap.OverlapOperator.from_scores`).
The result of a run is a :class:`~cdam.Trajectory`.

**The store.** The default backend keeps one slot per memory (:class:`~cdam.backends.DenseSlots`).
With ``topk`` a state attends to its ``topk`` best-matching memories and reads only their values
(the error bound is on :class:`~cdam.backends.DenseSlots`); the softmax mass left out is reported
in :attr:`~cdam.Trajectory.topk_discarded`. The slot store, and a custom store that declares
``accepts_factored_values`` (such as :class:`~cdam.backends.CandidateSlots`), holds ``Q`` (p, n) in
memory (``values="dense"``), or never forms it and reads :math:`wQ = (a\,w + h\,wM)\,\Xi^\top` from
its factors (``values="factored"``, :class:`~cdam.couplings.FactoredValues`: no p x n value
matrix, for one sparse product more per step). ``"auto"`` factors when ``Q`` would exceed
:data:`~cdam._store.DENSE_VALUES_MAX_BYTES` (1 GiB).

**The engines** (:mod:`cdam._engine`) compute a run exactly either way: ``engine="direct"`` steps
the state (every backend, ``tol``, ``freeze``, ``perturb``); ``"coefficient"`` steps its
coefficients, a step costing :math:`Bp^2` instead of :math:`2Bpn`; ``"auto"`` picks the cheaper
for the slot store (:meth:`~cdam.CDAM.choose_engine`).

**The budget.** ``memory_limit`` is the bytes a run may use; None means half of the memory
available when the run starts (:func:`cdam._engine.default_memory_limit`). A batch runs in chunks
that fit, with the same result as one batch; work that cannot fit raises
:class:`~cdam.errors.MemoryBudgetError` before it allocates. :meth:`~cdam.CDAM.memory_estimate`
gives the estimate.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from . import _csr, _engine, _model_file, _run_args
from . import _validation as check
from ._energy import energy_of
from ._model_file import MODEL_FORMAT
from ._recorders import Recorder
from ._store import VALUE_STORAGE, build_store
from .backends.base import StorageBackend
from .backends.slots import SOFTMAX_KINDS
from .couplings import NORMALIZATIONS, Couplings
from .couplings import compile as compile_graph
from .errors import ParameterError
from .overlap import OverlapOperator

__all__ = ["CDAM", "MODEL_FORMAT", "Recorder", "Trajectory"]

# Trajectory's per-run tensors: batch-major ones, and the recorded (T, B, ...) ones with runs on axis 1
_PER_RUN = (
    "final", "final_attention", "late_attention", "cues", "initial", "initial_overlaps", "topk_discarded",
    "run_steps", "settled",
)
_TIME_MAJOR = ("states", "overlaps", "attention")


@dataclass
class Trajectory:
    r"""The result of :meth:`CDAM.run`.

    Attributes
    ----------
    final : torch.Tensor (B, n)
        Final states, on the CPU (``np.asarray(traj.final)`` works).
    initial : torch.Tensor (B, n)
        The initial states ``x0``.
    states : torch.Tensor (T, B, n) or None
        The state after each update (``states[t]`` after update ``t + 1``; ``states[-1]`` is
        ``final``), when ``record_states=True``.
    overlaps : torch.Tensor (T, B, p) or None
        Overlaps of the state after each update with every memory (``overlap_kind``;
        Pearson by default), when ``record_overlaps=True``; (T, B, j) with the j memories
        ``overlaps_with``. Those of the initial state are in ``initial_overlaps``;
        :meth:`overlaps_with_initial` joins the two.
    initial_overlaps : torch.Tensor (B, p) or None
        Overlaps of the initial state, when ``record_overlaps=True`` ((B, j) likewise).
    overlaps_with : torch.Tensor (j,), int64, or None
        The memories the recorded overlaps cover, when not all of them.
    attention : torch.Tensor (T, B, p) or None
        Attention weights at the state after each update, when ``record_attention=True``.
    final_attention : torch.Tensor (B, p)
        Attention weights :math:`\operatorname{softmax}(\beta\,\sigma\Xi)` at the final state:
        dense for dense reads, a torch sparse CSR tensor (k entries a row) for sparse reads
        (a backend whose ``Retrieval.index`` names the k memories read).
    late_attention : torch.Tensor (B, p), float64
        Mean attention over the states of the second half of the run (t >= (T + 1) // 2,
        the final state included): what the run attended to once transients died out.
        Sparse CSR for sparse reads, like ``final_attention``.
    cues : torch.Tensor (B,)
        Index of the memory each run started from (all-starts), or the memory best
        correlated with its initial state (``run``).
    steps : int
        Number of updates done (fewer than asked when ``tol`` stopped the run early).
    topk_discarded : torch.Tensor (B,), float64, or None
        With ``CDAM(topk=k)``: per run, the largest softmax mass any read left out. Each
        update's read is within :math:`2\varepsilon\max_\mu\lVert Q_\mu\rVert_\infty` of
        the full softmax's, so runs with :math:`\varepsilon` below round-off are exact.
    engine : str
        How the run was computed: ``"direct"`` or ``"coefficient"`` (exact either way).
    run_steps, settled : torch.Tensor (B,), optional
        With ``freeze=True``: each run's number of updates, and whether it settled.
    """

    final: torch.Tensor
    final_attention: torch.Tensor | None
    late_attention: torch.Tensor | None
    cues: torch.Tensor
    steps: int
    initial: torch.Tensor | None = None
    states: torch.Tensor | None = None
    overlaps: torch.Tensor | None = None
    initial_overlaps: torch.Tensor | None = None
    attention: torch.Tensor | None = None
    overlap_kind: str = "pearson"
    params: dict = field(default_factory=dict)
    topk_discarded: torch.Tensor | None = None
    engine: str | None = None
    run_steps: torch.Tensor | None = None
    settled: torch.Tensor | None = None
    n_memories: int | None = None
    overlaps_with: torch.Tensor | None = None

    @property
    def batch_size(self) -> int:
        return int(self.final.shape[0])

    @classmethod
    def from_run(
        cls, run, built, initial, *, overlap_kind: str, params: dict, engine: str, n_memories: int
    ) -> Trajectory:
        """The Trajectory of a finished engine run (:class:`cdam._engine.Run`) and its built-in recorders."""
        summary, ov, st, at = built.summary, built.overlaps, built.states, built.attention
        overlaps = ov.out if ov is not None else None
        # row-major whatever layout the last product returned: reductions over the final states
        # (correlations, overlaps) must not depend on it
        return cls(
            final=run.final.contiguous().cpu(), final_attention=summary.final_attention(),
            late_attention=summary.late_mean(), cues=summary.cues, steps=run.done, initial=initial,
            states=st.out if st is not None else None, overlaps=overlaps[1:] if overlaps is not None else None,
            initial_overlaps=overlaps[0] if overlaps is not None else None,
            attention=at.out if at is not None else None, overlap_kind=overlap_kind, params=params,
            topk_discarded=summary.discarded, engine=engine, run_steps=run.run_steps, settled=run.settled,
            n_memories=n_memories, overlaps_with=None if ov is None else ov.columns,
        )

    @classmethod
    def concat(cls, parts) -> Trajectory:
        """The Trajectory of a batch from those of its consecutive row chunks (same steps)."""
        parts = list(parts)
        if not parts:
            raise ParameterError("concat needs at least one Trajectory")
        steps = {p.steps for p in parts}
        if len(steps) != 1:
            raise ParameterError(f"chunks ran different numbers of steps {sorted(steps)}; run them without tol")

        first = parts[0]
        # every per-run tensor joins along its run axis; counts, kind and engine are the first chunk's
        runs = {name: [getattr(p, name) for p in parts] for name in _PER_RUN + _TIME_MAJOR}
        return replace(first, params=dict(first.params), **{name: _joined(xs, name) for name, xs in runs.items()})

    def _n_memories(self):
        if self.n_memories is not None:
            return self.n_memories
        for x in (self.final_attention, self.initial_overlaps, self.late_attention):
            if x is not None:
                return x.shape[-1]
        return "?"

    def __repr__(self) -> str:
        # one line for notebooks: the sizes and what was recorded, never the tensors
        recorded = [name for name in ("states", "overlaps", "attention") if getattr(self, name) is not None]
        if self.overlaps is not None and self.overlap_kind != "pearson":
            recorded[recorded.index("overlaps")] = f"overlaps[{self.overlap_kind}]"
        settled = "" if self.settled is None else f", settled={int(self.settled.sum())}/{self.batch_size}"
        return (
            f"Trajectory(B={self.batch_size}, steps={self.steps}, n={self.final.shape[-1]}, "
            f"p={self._n_memories()}, engine={self.engine!r}, "
            f"recorded={'+'.join(recorded) or 'none'}{settled})"
        )

    def select(self, rows) -> Trajectory:
        """The runs ``rows`` (a slice or index) of this batch, as a Trajectory of their own."""
        def take(name):
            # fresh, aligned copies: reductions over a view into a larger block can group their
            # sums differently, and a selected run must read exactly like a run of its own
            x = getattr(self, name)
            if x is None:
                return None
            if _csr.is_sparse(x):  # the summaries of sparse reads
                return _csr.take_rows(x, rows)
            return (x[:, rows] if name in _TIME_MAJOR else x[rows]).clone(memory_format=torch.contiguous_format)

        return replace(self, params=dict(self.params), **{name: take(name) for name in _PER_RUN + _TIME_MAJOR})

    def overlaps_with_initial(self) -> torch.Tensor:
        """Overlaps (T + 1, B, p) from the initial state on: index 0 is ``x0``'s."""
        if self.overlaps is None or self.initial_overlaps is None:
            raise ParameterError("overlaps were not recorded; run with record_overlaps=True")
        return torch.cat([self.initial_overlaps[None], self.overlaps])

    def final_overlaps(self, kind: str | None = None) -> torch.Tensor:
        """Overlaps (B, p) of the final states; recorded ones when available."""
        if self.overlaps is None:
            raise ParameterError("overlaps were not recorded; run with record_overlaps=True")
        if kind is not None and kind != self.overlap_kind:
            raise ParameterError(f"{self.overlap_kind} overlaps were recorded, not {kind}; run with overlap={kind!r}")
        return self.overlaps[-1] if self.steps else self.initial_overlaps  # type: ignore[return-value]


def _joined(xs, name: str):
    """The chunks ``xs`` of the Trajectory tensor ``name`` joined along its run axis (None if any is)."""
    if any(x is None for x in xs):
        return None
    if _csr.is_sparse(xs[0]):  # the summaries of sparse reads
        return _csr.cat_rows(xs)
    return torch.cat(xs, dim=1 if name in _TIME_MAJOR else 0)


class _GraphCache(dict):
    """Quantities that depend on the patterns and the graph alone (Gram matrices, overlap
    operators, spectra), shared by a model and its ``with_strengths`` copies, filled once
    even when runs start from several threads at once."""

    def __init__(self, *args):
        super().__init__(*args)
        self._lock = threading.Lock()

    def get_or_make(self, key, make):
        """``self[key]``, made by ``make()`` on first use (by one thread only)."""
        try:
            return self[key]
        except KeyError:
            pass
        with self._lock:
            if key not in self:
                self[key] = make()
            return self[key]

    def __reduce__(self):  # a model goes to worker processes; its lock stays here
        return type(self), (dict(self),)


class CDAM:
    r"""Correlated Dense Associative Memory on a memory graph (Burns 2024, arXiv 2404.07123).

    The update :math:`\sigma \leftarrow \sigma + \eta\,((wQ - c\,\bar\xi) - \sigma)`, its energy, how a
    run goes, the store, the engines and the memory budget are written out in :mod:`cdam.dynamics`.

    Parameters
    ----------
    graph : MemoryGraph
    a, h : float
        Auto- and hetero-association strengths (any finite reals).
    beta : float
        Inverse temperature, finite and >= 0.
    eta : float
        Step size in (0, 1].
    mean_coef : float
        ``c``. The paper's text writes 1/n; its figures used 1, the default.
    normalization : {"sym", "row", "none"}
    backend : "dense" or StorageBackend
        Node storage. ``"dense"`` keeps one slot per memory (:class:`DenseSlots`).
    softmax : {"stable", "legacy"}
    direction : {"forward", "reverse"}
        Forward: recalling mu moves toward its successors.
    device, dtype
        Where and in what precision the dynamics run.
    topk : int, optional
        Slot backend only: attend to the ``topk`` best-matching memories of each state and read
        only their values (the softmax mass left out: :attr:`Trajectory.topk_discarded`).
    values : {"auto", "dense", "factored"}
        Hold the value matrix ``Q`` (p, n), or read it from its factors (``"auto"``: above 1 GiB).
    engine : {"auto", "direct", "coefficient"}
        Step the state or, exactly, its coefficients; ``"auto"`` picks the cheaper.
    memory_limit : int, optional
        Bytes a run may use (None: half of what is available when the run starts).

    Examples
    --------
    >>> import numpy as np, networkx as nx, cdam
    >>> g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(10), np.random.default_rng(0).random((500, 10)))
    >>> model = cdam.CDAM(g, a=1.0, h=0.0)
    >>> traj = model.all_starts(steps=100, noise=1.0, seed=0, record_overlaps=True)
    >>> traj.overlaps.shape, bool((traj.overlaps[-1].argmax(dim=1) == traj.cues).all())
    (torch.Size([100, 10, 10]), True)
    """

    def __init__(
        self, graph, a: float = 1.0, h: float = 0.0, beta: float = 1.0, eta: float = 0.1, mean_coef: float = 1.0,
        normalization: str = "sym", backend: str | StorageBackend = "dense", device: str | torch.device = "cpu",
        dtype: torch.dtype = torch.float32, softmax: str = "stable", direction: str = "forward",
        topk: int | None = None, values: str = "auto", engine: str = "auto", memory_limit: int | None = None,
    ) -> None:
        self.a, self.h, self.beta, self.eta, self.mean_coef = _run_args.checked_strengths(a, h, beta, eta, mean_coef)
        self.normalization = check.choice("normalization", normalization, NORMALIZATIONS)
        self.softmax = check.choice("softmax", softmax, SOFTMAX_KINDS)
        self.values = check.choice("values", values, VALUE_STORAGE)
        self.topk = topk
        self.engine = _engine.check_engine(engine)
        if memory_limit is not None:
            memory_limit = check.positive_int("memory_limit", memory_limit)
        self.memory_limit = memory_limit
        if topk is not None and not (isinstance(backend, str) and backend == "dense"):
            raise ParameterError("topk applies to the slot backend only: use backend='dense' or drop topk")
        self.graph = graph
        self.couplings: Couplings = compile_graph(
            graph, normalization, a=self.a, h=self.h, direction=direction, dtype=dtype, device=device
        )
        self.backend, self._memory_units = build_store(
            self.couplings, backend, softmax=self.softmax, topk=self.topk, values=self.values
        )
        self._backend_spec = backend if isinstance(backend, str) else None
        self._graph_version = graph._version
        self._cache = _GraphCache()  # graph-only quantities shared with with_strengths copies

    def with_strengths(self, a: float, h: float) -> CDAM:
        """A model on the same compiled graph with new ``a`` and ``h``; ``M`` is reused.

        Only the value matrix is rebuilt, which makes parameter sweeps cheap.

        Examples
        --------
        >>> import cdam, cdam.datasets
        >>> model = cdam.CDAM(cdam.datasets.cycle_memory_graph(p=10, n=200))
        >>> hetero = model.with_strengths(-2.0, 3.0)
        >>> hetero.a, hetero.h, hetero.couplings.M is model.couplings.M
        (-2.0, 3.0, True)
        """
        if self._backend_spec is None:
            raise ParameterError("with_strengths needs a named backend; build a new CDAM for a custom backend")
        new = object.__new__(CDAM)
        new.__dict__.update(self.__dict__)
        new.a = check.finite_real("a", a)
        new.h = check.finite_real("h", h)
        new.couplings = self.couplings.with_strengths(new.a, new.h)
        new.backend, new._memory_units = build_store(
            new.couplings, self._backend_spec, softmax=new.softmax, topk=new.topk, values=new.values
        )
        return new

    # ------------------------------------------------------------------ properties
    @property
    def n_neurons(self) -> int:
        """Neurons n: the length of each pattern and state."""
        return self.couplings.n_neurons

    @property
    def n_memories(self) -> int:
        """Memories p: the graph's nodes."""
        return self.couplings.n_memories

    @property
    def device(self) -> torch.device:
        """Where the dynamics run."""
        return self.couplings.Xi.device

    @property
    def dtype(self) -> torch.dtype:
        """The precision of the dynamics."""
        return self.couplings.Xi.dtype

    @property
    def M(self):
        """The normalised coupling matrix (scipy CSR)."""
        return self.couplings.M

    def __repr__(self) -> str:
        return (
            f"CDAM(p={self.n_memories}, n={self.n_neurons}, a={self.a}, h={self.h}, beta={self.beta}, "
            f"eta={self.eta}, mean_coef={self.mean_coef}, normalization={self.normalization!r}"
            + ("" if self.topk is None else f", topk={self.topk}")
            + ("" if self.engine == "auto" else f", engine={self.engine!r}")
            + ("" if self._backend_spec == "dense" else f", backend={type(self.backend).__name__}")
            + ("" if self.device.type == "cpu" else f", device={str(self.device)!r}")
            + ("" if self.dtype == torch.float32 else f", dtype={str(self.dtype).removeprefix('torch.')}")
            + ")"
        )

    # ------------------------------------------------------------------ dynamics
    @property
    def _builtin_slots(self) -> bool:
        """The store is the slot backend this model built from its couplings (keys Xi^T,
        values K Xi^T): the coefficient-space engine and per-run parameters apply."""
        return self._backend_spec == "dense"

    def attention(self, x) -> torch.Tensor:
        r"""Attention weights :math:`\operatorname{softmax}(\beta\sigma\Xi)` (B, p) for states ``x``
        (with ``topk``, the renormalised top-k weights the dynamics use, zero elsewhere).

        Examples
        --------
        >>> import torch, cdam, cdam.datasets
        >>> model = cdam.CDAM(cdam.datasets.cycle_memory_graph(p=10, n=200))
        >>> w = model.attention(model.initial_states(seed=0))
        >>> w.shape, bool(torch.allclose(w.sum(dim=1), torch.ones(10)))
        (torch.Size([10, 10]), True)
        """
        x, single = check.state_batch(x, self.n_neurons, dtype=self.dtype, device=self.device)
        w = _engine.StepView(_engine.stepper_for(self, x), slice(None), 0, {}).weights
        return w[0] if single else w

    def step(self, x) -> torch.Tensor:
        """One update of a state (n,) or batch (B, n); returns a tensor of the same shape.

        Examples
        --------
        >>> import cdam, cdam.datasets
        >>> model = cdam.CDAM(cdam.datasets.cycle_memory_graph(p=10, n=200))
        >>> model.step(model.initial_states(seed=0)[0]).shape
        torch.Size([200])
        """
        sigma, single = check.state_batch(x, self.n_neurons, dtype=self.dtype, device=self.device)
        st = _engine.stepper_for(self, sigma)
        sigma = st.update(slice(None), st.read(slice(None), 0))
        return sigma[0] if single else sigma

    choose_engine = _engine.choose_engine  # documented in cdam._engine._choice

    def run(
        self, x0: np.ndarray | torch.Tensor, steps: int = 100, record_overlaps: bool = False, *,
        record_states: bool = False, record_attention: bool = False, overlap: str = "pearson",
        tol: float | None = None, cues=None, recorders=(), perturb=None, freeze: bool = False,
        engine: str | None = None, attention_summary: bool = True, overlaps_with=None,
        _row_params=None, _checked: bool = False,
    ) -> Trajectory:
        r"""Run the dynamics from ``x0`` for ``steps`` updates.

        One loop over time with recorders, a ``perturb`` hook and settling rules; computed
        directly or exactly in coefficient space, in chunks that fit :attr:`memory_limit`
        (see :mod:`cdam.dynamics`). Recorded overlaps and attention cost no extra matrix
        product with the slot backend.

        Parameters
        ----------
        x0 : array or tensor, (n,) or (B, n)
        steps : int
            Number of updates (0 allowed).
        record_overlaps : bool
            Record overlaps (T, B, p) of the state after each update with every memory
            (and those of ``x0`` in ``initial_overlaps``).
        record_states : bool
            Record the state after each update (T, B, n).
        record_attention : bool
            Record the attention weights (T, B, p) at the state after each update.
        overlap : {"pearson", "cosine", "dot"}
        tol : float, optional
            Stop early once no entry of any state moved by more than ``tol`` in a step.
        cues : sequence of int, optional
            Memory each run was cued with; defaults to the memory best correlated with x0.
        recorders : sequence of Recorder
            More observers of every state (see :class:`Recorder`).
        perturb : callable, optional
            ``perturb(t, rows, states)`` after update ``t`` (states (rows, n) of the runs
            ``rows``): edit ``states`` in place to inject input (a distractor, an input
            block); the next read and every recorder see the edited state.
        freeze : bool
            With ``tol``: a run stops moving once it settled (its own step moved no entry
            by more than ``tol``); the loop ends when every run has. ``Trajectory.run_steps``
            holds each run's updates and ``Trajectory.settled`` whether it settled.
        engine : {"auto", "direct", "coefficient"}, optional
            Overrides the model's ``engine`` for this run.
        attention_summary : bool
            Keep ``final_attention`` and ``late_attention`` (mode classification reads them):
            two dense (B, p) arrays for dense reads (at p = 1e6 memories and B = 1024 runs
            they alone are 12 GB), CSR tensors of about k entries a row for sparse reads. False
            leaves them None.
        overlaps_with : sequence of int, optional
            Record overlaps with these memories only: ``overlaps`` (T, B, j) and
            ``initial_overlaps`` (B, j), column i for memory ``overlaps_with[i]`` (implies
            ``record_overlaps``). With sparse reads nothing (B, p) is formed.

        Examples
        --------
        >>> import cdam, cdam.datasets
        >>> model = cdam.CDAM(cdam.datasets.cycle_memory_graph(p=10, n=200))
        >>> traj = model.run(model.initial_states(seed=0), steps=50, record_overlaps=True)
        >>> traj.overlaps.shape, bool((traj.final_overlaps().argmax(dim=1) == traj.cues).all())
        (torch.Size([50, 10, 10]), True)
        """
        done = _run_args.execute_run(
            self, x0, steps, record_overlaps=record_overlaps, record_states=record_states,
            record_attention=record_attention, overlap=overlap, tol=tol, cues=cues, recorders=recorders,
            perturb=perturb, freeze=freeze, engine=engine, attention_summary=attention_summary,
            overlaps_with=overlaps_with, row_params=_row_params, checked=_checked,
        )
        return Trajectory.from_run(
            done.run, done.built, done.initial, overlap_kind=overlap, params=self.params(), engine=done.engine,
            n_memories=self.n_memories,
        )

    def run_cells(self, cells, x0, steps: int = 100, *, cues=None, **run_kwargs) -> list[Trajectory]:
        r"""Run the same starts under many parameter cells, stacked into one batch.

        Cells share the patterns, ``M`` and (in coefficient space) the Gram matrix; only
        ``a``, ``h``, ``beta``, ``eta`` and ``mean_coef`` differ, and they differ per run
        (many parameter cells, one batch). Where the coefficient-space engine
        applies, the cells run as one batch of ``len(cells) * B`` runs; otherwise one after
        the other on this model's compiled graph. Either way cell ``k`` equals
        ``self.with_params(**cells[k]).run(x0, steps)`` (to round-off: float sums in a
        larger batch may round differently, which chaotic regimes amplify).

        Parameters
        ----------
        cells : sequence of dict
            Each maps any of ``a``, ``h``, ``beta``, ``eta``, ``mean_coef`` to a value; the
            model's own value stands for a parameter a cell leaves out.
        x0 : array or tensor (B, n)
        steps : int
        cues : sequence of int, optional
        **run_kwargs
            ``record_overlaps``, ``record_attention``, ``record_states``, ``overlap``.

        Returns
        -------
        list of Trajectory
            One per cell, in order; ``params`` holds the cell's parameters.

        Examples
        --------
        >>> import numpy as np, networkx as nx, cdam
        >>> g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(10), np.random.default_rng(0).random((300, 10)))
        >>> model = cdam.CDAM(g)
        >>> x0 = model.initial_states(seed=0)
        >>> runs = model.run_cells([{"a": 1.0, "h": 0.0}, {"a": -2.0, "h": 3.0}], x0, steps=50)
        >>> [str(cdam.classify_mode(t, g)) for t in runs]
        ['auto', 'wide_hetero']
        """
        cells, x = _run_args.checked_cells(self, cells, x0)
        return _engine.run_cells(self, cells, x, steps, cues=cues, **run_kwargs)

    def with_params(self, **params) -> CDAM:
        """A model on the same compiled graph with new ``a``, ``h``, ``beta``, ``eta`` or ``mean_coef``.

        Examples
        --------
        >>> import cdam, cdam.datasets
        >>> model = cdam.CDAM(cdam.datasets.cycle_memory_graph(p=10, n=200))
        >>> model.with_params(a=-2.0, h=3.0, beta=2.0)
        CDAM(p=10, n=200, a=-2.0, h=3.0, beta=2.0, eta=0.1, mean_coef=1.0, normalization='sym')
        """
        c = _run_args.checked_cell(self, params) if params else {}
        new = self.with_strengths(c.get("a", self.a), c.get("h", self.h))
        for name in ("beta", "eta", "mean_coef"):
            if name in c:
                setattr(new, name, c[name])
        return new

    def _overlap_operator(self, kind: str) -> OverlapOperator:
        # the normalised pattern basis costs O(n p); build it once per model and kind
        return self._cache.get_or_make(("overlap", kind), lambda: OverlapOperator(self.couplings.Xi, kind))

    # ------------------------------------------------------------------ memory
    @property
    def budget(self) -> int:
        """Bytes a run may use: ``memory_limit``, or :func:`cdam._engine.default_memory_limit`."""
        return self.memory_limit if self.memory_limit is not None else _engine.default_memory_limit()

    memory_estimate = _engine.memory_estimate  # documented in cdam._engine._plan

    initial_states = _run_args.noisy_pattern_starts  # documented in cdam._run_args

    def all_starts(
        self, steps: int = 100, noise: float = 1.0, seed: int | torch.Generator | None = 0, **kwargs
    ) -> Trajectory:
        """Run one start per memory (B = p), cued by its pattern plus uniform noise.

        Row ``mu`` of the result is the run started at memory ``mu``. Extra keyword
        arguments go to :meth:`run`, or to :meth:`run_spread` when one of ``chunk``,
        ``workers``, ``scheduler`` or ``executor`` is given.
        """
        x0 = self.initial_states(noise, seed)
        if spread := _run_args.spread_options(kwargs):
            return self.run_spread(x0, steps, cues=torch.arange(self.n_memories), **spread, **kwargs)
        return self.run(x0, steps, cues=torch.arange(self.n_memories), **kwargs)

    run_spread = _engine.run_spread  # documented in cdam._engine._spread

    energy = energy_of  # documented in cdam._energy

    # ------------------------------------------------------------------ persistence: cdam._model_file
    save = _model_file.save_model
    load: classmethod[CDAM, ..., CDAM] = classmethod(_model_file.load_model)

    def params(self) -> dict:
        """The model's parameters as a plain dict."""
        return {
            "a": self.a, "h": self.h, "beta": self.beta, "eta": self.eta, "mean_coef": self.mean_coef,
            "normalization": self.normalization, "softmax": self.softmax, "direction": self.couplings.direction,
            "topk": self.topk, "values": self.values, "engine": self.engine, "memory_limit": self.memory_limit,
        }
