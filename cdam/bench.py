"""Benchmarks behind ``cdam bench``: every claim is a ratio measured side by side in one run.

(a) all-starts with overlaps recorded against the notebook approach (a Python loop per
    start and ``np.corrcoef`` per pattern per step, the same update rule);
(b) the batched step against the raw torch matrix products of the same shapes;
(c) time per step and peak memory as the number of memories grows, sparse graphs of mean
    degree 10, with a power-law fit of the cost.
"""

from __future__ import annotations

import resource
import time
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp
import torch

__all__ = ["best_of", "bench_notebook", "bench_raw", "bench_scaling", "notebook_run", "peak_rss_mb"]


def notebook_run(Xi, M, a, h, beta, eta, c, x0, steps):
    """The update rule as the paper's notebooks run it: one start at a time, one
    ``np.corrcoef`` per pattern per step. Returns final states and overlaps (B, T, p)."""
    p = Xi.shape[1]
    Q = (a * Xi + h * Xi @ M.T).T
    xbar = Xi.mean(axis=1)
    finals, overlaps = [], []
    for s in range(x0.shape[0]):
        sigma = x0[s].copy()
        traj = []
        for _ in range(steps):
            e = np.exp(beta * sigma @ Xi)
            w = e / e.sum()
            sigma = sigma + eta * ((w @ Q - c * xbar) - sigma)
            traj.append([np.corrcoef(sigma, Xi[:, mu])[0, 1] for mu in range(p)])
        finals.append(sigma)
        overlaps.append(traj)
    return np.array(finals), np.array(overlaps)


def best_of(fn, repeat: int) -> float:
    """Shortest wall time of ``repeat`` calls of ``fn`` (the least disturbed one)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@dataclass
class NotebookRow:
    p: int
    n: int
    steps: int
    notebook_s: float
    cdam_s: float
    speedup: float
    max_abs_diff: float


def bench_notebook(ps=(30, 60, 100), n: int = 1000, steps: int = 100, repeat: int = 3) -> list[dict]:
    """(a) cdam's all-starts run (overlaps recorded) against the notebook loop, float64."""
    from .datasets import cycle_memory_graph
    from .dynamics import CDAM

    rows = []
    for p in ps:
        g = cycle_memory_graph(p, n, seed=0)
        model = CDAM(g, a=-0.5, h=1.5, dtype=torch.float64)
        x0 = model.initial_states(1.0, seed=0)
        Xi, M, x0n = g.patterns, model.M.toarray(), x0.numpy()
        t_nb = best_of(lambda: notebook_run(Xi, M, -0.5, 1.5, 1.0, 0.1, 1.0, x0n, steps), 1)  # noqa: B023
        t_cd = best_of(lambda: model.run(x0, steps, record_overlaps=True), repeat)  # noqa: B023
        nb_final, nb_ov = notebook_run(Xi, M, -0.5, 1.5, 1.0, 0.1, 1.0, x0n, 3)
        tr = model.run(x0, 3, record_overlaps=True)
        diff = max(float(np.abs(np.asarray(tr.final) - nb_final).max()),
                   float(np.abs(tr.overlaps.numpy().transpose(1, 0, 2) - nb_ov).max()))
        rows.append(asdict(NotebookRow(p, n, steps, t_nb, t_cd, t_nb / t_cd, diff)))
    return rows


def bench_raw(B: int = 1024, n: int = 2000, p: int = 4096, steps: int = 5, repeat: int = 3) -> dict:
    """(b) cdam's batched step against raw torch matmuls of the same shapes, float32."""
    from .dynamics import CDAM
    from .graph import MemoryGraph

    gen = torch.Generator().manual_seed(0)
    Xi = torch.rand(n, p, generator=gen)
    model = CDAM(MemoryGraph.from_patterns(Xi.numpy()), a=1.0, h=0.0)
    Q, xbar = model.couplings.Q, model.couplings.xbar
    x0 = torch.rand(B, n, generator=gen)

    def raw():
        s = x0.clone()
        for _ in range(steps):
            w = torch.softmax(s @ Xi, dim=1)
            s = 0.9 * s + 0.1 * (w @ Q - xbar)
        return s

    t_raw = best_of(raw, repeat)
    t_cd = best_of(lambda: model.run(x0, steps), repeat)
    flops = 2 * 2 * B * n * p * steps
    return {"B": B, "n": n, "p": p, "steps": steps, "raw_s": t_raw, "cdam_s": t_cd,
            "fraction_of_raw": t_raw / t_cd, "cdam_gflops": flops / t_cd / 1e9, "raw_gflops": flops / t_raw / 1e9}


def _sparse_memory_graph(p: int, n: int, degree: int, seed: int):
    from .graph import MemoryGraph

    rng = np.random.default_rng(seed)
    g = MemoryGraph.from_patterns(rng.random((n, p), dtype=np.float32).astype(np.float64))
    m = p * degree // 2
    u, v = rng.integers(0, p, m), rng.integers(0, p, m)
    keep = u != v
    g.add_links_from(zip(u[keep].tolist(), v[keep].tolist()))
    return g


def bench_scaling(ps=(1_000, 3_000, 10_000, 30_000, 100_000, 200_000), n: int = 1000, B: int = 64,
                  degree: int = 10, steps: int = 3, seed: int = 0) -> dict:
    """(c) seconds per step and peak memory against the number of memories ``p``.

    Returns the rows and the exponent ``k`` of a least-squares fit ``time ~ p^k``.
    """
    from .dynamics import CDAM

    rows = []
    for p in ps:
        t0 = time.perf_counter()
        g = _sparse_memory_graph(p, n, degree, seed)
        model = CDAM(g, a=-0.5, h=1.5)
        build = time.perf_counter() - t0
        x0 = model.initial_states(1.0, seed)[:B].clone()
        model.run(x0, 1)  # warm-up
        per_step = best_of(lambda: model.run(x0, steps), 2) / steps  # noqa: B023
        rows.append({"p": p, "n": n, "B": B, "edges": g.number_of_edges(), "build_s": build,
                     "step_s": per_step, "peak_rss_mb": peak_rss_mb(),
                     "M_nnz": int(sp.csr_matrix(model.M).nnz)})
        model = g = None  # free this size before building the next
    logp = np.log([r["p"] for r in rows])
    logt = np.log([r["step_s"] for r in rows])
    k = float(np.polyfit(logp, logt, 1)[0]) if len(rows) > 1 else float("nan")
    return {"rows": rows, "time_exponent": k}
