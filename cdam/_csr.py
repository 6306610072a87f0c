r"""Row-sparse attention: (B, p) torch CSR tensors built from compact reads, joined, selected, densified.

A sparse read attends to ``k`` memories per run (:attr:`Retrieval.index`, (B, k)); its
attention over all ``p`` memories is kept as a (B, p) ``torch.sparse_csr`` tensor with at most
``k`` entries a row, never as a dense (B, p) array. torch's CSR support lacks row slicing and
concatenation, so the few operations the trajectory needs are here, on the CSR's three arrays.
"""

from __future__ import annotations

import warnings

import torch

from .errors import ParameterError

__all__ = ["DENSE_ENTRIES_MAX", "cat_rows", "dense_rows", "divided", "from_entries", "is_sparse", "take_rows"]

#: Entries (B x p) up to which a consumer that needs a dense array densifies a sparse one
#: (2**25 float64 entries: 256 MiB).
DENSE_ENTRIES_MAX = 1 << 25


def is_sparse(x) -> bool:
    """Whether ``x`` is a torch sparse (CSR or COO) tensor."""
    return isinstance(x, torch.Tensor) and x.layout != torch.strided


def _csr(crow: torch.Tensor, col: torch.Tensor, val: torch.Tensor, shape) -> torch.Tensor:
    with warnings.catch_warnings():  # torch flags its CSR support "beta" on every construction
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(crow, col, val, size=tuple(shape))


def from_entries(rows: torch.Tensor, cols: torch.Tensor, values: torch.Tensor, shape) -> torch.Tensor:
    """The (B, p) CSR tensor holding ``values`` at (``rows``, ``cols``), repeats summed and zeros
    dropped (padding of a compact read has weight 0): what scattering them into zeros would give.

    Examples
    --------
    >>> import torch
    >>> x = from_entries(torch.tensor([1, 0, 1, 1]), torch.tensor([2, 1, 0, 2]),
    ...                  torch.tensor([1., 2., 3., 0.5]), (2, 3))
    >>> x.to_dense()
    tensor([[0.0000, 2.0000, 0.0000],
            [3.0000, 0.0000, 1.5000]])
    """
    keep = values != 0
    rows, cols, values = rows[keep], cols[keep], values[keep]
    B, p = int(shape[0]), int(shape[1])
    # one sort by (row, col), then repeats summed: the coalesced COO, in CSR order
    key = rows.to(torch.int64) * p + cols.to(torch.int64)
    key, order = torch.sort(key, stable=True)  # repeats summed in the order given
    values = values[order]
    unique, inverse = torch.unique_consecutive(key, return_inverse=True)
    summed = torch.zeros(unique.numel(), dtype=values.dtype).index_add_(0, inverse, values)
    r, c = unique // p, unique % p
    crow = torch.zeros(B + 1, dtype=torch.int64)
    crow[1:] = torch.cumsum(torch.bincount(r, minlength=B), 0)
    return _csr(crow, c, summed, (B, p))


def divided(x: torch.Tensor, by: float) -> torch.Tensor:
    """The CSR tensor ``x / by`` (torch's CSR has no division by a number)."""
    return _csr(x.crow_indices(), x.col_indices(), x.values() / by, x.shape)


def cat_rows(parts) -> torch.Tensor:
    """The rows of several (B_i, p) CSR tensors stacked, in order (``torch.cat`` along rows)."""
    parts = list(parts)
    crows, offset = [torch.zeros(1, dtype=torch.int64)], 0
    for x in parts:
        crow = x.crow_indices()
        crows.append(crow[1:] + offset)
        offset += int(crow[-1])
    B = sum(int(x.shape[0]) for x in parts)
    col = torch.cat([x.col_indices() for x in parts])
    val = torch.cat([x.values() for x in parts])
    return _csr(torch.cat(crows), col, val, (B, parts[0].shape[1]))


def take_rows(x: torch.Tensor, rows) -> torch.Tensor:
    """The rows ``rows`` (a slice, int indices or a boolean mask) of the (B, p) CSR tensor ``x``."""
    B = int(x.shape[0])
    idx = torch.arange(B)[rows] if isinstance(rows, slice) else torch.as_tensor(rows)
    if idx.dtype == torch.bool:
        idx = idx.nonzero().squeeze(1)
    idx = idx.reshape(-1).to(torch.int64)
    crow = x.crow_indices()
    start, count = crow[idx], crow[idx + 1] - crow[idx]
    # the positions of the kept rows' entries, in row order
    within = torch.arange(int(count.sum())) - torch.repeat_interleave(torch.cumsum(count, 0) - count, count)
    pos = torch.repeat_interleave(start, count) + within
    new_crow = torch.zeros(idx.numel() + 1, dtype=torch.int64)
    new_crow[1:] = torch.cumsum(count, 0)
    return _csr(new_crow, x.col_indices()[pos], x.values()[pos], (idx.numel(), x.shape[1]))


def dense_rows(x: torch.Tensor, what: str, limit: int = DENSE_ENTRIES_MAX) -> torch.Tensor:
    """``x`` as a dense (B, p) tensor: itself when dense; a sparse one densified when it has at most
    ``limit`` entries, else a :class:`~cdam.errors.ParameterError` saying how to proceed."""
    if not is_sparse(x):
        return x
    B, p = int(x.shape[0]), int(x.shape[1])
    if B * p > limit:
        raise ParameterError(
            f"{what} needs the attention as a dense ({B}, {p}) array ({B * p:,} entries, more than {limit:,}); "
            "the run's reads were sparse: pass a few runs at a time (trajectory.select(rows))"
        )
    return x.to_dense()
