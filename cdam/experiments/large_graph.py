r"""A large memory graph through ``CDAM.run``: graph-seeded candidate reads, checked by an exact scan.

p random U[0,1) patterns of n neurons (float32) on a random undirected graph of mean degree
``degree``, given as a symmetric scipy CSR adjacency and built with
:meth:`cdam.MemoryGraph.from_scipy_sparse`. The model is the CDAM of Burns 2024,
"Semantically-correlated memories in a dense associative model", arXiv 2404.07123, with a
:class:`~cdam.backends.CandidateSlots` store that scores, at each step, only the memories
attended last step and their graph neighbours (``index=None``, seeded with each run's cue), and
values read from the factors :math:`a\,w + h\,wM` (``values="factored"``). B noisy cues
:math:`\xi_s + U(-1/2, 1/2)` run ``steps`` updates with their attention summaries recorded
(sparse (B, p) CSR tensors); the top-1 attended memory of a subsample of runs is then compared
with an exact scan of every memory at the final states.

Examples
--------
>>> r = bench_large_graph(p=500, n=32, batch=16, steps=3, check_runs=8)
>>> r["p"], r["batch"], r["checked_runs"], 0.0 <= r["top1_match"] <= 1.0
(500, 16, 8, True)
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
import torch

__all__ = ["bench_large_graph", "exact_top1", "large_graph_data", "top_attended"]

#: Memories scored at once by :func:`exact_top1`: (runs x block) float32 scores, 256 MiB for 256 runs.
SCAN_BLOCK = 1 << 18


def large_graph_data(p: int, n: int, degree: int, batch: int, seed: int = 0):
    """Patterns (p, n) float32, a symmetric (p, p) CSR adjacency of mean degree about ``degree``
    (repeated pairs sum; no self-loops), cues (B,) int64 and starts (B, n) float32.

    Examples
    --------
    >>> keys, A, cues, x0 = large_graph_data(100, 8, 4, 5)
    >>> keys.shape, A.shape, (A != A.T).nnz, tuple(x0.shape)
    (torch.Size([100, 8]), (100, 100), 0, (5, 8))
    """
    gen = torch.Generator().manual_seed(seed)
    keys = torch.rand(p, n, generator=gen)
    rng = np.random.default_rng(seed)
    m = p * degree // 2
    u = rng.integers(0, p, m, dtype=np.int32)
    v = rng.integers(0, p, m, dtype=np.int32)
    keep = u != v
    u, v = u[keep], v[keep]
    rows, cols = np.concatenate([u, v]), np.concatenate([v, u])
    del u, v, keep  # at p = 1e7 each of these is 200 MB
    adjacency = sp.csr_array((np.ones(rows.size, dtype=np.float32), (rows, cols)), shape=(p, p))
    del rows, cols
    cues = torch.from_numpy(rng.choice(p, batch, replace=False))
    x0 = keys[cues] + (torch.rand(batch, n, generator=gen) - 0.5)
    return keys, adjacency, cues, x0


def top_attended(attention: torch.Tensor) -> torch.Tensor:
    """(B,): each run's most attended memory in a (B, p) CSR attention (-1 for an empty row).

    Examples
    --------
    >>> w = torch.tensor([[0.0, 0.7, 0.3], [0.6, 0.0, 0.4]]).to_sparse_csr()
    >>> top_attended(w).tolist()
    [1, 0]
    """
    crow, cols, vals = attention.crow_indices(), attention.col_indices(), attention.values()
    B = len(crow) - 1
    row = torch.repeat_interleave(torch.arange(B), crow.diff())
    best = torch.full((B,), -1.0, dtype=vals.dtype).scatter_reduce(0, row, vals, "amax")
    at = vals == best[row]
    # equal weights mean equal scores: any of them is the top one
    return torch.full((B,), -1, dtype=torch.int64).scatter_(0, row[at], cols[at])


def exact_top1(keys: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    r"""(B,): :math:`\arg\max_\mu x\cdot\xi_\mu` over every row of ``keys`` (p, n), scored in
    blocks of :data:`SCAN_BLOCK` memories (the first of equal scores).

    Examples
    --------
    >>> exact_top1(torch.eye(3), torch.tensor([[0.0, 2.0, 1.0]])).tolist()
    [1]
    """
    best = torch.full((x.shape[0],), -float("inf"), dtype=torch.float64)
    arg = torch.zeros(x.shape[0], dtype=torch.int64)
    x = x.to(keys.dtype)
    for i in range(0, keys.shape[0], SCAN_BLOCK):
        s, j = (x @ keys[i : i + SCAN_BLOCK].T).max(dim=1)
        better = s.double() > best
        best, arg = torch.where(better, s.double(), best), torch.where(better, j + i, arg)
    return arg


def bench_large_graph(
    p: int = 100_000, n: int = 256, batch: int = 1024, steps: int = 50, degree: int = 10, k: int = 16,
    candidates: int = 64, check_runs: int = 256, a: float = 1.0, h: float = 0.5, beta: float = 1.0,
    eta: float = 0.1, mean_coef: float = 1.0, seed: int = 0, stage=None, spread_workers: int = 0,
) -> dict:
    """Build, compile and run the large graph; times, sizes and the top-1 check as a dict.

    ``stage``: a callable ``stage(name)`` returning a context manager around each stage
    (the benchmark script's per-stage memory report), or None. ``spread_workers`` > 0 runs
    the batch again through :meth:`cdam.CDAM.run_spread` on a Dask ``LocalCluster`` of that
    many worker processes (one chunk each) and says whether it equals the one-process run
    exactly (``spread_equal``).
    """
    import contextlib

    import cdam
    from cdam.backends import CandidateSlots
    from cdam.couplings import normalize

    stage = stage or (lambda name: contextlib.nullcontext())
    t = [time.perf_counter()]
    with stage("data"):
        keys, adjacency, cues, x = large_graph_data(p, n, degree, batch, seed)
    t.append(time.perf_counter())
    with stage("graph (from_scipy_sparse)"):
        graph = cdam.MemoryGraph.from_scipy_sparse(adjacency, keys.T)
        del keys  # the graph holds the patterns now
    with stage("neighbour table"):
        # the candidates' graph: the couplings the model compiles (sym-normalised adjacency)
        store = CandidateSlots(k=k, candidates=candidates, index=None, neighbours=normalize(adjacency, "sym"))
        del adjacency
    t.append(time.perf_counter())
    with stage("compile (CDAM)"):
        model = cdam.CDAM(graph, a=a, h=h, beta=beta, eta=eta, mean_coef=mean_coef, backend=store,
                          values="factored")
    t.append(time.perf_counter())
    with stage(f"run ({steps} steps)"):
        traj = model.run(x, steps, cues=cues.numpy())
    t.append(time.perf_counter())
    with stage("exact scan"):
        from cdam._csr import take_rows

        sample = torch.from_numpy(np.linspace(0, batch - 1, min(check_runs, batch)).astype(np.int64))
        attention = traj.final_attention
        assert attention is not None  # recorded: attention_summary is on by default
        found = top_attended(take_rows(attention, sample))
        stored = store.keys
        assert stored is not None  # filled when the model compiled
        exact = exact_top1(stored, traj.final[sample])
    spread = {}
    if spread_workers:
        with stage("Dask spread"):
            spread = _spread_run(model, x, steps, cues.numpy(), traj, spread_workers)
    return {
        **spread,
        "p": p, "n": n, "batch": batch, "steps": steps, "degree": degree, "k": k, "candidates": candidates,
        "data_s": t[1] - t[0], "build_s": t[2] - t[1], "compile_s": t[3] - t[2], "step_s": (t[4] - t[3]) / steps,
        "top1_match": float((found == exact).double().mean()),
        "scan_top1_is_cue": float((exact == cues[sample]).double().mean()),
        "checked_runs": int(sample.numel()),
        "final_attention_nnz": int(attention.values().numel()),
        "threads": torch.get_num_threads(),
    }


def _spread_run(model, x, steps: int, cues, traj, workers: int) -> dict:
    """The batch through ``run_spread`` on a Dask LocalCluster: seconds per step, and equality."""
    from .._optional import require

    distributed = require("distributed", extra="dask", feature="the large-graph benchmark's Dask run")
    with distributed.LocalCluster(n_workers=workers, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        t0 = time.perf_counter()
        got = model.run_spread(x, steps, cues=cues, chunk=-(-x.shape[0] // workers), scheduler=client)
        seconds = time.perf_counter() - t0
    equal = torch.equal(got.final, traj.final) and all(
        torch.equal(f(getattr(got, name)), f(getattr(traj, name)))
        for name in ("final_attention", "late_attention")
        for f in (lambda t: t.crow_indices(), lambda t: t.col_indices(), lambda t: t.values())
    )
    return {"spread_workers": workers, "spread_step_s": seconds / steps, "spread_equal": bool(equal)}
