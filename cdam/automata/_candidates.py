r"""Settling runs over a fixed candidate set per run, taken from the transition graph.

A run of the memory automaton starts near the attractor of a state :math:`q` with the symbol
:math:`s` written into its input block. Its attention starts on the memory :math:`(q, s)`
and moves to the target :math:`t = \delta(q, s)`; no other memory can win while it settles
(verification proves it for every transition, see :class:`~cdam.automata.MemoryAutomaton`).
So the candidates of a run with cue memory :math:`\mu` are fixed before the first update:

.. math::

    C(\mu) = \{\mu\} \cup \operatorname{own}(q) \cup \operatorname{own}(t),\qquad
    \operatorname{own}(q) = \{q\} \cup \{(q, a)\}_a \cup \{\delta(q, a)\}_a,

at most :math:`4A + 3` memories for :math:`A` symbols, duplicates and undefined pairs
removed (a state cue :math:`q` has :math:`t = q`). The key and value rows of :math:`C(\mu)`
are gathered once per settle into a block (rows, c, n); each update is then two small
batched products against that block,

.. math::

    w = \operatorname{softmax}_{C}(\beta\,K_C\,x),\qquad
    x \leftarrow (1 - \eta)\,x + \eta\,(w\,V_C - c\,\bar\xi),

:math:`O(c\,n)` per run and update instead of the dense read's :math:`O(p\,n)`.

**Discarded mass.** The :math:`p - |C|` memories never scored are estimated as in
:class:`~cdam.backends.CandidateSlots` with ``index=None``: each at the lowest candidate
score :math:`t_{\min}`, :math:`\varepsilon \approx \bar Z_U / (Z_C + \bar Z_U)`,
:math:`\bar Z_U = (p - |C|)\,e^{\beta(t_{\min} - m)}`. The largest estimate over a run's
updates is returned; the automaton re-runs with dense reads a run whose estimate passes
``max_discarded``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

__all__ = ["CandidateGraph", "SettledRuns", "settle_over_candidates"]

# key rows gathered at once by a single read, (rows, c, n): near 16 MiB in float32
BLOCK_ELEMENTS = 1 << 22
# a settle's chunk holds its runs' candidate keys, (rows, c, n): near 64 MiB in float32
CHUNK_ELEMENTS = 1 << 24
# neurons whose move each run watches in coefficient space (the largest movers last checked)
WATCHED = 16


class SettledRuns(NamedTuple):
    """The end of a batch of settles.

    Attributes
    ----------
    final : torch.Tensor (B, n)
    steps : torch.Tensor (B,), int64
        Updates done (``max_steps`` for a run that did not settle).
    settled : torch.Tensor (B,), bool
    discarded : torch.Tensor (B,), float64
        Largest estimated softmax mass outside the candidates over the run's updates.
    cue_weight : torch.Tensor (B,)
        Attention of the first update on the cue memory.
    """

    final: torch.Tensor
    steps: torch.Tensor
    settled: torch.Tensor
    discarded: torch.Tensor
    cue_weight: torch.Tensor


class CandidateGraph:
    r"""Each memory's state and successor, and each state's own memories: the candidate sets.

    Parameters
    ----------
    table : torch.Tensor (S, A), int64
        :math:`\delta(q, a)` as a state index, -1 where undefined.
    pair_memory : torch.Tensor (S, A), int64
        The memory index of :math:`(q, a)` (states are memories ``0 .. S-1``), -1 where undefined.

    Examples
    --------
    >>> import torch
    >>> table = torch.tensor([[0, 1], [1, 0]])  # parity: states 0, 1; symbols 0, 1
    >>> pairs = torch.tensor([[2, 3], [4, 5]])
    >>> g = CandidateGraph(table, pairs)
    >>> cand, bad = g.candidates(torch.tensor([2, 0]))
    >>> cand[0][~bad[0]].tolist()  # (even, 0) -> even: even's own memories
    [0, 1, 2, 3]
    >>> cand[1][~bad[1]].tolist()
    [0, 1, 2, 3]
    """

    def __init__(self, table: torch.Tensor, pair_memory: torch.Tensor):
        S = table.shape[0]
        p = S + int((pair_memory >= 0).sum())
        dev = table.device
        self.n_memories = p
        self.state_of = torch.empty(p, dtype=torch.long, device=dev)
        self.succ_of = torch.empty(p, dtype=torch.long, device=dev)
        states = torch.arange(S, device=dev)
        self.state_of[:S] = states
        self.succ_of[:S] = states
        q, a = (pair_memory >= 0).nonzero(as_tuple=True)
        mem = pair_memory[q, a]
        self.state_of[mem] = q
        self.succ_of[mem] = table[q, a]
        # own(q): q, its memories (q, a), their targets; -1 marks an undefined pair
        self.own = torch.cat([states[:, None], pair_memory, table], dim=1)

    def candidates(self, cues: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Candidate memories (B, c) of runs cued by ``cues`` (B,), sorted, and the mask of
        repeats and padding (B, c); c is the widest row's count of distinct memories."""
        cand, bad, _ = self._candidates(cues)
        return cand, bad

    def _candidates(self, cues):
        cand = torch.cat([cues[:, None], self.own[self.state_of[cues]], self.own[self.succ_of[cues]]], dim=1)
        cand = cand.sort(dim=1).values
        bad = cand < 0
        bad[:, 1:] |= cand[:, 1:] == cand[:, :-1]
        # distinct memories first, padding last: the block is as narrow as the widest row
        key = cand.masked_fill(bad, self.n_memories)
        cand = key.sort(dim=1).values
        width = int((cand < self.n_memories).sum(dim=1).max()) if cand.shape[0] else 1
        cand = cand[:, :width].contiguous()
        bad = cand == self.n_memories
        # where each candidate's successor sits in its row (itself for padding): the
        # successor of a candidate is a candidate (see the module docstring)
        succ = torch.searchsorted(cand, self.succ_of[cand.clamp_max(self.n_memories - 1)])
        succ = torch.where(bad, torch.arange(width, device=cand.device).expand_as(cand), succ)
        return cand.masked_fill(bad, 0), bad, succ


def settle_over_candidates(
    x: torch.Tensor, cues: torch.Tensor, graph: CandidateGraph, keys: torch.Tensor, *,
    beta: float, eta: float, mean_coef: float, xbar: torch.Tensor, tol: float, max_steps: int,
    record=None, decoder=None,
) -> SettledRuns:
    r"""Update each run of ``x`` (B, n) over its candidates until it moves by at most ``tol``.

    ``keys`` (p, n): the memories' patterns; memory :math:`\mu`'s value is the key of its
    successor (``graph.succ_of``), as the automaton's couplings make it (a = 0, h = 1, one
    link per memory). ``cues`` (B,): each run's memory (see the module docstring). A run that
    moved by at most ``tol`` (max-abs over neurons) in one update is frozen there, as
    :meth:`cdam.CDAM.run` with ``freeze=True`` does. ``record`` (a list) receives
    ``decoder(state)`` of the whole batch after every update.

    **Coefficient space.** With the candidates fixed, every state of a run stays in the span
    of its start, its candidates' keys and the mean pattern:
    :math:`x_t = a_t\,x_0 + u_t V_C - g_t\,\bar\xi` with :math:`a_{t+1} = (1-\eta)a_t`,
    :math:`u_{t+1} = (1-\eta)u_t + \eta w_t`, :math:`g_{t+1} = (1-\eta)g_t + \eta c`, and its
    scores are :math:`K_C x_t = a_t K_C x_0 + u_t\,V_C K_C^\top - g_t K_C\bar\xi`. The
    values are candidates' keys, :math:`V_C = P K_C` (:math:`P` the successor map), so the
    (c, c) matrix :math:`V_C K_C^\top = P K_C K_C^\top` is formed once per run and an update
    costs :math:`O(c^2)`, not :math:`O(c\,n)`. The move :math:`\Delta x_t` is watched on a
    few neurons (the largest movers at its last exact evaluation): only when all of those
    moved by at most ``tol`` is :math:`\lVert\Delta x_t\rVert_\infty` evaluated over all
    ``n`` neurons, so each run freezes at exactly the update the full check would freeze it.
    """
    B, n = x.shape
    dev, dt = x.device, x.dtype
    final = x.clone()
    steps = torch.full((B,), max_steps, dtype=torch.long, device=dev)
    settled = torch.zeros(B, dtype=torch.bool, device=dev)
    discarded = torch.zeros(B, dtype=torch.float64, device=dev)
    cue_weight = torch.zeros(B, dtype=dt, device=dev)
    if B == 0:
        return SettledRuns(final, steps, settled, discarded, cue_weight)
    cand_all, bad_all, succ_all = graph._candidates(cues)
    c = cand_all.shape[1]
    rows_per = max(1, CHUNK_ELEMENTS // (c * n))
    p, f64 = graph.n_memories, torch.float64
    j = min(n, WATCHED)
    # gathered into buffers made once: a fresh block per chunk costs its page faults, several
    # times the copy itself
    block = torch.empty(min(rows_per, B) * c, n, dtype=keys.dtype, device=dev)
    part = torch.empty_like(block)
    for lo in range(0, B, rows_per):
        rows = torch.arange(lo, min(lo + rows_per, B), device=dev)
        b = rows.numel()
        cand, bad, succ = cand_all[rows], bad_all[rows], succ_all[rows]
        K = torch.index_select(keys, 0, cand.reshape(-1), out=block[: b * c]).view(b, c, n)
        x0 = x[rows]  # (b, c, n), (b, n)

        G = torch.bmm(K, K.transpose(1, 2)).to(f64).gather(1, succ[:, :, None].expand(b, c, c))  # V_j . K_l
        kx0 = torch.bmm(x0.unsqueeze(1), K.transpose(1, 2)).squeeze(1).to(f64)  # this shape: bmm's fast path
        kxb = (K.reshape(-1, n) @ xbar).view(b, c).to(f64)
        kx0.masked_fill_(bad, float("-inf"))  # padding never scores (its u stays 0)
        unscored = (p - (~bad).sum(dim=1)).double()
        is_cue = cand == cues[rows, None]
        # a_t and g_t are the same for every run; u_t (b, c) is each run's own
        a, g = 1.0, 0.0
        u = torch.zeros(b, c, dtype=f64, device=dev)
        alive = torch.ones(b, dtype=torch.bool, device=dev)
        most = torch.zeros(b, dtype=f64, device=dev)  # largest discarded estimate so far
        frozen_a = torch.ones(b, dtype=f64, device=dev)
        frozen_g = torch.zeros(b, dtype=f64, device=dev)
        frozen_u = u.clone()
        vw = x0w = xbw = G  # the watched neurons' values (b, c, j), starts and mean (b, j); set at t = 0
        for t in range(max_steps):
            s = torch.baddbmm((a * kx0 - g * kxb).unsqueeze(1), u.unsqueeze(1), G).squeeze(1)
            w = torch.softmax(s * beta, dim=1)
            if t == 0:
                cue_weight[rows] = (w * is_cue).sum(dim=1).to(dt)
            # Z_U / Z_C is the unscored count times the lowest candidate's weight
            y = w.masked_fill(bad, 1.0).amin(dim=1).mul_(unscored)
            most = torch.maximum(most, y / (1.0 + y))
            da, dg, du = -eta * a, eta * (mean_coef - g), (w - u).mul_(eta)
            if t == 0:
                check = alive
            else:
                moved = torch.baddbmm((da * x0w - dg * xbw).unsqueeze(1), du.unsqueeze(1), vw).squeeze(1)
                check = alive & (moved.abs().amax(dim=1) <= tol)
            a, g, u = a + da, g + dg, u + du
            if bool(check.any()):
                whole = t == 0  # every run is checked: no copies of the block
                r = torch.arange(b, device=dev) if whole else check.nonzero().squeeze(1)
                if whole:
                    Kr, x0r, sr = K, x0, succ
                else:
                    Kr = torch.index_select(K, 0, r, out=part[: r.numel() * c].view(-1, c, n))
                    x0r, sr = x0[r], succ[r]
                mv = _combine(da, _on_keys(du[r], sr), dg, x0r, Kr, xbar).abs_()
                done = r[mv.amax(dim=1) <= tol]
                alive[done] = False
                steps[rows[done]], settled[rows[done]], discarded[rows[done]] = t + 1, True, most[done]
                frozen_a[done], frozen_g[done], frozen_u[done] = a, g, u[done]
                # watch the largest movers from now on
                top = mv.topk(j, dim=1).indices
                vw_r = Kr.gather(2, top[:, None, :].expand(-1, c, j)).gather(1, sr[:, :, None].expand(-1, c, j))
                x0w_r, xbw_r = x0r.gather(1, top).to(f64), xbar[top].to(f64)
                if whole:
                    vw, x0w, xbw = vw_r.to(f64), x0w_r, xbw_r
                else:
                    vw, x0w, xbw = vw.index_copy(0, r, vw_r.to(f64)), x0w.index_copy(0, r, x0w_r), \
                        xbw.index_copy(0, r, xbw_r)
            if record is not None:
                state = final.clone()
                cur = _on_keys(torch.where(alive[:, None], u, frozen_u), succ)
                state[rows] = _combine(torch.where(alive, a, frozen_a), cur, torch.where(alive, g, frozen_g),
                                       x0, K, xbar)
                record.append(decoder(state))
            if not bool(alive.any()):
                break
        still = alive.nonzero().squeeze(1)
        frozen_a[still], frozen_g[still], frozen_u[still] = a, g, u[still]
        discarded[rows[still]] = most[still]
        final[rows] = _combine(frozen_a, _on_keys(frozen_u, succ), frozen_g, x0, K, xbar)
    return SettledRuns(final, steps, settled, discarded, cue_weight)


def _on_keys(u, succ):
    """:math:`u P`: each candidate's weight moved onto its successor's key, so :math:`u V_C = (u P) K_C`."""
    return torch.zeros_like(u).scatter_add_(1, succ, u)


def _combine(a, v, g, x0, K, xbar):
    r""":math:`a\,x_0 + v K - g\,\bar\xi` per run: a, g floats or (b,), v (b, c) -> (b, n)."""
    dt = x0.dtype
    out = torch.bmm(v.to(dt).unsqueeze(1), K).squeeze(1)
    if isinstance(a, torch.Tensor):
        return out.add_(a.to(dt)[:, None] * x0).sub_(g.to(dt)[:, None] * xbar)
    return out.add_(x0, alpha=a).sub_(xbar, alpha=g)
