r"""The energy of the auto-associative CDAM (``a = 1``, ``h = 0``): :meth:`cdam.CDAM.energy`.

The modern Hopfield energy plus the mean term, a Lyapunov function of the update for
:math:`\eta \in (0, 1]` (the proof is in :mod:`cdam.dynamics`).
"""

from __future__ import annotations

import torch

from . import _validation as check
from .errors import ParameterError

__all__ = ["energy_of"]


def energy_of(model, x) -> torch.Tensor:
    r"""Energy of states ``x`` (n,) or (B, n), defined for ``a = 1``, ``h = 0``.

    .. math::

        E(\sigma) = -\frac1\beta \log\sum_\mu e^{\beta\,\sigma\cdot\xi_\mu}
                    + \tfrac12\lVert\sigma\rVert^2 + c\,\bar\xi\cdot\sigma

    For ``c = 0`` this is the modern Hopfield energy; with ``c`` it is a Lyapunov function of
    the mean-subtracted update for :math:`\eta \in (0, 1]` (the proof is in
    :mod:`cdam.dynamics`). No energy is known for ``a != 1`` or ``h != 0``.
    :meth:`cdam.CDAM.energy` is this function.

    Parameters
    ----------
    x : array or tensor, (n,) or (B, n)

    Returns
    -------
    torch.Tensor
        A scalar for one state, (B,) for a batch.

    Raises
    ------
    ParameterError
        For ``a != 1``, ``h != 0`` or ``beta = 0``.

    Examples
    --------
    >>> import numpy as np, networkx as nx, torch, cdam
    >>> g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(6), np.random.default_rng(0).random((50, 6)))
    >>> model = cdam.CDAM(g, dtype=torch.float64)
    >>> x = model.initial_states(seed=0)
    >>> bool((model.energy(model.step(x)) <= model.energy(x)).all())
    True
    """
    if model.a != 1.0 or model.h != 0.0:
        raise ParameterError(
            f"no energy function is known for a={model.a}, h={model.h}; energy() needs a = 1 and h = 0"
        )
    if model.beta == 0.0:
        raise ParameterError("energy() needs beta > 0 (the log-sum-exp term divides by beta)")
    sigma, single = check.state_batch(x, model.n_neurons, dtype=model.dtype, device=model.device)
    Xi, xbar = model.couplings.Xi, model.couplings.xbar
    lse = torch.logsumexp(model.beta * (sigma @ Xi), dim=1) / model.beta
    E = -lse + 0.5 * (sigma * sigma).sum(dim=1) + model.mean_coef * (sigma @ xbar)
    return E[0] if single else E
