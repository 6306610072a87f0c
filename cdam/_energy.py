r"""The energy of the auto-associative CDAM (``a = 1``, ``h = 0``), behind :meth:`cdam.CDAM.energy`.

.. math::

    E(\sigma) = -\frac1\beta \log\sum_\mu e^{\beta\,\sigma\cdot\xi_\mu}
                + \tfrac12\lVert\sigma\rVert^2 + c\,\bar\xi\cdot\sigma

the modern Hopfield energy plus the mean term, a Lyapunov function of the update for
:math:`\eta \in (0, 1]` (the proof is in :meth:`cdam.CDAM.energy`).
"""

from __future__ import annotations

import torch

from . import _validation as check
from .errors import ParameterError

__all__ = ["energy_of"]


def energy_of(model, x) -> torch.Tensor:
    """``model``'s energy of states ``x`` (n,) or (B, n): a scalar or (B,) tensor.

    Examples
    --------
    >>> import numpy as np, networkx as nx, torch, cdam
    >>> g = cdam.MemoryGraph.from_networkx(nx.cycle_graph(6), np.random.default_rng(0).random((50, 6)))
    >>> model = cdam.CDAM(g, dtype=torch.float64)
    >>> x = model.initial_states(seed=0)
    >>> bool((energy_of(model, model.step(x)) <= energy_of(model, x)).all())
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
