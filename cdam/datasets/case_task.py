r"""The Case Sequence Task: recall the case in which a queried letter appeared.

Bhandarkar & McClelland 2025, "Neural Computation Without Slots", arXiv 2511.04593. A
vocabulary of ``3 L`` one-hot tokens: token ``i`` is letter ``i`` in case 0, token ``L + i`` is
letter ``i`` in case 1, and token ``2 L + i`` is the case-free query token of letter ``i``. A
sequence is ``C`` distinct letters (``C = L`` by default), each in a random case, followed by
the query token of one of them; the target is that letter's case. With ``L = C = 4`` there are
:math:`4!\cdot 2^4\cdot 4 = 1536` distinct sequences and chance is 50%.

Examples
--------
>>> task = CaseSequenceTask(seed=0)
>>> batch = task.batch(64)
>>> batch.inputs.shape, batch.targets.shape
(torch.Size([64, 5, 12]), torch.Size([64]))
>>> task.all_sequences().inputs.shape
torch.Size([1536, 5, 12])
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import torch

from .. import _validation as check
from .._random import as_generator
from ..errors import ParameterError

__all__ = ["CaseBatch", "CaseSequenceTask"]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class CaseBatch(NamedTuple):
    """A batch of Case Sequence Task sequences.

    Attributes
    ----------
    tokens : torch.LongTensor (B, C + 1)
        Token ids; the last column is the query token.
    inputs : torch.Tensor (B, C + 1, 3 L)
        The same tokens one-hot encoded (float32).
    targets : torch.LongTensor (B,)
        Case (0 or 1) of the queried letter.
    """

    tokens: torch.Tensor
    inputs: torch.Tensor
    targets: torch.Tensor

    @property
    def one_hot_targets(self) -> torch.Tensor:
        """Targets as one-hot rows (B, 2), the regression targets of the squared error."""
        return torch.nn.functional.one_hot(self.targets, 2).to(self.inputs.dtype)

    def __len__(self) -> int:  # NamedTuple's len would be 3
        return int(self.tokens.shape[0])


class CaseSequenceTask:
    r"""Seeded generator of Case Sequence Task batches.

    Parameters
    ----------
    n_letters : int
        ``L``, the number of letters (vocabulary ``3 L``). Paper: 4.
    context_length : int, optional
        ``C``, letters per sequence, ``1 <= C <= L``; defaults to ``L``.
    seed : int, torch.Generator or None
        Seeds the stream of batches. Two tasks with the same seed draw the same batches.

    Notes
    -----
    Sequences are drawn i.i.d. and uniformly: the letters are a uniform random ordered
    choice of ``C`` distinct letters, each case is a fair coin, the queried position is
    uniform. Every draw is one batched tensor operation.

    Examples
    --------
    >>> task = CaseSequenceTask(n_letters=2, seed=1)
    >>> b = task.batch(3)
    >>> [task.describe(row) for row in b.tokens]
    ['B A ? b/B', 'A b ? b/B', 'a B ? b/B']
    >>> b.targets.tolist()
    [1, 0, 1]
    >>> task.n_sequences
    16
    """

    def __init__(self, n_letters: int = 4, context_length: int | None = None, seed: int | torch.Generator | None = 0):
        self.n_letters = check.positive_int("n_letters", n_letters)
        if self.n_letters > len(_LETTERS):
            raise ParameterError(f"n_letters must be <= {len(_LETTERS)}, got {self.n_letters}")
        C = self.n_letters if context_length is None else check.positive_int("context_length", context_length)
        if C > self.n_letters:
            raise ParameterError(
                f"context_length {C} exceeds n_letters {self.n_letters}; a sequence holds distinct letters"
            )
        self.context_length = C
        self.generator = as_generator(seed)

    @property
    def n_tokens(self) -> int:
        """Vocabulary size ``3 L``."""
        return 3 * self.n_letters

    @property
    def n_sequences(self) -> int:
        """Number of distinct sequences, :math:`L!/(L-C)!\\cdot 2^C\\cdot C`."""
        L, C = self.n_letters, self.context_length
        return math.perm(L, C) * 2**C * C

    def token_names(self) -> list[str]:
        """Readable token names: ``a..`` (case 0), ``A..`` (case 1), ``a/A..`` (queries)."""
        low = list(_LETTERS[: self.n_letters])
        return low + [c.upper() for c in low] + [f"{c}/{c.upper()}" for c in low]

    def describe(self, tokens) -> str:
        """One sequence of token ids as text, e.g. ``'a B d C ? b/B'``."""
        names = self.token_names()
        ids = [int(t) for t in tokens]
        return " ".join(names[t] for t in ids[:-1]) + " ? " + names[ids[-1]]

    def _assemble(self, letters: torch.Tensor, cases: torch.Tensor, query_pos: torch.Tensor) -> CaseBatch:
        L = self.n_letters
        context = letters + L * cases  # (B, C)
        queried = letters.gather(1, query_pos[:, None])  # (B, 1)
        tokens = torch.cat([context, queried + 2 * L], dim=1)
        targets = cases.gather(1, query_pos[:, None]).squeeze(1)
        inputs = torch.nn.functional.one_hot(tokens, self.n_tokens).to(torch.float32)
        return CaseBatch(tokens, inputs, targets)

    def batch(self, batch_size: int = 64) -> CaseBatch:
        """Draw a fresh batch of ``batch_size`` sequences."""
        B = check.positive_int("batch_size", batch_size)
        L, C, g = self.n_letters, self.context_length, self.generator
        letters = torch.rand(B, L, generator=g).argsort(dim=1)[:, :C]  # uniform ordered choice
        cases = torch.randint(0, 2, (B, C), generator=g)
        query_pos = torch.randint(0, C, (B,), generator=g)
        return self._assemble(letters, cases, query_pos)

    def batches(self, n_batches: int, batch_size: int = 64):
        """Iterate over ``n_batches`` fresh batches."""
        for _ in range(check.positive_int("n_batches", n_batches, minimum=0)):
            yield self.batch(batch_size)

    def all_sequences(self) -> CaseBatch:
        """Every distinct sequence once, in a fixed order (1536 for ``L = C = 4``)."""
        L, C = self.n_letters, self.context_length
        perms = torch.tensor(list(itertools.permutations(range(L), C)), dtype=torch.long).reshape(-1, C)
        cases = torch.tensor(list(itertools.product((0, 1), repeat=C)), dtype=torch.long)
        P, K = perms.shape[0], cases.shape[0]
        letters = perms[:, None, None, :].expand(P, K, C, C).reshape(-1, C)
        case_rows = cases[None, :, None, :].expand(P, K, C, C).reshape(-1, C)
        query_pos = torch.arange(C).repeat(P * K)
        return self._assemble(letters, case_rows, query_pos)

    def __repr__(self) -> str:
        return f"CaseSequenceTask(n_letters={self.n_letters}, context_length={self.context_length})"
