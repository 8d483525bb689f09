"""Atomic writes: every output goes to a temporary name in its folder, then is renamed.

A reader (a browser, QGIS, a colleague's script) never sees a half-written file,
and a failed run leaves the previous outputs intact.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from siting.errors import OutputError

#: Decimals of every number in the CSV tables: fixed, so that equal inputs give equal bytes,
#: and finer than any figure in them means (a score to 1e-6, a distance to 1 mm).
DECIMALS = 6

#: First characters that make a spreadsheet read a text cell as a formula (OWASP's list for
#: CSV injection): a name such as ``=1+1`` from a data layer must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and parents) or raise :class:`OutputError` saying why it cannot be."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = f"cannot create output folder {str(path)!r}: {exc.strerror}; choose another folder with --out"
        raise OutputError(msg) from exc
    if not os.access(path, os.W_OK):
        msg = f"output folder {str(path)!r} is not writable; choose another folder with --out"
        raise OutputError(msg)
    return path


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    The temporary file keeps ``path``'s suffix so that writers that dispatch on
    the extension (pyogrio, matplotlib) behave as for the final name.
    """
    path = Path(path)
    ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # writers such as pyogrio refuse to overwrite an existing file
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except OSError as exc:
        msg = f"cannot write {str(path)!r}: {exc.strerror}; check the disk and the folder's permissions"
        raise OutputError(msg) from exc
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


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
    "atomic_path",
    "csv_text",
    "ensure_dir",
    "write_bytes",
    "write_csv",
    "write_text",
    "write_with",
]
