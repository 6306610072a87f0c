"""How sphinx-gallery runs the example scripts for the docs.

The scripts are command-line programs: each writes its PNGs to a folder given on the command
line and closes its figures, so the default matplotlib scraper finds nothing. ``reset_argv``
hands each script a reduced size and a fresh output folder; ``scrape_pngs`` puts the PNGs a
script wrote under the code that wrote them. Both are named in ``sphinx_gallery_conf`` by
their qualified names so that Sphinx can cache the configuration.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sphinx_gallery.scrapers import figure_rst

OUTPUT = Path(__file__).resolve().parent / "_build" / "gallery-output"

#: Command-line arguments of each example in the docs build, chosen so that the whole gallery
#: runs in a few minutes on 2 cores; each script's docstring gives the full-size command.
#: ``{out}`` is replaced by the script's own output folder.
ARGS = {
    "backend_phase_diagrams": ["--out", "{out}"],  # the full coarse grid: about 40 s on one core
    "case_sequence": ["--seeds", "1", "--batches", "500", "--workers", "1", "--outdir", "{out}"],
    "digits_retrieval": ["--seeds", "2", "--out", "{out}"],
    "family_tree": ["--out", "{out}/family_tree.png"],
    "karate_communities": ["--seeds", "1", "--out", "{out}"],
    "kwinner_continual": ["--samples", "1", "--runs", "2", "--workers", "1", "--out", "{out}/kwinner_continual.png"],
    "miyashita": ["--seeds", "2", "--out", "{out}"],
    "numerosity": ["--seeds", "2", "--out", "{out}"],
    "range_of_recall": ["--seeds", "2", "--out", "{out}"],
    "video_replay": ["--out", "{out}"],
}

_SEEN: dict[Path, set[Path]] = {}  # per output folder: the PNGs already shown


def _output(src_file) -> Path:
    return OUTPUT / Path(src_file).stem


def reset_argv(gallery_conf, script_vars) -> list[str]:
    """Arguments for one example (sphinx-gallery's ``reset_argv``), in an emptied output folder."""
    out = _output(script_vars["src_file"])
    _SEEN[out] = set()
    # a folder left by an earlier build would show that build's figures
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    # relative to the example's folder, where sphinx-gallery runs it, so that the paths the
    # scripts print in the rendered pages are not the build machine's
    rel = os.path.relpath(out, Path(script_vars["src_file"]).parent)
    return [arg.replace("{out}", rel) for arg in ARGS.get(Path(script_vars["src_file"]).stem, [])]


def scrape_pngs(block, block_vars, gallery_conf) -> str:
    """Image scraper: the PNGs the example has written since the last block, in name order."""
    out = _output(block_vars["src_file"])
    seen = _SEEN.setdefault(out, set())
    new = sorted(p for p in out.rglob("*.png") if p not in seen) if out.is_dir() else []
    paths = []
    for png, target in zip(new, block_vars["image_path_iterator"]):
        shutil.copyfile(png, target)
        seen.add(png)
        paths.append(target)
    return figure_rst(paths, gallery_conf["src_dir"])
