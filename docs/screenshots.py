"""Screenshots of the built site in headless Chromium, to look at what a reader sees.

Renders the index, one API page and one gallery page of ``docs/_build/html`` and writes
PNGs to ``docs/_build/screenshots/``. Build the site first
(``python -m sphinx -W -b html docs docs/_build/html``); needs Debian's ``chromium``.

    python docs/screenshots.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HTML = Path(__file__).resolve().parent / "_build" / "html"
OUT = HTML.parent / "screenshots"
PAGES = {
    "index": "index.html",
    "api_cdam_CDAM": "api/generated/cdam.CDAM.html",
    "gallery_range_of_recall": "auto_examples/range_of_recall.html",
}
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--window-size=1280,1600",
]


def main() -> int:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("chromium not found: apt-get install -y chromium", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    for name, page in PAGES.items():
        src = HTML / page
        if not src.is_file():
            print(f"{src} is missing: build the site first", file=sys.stderr)
            return 1
        png = OUT / f"{name}.png"
        # a fresh profile each time, so no state of an earlier run (or of the user's) leaks in
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run(
                [browser, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}", src.as_uri()],
                check=True, capture_output=True, timeout=120,
            )
        print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
