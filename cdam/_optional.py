"""Optional dependencies: import on first use, or say which extra installs them."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependencyError

__all__ = ["require"]


def require(module: str, extra: str, feature: str | None = None) -> ModuleType:
    """Import ``module``, or raise :class:`~cdam.errors.MissingDependencyError` naming the extra.

    Parameters
    ----------
    module : str
        Importable name (``"matplotlib.pyplot"``, ``"torch_geometric"``).
    extra : str
        The cdam extra that installs it (``"plot"``, ``"pyg"``, ...).
    feature : str, optional
        What needs it, for the message (defaults to ``module``).

    Examples
    --------
    >>> require("math", extra="none").sqrt(4.0)
    2.0
    >>> require("no_such_module_xyz", extra="plot", feature="plots")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cdam.errors.MissingDependencyError: plots needs no_such_module_xyz, ...: pip install 'cdam[plot]'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise MissingDependencyError(
            f"{feature or module} needs {top}, which is not installed: pip install 'cdam[{extra}]'"
        ) from exc
