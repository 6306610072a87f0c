"""Tests of the Case Sequence Task generator (Bhandarkar & McClelland 2025)."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from cdam.datasets import CaseBatch, CaseSequenceTask
from cdam.errors import CDAMError, ParameterError

pytestmark = pytest.mark.usefixtures("single_thread")


def _check_batch(task: CaseSequenceTask, b: CaseBatch) -> None:
    L, C = task.n_letters, task.context_length
    B = len(b)
    assert b.tokens.shape == (B, C + 1) and b.inputs.shape == (B, C + 1, 3 * L) and b.targets.shape == (B,)
    # one-hot and consistent with the token ids
    assert torch.equal(b.inputs.argmax(dim=-1), b.tokens)
    assert torch.equal(b.inputs.sum(dim=-1), torch.ones(B, C + 1))
    context, query = b.tokens[:, :-1], b.tokens[:, -1]
    assert bool((context < 2 * L).all()) and bool((query >= 2 * L).all())
    letters = context % L
    # letters in a sequence are distinct
    assert bool((letters.sort(dim=1).values.diff(dim=1) > 0).all()) if C > 1 else True
    # the query asks for a letter of the context, and the target is that letter's case
    qletter = query - 2 * L
    hit = letters == qletter[:, None]
    assert torch.equal(hit.sum(dim=1), torch.ones(B, dtype=torch.long))
    case_of_hit = (context[hit] // L).reshape(B)
    assert torch.equal(case_of_hit, b.targets)
    assert torch.equal(b.one_hot_targets.argmax(dim=1), b.targets)


def test_batch_shapes_and_semantics():
    task = CaseSequenceTask(seed=0)
    assert task.n_tokens == 12
    b = task.batch(64)
    assert len(b) == 64
    _check_batch(task, b)


def test_seeded_and_fresh():
    a, b = CaseSequenceTask(seed=3), CaseSequenceTask(seed=3)
    first = a.batch(32)
    assert torch.equal(first.tokens, b.batch(32).tokens)
    assert not torch.equal(first.tokens, a.batch(32).tokens)  # fresh batch every call
    assert not torch.equal(CaseSequenceTask(seed=4).batch(32).tokens, first.tokens)
    g = torch.Generator().manual_seed(3)
    assert torch.equal(CaseSequenceTask(seed=g).batch(32).tokens, first.tokens)


def test_all_sequences_spec_count():
    task = CaseSequenceTask()
    allseq = task.all_sequences()
    assert task.n_sequences == 1536 == len(allseq)
    assert len({tuple(r) for r in allseq.tokens.tolist()}) == 1536
    _check_batch(task, allseq)
    assert float(allseq.targets.double().mean()) == 0.5  # chance is 50%


def test_draws_cover_all_sequences_uniformly():
    task = CaseSequenceTask(seed=0)
    tokens = torch.cat([task.batch(4096).tokens for _ in range(5)])
    index = {tuple(r): i for i, r in enumerate(task.all_sequences().tokens.tolist())}
    counts = torch.bincount(torch.tensor([index[tuple(r)] for r in tokens.tolist()]), minlength=1536)
    assert int((counts > 0).sum()) == 1536  # 20480 draws reach every sequence
    expected = tokens.shape[0] / 1536
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 1535 + 6 * math.sqrt(2 * 1535)  # uniform within 6 sigma


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5).flatmap(lambda L: st.tuples(st.just(L), st.integers(1, L))), st.integers(0, 10_000))
def test_enumeration_and_draws_for_any_size(sizes, seed):
    L, C = sizes
    task = CaseSequenceTask(L, C, seed=seed)
    allseq = task.all_sequences()
    assert len(allseq) == task.n_sequences == math.perm(L, C) * 2**C * C
    assert len({tuple(r) for r in allseq.tokens.tolist()}) == task.n_sequences
    _check_batch(task, allseq)
    _check_batch(task, task.batch(17))


def test_describe_and_names():
    task = CaseSequenceTask(n_letters=2)
    assert task.token_names() == ["a", "b", "A", "B", "a/A", "b/B"]
    assert task.describe([0, 3, 5]) == "a B ? b/B"
    assert "n_letters=2" in repr(task)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_letters": 0}, "n_letters"),
        ({"n_letters": 4, "context_length": 5}, "context_length 5 exceeds"),
        ({"n_letters": 27}, "n_letters"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        CaseSequenceTask(**kwargs)


def test_bad_batch_size():
    with pytest.raises(CDAMError, match="batch_size"):
        CaseSequenceTask().batch(0)
