"""CDAM: batched Correlated Dense Associative Memory dynamics on torch."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from . import _validation as check
from .backends.base import Retrieval, StorageBackend
from .backends.slots import SOFTMAX_KINDS, DenseSlots, softmax_weights
from .couplings import NORMALIZATIONS, Couplings
from .couplings import compile as compile_graph
from .errors import ParameterError, StateError
from .measures import OverlapOperator

__all__ = ["CDAM", "MODEL_FORMAT", "Trajectory"]

MODEL_FORMAT = "cdam.CDAM"
VALUE_STORAGE = ("auto", "dense", "factored")
DENSE_VALUES_MAX_BYTES = 1 << 30


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
        Pearson by default), when ``record_overlaps=True``. Those of the initial state are
        in ``initial_overlaps``; :meth:`overlaps_with_initial` joins the two.
    initial_overlaps : torch.Tensor (B, p) or None
        Overlaps of the initial state, when ``record_overlaps=True``.
    attention : torch.Tensor (T, B, p) or None
        Attention weights at the state after each update, when ``record_attention=True``.
    final_attention : torch.Tensor (B, p)
        Attention weights :math:`\operatorname{softmax}(\beta\,\sigma\Xi)` at the final state.
    late_attention : torch.Tensor (B, p), float64
        Mean attention over the states of the second half of the run (t >= (T + 1) // 2,
        the final state included): what the run attended to once transients died out.
    cues : torch.Tensor (B,)
        Index of the memory each run started from (all-starts), or the memory best
        correlated with its initial state (``run``).
    steps : int
        Number of updates done (fewer than asked when ``tol`` stopped the run early).
    topk_discarded : torch.Tensor (B,), float64, or None
        With ``CDAM(topk=k)``: per run, the largest softmax mass any read left out. Each
        update's read is within :math:`2\varepsilon\max_\mu\lVert Q_\mu\rVert_\infty` of
        the full softmax's, so runs with :math:`\varepsilon` below round-off are exact.
    """

    final: torch.Tensor
    final_attention: torch.Tensor
    late_attention: torch.Tensor
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

    @property
    def batch_size(self) -> int:
        return int(self.final.shape[0])

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
        return self.overlaps[-1] if self.steps else self.initial_overlaps


def _stack(items, empty_shape) -> torch.Tensor | None:
    if items is None:
        return None
    return torch.stack(items) if items else torch.empty(empty_shape)


class CDAM:
    r"""Correlated Dense Associative Memory on a memory graph.

    One step, for a batch of row states :math:`\sigma` (B, n):

    .. math::

        w = \operatorname{softmax}(\beta\,\sigma\,\Xi),\qquad
        Q = (a\,\Xi + h\,\Xi M^\top)^\top,\qquad
        \sigma \leftarrow \sigma + \eta\,\big((w Q - c\,\bar\xi) - \sigma\big)

    ``a`` is auto-association (negative: anti-Hebbian), ``h`` hetero-association along
    the graph's edges, ``c`` (``mean_coef``) the mean-subtraction coefficient. With
    ``eta=1, a=1, h=0, mean_coef=0`` one step is the modern Hopfield update.

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
        Slot backend only: attend to the ``topk`` best-matching memories of each state
        and read only their values (see :class:`~cdam.backends.DenseSlots` for the error
        bound). The softmax mass left out is reported in
        :attr:`Trajectory.topk_discarded`.
    values : {"auto", "dense", "factored"}
        Slot backend only: hold ``Q`` (p, n) in memory (``"dense"``), or never form it and
        read :math:`wQ = (a\,w + h\,wM)\,\Xi^\top` from its factors (``"factored"``,
        :class:`~cdam.couplings.FactoredValues`: no p x n value matrix, for one sparse
        product more per step). ``"auto"`` factors when ``Q`` would exceed
        :data:`DENSE_VALUES_MAX_BYTES`.

    Examples
    --------
    >>> import numpy as np, networkx as nx, cdam
    >>> rng = np.random.default_rng(0)
    >>> g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(10), rng.random((500, 10)))
    >>> model = cdam.CDAM(g, a=1.0, h=0.0)
    >>> traj = model.all_starts(steps=100, noise=1.0, seed=0, record_overlaps=True)
    >>> traj.overlaps.shape
    torch.Size([100, 10, 10])
    >>> bool((traj.overlaps[-1].argmax(dim=1) == traj.cues).all())
    True
    """

    def __init__(
        self,
        graph,
        a: float = 1.0,
        h: float = 0.0,
        beta: float = 1.0,
        eta: float = 0.1,
        mean_coef: float = 1.0,
        normalization: str = "sym",
        backend="dense",
        device="cpu",
        dtype: torch.dtype = torch.float32,
        softmax: str = "stable",
        direction: str = "forward",
        topk: int | None = None,
        values: str = "auto",
    ) -> None:
        self.a = check.finite_real("a", a)
        self.h = check.finite_real("h", h)
        self.beta = check.finite_real("beta", beta, minimum=0.0)
        self.eta = check.finite_real("eta", eta, strict_minimum=0.0)
        if self.eta > 1.0:
            raise ParameterError(f"eta must be in (0, 1], got {self.eta}; it is the fraction of the way moved per step")
        self.mean_coef = check.finite_real("mean_coef", mean_coef)
        self.normalization = check.choice("normalization", normalization, NORMALIZATIONS)
        self.softmax = check.choice("softmax", softmax, SOFTMAX_KINDS)
        self.values = check.choice("values", values, VALUE_STORAGE)
        self.topk = topk
        if topk is not None and not (isinstance(backend, str) and backend == "dense"):
            raise ParameterError("topk applies to the slot backend only: use backend='dense' or drop topk")
        self.graph = graph
        self.couplings: Couplings = compile_graph(
            graph, normalization, a=self.a, h=self.h, direction=direction, dtype=dtype, device=device
        )
        self.backend = self._make_backend(backend)
        self._backend_spec = backend if isinstance(backend, str) else None
        self._graph_version = graph._version
        self._cache: dict = {}  # graph-only quantities (spectra) shared with with_strengths copies

    def with_strengths(self, a: float, h: float) -> CDAM:
        """A model on the same compiled graph with new ``a`` and ``h``; ``M`` is reused.

        Only the value matrix is rebuilt, which makes parameter sweeps cheap.
        """
        if self._backend_spec is None:
            raise ParameterError("with_strengths needs a named backend; build a new CDAM for a custom backend")
        new = object.__new__(CDAM)
        new.__dict__.update(self.__dict__)
        new.a = check.finite_real("a", a)
        new.h = check.finite_real("h", h)
        new.couplings = self.couplings.with_strengths(new.a, new.h)
        new.backend = new._make_backend(self._backend_spec)
        return new

    def _make_backend(self, backend) -> StorageBackend:
        c = self.couplings
        if isinstance(backend, StorageBackend):
            if backend.n_stored:
                raise ParameterError(
                    f"the backend already holds {backend.n_stored} associations; give CDAM a fresh backend "
                    "(storing this graph on top would mix two graphs' memories)"
                )
            backend.store(c.Xi.T, c.Q)
            return backend
        if backend == "dense":
            keys = c.Xi.T.contiguous()
            return DenseSlots(keys, self._slot_values(keys), softmax=self.softmax, topk=self.topk)
        raise ParameterError(f"unknown backend {backend!r}; use 'dense' or a StorageBackend instance")

    def _slot_values(self, keys: torch.Tensor):
        c = self.couplings
        q_bytes = c.n_memories * c.n_neurons * c.Xi.element_size()
        if self.values == "factored" or (self.values == "auto" and q_bytes > DENSE_VALUES_MAX_BYTES):
            return c.factored_values(rows=keys)  # shares the keys' copy of the patterns
        return c.Q

    # ------------------------------------------------------------------ properties
    @property
    def n_neurons(self) -> int:
        return self.couplings.n_neurons

    @property
    def n_memories(self) -> int:
        return self.couplings.n_memories

    @property
    def device(self) -> torch.device:
        return self.couplings.Xi.device

    @property
    def dtype(self) -> torch.dtype:
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
            + ")"
        )

    # ------------------------------------------------------------------ dynamics
    def attention(self, x) -> torch.Tensor:
        """Attention weights :math:`\\operatorname{softmax}(\\beta\\sigma\\Xi)` (B, p) for states ``x``
        (with ``topk``, the renormalised top-k weights the dynamics use, zero elsewhere)."""
        x, single = check.state_batch(x, self.n_neurons, dtype=self.dtype, device=self.device)
        w = self._attention(x)
        return w[0] if single else w

    def _attention(self, sigma: torch.Tensor) -> torch.Tensor:
        if isinstance(self.backend, DenseSlots) and self.backend.topk is not None:
            return self.backend.retrieve(sigma, self.beta).weights  # the weights the dynamics use
        return softmax_weights(sigma @ self.couplings.Xi, self.beta, self.softmax)

    def step(self, x) -> torch.Tensor:
        """One update of a state (n,) or batch (B, n); returns a tensor of the same shape."""
        sigma, single = check.state_batch(x, self.n_neurons, dtype=self.dtype, device=self.device)
        sigma = self._update(sigma, self._read(sigma, need_weights=False))
        return sigma[0] if single else sigma

    def _read(self, sigma: torch.Tensor, need_weights: bool = True) -> Retrieval:
        """Read the store at ``sigma``: attention over memories (when ``need_weights``; free
        for slots, one more product for other backends), the values read, and the raw
        scores ``sigma @ Xi`` when the backend computed them."""
        r = self.backend.retrieve(sigma, self.beta)
        if isinstance(self.backend, DenseSlots):
            return r
        # hidden units are not memories there
        return Retrieval(self._attention(sigma) if need_weights else None, r.values, None)

    def _update(self, sigma: torch.Tensor, r: Retrieval) -> torch.Tensor:
        # sigma + eta((read - c xbar) - sigma), one fused in-place pass over the batch
        return sigma.mul_(1.0 - self.eta).add_(r.values, alpha=self.eta).sub_(self._shift)

    @property
    def _shift(self) -> torch.Tensor:
        return (self.eta * self.mean_coef) * self.couplings.xbar

    def run(
        self,
        x0,
        steps: int = 100,
        record_overlaps: bool = False,
        *,
        record_states: bool = False,
        record_attention: bool = False,
        overlap: str = "pearson",
        tol: float | None = None,
        cues=None,
    ) -> Trajectory:
        r"""Run the dynamics from ``x0`` for ``steps`` updates.

        Recorded overlaps and attention cost no extra matrix product with the slot
        backend: the overlaps of each state are read off the attention logits
        :math:`\sigma\Xi` that the next update computes anyway
        (:meth:`OverlapOperator.from_scores`).

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
        """
        steps = check.positive_int("steps", steps, minimum=0)
        if tol is not None:
            tol = check.finite_real("tol", tol, minimum=0.0)
        sigma, _ = check.state_batch(x0, self.n_neurons, dtype=self.dtype, device=self.device)
        op = self._overlap_operator(overlap)
        if cues is None:  # the memory best correlated with each start
            pearson = self._overlap_operator("pearson")
            cue_idx = pearson.from_scores(sigma @ self.couplings.Xi, sigma).argmax(dim=1).cpu()
        else:
            cue_idx = np.asarray(cues)
            if cue_idx.shape != (sigma.shape[0],) or not np.issubdtype(cue_idx.dtype, np.integer):
                raise StateError(f"cues must be {sigma.shape[0]} integer memory indices, one per run; got {cue_idx!r}")
            if cue_idx.size and (cue_idx.min() < 0 or cue_idx.max() >= self.n_memories):
                raise StateError(
                    f"cues must index memories 0..{self.n_memories - 1}; got {cue_idx.min()}..{cue_idx.max()}"
                )
            cue_idx = torch.as_tensor(cue_idx, dtype=torch.long)
        initial = sigma.cpu().clone()
        # ov[t], at[t]: overlaps / attention of the state after t updates (t = 0 is x0),
        # read off the logits the next update computes
        ov = [] if record_overlaps else None
        st = [] if record_states else None
        at = [] if record_attention else None
        # running mean of the attention over the second half of the run (t >= late), read off
        # the weights each step computes anyway; classify_mode uses it
        late, late_sum, late_count = (steps + 1) // 2, None, 0
        discarded = None
        done = 0
        for t in range(steps):
            prev = sigma.clone() if tol is not None else None
            r = self._read(sigma, need_weights=t >= late or (at is not None and t > 0))
            discarded = self._track_discarded(discarded)
            if ov is not None:
                ov.append(self._overlaps_at(op, sigma, r.scores))
            if at is not None and t > 0:
                at.append(r.weights.cpu())
            if t >= late:
                late_sum = r.weights.to(torch.float64, copy=True) if late_sum is None else late_sum.add_(r.weights)
                late_count += 1
            sigma = self._update(sigma, r)
            done += 1
            if st is not None:
                st.append(sigma.cpu().clone())
            if prev is not None and float((sigma - prev).abs().max()) <= tol:
                break
        if not torch.isfinite(sigma).all():
            raise ParameterError(
                f"the state overflowed {self.dtype} (|a|={self.a:g}, |h|={self.h:g}, beta={self.beta:g}); "
                "use dtype=torch.float64 or smaller strengths"
            )
        final_attention, final_scores = self._attend(sigma)
        discarded = self._track_discarded(discarded)
        if ov is not None:
            ov.append(self._overlaps_at(op, sigma, final_scores))
        if at is not None and done:
            at.append(final_attention.cpu())
        late_sum = final_attention.to(torch.float64, copy=True) if late_sum is None else late_sum.add_(final_attention)
        n_mem = self.n_memories
        return Trajectory(
            final=sigma.cpu(),
            final_attention=final_attention.cpu(),
            late_attention=(late_sum / (late_count + 1)).cpu(),
            cues=cue_idx,
            steps=done,
            initial=initial,
            states=_stack(st, (0, *sigma.shape)),
            overlaps=_stack(ov[1:], (0, sigma.shape[0], n_mem)) if ov is not None else None,
            initial_overlaps=ov[0] if ov is not None else None,
            attention=_stack(at, (0, sigma.shape[0], n_mem)),
            overlap_kind=overlap,
            params=self.params(),
            topk_discarded=None if discarded is None else discarded.cpu(),
        )

    def _attend(self, sigma: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Attention over memories at ``sigma`` and, for slots, the raw scores behind it."""
        if isinstance(self.backend, DenseSlots):
            if self.backend.topk is not None:
                r = self.backend.retrieve(sigma, self.beta)
                return r.weights, r.scores
            s = self.backend.scores(sigma)
            return softmax_weights(s, self.beta, self.softmax), s
        return self._attention(sigma), None

    def _track_discarded(self, so_far: torch.Tensor | None) -> torch.Tensor | None:
        """Largest top-k softmax mass left out so far, per run."""
        if not isinstance(self.backend, DenseSlots) or self.backend.topk is None:
            return None
        d = self.backend.last_discarded
        if d is None:
            return so_far
        d = d.to(torch.float64)
        return d.clone() if so_far is None else torch.maximum(so_far, d)

    @staticmethod
    def _overlaps_at(op: OverlapOperator, sigma: torch.Tensor, scores: torch.Tensor | None) -> torch.Tensor:
        return (op(sigma) if scores is None else op.from_scores(scores, sigma)).cpu()

    def _overlap_operator(self, kind: str) -> OverlapOperator:
        # the normalised pattern basis costs O(n p); build it once per model and kind
        key = ("overlap", kind)
        if key not in self._cache:
            self._cache[key] = OverlapOperator(self.couplings.Xi, kind)
        return self._cache[key]

    def initial_states(self, noise: float = 1.0, seed: int | torch.Generator | None = 0) -> torch.Tensor:
        """One start per memory: :math:`\\xi_\\mu + \\text{noise}\\,(U[0,1)^n - 1/2)`, shape (p, n)."""
        from ._random import as_generator

        noise = check.finite_real("noise", noise, minimum=0.0)
        gen = as_generator(seed)
        Xi = self.couplings.Xi
        U = torch.rand(Xi.shape[1], Xi.shape[0], generator=gen, dtype=torch.float64)
        return (Xi.T.to(torch.float64).cpu() + noise * (U - 0.5)).to(device=self.device, dtype=self.dtype)

    def all_starts(
        self, steps: int = 100, noise: float = 1.0, seed: int | torch.Generator | None = 0, **kwargs
    ) -> Trajectory:
        """Run one start per memory (B = p), cued by its pattern plus uniform noise.

        Row ``mu`` of the result is the run started at memory ``mu``. Extra keyword
        arguments go to :meth:`run`.
        """
        x0 = self.initial_states(noise, seed)
        return self.run(x0, steps, cues=torch.arange(self.n_memories), **kwargs)

    def energy(self, x) -> torch.Tensor:
        r"""Energy of states ``x`` (n,) or (B, n), defined for ``a = 1``, ``h = 0``.

        .. math::

            E(\sigma) = -\frac1\beta \log\sum_\mu e^{\beta\,\sigma\cdot\xi_\mu}
                        + \tfrac12\lVert\sigma\rVert^2 + c\,\bar\xi\cdot\sigma

        For ``c = 0`` this is the modern Hopfield energy. The linear term makes it a
        Lyapunov function of the mean-subtracted update too: with :math:`T(\sigma) =
        \Xi\,\operatorname{softmax}(\beta\Xi^\top\sigma) - c\bar\xi` and step
        :math:`\sigma' = \sigma + \eta(T - \sigma)`, convexity of log-sum-exp gives
        :math:`E(\sigma') - E(\sigma) \le -\eta(1 - \eta/2)\lVert T - \sigma\rVert^2 \le 0`
        for :math:`\eta \in (0, 1]`. No energy is known for ``a != 1`` or ``h != 0``.
        """
        if self.a != 1.0 or self.h != 0.0:
            raise ParameterError(
                f"no energy function is known for a={self.a}, h={self.h}; energy() needs a = 1 and h = 0"
            )
        if self.beta == 0.0:
            raise ParameterError("energy() needs beta > 0 (the log-sum-exp term divides by beta)")
        sigma, single = check.state_batch(x, self.n_neurons, dtype=self.dtype, device=self.device)
        lse = torch.logsumexp(self.beta * (sigma @ self.couplings.Xi), dim=1) / self.beta
        E = -lse + 0.5 * (sigma * sigma).sum(dim=1) + self.mean_coef * (sigma @ self.couplings.xbar)
        return E[0] if single else E

    def save(self, path) -> None:
        """Save the model (its graph, exactly, and its parameters) atomically to ``path``.

        The file is the graph's ``.npz`` format with the parameters in its JSON header
        (format ``cdam.CDAM``); :meth:`load` gives back an identical model.

        Raises
        ------
        ParameterError
            For a custom backend instance (only named backends are saved), or when the
            graph changed after this model was built from it.
        """
        from .io import write_npz

        if self._backend_spec is None:
            raise ParameterError("only models with a named backend ('dense') can be saved; save the graph instead")
        if self.graph._version != self._graph_version:
            raise ParameterError(
                "the graph changed after this model was built, so the model no longer matches it; "
                "build a new CDAM from the graph before saving"
            )
        params = {**self.params(), "backend": self._backend_spec, "dtype": str(self.dtype).removeprefix("torch.")}
        write_npz(path, self.graph._to_arrays(fmt=MODEL_FORMAT, model=params))

    @classmethod
    def load(cls, path, device="cpu") -> CDAM:
        """Load a model written by :meth:`save` onto ``device``.

        Raises
        ------
        FileFormatError
            If the file is not a valid cdam model file.
        """
        from .errors import FileFormatError
        from .graph import FILE_VERSION, GRAPH_ARRAYS, MemoryGraph
        from .io import read_header, read_npz

        arrays = read_npz(path, GRAPH_ARRAYS)
        header = read_header(arrays["header"], MODEL_FORMAT, FILE_VERSION, path)
        graph = MemoryGraph._from_arrays(arrays, header, path)
        params = header.get("model")
        try:
            params = dict(params)
            dtype = {"float32": torch.float32, "float64": torch.float64}[params.pop("dtype")]
            direction = params.pop("direction")
            known = {"a", "h", "beta", "eta", "mean_coef", "normalization", "softmax", "backend"}
            optional = {"topk", "values"}  # absent from files written before they existed
            if not known <= set(params) <= known | optional:
                raise ValueError(f"model parameters {sorted(params)} are not {sorted(known)} (+ {sorted(optional)})")
            return cls(graph, **params, direction=direction, dtype=dtype, device=device)
        except (TypeError, ValueError, KeyError) as exc:
            raise FileFormatError(f"{path!s} holds invalid model parameters: {exc}") from None

    def params(self) -> dict:
        """The model's parameters as a plain dict."""
        return {
            "a": self.a,
            "h": self.h,
            "beta": self.beta,
            "eta": self.eta,
            "mean_coef": self.mean_coef,
            "normalization": self.normalization,
            "softmax": self.softmax,
            "direction": self.couplings.direction,
            "topk": self.topk,
            "values": self.values,
        }
