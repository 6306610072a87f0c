"""EdgeTable: the weighted edges of a memory graph as arrays, parallel edges summed.

A :class:`~cdam.MemoryGraph` holds its links and its transitions in one table each. A
table maps a pair of memory positions ``(i, j)`` to the sum of the weights added for it,
and lists the pairs in the order each was first added. It behaves as the read-only part
of a dict (``len``, iteration over the pairs, ``values()``, ``items()``), but stores two
arrays instead of one Python object per edge: 5e7 edges cost 1.2 GB here against about
10 GB as a dict of tuples.

Bulk additions (``MemoryGraph.from_edges``, ``from_scipy_sparse``) coalesce with one sort.
Small additions to a large table (``add_link`` in a loop) find their pair by binary search
in a sorted copy of the codes and keep pairs not yet present in a small dict, folded into
the arrays when it grows; neither re-sorts the table per edge. Weights of one pair are
summed in the order they were added, as ``w_1 + w_2 + ...`` from 0.0, so every path gives
the same floating-point sums.

Examples
--------
>>> import numpy as np
>>> t = EdgeTable()
>>> t.add(np.array([0, 1, 0]), np.array([1, 2, 1]), np.array([1.0, 2.0, 0.5]))
>>> list(t.items())
[((0, 1), 1.5), ((1, 2), 2.0)]
"""

from __future__ import annotations

import numpy as np

__all__ = ["EdgeTable"]

_SHIFT = 32  # a pair's code is i << 32 | j: positions stay below 2**31


def _codes(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return (i.astype(np.int64) << _SHIFT) | j.astype(np.int64)


def _ints(a) -> list:
    return a.tolist() if isinstance(a, np.ndarray) else a  # lists come from MemoryGraph, already ints


def _floats(a) -> list:
    return np.asarray(a, dtype=np.float64).tolist() if isinstance(a, np.ndarray) else a


class EdgeTable:
    """Weighted pairs ``(i, j) -> w`` in first-added order; see the module docstring."""

    def __init__(self) -> None:
        self._idx = np.empty((0, 2), dtype=np.int64)  # capacity rows; the first _size hold pairs
        self._w = np.empty(0, dtype=np.float64)
        self._size = 0
        self._tail: dict[tuple[int, int], float] = {}  # pairs added one by one, not in the arrays yet
        self._lookup: tuple[np.ndarray, np.ndarray] | None = None  # sorted codes, their rows

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return self._size + len(self._tail)

    def __bool__(self) -> bool:
        return len(self) > 0

    def index_array(self) -> np.ndarray:
        """The pairs as an (E, 2) int64 array, in first-added order (read-only view)."""
        self._fold()
        out = self._idx[: self._size]
        out.flags.writeable = False
        return out

    def weight_array(self) -> np.ndarray:
        """The summed weights as an (E,) float64 array, aligned with :meth:`index_array`."""
        self._fold()
        out = self._w[: self._size]
        out.flags.writeable = False
        return out

    def __iter__(self):
        return iter(map(tuple, self.index_array().tolist()))

    def keys(self):
        return list(iter(self))

    def values(self):
        return self.weight_array().tolist()

    def items(self):
        return list(zip(iter(self), self.values()))

    def copy(self) -> EdgeTable:
        t = EdgeTable()
        t.add_unique(self.index_array().copy(), self.weight_array().copy())
        return t

    # ------------------------------------------------------------------ adding
    def add_unique(self, idx: np.ndarray, w: np.ndarray) -> None:
        """Set the pairs of an empty table: ``idx`` (E, 2) with no pair twice, ``w`` (E,)."""
        assert not self  # callers build a fresh table
        self._idx = np.ascontiguousarray(idx, dtype=np.int64).reshape(-1, 2)
        self._w = np.ascontiguousarray(w, dtype=np.float64)
        self._size = self._idx.shape[0]
        self._lookup = None

    def add(self, i, j, w) -> None:
        """Add weight ``w[k]`` to pair ``(i[k], j[k])`` for every ``k``, in order.

        ``i``, ``j``, ``w``: arrays, or lists of Python ints, ints and floats, of equal length."""
        k = len(w)
        if k == 0:
            return
        if k >= max(64, len(self) // 8):
            self._merge(np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64), np.asarray(w, dtype=np.float64))
            return
        # a few edges: plain Python per edge (one add_link costs microseconds, as a dict did)
        tail = self._tail
        for pair in zip(_ints(i), _ints(j), _floats(w)):
            key, x = pair[:2], pair[2]
            if key in tail:
                tail[key] += x
                continue
            row = self._row_of(key)
            if row >= 0:
                self._w[row] += x
            else:
                tail[key] = 0.0 + x  # 0.0 + x: as a dict sum from 0.0 (-0.0 becomes 0.0)
        if len(tail) > max(1024, self._size // 8):
            self._fold()

    def _row_of(self, pair: tuple[int, int]) -> int:
        """The array row holding ``pair``, or -1 when the arrays lack it."""
        if self._size == 0:
            return -1
        if self._lookup is None:
            mine = _codes(self._idx[: self._size, 0], self._idx[: self._size, 1])
            order = np.argsort(mine, kind="stable")
            self._lookup = (mine[order], order)
        sorted_codes, order = self._lookup
        code = (pair[0] << _SHIFT) | pair[1]
        pos = int(sorted_codes.searchsorted(code))
        if pos < sorted_codes.size and sorted_codes[pos] == code:
            return int(order[pos])
        return -1

    def _fold(self) -> None:
        """Move the pairs of the dict into the arrays (they are new pairs: no sums change)."""
        if not self._tail:
            return
        pairs = np.array(list(self._tail.keys()), dtype=np.int64).reshape(-1, 2)
        w = np.fromiter(self._tail.values(), dtype=np.float64, count=len(self._tail))
        need = self._size + len(w)
        if need > self._idx.shape[0]:
            cap = max(need, 2 * self._idx.shape[0])
            idx = np.empty((cap, 2), dtype=np.int64)
            wts = np.empty(cap, dtype=np.float64)
            idx[: self._size], wts[: self._size] = self._idx[: self._size], self._w[: self._size]
            self._idx, self._w = idx, wts
        self._idx[self._size : need] = pairs
        self._w[self._size : need] = w
        self._size = need
        self._tail = {}
        self._lookup = None

    def _merge(self, i: np.ndarray, j: np.ndarray, w: np.ndarray) -> None:
        """Add a batch with one sort: the pairs already here keep their rows, new pairs follow
        in the order they first appear in the batch."""
        self._fold()
        old = self._size
        pairs = np.concatenate([self._idx[:old], np.stack([i, j], axis=1).astype(np.int64)])
        weights = np.concatenate([self._w[:old], w])
        codes = _codes(pairs[:, 0], pairs[:, 1])
        uniq, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
        sums = np.bincount(inverse.ravel(), weights=weights, minlength=uniq.size)  # in index order
        order = np.argsort(first, kind="stable")  # first-added order; the old pairs come first
        self._idx = pairs[first[order]]
        self._w = sums[order]  # type: ignore[assignment]  # bincount with weights= gives float64
        self._size = uniq.size
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        self._lookup = (uniq, rank)
