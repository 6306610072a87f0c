"""Sphinx configuration of the cdam documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html`` from the repository root
(needs the ``docs`` extra; see "Building these docs"). Math is rendered to PNG images with
LaTeX and dvipng where they are installed, and by MathJax in the browser otherwise;
``CDAM_DOCS_MATH=mathjax`` or ``CDAM_DOCS_MATH=imgmath`` forces one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# the checkout's cdam, even where another copy is installed; docs/ for gallery_setup
sys.path[:0] = [str(ROOT), str(HERE)]

import cdam  # noqa: E402

project = "cdam"
author = "the cdam developers"
copyright = "the cdam developers"
release = version = cdam.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    # "sphinx.ext.imgmath" or "sphinx.ext.mathjax", chosen below
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

# The docs build offline: no project's objects.inv can be fetched at build time and none of
# numpy, scipy, networkx, torch or torch_geometric ships one in its wheel, so there is no
# intersphinx; type names in docstrings stay plain text.

exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb", "auto_examples/*.py"]
templates_path = ["_templates"]
default_role = "py:obj"
nitpicky = False

# -- API reference --------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters section says the types
# numpydoc's member tables would link to methods that have no page of their own; the class
# template lists the members with autodoc instead
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# the doctest builder checks the user guide's ``.. doctest::`` blocks; the docstrings' own
# examples are run by pytest (--doctest-modules) with their module's names in scope
doctest_test_doctest_blocks = ""

# -- math ---------------------------------------------------------------------------------------
# With LaTeX, math is rendered to PNG at build time, so the pages need no network when read.
# Without it (a plain `pip install`), MathJax typesets it in the browser (loaded from its CDN).


def _latex_ready() -> bool:
    """Whether latex, dvipng and the two styles that imgmath's settings below use are installed."""
    if not (shutil.which("latex") and shutil.which("dvipng") and shutil.which("kpsewhich")):
        return False
    found = subprocess.run(["kpsewhich", "preview.sty", "anyfontsize.sty"], capture_output=True, text=True)
    return len(found.stdout.split()) == 2


MATH = os.environ.get("CDAM_DOCS_MATH", "").strip().lower() or ("imgmath" if _latex_ready() else "mathjax")
if MATH not in ("imgmath", "mathjax"):
    raise ValueError(f"CDAM_DOCS_MATH={MATH!r}: use 'imgmath' (needs latex and dvipng) or 'mathjax'")
extensions.append(f"sphinx.ext.{MATH}")

imgmath_image_format = "png"
imgmath_use_preview = True  # baseline-aligned inline math
imgmath_font_size = 13
# Docstrings write m_\max (cdam.modes.predict_mode), which MathJax accepts but LaTeX rejects
# (a subscript operator needs braces: m_{\max}); a braced \max makes both forms compile.
imgmath_latex_preamble = r"\let\cdamOldMax\max \renewcommand{\max}{{\cdamOldMax}}"
imgmath_dvipng_args = ["-gamma", "1.5", "-D", "130", "-bg", "Transparent"]

# -- gallery ------------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r".*\.py$",  # run every example, not only plot_*.py
    "reset_argv": "gallery_setup.reset_argv",
    "image_scrapers": ("gallery_setup.scrape_pngs",),
    "backreferences_dir": "api/backreferences",
    "doc_module": ("cdam",),
    "download_all_examples": True,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "show_memory": False,
    "min_reported_time": 1,
}

# -- HTML ---------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"cdam {version}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path: list[str] = []
html_show_sourcelink = False
