"""Refactoring the engine changes no bit: small reference runs equal the stored ones exactly.

``tests/data/reference_runs.npz`` holds the recorded arrays of small runs (every normalisation,
both engines, ``topk``, factored values, directed and reversed graphs, overlaps of every kind,
attention, states, ``tol`` / ``freeze``, ``perturb``, chunked plans, stacked cells, float32 and
float64), written by ``tests/data/make_reference_runs.py`` before the engine became a package.

The comparison is ``torch.equal``: it pins this CPU's arithmetic, that is torch's version and
the ATen CPU capability (``torch.backends.cpu.get_cpu_capability()``, AVX2 when written) with one
intra-op thread. Under another torch version the test skips; results that legitimately change
(a new algorithm) need the file regenerated and the change named in the commit.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

DATA = Path(__file__).parent / "data"


def _maker():
    spec = importlib.util.spec_from_file_location("make_reference_runs", DATA / "make_reference_runs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stored():
    with np.load(DATA / "reference_runs.npz") as f:
        arrays = {k: f[k] for k in f.files}
    env = json.loads(str(arrays.pop("environment")))
    if env["torch"] != torch.__version__:
        pytest.skip(f"the reference runs pin torch {env['torch']}'s arithmetic; this is torch {torch.__version__}")
    return arrays


def test_reference_runs_are_reproduced_bit_for_bit(stored):
    got = _maker().reference_runs()
    assert sorted(got) == sorted(stored)  # the same cases, runs and recorded fields
    differ = []
    for key, want in stored.items():
        have = got[key]
        if want.dtype.kind in "US":  # the engine's name
            ok = str(have) == str(want)
        else:
            ok = have.dtype == want.dtype and torch.equal(torch.from_numpy(have), torch.from_numpy(want))
        if not ok:
            differ.append(key)
    assert not differ, f"{len(differ)} of {len(stored)} arrays changed, e.g. {differ[:5]}"


def test_reference_cases_cover_what_the_engine_does(stored):
    cases = {key.split("/")[0] for key in stored}
    for norm in ("sym", "row", "none"):
        for engine in ("direct", "coefficient"):
            assert {f"{norm}-{engine}-float32", f"{norm}-{engine}-float64"} <= cases
    assert {"topk-coefficient", "factored-direct", "directed-coefficient", "tol-direct", "freeze-f32",
            "perturb-direct", "chunked-direct", "chunked-coefficient", "cells-coefficient"} <= cases
    assert int(stored["tol-direct/0/steps"]) < 300  # tol really stopped the run early
    assert len(set(stored["freeze-direct/0/run_steps"].tolist())) > 1  # runs froze on their own steps
