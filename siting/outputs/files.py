"""Atomic writes: every output goes to a temporary name in its folder, then is renamed.

A reader (a browser, QGIS, a colleague's script) never sees a half-written file, and a
failed write leaves the file it would have replaced intact.  :func:`siting.outputs.write_all`
goes one step further and publishes a run's files as one set
(:mod:`siting.outputs.publish`); the helpers here are what every writer calls.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import resource
import signal
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from siting.errors import OutputError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Decimals of every number in the CSV tables: fixed, so that equal inputs give equal bytes,
#: and finer than any figure in them means (a score to 1e-6, a distance to 1 mm).
DECIMALS = 6

#: First characters that make a spreadsheet read a text cell as a formula (OWASP's list for
#: CSV injection): a name such as ``=1+1`` from a data layer must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: (staging folder, folder the user named) while :func:`showing` is active: messages name the
#: file the user will look for, not the hidden folder it is being written in.
_SHOWN: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "siting_outputs_shown", default=None
)


@contextlib.contextmanager
def showing(staging: Path, out: Path) -> Iterator[None]:
    """Within the block, name paths under ``staging`` as the same paths under ``out``.

    Parameters
    ----------
    staging
        The hidden folder a run writes into.
    out
        The output folder the user chose, where the files will be published.
    """
    token = _SHOWN.set((str(staging), str(out)))
    try:
        yield
    finally:
        _SHOWN.reset(token)


def shown(path: Path | str) -> str:
    """``path`` (or a text holding it) as the user should read it (see :func:`showing`)."""
    text = str(path)
    mapping = _SHOWN.get()
    if mapping is not None:
        text = text.replace(mapping[0], mapping[1])
    return text


def _size_limit() -> int | None:
    """The process's file-size limit in bytes (``ulimit -f``), or None when unlimited."""
    soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return None if soft == resource.RLIM_INFINITY else soft


def os_error_message(exc: OSError, path: Path | str, *, doing: str = "write") -> str:
    """One line for a failed file operation: what failed, where, why and what to do.

    Parameters
    ----------
    exc
        The error (its ``errno`` chooses the explanation).
    path
        The file or folder concerned.
    doing
        The operation, as a verb phrase: ``"write"``, ``"create the folder"``, ...
    """
    where = shown(path)
    code = exc.errno
    if code == errno.ENOSPC:
        why, fix = "the disk is full", "free some space or choose another folder with --out"
    elif code == errno.EDQUOT:
        why, fix = (
            "the disk quota is used up",
            "free some space or choose another folder with --out",
        )
    elif code == errno.EFBIG:
        limit = _size_limit()
        why = "the file would exceed the file-size limit" + (
            f" ({limit:,} bytes, `ulimit -f`)" if limit is not None else ""
        )
        fix = "raise the limit (ulimit -f unlimited) or choose another folder with --out"
    elif code in (errno.EACCES, errno.EPERM):
        why, fix = "permission denied", "check the folder's permissions or choose another --out"
    elif code == errno.EROFS:
        why, fix = "the file system is read-only", "choose another folder with --out"
    elif code == errno.EISDIR:
        why, fix = "a folder has that name", "rename or move that folder, or choose another --out"
    elif code == errno.ENOTDIR:
        why, fix = "part of the path is a file, not a folder", "choose another folder with --out"
    else:
        why = exc.strerror or type(exc).__name__
        fix = "check the disk and the folder's permissions, or choose another folder with --out"
    return f"cannot {doing} {where!r}: {why}; {fix}"


@contextlib.contextmanager
def file_size_limit_as_error() -> Iterator[None]:
    """Within the block, a write past the file-size limit fails with EFBIG instead of killing.

    By default the kernel stops a process that writes past ``ulimit -f`` with SIGXFSZ, which
    leaves no message; ignored, the write fails with EFBIG, which :func:`os_error_message`
    explains.  Outside the main thread (where signals cannot be set) nothing changes.
    """
    try:
        previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        changed = True
    except (ValueError, AttributeError):  # not the main thread, or no SIGXFSZ (Windows)
        changed = False
    try:
        yield
    finally:
        if changed:
            # None: the handler was set outside Python, which only the default can be
            signal.signal(signal.SIGXFSZ, previous if previous is not None else signal.SIG_DFL)


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and parents) or raise :class:`OutputError` saying why it cannot be."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        msg = f"cannot create output folder {shown(path)!r}: a file has that name; choose another folder with --out"
        raise OutputError(msg)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = os_error_message(exc, path, doing="create output folder")
        if exc.errno in (errno.EEXIST, errno.ENOTDIR):
            # mkdir's own words ("File exists") hide the cause: a file where a folder should be
            blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), path)
            msg = (
                f"cannot create output folder {shown(path)!r}: {shown(blocker)!r} is a file, "
                "not a folder; choose another folder with --out"
            )
        raise OutputError(msg) from exc
    if not os.access(path, os.W_OK):
        msg = f"output folder {shown(path)!r} is not writable; change its permissions or choose another folder with --out"
        raise OutputError(msg)
    return path


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    The temporary file keeps ``path``'s suffix so that writers that dispatch on
    the extension (pyogrio, matplotlib) behave as for the final name.  A failure to write
    (a full disk, a file-size limit, a folder with the file's name) becomes an
    :class:`OutputError` saying what to do, and leaves no temporary file.
    """
    path = Path(path)
    ensure_dir(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise OutputError(os_error_message(exc, path)) from exc
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # writers such as pyogrio refuse to overwrite an existing file
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except OSError as exc:
        raise OutputError(os_error_message(exc, path)) from exc
    finally:
        with contextlib.suppress(OSError):
            # a writer may leave a file or, for GeoPackage, an SQLite journal beside it
            for leftover in (tmp_path, *(Path(f"{tmp_path}{s}") for s in SQLITE_SIDECARS)):
                leftover.unlink(missing_ok=True)


#: Files SQLite keeps beside a database (a GeoPackage) while it is open or was interrupted.
SQLITE_SIDECARS = ("-journal", "-wal", "-shm")


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return ``path``."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_with(path: Path, writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp)`` to fill a temporary file, then move it to ``path`` atomically."""
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)


@contextlib.contextmanager
def _missing_glyphs_quiet() -> Iterator[None]:
    """Silence matplotlib's notes on missing glyphs (see :func:`save_figure`)."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning
        )
        yield


def save_figure(fig: Figure, target: str | Path | IO[bytes], **kwargs: Any) -> None:
    """``fig.savefig(target, **kwargs)``, without matplotlib's notes on missing glyphs.

    A name in a script the font lacks (a CJK label, say) is drawn as boxes, and matplotlib warns
    once per glyph; the warning says nothing the reader can act on in a siting output, so it is
    silenced here and in :func:`draw_rgba`, where every chart is drawn, and nowhere else.
    """
    with _missing_glyphs_quiet():
        fig.savefig(target, **kwargs)


def draw_rgba(fig: Figure, *, dpi: float) -> np.ndarray:
    """The figure drawn at ``dpi`` on its Agg canvas, as ``savefig`` draws it for a PNG.

    The RGBA pixels, for a writer that re-encodes them anyway (the static map's 256-colour
    PNG): the same pixels as ``savefig`` then decoding its PNG, without the PNG in between.
    """
    original = fig.dpi
    with _missing_glyphs_quiet():
        try:
            fig.dpi = dpi
            canvas = fig.canvas
            canvas.draw()
            return np.asarray(canvas.buffer_rgba()).copy()  # type: ignore[attr-defined]
        finally:
            fig.dpi = original


def _neutral(cell: object) -> object:
    """A text cell that a spreadsheet would run as a formula, prefixed with ``'`` (shown as text)."""
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def csv_text(frame: pd.DataFrame, *, index: bool = False) -> str:
    """The project's CSV format: the one way every table is written.

    Floats are rounded to :data:`DECIMALS` decimals and written in their shortest form
    (``0.5``, not ``0.500000``; ``-0.0`` becomes ``0.0``), missing values as empty cells, line
    ends are Unix, and text cells that a spreadsheet would read as a formula are prefixed with
    ``'``.  Equal frames give equal bytes.

    Parameters
    ----------
    frame
        The table.
    index
        Also write the index (as the first column).

    Returns
    -------
    str
        The CSV text.
    """
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_float_dtype(series.dtype):
            out[col] = series.round(DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
        elif series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[col] = series.map(_neutral)
    if index and (out.index.dtype == object or pd.api.types.is_string_dtype(out.index.dtype)):
        out.index = out.index.map(_neutral)
    return out.to_csv(index=index, lineterminator="\n")


def write_csv(path: Path, frame: pd.DataFrame, *, index: bool = False) -> Path:
    """Write ``frame`` in the project's CSV format (:func:`csv_text`) to ``path``, atomically."""
    return write_text(path, csv_text(frame, index=index))


__all__ = [
    "DECIMALS",
    "SQLITE_SIDECARS",
    "atomic_path",
    "csv_text",
    "ensure_dir",
    "file_size_limit_as_error",
    "os_error_message",
    "showing",
    "shown",
    "write_bytes",
    "write_csv",
    "write_text",
    "write_with",
]
