"""Files shipped with cdam: the automaton gallery (automata/) and data sets (datasets/).

In the source tree they live at the top level; in an installed wheel they are the
packages ``cdam.gallery.automata`` and ``cdam.gallery.datasets``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["gallery_names", "gallery_path"]

_KINDS = ("automata", "datasets")


def _base(kind: str):
    if kind not in _KINDS:
        raise ValueError(f"kind must be 'automata' or 'datasets', got {kind!r}")
    try:
        return resources.files(f"cdam.gallery.{kind}")
    except ModuleNotFoundError:  # running from a source tree that was not installed
        return Path(__file__).resolve().parents[2] / kind


def gallery_path(kind: str, name: str) -> Path:
    """Path of a shipped file: ``kind`` is "automata" or "datasets"."""
    return Path(str(_base(kind).joinpath(name)))


def gallery_names(kind: str, suffix: str = ".json") -> list[str]:
    """Names (without suffix) of the shipped files of one kind, sorted."""
    return sorted(p.name[: -len(suffix)] for p in _base(kind).iterdir() if p.name.endswith(suffix))
