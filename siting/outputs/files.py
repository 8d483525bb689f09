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

from siting.errors import OutputError


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
