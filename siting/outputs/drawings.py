"""Figures drawn in a second process while this one writes the rest of a run's outputs.

Drawing is most of the time a run spends writing: the static map once per language (for
``map.png`` and the report) and the one-at-a-time chart.  The tables, the GeoPackage, the page
and the workbook need none of them.  On Linux a forked child inherits the run in memory (nothing
is pickled on the way in), draws the figures it is given and sends their bytes back through a
pipe, while the parent writes everything else; on two cores the figures then cost little more
than the slowest of the two halves.

The parent still writes every file itself, atomically, in the order it did: the child writes no
file, takes no lock and leaves with :func:`os._exit` (no ``atexit`` handler, no clean-up of the
parent's temporary folders runs in it).  Where forking is not available (not Linux), could be
unsafe (Python 3.12 or later with other threads running), or the child fails, the parent draws
each figure itself when it needs it: the same function, so the same bytes either way.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import BinaryIO

__all__ = ["Drawings", "can_fork"]

Draw = Callable[[], bytes]


def can_fork() -> bool:
    """Whether figures may be drawn in a forked child here.

    Linux only (``fork`` is the platform's own way to start a process there; macOS frameworks
    are not fork-safe), and not with other threads running on Python 3.12 or later (which
    deprecates it: a lock held by another thread would stay held in the child forever).
    """
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    if os.environ.get("SITING_DRAW_INLINE"):
        return False
    return sys.version_info < (3, 12) or threading.active_count() == 1


class Drawings:
    """Figures drawn ahead in a forked child, read back by name.

    Use as a context manager around the writing: leaving it ends the child (if the writing
    stopped early) and collects it.

    Parameters
    ----------
    jobs
        Name → a function drawing the figure and returning its bytes.  Each is called in the
        child, or in this process by :meth:`get` when the child could not draw it.

    Examples
    --------
    >>> with Drawings({"a": lambda: b"png"}) as drawings:
    ...     drawings.get("a")
    b'png'
    """

    def __init__(self, jobs: Mapping[str, Draw]) -> None:
        self.jobs = dict(jobs)
        self._pid: int | None = None
        self._pipe: BinaryIO | None = None
        self._done: dict[str, bytes] = {}
        #: Seconds the child spent drawing each figure it sent.
        self.seconds: dict[str, float] = {}
        if self.jobs and can_fork():
            self._start()

    def _start(self) -> None:
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # pragma: no cover - out of processes or memory: draw here instead
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # pragma: no cover - the child (coverage does not follow a fork)
            code = 1
            try:
                os.close(read)
                # Ctrl-C stops the parent, which then ends the child: it has nothing to clean.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                with os.fdopen(write, "wb") as pipe:
                    # one frame per figure as soon as it is drawn: its length, then its name and
                    # bytes pickled, so that the parent can go on before the last is drawn
                    for name, job in self.jobs.items():
                        start = time.perf_counter()
                        data = job()
                        frame = pickle.dumps((name, data, time.perf_counter() - start))
                        pipe.write(len(frame).to_bytes(8, "little") + frame)
                        pipe.flush()
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self._pid, self._pipe = pid, os.fdopen(read, "rb")

    def _next(self) -> bool:
        """Read the child's next figure into :attr:`_done`; False at the end (or a failure)."""
        if self._pipe is None:
            return False
        head = self._pipe.read(8)
        frame = self._pipe.read(int.from_bytes(head, "little")) if len(head) == 8 else b""
        item = pickle.loads(frame) if frame else None
        if isinstance(item, tuple) and len(item) == 3 and isinstance(item[1], bytes):
            self._done[str(item[0])] = item[1]
            self.seconds[str(item[0])] = float(item[2])
            return True
        # the end: the child has sent everything it drew (or failed); collect it
        self.close(stop=False)
        return False

    def get(self, name: str) -> bytes:
        """The figure ``name``: the child's bytes, or drawn here when the child has none."""
        while name not in self._done and self._next():
            pass
        found = self._done.get(name)
        return found if found is not None else self.jobs[name]()

    def close(self, *, stop: bool = True) -> None:
        """Collect the child; with ``stop``, end it first if it is still drawing."""
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
        if self._pid is not None:
            if stop:
                with contextlib.suppress(ProcessLookupError):  # it had just exited
                    os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None

    def __enter__(self) -> Drawings:
        """Start drawing (already started by the constructor)."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """End and collect the child."""
        self.close()
