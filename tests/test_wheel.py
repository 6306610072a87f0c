"""The wheel built from a clean clone installs in a fresh venv and runs ``cdam demo`` (slow)."""

import shutil
import subprocess
from pathlib import Path

import pytest

import cdam

ROOT = Path(cdam.__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "check_wheel.sh"


@pytest.mark.slow
@pytest.mark.skipif(not SCRIPT.is_file() or shutil.which("git") is None, reason="needs the source tree and git")
def test_wheel_installs_and_runs_the_demo():
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0 and "check_wheel: OK" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]
