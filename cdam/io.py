"""Files: atomic writes, npz archives with a JSON header, JSON documents, one version check.

Every cdam file (graphs, models, automata, memory automata) is written through
:func:`atomic_open`: the bytes go to a fresh temporary file in the target's folder, are
flushed and fsynced, and the file is renamed over the target, so a reader sees the old
file or the new one, never a mix. Any error, a full disk or a KeyboardInterrupt included,
removes the temporary file and leaves the previous file as it was. Two saves to one
folder never share a temporary name.

A file names its format and version (``{"format": "cdam.MemoryGraph", "version": 1}``);
:func:`check_format` is the one place that reads them.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .errors import FileFormatError

__all__ = [
    "append_line",
    "append_records",
    "atomic_open",
    "atomic_write",
    "check_format",
    "read_header",
    "read_json",
    "read_npz",
    "write_npz",
]


@contextlib.contextmanager
def atomic_open(path, mode: str = "wb", *, encoding: str = "utf-8") -> Iterator:
    """Open a temporary file that replaces ``path`` when the block ends without error.

    Parameters
    ----------
    path : str or os.PathLike
        The target; its folder must exist.
    mode : {"wb", "w"}
        Binary or text (``encoding``, and ``"\\n"`` line ends on every platform).

    Examples
    --------
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with atomic_open(os.path.join(folder, "a.txt"), "w") as fh:
    ...     _ = fh.write("hello")
    >>> os.listdir(folder)
    ['a.txt']
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}")
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    # not mkstemp: its files are mode 0600, so every saved file ended up unreadable to others;
    # O_EXCL with mode 0666 gives a fresh private name and the permissions the umask asks for
    tmp = os.path.join(folder, f".cdam-{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        text: dict[str, Any] = {"encoding": encoding, "newline": "\n"} if mode == "w" else {}
        with os.fdopen(fd, mode, **text) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    # the rename itself is durable only once the folder is synced (POSIX; Windows cannot open folders)
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, data: bytes | str, *, encoding: str = "utf-8") -> None:
    """Write ``data`` (bytes, or text as ``encoding``) to ``path`` atomically.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "a.json")
    >>> atomic_write(p, '{"x": 1}\\n')
    >>> open(p, "rb").read()
    b'{"x": 1}\\n'
    """
    raw = data.encode(encoding) if isinstance(data, str) else bytes(data)
    with atomic_open(path, "wb") as fh:
        fh.write(raw)


def write_npz(path, arrays: dict) -> None:
    """Write ``arrays`` to ``path`` as an uncompressed ``.npz`` (no pickle), atomically.

    The name is kept as given (``np.savez`` would append ``.npz`` to a name).
    """
    with atomic_open(path, "wb") as fh:
        np.savez(fh, **arrays)


def read_npz(path, names: list[str]) -> dict[str, np.ndarray]:
    """Read the named arrays of a cdam ``.npz`` file, refusing anything that is not one.

    Raises
    ------
    FileFormatError
        If the file is truncated, corrupted, not an archive, or lacks one of ``names``.
        A missing or unreadable file raises the operating system's error unchanged.
    """
    try:
        npz = np.load(os.fspath(path), allow_pickle=False)
        if not isinstance(npz, np.lib.npyio.NpzFile):  # a bare .npy array: no archive, no context manager
            raise FileFormatError(f"{path!s} is not a cdam file: it holds a single array, not an archive")
        with npz:
            missing = [k for k in names if k not in npz.files]
            if missing:
                raise FileFormatError(f"{path!s} is not a cdam file: it lacks {missing}")
            return {k: npz[k] for k in names}
    except FileFormatError:
        raise
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise  # the file is missing or unreadable, not corrupted: say so as the OS did
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, RuntimeError) as exc:
        # RuntimeError (and its NotImplementedError): zipfile on corrupted flags/methods/encryption bits
        raise FileFormatError(f"{path!s} is not a readable cdam file (truncated or corrupted?): {exc}") from None


def read_header(raw: np.ndarray, fmt: str, version: int, path) -> dict:
    """Decode the JSON header array of a cdam ``.npz`` file and check its format and version."""
    try:
        header = json.loads(raw.astype(np.uint8).tobytes().decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"{path!s} has a corrupted header: {exc}") from None
    check_format(header, fmt, version, path)
    return header


def check_format(doc, fmt: str, version: int, source, *, required: bool = True) -> int:
    """Check the ``format`` and ``version`` fields of a file's header ``doc``; return the version.

    Parameters
    ----------
    doc : object
        The decoded header (a dict when the file is one of ours).
    fmt : str
        The expected format name.
    version : int
        The newest version this cdam reads; versions 1 .. ``version`` are accepted.
    source : str or os.PathLike
        The file, for the messages.
    required : bool
        False lets a hand-written file leave both fields out (they then mean ``fmt`` and
        ``version``).

    Raises
    ------
    FileFormatError
        For another format, an invalid version, or a newer version than ``version``.

    Examples
    --------
    >>> check_format({"format": "cdam.x", "version": 1}, "cdam.x", 1, "f")
    1
    >>> check_format({"format": "cdam.x", "version": 3}, "cdam.x", 1, "f")
    Traceback (most recent call last):
    ...
    cdam.errors.FileFormatError: f has format version 3; this cdam reads versions up to 1: upgrade cdam
    """
    if not isinstance(doc, dict) or doc.get("format", None if required else fmt) != fmt:
        found = doc.get("format") if isinstance(doc, dict) else None
        raise FileFormatError(f"{source!s} is not a {fmt} file (format {found!r})")
    v = doc.get("version", None if required else version)
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise FileFormatError(f"{source!s} has an invalid format version {v!r}; the file is corrupted")
    if v > version:
        raise FileFormatError(
            f"{source!s} has format version {v!r}; this cdam reads versions up to {version}: upgrade cdam"
        )
    return v


def read_json(path, *, what: str = "cdam"):
    """The decoded JSON document at ``path``.

    Raises
    ------
    FileFormatError
        If the file cannot be read or is not valid UTF-8 JSON (a torn write, say).
    """
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise FileFormatError(f"cannot read {what} file {os.fspath(path)!r}: {exc.strerror}") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{path!s} is not valid {what} JSON: {exc}") from None
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"{path!s} is not valid {what} JSON ({exc.msg} at line {exc.lineno})") from None


def append_line(fh, line: str | bytes) -> None:
    """Append one whole line to the open binary file ``fh``, then flush and fsync it.

    A line is one record: a crash leaves at most the last line torn, which readers of
    line-based files (the sweep's JSON lines) drop.
    """
    append_records(fh, [line])


def append_records(fh, lines: Iterable[str | bytes]) -> None:
    """Append ``lines`` (no newlines inside) to ``fh`` in one write; flush and fsync once."""
    chunks = []
    for line in lines:
        raw = line.encode("utf-8") if isinstance(line, str) else bytes(line)
        if b"\n" in raw:
            raise ValueError("a record line must not contain a newline")
        chunks.append(raw + b"\n")
    fh.write(b"".join(chunks))
    fh.flush()
    os.fsync(fh.fileno())
