r"""Overlaps of states with fixed patterns: one normalisation, one matrix product per call.

The overlap :math:`m_\mu` of a state with memory :math:`\xi_\mu` is their Pearson
correlation (Burns 2024, "Semantically-correlated memories in a dense associative model",
ICML 2024, arXiv 2404.07123), or their cosine or raw dot product. The dynamics record
overlaps, the measures report them, and the automata decode states with them, all through
:class:`OverlapOperator`; this module depends on neither the dynamics nor the measures.
"""

from __future__ import annotations

import torch

from . import _validation as check

__all__ = ["FUSED_OVERLAP_MAX_ERROR", "OVERLAP_KINDS", "OverlapOperator"]

OVERLAP_KINDS = ("pearson", "cosine", "dot")
FUSED_OVERLAP_MAX_ERROR = 1e-5  # largest rounding error accepted for overlaps read off the logits


def _normalise_rows(x: torch.Tensor, center: bool) -> torch.Tensor:
    # A zero-variance (or zero) vector has no defined correlation; it gets overlap 0.
    if center:
        # test constancy exactly: centring a constant row can leave a rounding residue
        # (mean(0.1, ..., 0.1) != 0.1) that would otherwise be scaled up to unit norm
        constant = x.amax(dim=-1, keepdim=True) == x.amin(dim=-1, keepdim=True)
        x = torch.where(constant, torch.zeros_like(x), x - x.mean(dim=-1, keepdim=True))
    norm = torch.linalg.vector_norm(x, dim=-1, keepdim=True)
    return torch.where(norm > 0, x / torch.where(norm > 0, norm, torch.ones_like(norm)), torch.zeros_like(x))


_COLUMNS_PER_CHUNK = 8192  # bounds the temporaries of _column_norms to 8192 n entries


def _column_norms(Xi: torch.Tensor, mean: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Norms of the columns of ``Xi`` (n, p), centred by ``mean`` (p,) when given (0 for a
    constant column), and uncentred; in column chunks, so no (n, p) temporary is made."""
    norms, fulls = [], []
    for start in range(0, Xi.shape[1], _COLUMNS_PER_CHUNK):
        block = Xi[:, start : start + _COLUMNS_PER_CHUNK]
        fulls.append(torch.linalg.vector_norm(block, dim=0))
        if mean is None:
            norms.append(fulls[-1])
            continue
        constant = block.amax(dim=0) == block.amin(dim=0)
        centred = torch.linalg.vector_norm(block - mean[start : start + _COLUMNS_PER_CHUNK], dim=0)
        norms.append(torch.where(constant, torch.zeros_like(centred), centred))
    if not norms:
        empty = Xi.new_zeros(0)
        return empty, empty
    return torch.cat(norms), torch.cat(fulls)


class OverlapOperator:
    r"""Overlaps of states with fixed patterns, one matrix product per call.

    For ``kind="pearson"`` the patterns are centred and scaled once; each call centres and
    scales the states (B, n) and multiplies:

    .. math::

        m_{b\mu} = \frac{(\sigma_b - \bar\sigma_b)\cdot(\xi_\mu - \bar\xi_\mu)}
                        {\lVert\sigma_b - \bar\sigma_b\rVert\,\lVert\xi_\mu - \bar\xi_\mu\rVert}.

    ``"cosine"`` skips the centring; ``"dot"`` is the raw product :math:`\sigma\cdot\xi`.
    A constant state or pattern has no defined correlation and gets overlap 0.

    :meth:`from_scores` gives the same overlaps from raw scores :math:`\sigma\cdot\xi_\mu`
    that were computed anyway (the dynamics' attention logits), with no product at all,
    using :math:`(\sigma - \bar\sigma)\cdot(\xi_\mu - \bar\xi_\mu) = \sigma\cdot\xi_\mu -
    n\,\bar\sigma\,\bar\xi_\mu`. That difference loses digits when a mean dwarfs the
    spread around it: its error is about :math:`\epsilon\,\kappa` with
    :math:`\kappa \le 2\max_b \frac{\lVert\sigma_b\rVert}{\lVert\sigma_b-\bar\sigma_b\rVert}
    \max_\mu \frac{\lVert\xi_\mu\rVert}{\lVert\xi_\mu-\bar\xi_\mu\rVert}` and
    :math:`\epsilon` the dtype's machine epsilon, so where :math:`\epsilon\kappa` exceeds
    :data:`FUSED_OVERLAP_MAX_ERROR` the overlaps are computed directly instead (random
    patterns in [0, 1] have :math:`\kappa \approx 4`).

    Parameters
    ----------
    Xi : torch.Tensor (n, p)
    kind : {"pearson", "cosine", "dot"}

    Examples
    --------
    >>> import torch
    >>> Xi = torch.tensor([[1., 0.], [0., 1.], [1., 1.]], dtype=torch.float64)
    >>> op = OverlapOperator(Xi)
    >>> x = torch.tensor([[2., 0., 1.]], dtype=torch.float64)
    >>> op(x)
    tensor([[ 0.8660, -0.8660]], dtype=torch.float64)
    >>> torch.allclose(op.from_scores(x @ Xi, x), op(x))
    True
    """

    def __init__(self, Xi: torch.Tensor, kind: str = "pearson"):
        self.kind = check.choice("overlap kind", kind, OVERLAP_KINDS)
        self.Xi = Xi
        self._basis: torch.Tensor | None = None
        self._mean: torch.Tensor | None = None
        if kind != "dot":
            # per-pattern statistics for from_scores: O(p) memory, not another copy of Xi
            center = kind == "pearson"
            self._mean = Xi.mean(dim=0) if center else None
            norm, full = _column_norms(Xi, self._mean)
            if center:
                ratio = torch.where(norm > 0, full / torch.where(norm > 0, norm, torch.ones_like(norm)), 0.0)
                self._pattern_ratio = float(ratio.max()) if ratio.numel() else 0.0
            self._norm = norm

    @property
    def basis(self) -> torch.Tensor:
        """The scaled (and centred) patterns (n, p), built on first use."""
        if self._basis is None:
            if self.kind == "dot":
                self._basis = self.Xi
            else:
                self._basis = _normalise_rows(self.Xi.T, center=self.kind == "pearson").T.contiguous()
        return self._basis

    def __call__(self, states: torch.Tensor) -> torch.Tensor:
        if self.kind != "dot":
            states = _normalise_rows(states, center=self.kind == "pearson")
        out = states @ self.basis
        return out.clamp_(-1.0, 1.0) if self.kind != "dot" else out

    def from_scores(self, scores: torch.Tensor, states: torch.Tensor) -> torch.Tensor:
        """Overlaps (B, p) of ``states`` (B, n) given their raw scores ``states @ Xi`` (B, p)."""
        if self.kind == "dot":
            return scores.clone()
        if self.kind == "pearson":
            constant = states.amax(dim=1) == states.amin(dim=1)
            mean = states.mean(dim=1, keepdim=True)
            snorm = torch.linalg.vector_norm(states - mean, dim=1)
            snorm = torch.where(constant, torch.zeros_like(snorm), snorm)
            ratio = torch.linalg.vector_norm(states, dim=1) / torch.where(snorm > 0, snorm, torch.ones_like(snorm))
            kappa = 2.0 * float(ratio.max()) * self._pattern_ratio
            if kappa * torch.finfo(states.dtype).eps > FUSED_OVERLAP_MAX_ERROR:
                return self(states)
            assert self._mean is not None  # set for pearson in __init__
            num = scores - (mean * states.shape[1]) * self._mean
        else:
            snorm = torch.linalg.vector_norm(states, dim=1)
            num = scores.clone()
        den = snorm[:, None] * self._norm
        out = num.div_(torch.where(den > 0, den, torch.ones_like(den)))
        return out.masked_fill_(den == 0, 0.0).clamp_(-1.0, 1.0)
