"""Refactoring the engine changes no bit: small reference runs equal the stored ones exactly.

``tests/data/reference_runs.npz`` holds the recorded arrays of small runs (every normalisation,
both engines, ``topk``, factored values, directed and reversed graphs, overlaps of every kind,
attention, states, ``tol`` / ``freeze``, ``perturb``, chunked plans, stacked cells, float32 and
float64), written by ``tests/data/make_reference_runs.py`` before the engine became a package.

The comparison is ``torch.equal``: it pins this CPU's arithmetic, that is torch's version and
the ATen CPU capability (``torch.backends.cpu.get_cpu_capability()``, AVX2 when written) with one
intra-op thread. On a CPU whose own capability is higher (AVX-512 reduces in another order), the
runs are made again in a subprocess under ``ATEN_CPU_CAPABILITY`` set to the stored one; under a
lower capability or another torch version the test skips. Results that legitimately change (a new
algorithm) need the file regenerated and the change named in the commit.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

DATA = Path(__file__).parent / "data"
# x86 capabilities, lowest first: ATEN_CPU_CAPABILITY may select any one the CPU has
CAPABILITIES = ["DEFAULT", "AVX2", "AVX512"]


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


@pytest.fixture(scope="module")
def written_under():
    """The ATen CPU capability the stored runs were written under."""
    with np.load(DATA / "reference_runs.npz") as f:
        return json.loads(str(f["environment"]))["cpu_capability"]


def _runs_under(capability: str, tmp_path: Path) -> dict[str, np.ndarray]:
    """The reference runs made here, under the ATen CPU ``capability`` the stored file was written with."""
    here = torch.backends.cpu.get_cpu_capability()
    if here == capability:
        return _maker().reference_runs()
    if here not in CAPABILITIES or capability not in CAPABILITIES or (
        CAPABILITIES.index(here) < CAPABILITIES.index(capability)
    ):
        pytest.skip(f"the reference runs pin {capability} arithmetic; this CPU's capability is {here}")
    out = tmp_path / "runs.npz"
    code = (
        "import importlib.util, sys, numpy as np\n"
        f"spec = importlib.util.spec_from_file_location('m', {str(DATA / 'make_reference_runs.py')!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        f"np.savez({str(out)!r}, **m.reference_runs())\n"
    )
    env = dict(os.environ, ATEN_CPU_CAPABILITY=capability.lower())
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    with np.load(out) as f:
        return {k: f[k] for k in f.files}


def test_reference_runs_are_reproduced_bit_for_bit(stored, written_under, tmp_path):
    got = _runs_under(written_under, tmp_path)
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
