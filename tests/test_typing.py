"""cdam type-checks with the project's mypy settings (pyproject ``[tool.mypy]``)."""

import subprocess
import sys
from pathlib import Path

import pytest

import cdam

pytest.importorskip("mypy")

ROOT = Path(cdam.__file__).resolve().parents[1]


@pytest.mark.skipif(not (ROOT / "pyproject.toml").is_file(), reason="needs the source tree's pyproject.toml")
def test_mypy_is_clean_on_the_package():
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "cdam"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_the_package_ships_its_type_marker():
    assert (ROOT / "cdam" / "py.typed").is_file()
