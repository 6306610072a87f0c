"""Reference runs: small models whose results must not change by a bit when the engine is refactored.

Every case below builds a small model and runs it; :func:`reference_runs` returns each case's
recorded arrays (final states, overlaps, attention, states, summaries). Running this file writes
them to ``reference_runs.npz`` beside it, with the torch version and CPU capability they were
computed under; ``tests/test_reference_runs.py`` recomputes them and asserts ``torch.equal``.

Regenerate only when a change of results is intended (and say so in the commit)::

    python tests/data/make_reference_runs.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

import cdam

HERE = Path(__file__).parent
FILE = HERE / "reference_runs.npz"
FIELDS = ("final", "overlaps", "initial_overlaps", "attention", "states", "final_attention", "late_attention",
          "cues", "topk_discarded", "run_steps", "settled")


def _graph(p=8, n=32, *, directed=False, seed=0) -> cdam.MemoryGraph:
    """A ring with chords (undirected) or a ring of transitions with skips (directed)."""
    rng = np.random.default_rng(seed)
    g = cdam.MemoryGraph()
    g.add_memories(range(p), rng.random((n, p)))
    for i in range(p):
        if directed:
            g.add_transition(i, (i + 1) % p, 1.0)
            if i % 3 == 0:
                g.add_transition(i, (i + 4) % p, 0.5)
        else:
            g.add_link(i, (i + 1) % p, 1.0)
            if i % 3 == 0:
                g.add_link(i, (i + 4) % p, 0.7)
    return g


def _kick(t, rows, states):
    if t == 4:
        states += 0.25


def _cases():
    """name -> (model keyword arguments, graph keyword arguments, what to run)."""
    f32, f64 = torch.float32, torch.float64
    rec = dict(record_overlaps=True, record_attention=True)
    cases = {}
    for norm in ("sym", "row", "none"):
        for engine in ("direct", "coefficient"):
            for dtype in (f32, f64):
                name = f"{norm}-{engine}-{str(dtype)[-7:]}"
                cases[name] = (dict(a=-0.5, h=1.5, normalization=norm, engine=engine, dtype=dtype), {},
                               ("all_starts", dict(steps=12, seed=1, **rec)))
    for engine in ("direct", "coefficient"):
        e = dict(engine=engine)
        cases[f"topk-{engine}"] = (dict(a=0.5, h=0.5, topk=3, **e), {}, ("all_starts", dict(steps=12, **rec)))
        cases[f"factored-{engine}"] = (dict(a=-0.5, h=1.5, values="factored", dtype=f64, **e), {},
                                       ("all_starts", dict(steps=12, **rec)))
        cases[f"directed-{engine}"] = (dict(a=0.0, h=1.0, **e), dict(directed=True),
                                       ("all_starts", dict(steps=12, **rec)))
        cases[f"reverse-{engine}"] = (dict(a=0.2, h=1.0, direction="reverse", dtype=f64, **e), dict(directed=True),
                                      ("all_starts", dict(steps=12, record_overlaps=True)))
        cases[f"states-{engine}"] = (dict(a=1.0, h=0.5, dtype=f64, **e), {},
                                     ("all_starts", dict(steps=8, record_states=True)))
        for kind in ("cosine", "dot"):
            cases[f"{kind}-{engine}"] = (dict(a=-0.5, h=1.5, **e), {},
                                         ("all_starts", dict(steps=10, record_overlaps=True, overlap=kind)))
        cases[f"chunked-{engine}"] = (dict(a=-0.5, h=1.5, dtype=f64, memory_limit="tight", **e), {},
                                      ("all_starts", dict(steps=12, **rec)))
        cases[f"lean-{engine}"] = (dict(a=1.0, beta=4.0, **e), {},
                                   ("all_starts", dict(steps=10, attention_summary=False)))
        cases[f"legacy-{engine}"] = (dict(a=1.0, h=0.3, softmax="legacy", mean_coef=0.3, eta=0.4, **e), {},
                                     ("all_starts", dict(steps=10, record_overlaps=True)))
    cases["tol-direct"] = (dict(a=1.0, dtype=f64), {}, ("all_starts", dict(steps=300, tol=1e-4)))
    cases["freeze-direct"] = (dict(a=1.0, dtype=f64), {}, ("all_starts", dict(steps=300, tol=1e-4, freeze=True)))
    cases["freeze-f32"] = (dict(a=0.5, h=0.5), {}, ("all_starts", dict(steps=200, tol=1e-4, freeze=True)))
    cases["perturb-direct"] = (dict(a=1.0, h=0.5, dtype=f64), {}, ("all_starts", dict(steps=8, perturb=_kick, **rec)))
    cases["run-x0"] = (dict(a=1.0, h=0.5), {}, ("run", dict(steps=10, record_overlaps=True)))
    cells = [{"a": -2.0, "h": 3.0}, {"a": 1.0}, {"beta": 2.0, "eta": 0.3, "mean_coef": 0.5}]
    cases["cells-coefficient"] = (dict(a=0.5, h=0.5), {}, ("run_cells", dict(cells=cells, steps=12, **rec)))
    cases["cells-direct"] = (dict(a=0.5, h=0.5, engine="direct", dtype=f64), {},
                             ("run_cells", dict(cells=cells, steps=10, record_overlaps=True)))
    # in this process, chunk after chunk (threads sharing one model raced before the engine owned its runs)
    cases["spread-chunks"] = (dict(a=-0.5, h=1.5, dtype=f64), {},
                              ("all_starts", dict(steps=12, chunk=3, workers=1, **rec)))
    return cases


def _tight_limit(g, kw, steps, run_kw) -> int:
    """A budget that fits two rows of a step: forces a chunked plan."""
    m = cdam.CDAM(g, **kw)
    engine = kw.get("engine", "direct")
    fixed, per_run, per_row = m.memory_estimate(steps, engine=engine, record_overlaps=True, record_attention=True)
    return fixed + m.n_memories * per_run + int(2.5 * per_row * 1.25) + 1


def _run(kw, graph_kw, job):
    g = _graph(**graph_kw)
    what, run_kw = job
    run_kw = dict(run_kw)
    kw = dict(kw)
    if kw.get("memory_limit") == "tight":
        kw["memory_limit"] = _tight_limit(g, {k: v for k, v in kw.items() if k != "memory_limit"},
                                          run_kw["steps"], run_kw)
    m = cdam.CDAM(g, **kw)
    if what == "all_starts":
        return [m.all_starts(**run_kw)]
    x0 = m.initial_states(noise=0.8, seed=2)[:6]
    if what == "run":
        return [m.run(x0, **run_kw)]
    cells = run_kw.pop("cells")
    return m.run_cells(cells, x0, **run_kw)


def reference_runs() -> dict[str, np.ndarray]:
    """Every case's recorded arrays, keyed ``"<case>/<run>/<field>"`` (``steps`` included)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the arithmetic pinned is one thread's
    try:
        out: dict[str, np.ndarray] = {}
        for name, (kw, graph_kw, job) in _cases().items():
            for i, traj in enumerate(_run(kw, graph_kw, job)):
                out[f"{name}/{i}/steps"] = np.asarray(traj.steps)
                out[f"{name}/{i}/engine"] = np.asarray(traj.engine)
                for field in FIELDS:
                    value = getattr(traj, field)
                    if value is not None:
                        out[f"{name}/{i}/{field}"] = value.numpy()
        return out
    finally:
        torch.set_num_threads(before)


def environment() -> dict:
    """What the pinned arithmetic depends on."""
    return {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability()}


def main() -> None:
    arrays = reference_runs()
    arrays["environment"] = np.asarray(json.dumps(environment()))
    np.savez_compressed(FILE, **arrays)
    print(f"wrote {len(arrays)} arrays, {FILE.stat().st_size / 1e3:.0f} kB, under {environment()}")


if __name__ == "__main__":
    main()
