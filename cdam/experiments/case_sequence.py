"""The Case Sequence Task models, their learning rules and the trainer.

After Bhandarkar & McClelland 2025, "Neural Computation Without Slots", arXiv 2511.04593.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from .. import _validation as check
from .._random import as_generator, check_seed
from ..backends._attention_mhn import check_beta
from ..datasets.case_task import CaseSequenceTask
from ..errors import ParameterError, StateError

__all__ = [
    "GRADIENTS",
    "VARIANTS",
    "CaseSequenceResult",
    "FastMemory",
    "MHNTransformer",
    "MinimalTransformer",
    "case_key_similarity",
    "train_case_sequence",
]

VARIANTS = ("transformer", "fixed_k", "mhn", "qk_mhn")
GRADIENTS = ("rule", "autograd")
_MHN_VARIANTS = VARIANTS[1:]


def _check_inputs(inputs: torch.Tensor, n_tokens: int) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(inputs, torch.Tensor) or inputs.ndim != 3 or inputs.shape[-1] != n_tokens or inputs.shape[1] < 2:
        raise StateError(
            f"inputs must be a (B, C + 1, {n_tokens}) tensor of one-hot tokens (context, then the query), "
            f"got {tuple(getattr(inputs, 'shape', ()))}"
        )
    return inputs[:, :-1], inputs[:, -1]


def _softmax_backward(p: torch.Tensor, grad_p: torch.Tensor, beta: float) -> torch.Tensor:
    """Gradient w.r.t. the scores ``s`` of ``p = softmax(beta s)`` given ``dL/dp``."""
    return beta * p * (grad_p - (p * grad_p).sum(dim=-1, keepdim=True))


def _stable_softmax(s: torch.Tensor) -> torch.Tensor:
    return torch.softmax(s - s.amax(dim=-1, keepdim=True), dim=-1)


class _SlowWeights(nn.Module):
    """W_Q, W_K (d x n_tokens) and W_V (n_out x n_tokens), initialised as in the paper's code."""

    def __init__(self, n_tokens: int, d: int, n_out: int, beta: float, seed) -> None:
        super().__init__()
        self.n_tokens = check.positive_int("n_tokens", n_tokens)
        self.d = check.positive_int("d", d)
        self.n_out = check.positive_int("n_out", n_out)
        self.beta = check_beta(beta)
        self.seed = seed
        self.W_Q = nn.Parameter(torch.empty(self.d, self.n_tokens))
        self.W_K = nn.Parameter(torch.empty(self.d, self.n_tokens))
        self.W_V = nn.Parameter(torch.empty(self.n_out, self.n_tokens))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        r"""Draw :math:`W_Q, W_K \sim \mathcal N(0, 1/d)` and :math:`W_V \sim U(0, 0.1)` from ``seed``."""
        g = as_generator(self.seed)
        with torch.no_grad():
            self.W_Q.copy_(torch.randn(self.d, self.n_tokens, generator=g) / math.sqrt(self.d))
            self.W_K.copy_(torch.randn(self.d, self.n_tokens, generator=g) / math.sqrt(self.d))
            self.W_V.copy_(0.1 * torch.rand(self.n_out, self.n_tokens, generator=g))

    def weights(self) -> dict[str, np.ndarray]:
        """The slow weights as numpy arrays."""
        return {k: getattr(self, k).detach().cpu().numpy().copy() for k in ("W_Q", "W_K", "W_V")}

    def apply_gradients(self, grads: dict[str, torch.Tensor], rates: dict[str, float]) -> None:
        """Plain SGD: ``W -= rate * grad`` for each weight that has a gradient."""
        with torch.no_grad():
            for name, g in grads.items():
                getattr(self, name).sub_(rates[name] * g)


# ---------------------------------------------------------------------- the minimal transformer
class TransformerRead(NamedTuple):
    out: torch.Tensor  # (B, n_out)
    weights: torch.Tensor  # (B, C) attention over the context positions
    reinstated: torch.Tensor  # (B, n_tokens) attention-weighted blend of context tokens


class MinimalTransformer(_SlowWeights):
    r"""One attention head and nothing else: no MLP, residual, norm or positions (the paper's).

    The query token attends to the ``C`` context tokens:

    .. math::

        a = \operatorname{softmax}\big(\beta\,(W_K X_c^\top)^\top W_Q x_q\big),\qquad
        \hat y = W_V X_c^\top a .

    Trained on the summed squared error :math:`\sum_b \lVert \hat y_b - y_b\rVert^2` by SGD.
    :meth:`gradients` gives its exact gradient in closed form (one batched pass);
    :meth:`autograd_gradients` gets the same numbers from autograd.

    Parameters
    ----------
    n_tokens : int
        Vocabulary size (12 for the paper's 4 letters).
    d : int
        Key/query width (paper: 32).
    n_out : int
        Output width (2 cases).
    beta : float
        Inverse temperature on the scores (paper: 1).
    seed : int or torch.Generator
        Seeds the initial weights.

    Examples
    --------
    >>> from cdam.datasets import CaseSequenceTask
    >>> model = MinimalTransformer(seed=0)
    >>> model
    MinimalTransformer(n_tokens=12, d=32, n_out=2, beta=1.0)
    >>> model(CaseSequenceTask(seed=0).batch(8).inputs).out.shape
    torch.Size([8, 2])
    """

    def __init__(self, n_tokens: int = 12, d: int = 32, n_out: int = 2, beta: float = 1.0, seed=0) -> None:
        super().__init__(n_tokens, d, n_out, beta, seed)

    def extra_repr(self) -> str:
        return f"n_tokens={self.n_tokens}, d={self.d}, n_out={self.n_out}, beta={self.beta}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def forward(self, inputs: torch.Tensor) -> TransformerRead:
        """Attention read-out at the query for a batch of one-hot sequences (B, C + 1, n_tokens)."""
        Xc, xq = _check_inputs(inputs, self.n_tokens)
        K = Xc @ self.W_K.T  # (B, C, d)
        V = Xc @ self.W_V.T  # (B, C, n_out)
        q = xq @ self.W_Q.T  # (B, d)
        a = _stable_softmax(self.beta * (K @ q[:, :, None]).squeeze(-1))
        ar = a[:, None, :]
        return TransformerRead((ar @ V).squeeze(1), a, (ar @ Xc).squeeze(1))

    def gradients(self, inputs: torch.Tensor, targets: torch.Tensor, read: TransformerRead | None = None) -> dict:
        r"""Exact gradients of :math:`\sum_b\lVert\hat y_b - y_b\rVert^2` w.r.t. W_Q, W_K, W_V.

        With :math:`e = \hat y - y`, :math:`g = \beta\,a\odot(2 e V^\top - a\cdot 2eV^\top)`:
        :math:`\nabla W_Q = \sum_b (\sum_c g_c k_c) x_q^\top`,
        :math:`\nabla W_K = \sum_b q\,(\sum_c g_c x_c)^\top`,
        :math:`\nabla W_V = 2\sum_b e\,\tilde x^\top` with :math:`\tilde x = X_c^\top a`.
        """
        Xc, xq = _check_inputs(inputs, self.n_tokens)
        with torch.no_grad():
            read = self(inputs) if read is None else read
            e = read.out - targets
            V = Xc @ self.W_V.T
            gs = _softmax_backward(read.weights, 2.0 * (V @ e[:, :, None]).squeeze(-1), self.beta)  # (B, C)
            K = Xc @ self.W_K.T
            q = xq @ self.W_Q.T
            return {
                "W_Q": (gs[:, None, :] @ K).squeeze(1).T @ xq,
                "W_K": q.T @ (gs[:, None, :] @ Xc).squeeze(1),
                "W_V": 2.0 * e.T @ read.reinstated,
            }

    def autograd_gradients(self, inputs: torch.Tensor, targets: torch.Tensor) -> dict:
        """The same gradients as :meth:`gradients`, by autograd (the exact-autograd baseline)."""
        with torch.enable_grad():
            out = self(inputs).out
            loss = ((out - targets) ** 2).sum()
            gQ, gK, gV = torch.autograd.grad(loss, [self.W_Q, self.W_K, self.W_V])
        return {"W_Q": gQ, "W_K": gK, "W_V": gV}


# ---------------------------------------------------------------------- the MHN-Transformer
class FastMemory(NamedTuple):
    """The fast weights of one batch of 1-winner MHNs, one MHN per sequence."""

    W_in: torch.Tensor  # (B, n_hidden, d): keys, the incoming weights
    W_out: torch.Tensor  # (B, n_hidden, n_out): values, the outgoing weights
    R: torch.Tensor  # (B, n_hidden, n_tokens): raw tokens, the reinstatement weights


class MHNRead(NamedTuple):
    out: torch.Tensor  # (B, n_out): the MHN's output at the query
    weights: torch.Tensor  # (B, n_hidden): softmax over hidden units
    reinstated: torch.Tensor  # (B, n_tokens): the blend of stored tokens the query reinstates
    memory: FastMemory


class MHNTransformer(_SlowWeights):
    r"""Attention through a fresh 1-winner MHN per sequence (the paper's MHN-Transformer).

    Slow weights :math:`W_Q, W_K` (d x n_tokens) and :math:`W_V` (n_out x n_tokens). Each
    sequence writes its context items, one at a time, into a fresh MHN of ``n_hidden``
    units: item :math:`x_t` activates the units by :math:`W_\text{in} W_K x_t`
    (plus :math:`P x_t` with the fixed input projection), the single winner :math:`j`
    is overwritten one shot,

    .. math::

        W_\text{in}[j] \leftarrow W_K x_t,\qquad W_\text{out}[j] \leftarrow W_V x_t,
        \qquad R[j] \leftarrow x_t,

    and at the query :math:`h = \operatorname{softmax}(\beta W_\text{in} W_Q x_q)` gives the
    output :math:`W_\text{out}^\top h` and reinstates the token blend :math:`\tilde x =
    R^\top h`. Fresh units start random (:math:`W_\text{in} \sim U(0, 0.5)`, or 0 with the
    projection; :math:`W_\text{out}, R \sim U(0, 1)`), as in the authors' code.

    Learning is local, without back-propagation through time (the fast weights are
    constants for every gradient):

    - :math:`W_Q, W_V`: gradient of :math:`\sum_b\lVert W_V\tilde x - y\rVert^2`, the value
      read out from the reinstated blend;
    - :math:`W_K`: ``"fixed_k"`` frozen; ``"mhn"`` trained through the MHN, gradient of
      :math:`\sum_b\lVert W_\text{out}^\top\operatorname{softmax}(\beta W_\text{in} W_K\tilde x)
      - y\rVert^2`; ``"qk_mhn"`` pulled toward the query, gradient of
      :math:`\sum_b\lVert W_K\tilde x - W_Q x_q\rVert^2` (at its own small rate).

    Parameters
    ----------
    variant : {"fixed_k", "mhn", "qk_mhn"}
    input_projection : bool
        Add the fixed projection :math:`P` (identity on the ``2 L`` letter tokens), so each
        token type recruits its own hidden unit; needs ``n_hidden >= 2 L``.
    n_tokens, d, n_hidden, n_out, beta, seed
        Sizes (paper: 12, 32, 8, 2), inverse temperature (1) and the initial-weight seed.

    Examples
    --------
    >>> from cdam.datasets import CaseSequenceTask
    >>> model = MHNTransformer("qk_mhn", input_projection=True, seed=0)
    >>> model
    MHNTransformer(variant='qk_mhn', input_projection=True, n_tokens=12, d=32, n_hidden=8, n_out=2, beta=1.0)
    >>> read = model(CaseSequenceTask(seed=0).batch(8).inputs, generator=torch.Generator().manual_seed(0))
    >>> read.out.shape, read.reinstated.shape
    (torch.Size([8, 2]), torch.Size([8, 12]))
    """

    P: torch.Tensor  # the fixed input projection (a buffer)

    def __init__(
        self,
        variant: str = "qk_mhn",
        input_projection: bool = False,
        n_tokens: int = 12,
        d: int = 32,
        n_hidden: int = 8,
        n_out: int = 2,
        beta: float = 1.0,
        seed=0,
    ) -> None:
        super().__init__(n_tokens, d, n_out, beta, seed)
        self.variant = check.choice("variant", variant, _MHN_VARIANTS)
        self.input_projection = bool(input_projection)
        self.n_hidden = check.positive_int("n_hidden", n_hidden)
        if self.n_tokens % 3:
            raise ParameterError(f"n_tokens must be 3 L (cases 0, 1 and queries of L letters), got {self.n_tokens}")
        n_context_types = 2 * (self.n_tokens // 3)
        if self.input_projection and self.n_hidden < n_context_types:
            raise ParameterError(
                f"the input projection gives each of the {n_context_types} letter tokens its own hidden unit, so "
                f"n_hidden must be >= {n_context_types}, got {self.n_hidden}"
            )
        P = torch.zeros(self.n_hidden, self.n_tokens)
        if self.input_projection:
            P[:n_context_types, :n_context_types] = torch.eye(n_context_types)
        self.register_buffer("P", P)

    def extra_repr(self) -> str:
        return (
            f"variant={self.variant!r}, input_projection={self.input_projection}, n_tokens={self.n_tokens}, "
            f"d={self.d}, n_hidden={self.n_hidden}, n_out={self.n_out}, beta={self.beta}"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    @torch.no_grad()
    def write(self, context: torch.Tensor, generator: torch.Generator | None = None) -> FastMemory:
        """Write the context items (B, C, n_tokens) one shot into fresh 1-winner MHNs.

        The write is a recurrence (each winner depends on the earlier writes), so it steps
        over the C positions; every step is batched over sequences and hidden units.
        """
        B, C, _ = context.shape
        if C > self.n_hidden:
            raise StateError(f"{C} context items do not fit in n_hidden = {self.n_hidden} hidden units")
        g = generator
        dtype = self.W_K.dtype
        W_in = (
            torch.zeros(B, self.n_hidden, self.d, dtype=dtype)
            if self.input_projection
            else 0.5 * torch.rand(B, self.n_hidden, self.d, generator=g, dtype=dtype)
        )
        W_out = torch.rand(B, self.n_hidden, self.n_out, generator=g, dtype=dtype)
        R = torch.rand(B, self.n_hidden, self.n_tokens, generator=g, dtype=dtype)
        keys, values = context @ self.W_K.T, context @ self.W_V.T
        drive = context @ self.P.T  # (B, C, n_hidden): the fixed projection's input to each unit
        owner = torch.full((B, self.n_hidden, 1), -1, dtype=torch.long)  # last item written to each unit
        for t in range(C):
            k = keys[:, t, :, None]  # (B, d, 1)
            winner = ((W_in @ k).squeeze(-1) + drive[:, t]).argmax(dim=1)[:, None, None]  # (B, 1, 1)
            W_in.scatter_(1, winner.expand(B, 1, self.d), k.transpose(1, 2))
            owner.scatter_(1, winner, t)
        # the winners' outgoing and reinstatement weights, written in one pass
        written = owner >= 0
        item = owner.clamp(min=0)
        W_out = torch.where(written, values.gather(1, item.expand(B, self.n_hidden, self.n_out)), W_out)
        R = torch.where(written, context.gather(1, item.expand(B, self.n_hidden, self.n_tokens)), R)
        return FastMemory(W_in, W_out, R)

    def read(self, memory: FastMemory, cue: torch.Tensor) -> MHNRead:
        """Query the memories with key-space cues ``cue`` (B, d): output and reinstated blend."""
        h = _stable_softmax(self.beta * (memory.W_in @ cue[:, :, None]).squeeze(-1))
        hr = h[:, None, :]
        return MHNRead((hr @ memory.W_out).squeeze(1), h, (hr @ memory.R).squeeze(1), memory)

    def forward(self, inputs: torch.Tensor, generator: torch.Generator | None = None) -> MHNRead:
        """Write the context, then read at the query :math:`W_Q x_q`."""
        Xc, xq = _check_inputs(inputs, self.n_tokens)
        return self.read(self.write(Xc, generator), xq @ self.W_Q.T)

    def gradients(self, inputs: torch.Tensor, targets: torch.Tensor, read: MHNRead) -> dict:
        """The local learning rules in closed form (see the class docstring); one batched pass."""
        _, xq = _check_inputs(inputs, self.n_tokens)
        mem, beta = read.memory, self.beta
        with torch.no_grad():
            xt = read.reinstated  # (B, n_tokens)
            e = xt @ self.W_V.T - targets  # value read-out error
            gh = 2.0 * (mem.R @ (e @ self.W_V)[:, :, None]).squeeze(-1)
            dq = (_softmax_backward(read.weights, gh, beta)[:, None, :] @ mem.W_in).squeeze(1)
            grads = {"W_Q": dq.T @ xq, "W_V": 2.0 * e.T @ xt}
            if self.variant == "mhn":
                again = self.read(mem, xt @ self.W_K.T)
                gh = 2.0 * (mem.W_out @ (again.out - targets)[:, :, None]).squeeze(-1)
                dk = (_softmax_backward(again.weights, gh, beta)[:, None, :] @ mem.W_in).squeeze(1)
                grads["W_K"] = dk.T @ xt
            elif self.variant == "qk_mhn":
                grads["W_K"] = 2.0 * (xt @ self.W_K.T - xq @ self.W_Q.T).T @ xt
        return grads

    def losses(self, inputs: torch.Tensor, targets: torch.Tensor, read: MHNRead) -> dict:
        """The local losses whose gradients :meth:`gradients` gives (fast weights constant)."""
        _, xq = _check_inputs(inputs, self.n_tokens)
        mem = read.memory
        h = _stable_softmax(self.beta * torch.einsum("bhd,bd->bh", mem.W_in, xq @ self.W_Q.T))
        xt = torch.einsum("bh,bhn->bn", h, mem.R)
        out = {"value": ((xt @ self.W_V.T - targets) ** 2).sum()}
        xt = xt.detach()
        if self.variant == "mhn":
            out["key"] = ((self.read(mem, xt @ self.W_K.T).out - targets) ** 2).sum()
        elif self.variant == "qk_mhn":
            out["key"] = ((xt @ self.W_K.T - (xq @ self.W_Q.T).detach()) ** 2).sum()
        return out

    def autograd_gradients(self, inputs: torch.Tensor, targets: torch.Tensor, read: MHNRead) -> dict:
        """The same gradients as :meth:`gradients`, by autograd on :meth:`losses`."""
        with torch.enable_grad():
            losses = self.losses(inputs, targets, read)
            gQ, gV = torch.autograd.grad(losses["value"], [self.W_Q, self.W_V])
            grads = {"W_Q": gQ, "W_V": gV}
            if "key" in losses:
                (grads["W_K"],) = torch.autograd.grad(losses["key"], [self.W_K])
        return grads


# ---------------------------------------------------------------------- analysis and training
def case_key_similarity(W_K, n_letters: int = 4) -> np.ndarray:
    r"""Cosine similarity (L, L) between the keys of case-0 and case-1 letter tokens.

    Entry ``[i, j]`` compares the key :math:`W_K e_i` of letter ``i`` in case 0 with the key
    :math:`W_K e_{L+j}` of letter ``j`` in case 1. A bright diagonal on a dark background
    means the two cases of a letter have similar keys (they match the same query).

    Examples
    --------
    >>> import numpy as np
    >>> W_K = np.hstack([np.eye(2), np.eye(2), np.zeros((2, 2))])
    >>> case_key_similarity(W_K, 2)
    array([[1., 0.],
           [0., 1.]])
    """
    W = np.asarray(W_K.detach().cpu() if isinstance(W_K, torch.Tensor) else W_K, dtype=np.float64)
    L = check.positive_int("n_letters", n_letters)
    if W.ndim != 2 or W.shape[1] < 2 * L:
        raise ParameterError(f"W_K must be (d, >= {2 * L}) for {L} letters, got shape {W.shape}")
    keys = W[:, : 2 * L]
    keys = keys / np.maximum(np.linalg.norm(keys, axis=0, keepdims=True), 1e-12)
    return keys[:, :L].T @ keys[:, L:]


@dataclass
class CaseSequenceResult:
    """What :func:`train_case_sequence` returns.

    Attributes
    ----------
    variant : str
    input_projection : bool
    accuracy : numpy.ndarray (batches,)
        Accuracy of each training batch (before that batch's update).
    loss : numpy.ndarray (batches,)
        Training loss per sequence of each batch (the squared error that trains W_Q, W_V).
    final_accuracy : float
        Mean of ``accuracy`` over the last ``final_window`` batches (paper: 500).
    weights : dict of numpy.ndarray
        The trained slow weights ``W_Q``, ``W_K``, ``W_V``.
    model : MinimalTransformer or MHNTransformer
    params : dict
        Every setting of the run.
    seconds : float
        Wall time of the training loop.
    """

    variant: str
    input_projection: bool
    accuracy: np.ndarray
    loss: np.ndarray
    final_accuracy: float
    weights: dict
    model: nn.Module = field(repr=False)
    params: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def key_similarity(self) -> np.ndarray:
        """:func:`case_key_similarity` of the trained ``W_K``."""
        return case_key_similarity(self.weights["W_K"], self.params["n_letters"])

    @property
    def case_key_contrast(self) -> float:
        """Mean same-letter cross-case key cosine minus the mean over different letters."""
        S = self.key_similarity
        L = S.shape[0]
        off = (S.sum() - np.trace(S)) / max(L * L - L, 1)
        return float(np.trace(S) / L - off)

    def evaluate(self, seed: int = 0) -> float:
        """Accuracy on all distinct sequences (1536 for the paper's task); ``seed`` draws fresh MHN units."""
        task = CaseSequenceTask(self.params["n_letters"], seed=0)
        batch = task.all_sequences()
        with torch.no_grad():
            if isinstance(self.model, MHNTransformer):
                out = self.model(batch.inputs, generator=as_generator(seed)).out
            else:
                out = self.model(batch.inputs).out
        return float((out.argmax(dim=1) == batch.targets).double().mean())


def train_case_sequence(
    variant: str,
    input_projection: bool = False,
    batches: int = 5000,
    seed: int = 0,
    *,
    batch_size: int = 64,
    lr: float = 5e-3,
    key_lr: float | None = None,
    beta: float = 1.0,
    d: int = 32,
    n_hidden: int = 8,
    n_letters: int = 4,
    final_window: int = 500,
    gradients: str = "rule",
    num_threads: int | None = 1,
) -> CaseSequenceResult:
    r"""Train one model of the paper on fresh Case Sequence Task batches by SGD.

    Parameters
    ----------
    variant : {"transformer", "fixed_k", "mhn", "qk_mhn"}
        The minimal transformer, or the MHN-Transformer with :math:`W_K` frozen, trained
        through the MHN, or pulled toward the query (QK-MHN-Transformer).
    input_projection : bool
        MHN variants only: the fixed projection that gives each token type its own unit.
    batches : int
        Number of SGD steps, one fresh batch each (paper: 5000).
    seed : int
        Seeds the initial weights, the task stream and the fresh MHN units (independent
        streams derived from it; the same seed gives every variant the same batches).
    batch_size, lr, beta, d, n_hidden, n_letters
        Paper: 64, 5e-3, 1, 32, 8, 4. The loss is the squared error summed over the batch.
    key_lr : float, optional
        Rate for :math:`W_K`: default ``lr`` for ``"transformer"`` and ``"mhn"``, 1e-4 for
        ``"qk_mhn"``; unused by ``"fixed_k"``.
    final_window : int
        ``final_accuracy`` averages the last this many batches (paper: 500).
    gradients : {"rule", "autograd"}
        Closed-form learning rules (default, fast) or the same gradients by autograd (for
        ``"transformer"`` this is the exact-autograd baseline).
    num_threads : int or None
        torch intra-op threads while training, restored afterwards (``None``: leave as is).
        The tensors are tiny, so extra threads only add synchronisation; on a loaded
        machine two threads ran 10-40 times slower than one.

    Returns
    -------
    CaseSequenceResult

    Examples
    --------
    >>> r = train_case_sequence("qk_mhn", input_projection=True, batches=20, seed=0)
    >>> r.accuracy.shape, r.weights["W_K"].shape
    ((20,), (32, 12))
    >>> 0.0 <= r.final_accuracy <= 1.0
    True
    """
    variant = check.choice("variant", variant, VARIANTS)
    gradients = check.choice("gradients", gradients, GRADIENTS)
    batches = check.positive_int("batches", batches)
    seed = check_seed(seed)
    batch_size = check.positive_int("batch_size", batch_size)
    lr = check.finite_real("lr", lr, minimum=0.0)
    final_window = check.positive_int("final_window", final_window)
    if variant == "transformer" and input_projection:
        raise ParameterError(
            "input_projection applies to the MHN variants ('fixed_k', 'mhn', 'qk_mhn'); "
            "the minimal transformer has no hidden units to project onto"
        )
    if key_lr is None:
        key_lr = 1e-4 if variant == "qk_mhn" else lr
    key_lr = check.finite_real("key_lr", key_lr, minimum=0.0)

    model_seed, task_seed, fast_seed = (int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(3))
    task = CaseSequenceTask(n_letters, seed=task_seed)
    n_tokens = task.n_tokens
    model: _SlowWeights
    if variant == "transformer":
        model = MinimalTransformer(n_tokens, d, 2, beta, seed=model_seed)
    else:
        model = MHNTransformer(variant, input_projection, n_tokens, d, n_hidden, 2, beta, seed=model_seed)
    fast = as_generator(fast_seed)
    rates = {"W_Q": lr, "W_V": lr, "W_K": key_lr}
    threads_before = torch.get_num_threads()
    if num_threads is not None:
        torch.set_num_threads(check.positive_int("num_threads", num_threads))
    try:
        acc, loss, seconds = _train_loop(model, task, fast, batches, batch_size, rates, gradients)
    finally:
        torch.set_num_threads(threads_before)

    acc_np = acc.numpy()
    params = {
        "variant": variant,
        "input_projection": bool(input_projection),
        "batches": batches,
        "seed": seed,
        "batch_size": batch_size,
        "lr": lr,
        "key_lr": key_lr if variant != "fixed_k" else None,
        "beta": float(beta),
        "d": d,
        "n_hidden": n_hidden if variant != "transformer" else None,
        "n_letters": n_letters,
        "final_window": final_window,
        "gradients": gradients,
    }
    return CaseSequenceResult(
        variant=variant,
        input_projection=bool(input_projection),
        accuracy=acc_np,
        loss=loss.numpy(),
        final_accuracy=float(acc_np[-final_window:].mean()),
        weights=model.weights(),
        model=model,
        params=params,
        seconds=seconds,
    )


def _train_loop(model, task, fast, batches: int, batch_size: int, rates: dict, gradients: str):
    """SGD on fresh batches; returns per-batch accuracy, per-sequence loss and wall time."""
    transformer = isinstance(model, MinimalTransformer)
    acc = torch.empty(batches, dtype=torch.float64)
    loss = torch.empty(batches, dtype=torch.float64)
    t0 = time.perf_counter()
    for i in range(batches):
        b = task.batch(batch_size)
        y = b.one_hot_targets
        with torch.no_grad():
            read = model(b.inputs) if transformer else model(b.inputs, generator=fast)
        if gradients == "rule":
            grads = model.gradients(b.inputs, y, read)
        elif transformer:
            grads = model.autograd_gradients(b.inputs, y)
        else:
            grads = model.autograd_gradients(b.inputs, y, read)
        trained = read.out if transformer else read.reinstated @ model.W_V.detach().T
        acc[i] = (read.out.argmax(dim=1) == b.targets).double().mean()
        loss[i] = ((trained - y) ** 2).sum() / batch_size
        model.apply_gradients(grads, rates)
    return acc, loss, time.perf_counter() - t0
