r"""Sparse similarity graphs from attractors: the input of the default readout.

The final state :math:`\sigma_i` of the run cued at node :math:`i` is centred and scaled to
unit length, :math:`z_i = (\sigma_i - \bar\sigma_i) / \lVert \sigma_i - \bar\sigma_i \rVert`,
so that :math:`z_i \cdot z_j` is the attractor (Pearson) correlation :math:`C_{ij}`. Only a
sparse set of pairs is ever evaluated, never the dense p x p matrix:

* ``"edges"``: the graph's own edges, :math:`W_{ij} = A_{ij} \max(C_{ij}, 0)`, in chunks of
  edges (cost :math:`m n` for m edges);
* ``"knn"``: each node's ``k`` most correlated attractors, :math:`W_{ij} = \max(C_{ij}, 0)`
  for :math:`j \in \mathrm{kNN}(i)` or :math:`i \in \mathrm{kNN}(j)`, from chunked products
  :math:`Z_{\text{chunk}} Z^\top` (cost :math:`p^2 n`, memory ``chunk`` x p);
* ``"both"``: their sum.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from ..errors import ParameterError

__all__ = ["SIMILARITIES", "similarity_graph", "unit_rows"]

SIMILARITIES = ("edges", "knn", "both")
_CHUNK_ENTRIES = 1 << 24  # 64 MB of float32 temporaries per chunk


def unit_rows(final) -> torch.Tensor:
    """Centred, unit-norm rows of the final states (B, n); a constant row becomes 0."""
    x = torch.as_tensor(final, dtype=torch.float32)
    x = x - x.mean(dim=1, keepdim=True)
    norm = torch.linalg.vector_norm(x, dim=1, keepdim=True)
    return torch.where(norm > 0, x / norm.clamp_min(torch.finfo(x.dtype).tiny), torch.zeros_like(x))


def _edge_weights(Z: torch.Tensor, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), dtype=np.float64)
    step = max(1, _CHUNK_ENTRIES // max(Z.shape[1], 1))
    for s in range(0, len(rows), step):
        r = torch.as_tensor(rows[s:s + step])
        c = torch.as_tensor(cols[s:s + step])
        out[s:s + step] = (Z[r] * Z[c]).sum(dim=1).double().numpy()
    return out


def _knn(Z: torch.Tensor, k: int) -> sp.csr_array:
    p = Z.shape[0]
    k = min(k, p - 1)
    step = max(1, _CHUNK_ENTRIES // max(p, 1))
    rows, cols, vals = [], [], []
    for s in range(0, p, step):
        S = Z[s:s + step] @ Z.T
        idx = torch.arange(s, min(s + step, p))
        S[idx - s, idx] = -torch.inf  # a node is not its own neighbour
        v, j = torch.topk(S, k, dim=1)
        rows.append(idx.repeat_interleave(k).numpy())
        cols.append(j.reshape(-1).numpy())
        vals.append(v.reshape(-1).double().numpy())
    r, c, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    keep = w > 0
    W = sp.coo_array((w[keep], (r[keep], c[keep])), shape=(p, p)).tocsr()
    return W.maximum(W.T)


def similarity_graph(final, A: sp.csr_array, kind: str = "edges", k: int = 10) -> sp.csr_array:
    """The sparse similarity graph (p, p) of one draw's final states (see the module docstring).

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> F = np.array([[0., 1., 2.], [0., 2., 4.], [2., 1., 0.]])
    >>> A = sp.csr_array(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0.]]))
    >>> similarity_graph(F, A).toarray().round(6)
    array([[0., 1., 0.],
           [1., 0., 0.],
           [0., 0., 0.]])
    """
    Z = unit_rows(final)
    W = None
    if kind in ("edges", "both"):
        E = sp.triu(A, k=1).tocoo()
        w = E.data * np.maximum(_edge_weights(Z, E.row, E.col), 0.0)
        W = sp.coo_array((w, (E.row, E.col)), shape=A.shape).tocsr()
        W = W + W.T
    if kind in ("knn", "both"):
        K = _knn(Z, k)
        W = K if W is None else W + K
    if W is None:
        raise ParameterError(f"similarity must be 'edges', 'knn' or 'both', got {kind!r}")
    W.eliminate_zeros()
    return sp.csr_array(W)
