"""What the steppers read besides the store: the hetero-association operator, the Gram matrices."""

from __future__ import annotations

import torch

from ..couplings import _csr_torch

DENSE_COUPLING_MAX_P = 512  # below this a dense (p, p) product beats the sparse one's call overhead


def hetero_operator(couplings) -> torch.Tensor | None:
    r"""The hetero-association operator :math:`K_h` (``w K = a w + h w K_h``), ``M`` or ``M^T``.

    Dense (p, p) for small p, where one GEMM costs less than a sparse product's overhead
    (20 us against 8 us at p = 60 on this machine), else the CSR of :math:`K_h^\top`."""
    M = couplings.M if couplings.direction == "forward" else couplings.M.T
    if M.nnz == 0:
        return None
    if M.shape[0] <= DENSE_COUPLING_MAX_P:
        return torch.as_tensor(M.toarray()).to(device=couplings.Xi.device, dtype=couplings.Xi.dtype)
    return _csr_torch(M.T, couplings.Xi.dtype, couplings.Xi.device)


def _hetero(K: torch.Tensor | None, w: torch.Tensor) -> torch.Tensor | None:
    """:math:`w K_h` (B, p): a GEMM with the dense operator, or ``(K_h^T w^T)^T`` with the CSR one."""
    if K is None:
        return None
    return w @ K if K.layout == torch.strided else (K @ w.T).T


GRAM = "gram"  # the model's cache key of centred_gram's result (memory_estimate counts it once)


def centred_gram(Xi: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    r""":math:`[G_c \mid m]` (p, p + 1) with :math:`G_c = \Xi_c^\top\Xi_c`, the column means
    ``m`` (p,) and the plain Gram :math:`G = \Xi^\top\Xi` (p, p) of the patterns ``Xi`` (n, p):
    once per patterns, shared by every model on them (all formed in float64, rounded once to
    ``Xi``'s dtype).

    Examples
    --------
    >>> Gm, m, G = centred_gram(torch.tensor([[1.0, 0.0], [0.0, 2.0]]))
    >>> Gm
    tensor([[ 0.5000, -1.0000,  0.5000],
            [-1.0000,  2.0000,  1.0000]])
    >>> G
    tensor([[1., 0.],
            [0., 4.]])
    """
    X = Xi.to(torch.float64)
    m = X.mean(dim=0)
    Xc = X - m
    return torch.cat([Xc.T @ Xc, m[:, None]], dim=1).to(Xi.dtype), m.to(Xi.dtype), (X.T @ X).to(Xi.dtype)
