"""One progress protocol for every function of cdam that takes ``progress``.

``progress`` is one of:

- ``True``: a ``tqdm.auto`` bar when tqdm is installed and stderr is a terminal or a
  Jupyter notebook; otherwise nothing (tqdm is an optional extra: without it there is
  simply no bar);
- ``False`` (or ``None``): nothing;
- a callable ``progress(done, total)``: called after each unit of work (a run, a scale, a
  cell) with the units done so far and the total, both ints. ``total`` may grow while the
  work runs when a function adds work it could not foresee (a refined sweep).

Anything else raises :class:`~cdam.errors.ParameterError`. Functions open a
:class:`Progress` with :func:`progress_reporter` and call :meth:`Progress.advance` after
each unit.

Examples
--------
>>> seen = []
>>> with progress_reporter(lambda done, total: seen.append((done, total)), 2, desc="runs") as bar:
...     bar.advance()
...     bar.advance()
>>> seen
[(1, 2), (2, 2)]
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from .errors import ParameterError

__all__ = ["Progress", "check_progress", "progress_reporter"]


def check_progress(progress) -> bool | Callable:
    """``progress`` as the protocol allows it (None means False), or :class:`ParameterError`.

    Examples
    --------
    >>> check_progress(None)
    False
    """
    if progress is None or isinstance(progress, bool):
        return bool(progress)
    if callable(progress):
        return progress
    raise ParameterError(
        f"progress must be True, False or a callable progress(done, total), got {type(progress).__name__}"
    )


def _interactive() -> bool:
    """Whether a bar would be seen: stderr is a terminal, or this is a Jupyter kernel."""
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):  # a replaced or closed stderr
        pass
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def _tqdm_bar(total: int, desc: str, unit: str, initial: int):
    if not _interactive():
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # the optional extra is missing: no bar, as documented
        return None
    return tqdm(total=total, desc=desc, unit=unit, initial=initial)


class Progress:
    """Reports units of work to one ``progress`` argument; see the module docstring.

    Parameters
    ----------
    progress : bool, None or callable
    total : int
        Units of work expected.
    desc, unit : str
        The bar's label and unit name.
    initial : int
        Units already done (work resumed from a file).

    Examples
    --------
    >>> bar = Progress(False, 3)
    >>> bar.advance(2); bar.done
    2
    """

    def __init__(self, progress, total: int, *, desc: str = "", unit: str = "it", initial: int = 0):
        progress = check_progress(progress)
        self.total, self.done = int(total), int(initial)
        self._callback = progress if callable(progress) else None
        self._bar = _tqdm_bar(self.total, desc, unit, self.done) if progress is True else None

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more units done and report them."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        if self._callback is not None:
            self._callback(self.done, self.total)

    def grow(self, n: int) -> None:
        """Expect ``n`` more units than announced."""
        self.total += n
        if self._bar is not None:
            self._bar.total = self.total
            self._bar.refresh()

    def close(self) -> None:
        """Close the bar, if any; callbacks need no closing."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def progress_reporter(progress, total: int, *, desc: str = "", unit: str = "it", initial: int = 0) -> Progress:
    """A :class:`Progress` for ``progress`` (bool, None or ``callable(done, total)``).

    Use it as a context manager so that a bar closes on errors too.

    Examples
    --------
    >>> with progress_reporter(False, 10, desc="cells", unit="cell") as bar:
    ...     bar.advance()
    >>> bar.done
    1
    """
    return Progress(progress, total, desc=desc, unit=unit, initial=initial)
