"""Publishing a run's outputs as one set: ``--out`` holds the previous run or this one, never a mix.

Every file of a run is written into a hidden folder beside ``--out`` and the two folders
are then swapped in one step, so a reader (and a run stopped by SIGKILL, a full disk or a
file-size limit) sees either the complete previous set or the complete new one.  With
``P`` the parent folder of ``--out`` and ``name`` its name, a run:

1. locks ``P/.name.siting-lock`` (:func:`fcntl.flock`): a second run into the same folder
   waits for the first; the kernel drops the lock of a process that dies;
2. recovers from a run that was stopped (see below);
3. writes every output into ``P/.name.siting-new-XXXXXXXX`` (same file system as ``--out``);
4. checks the set against ``--out``: no output may replace an input of the study, nor a file
   this tool did not write (or that was changed since: its SHA-256 no longer matches the
   previous ``manifest.json``), nor a folder or a link;
5. carries over everything in ``--out`` that is not one of this tool's files (a user's notes,
   a subfolder, a changed table whose name this run no longer writes), as hard links;
6. swaps the two folders with ``renameat2(RENAME_EXCHANGE)``; where the system cannot (not
   Linux, an old kernel, some network file systems) it renames ``--out`` aside to
   ``P/.name.siting-old-XXXXXXXX`` and the new folder in: ``--out`` is then missing for an
   instant, and a run stopped in that instant is completed by the next one;
7. retires the previous set (``P/.name.siting-old-XXXXXXXX``): anything in it that is
   neither this tool's nor already in the new folder is moved over, then it is deleted.

Recovery (step 2, and on any failure of this run) deletes unfinished ``new`` folders,
retires ``old`` ones, and when ``--out`` is missing puts back the set the interrupted swap
was installing.  What is deleted is only this tool's: its files that still match their
recorded hash, the hidden folders above, and the journals SQLite leaves beside a
GeoPackage (``results.gpkg-wal``, ``-shm``: a reader's, and wrong beside a new file).  A
user's entries are carried over as hard links, so deleting the old folder's links loses
nothing.  The lock file stays beside ``--out`` (removing it would let a waiting run and a
new one both hold a lock).

Where a swap would be wrong the run writes **in place** instead: when the parent folder is
not writable, when ``--out`` is a mount point (a container volume), when the current
folder is inside ``--out`` (the shell that started the run would be left in a deleted
folder), or when ``--out`` holds more than :data:`CARRY_LIMIT` entries of other files or
ones that cannot be hard-linked (a project folder, another device).  Other processes whose
current folder is ``--out`` (a second shell, a local web server) do end up in the deleted
previous folder after a swap; ``cd .`` brings a shell back.  The set is then staged in
``--out/.siting-new-XXXXXXXX``, renamed to ``.siting-ready-XXXXXXXX`` once complete and
checked, and its files are moved in one by one: the previous ``manifest.json`` first out,
the new one last.  A reader sees no ``manifest.json`` while the files change, and a run
stopped meanwhile is completed by the next run into the folder; this mode is atomic file
by file, not as a set.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Literal

from siting.errors import OutputError
from siting.outputs.files import SQLITE_SIDECARS, ensure_dir, os_error_message, showing
from siting.outputs.manifest import MANIFEST, recorded_outputs, sha256

#: Seconds a run waits for another run into the same folder before giving up with a message.
LOCK_TIMEOUT_S = 600.0

#: Most entries (counted through subfolders) carried over into a swapped folder; a folder
#: with more of someone else's files is written in place rather than rebuilt.
CARRY_LIMIT = 1000

#: Where the in-place mode keeps the manifest it replaces, for the roll-forward to know
#: which of the previous files were this tool's.
_PREVIOUS_MANIFEST = ".previous-manifest.json"

_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100  # linux/fcntl.h


class _CannotCarryError(Exception):
    """An entry of ``--out`` cannot be carried over into a new folder (too many, special)."""


class Publication:
    """A run's output folder while its new set is written, checked and published.

    Use as a context manager: entering takes the lock, recovers from a stopped run and
    creates :attr:`staging`; the writers fill :attr:`staging`; :meth:`publish` makes it the
    content of ``--out``.  Leaving without :meth:`publish` (an error, Ctrl-C) discards the
    staged files and leaves ``--out`` as it was.

    Parameters
    ----------
    out
        The output folder the user chose (created if needed; a link to a folder is
        followed, so the link keeps pointing at the published set).

    Attributes
    ----------
    out
        ``out``, absolute, links resolved.
    staging
        The hidden folder to write the outputs into (set on entering).
    mode
        ``"swap"`` (the set changes in one step) or ``"in_place"`` (file by file; see the
        module's notes for when and why).
    """

    def __init__(self, out: str | Path) -> None:
        self.given = Path(out)
        self.out = Path(os.path.realpath(out))
        self.parent = self.out.parent
        self.name = self.out.name
        self.staging = self.out
        self.mode: Literal["swap", "in_place"] = "swap"
        self._token = ""
        self._published = False
        self._stack = contextlib.ExitStack()

    # -- entering: folder, lock, recovery, staging ------------------------------------------

    def __enter__(self) -> Publication:
        """Lock the folder, recover from a stopped run and create the staging folder."""
        if not self.name:
            msg = f"--out {str(self.given)!r} is the root folder; choose a folder under it"
            raise OutputError(msg)
        if os.path.lexists(self.out) and not self.out.is_dir():
            msg = (
                f"cannot create output folder {str(self.given)!r}: a file has that name; "
                "choose another folder with --out"
            )
            raise OutputError(msg)
        if not self.parent.is_dir():
            ensure_dir(self.parent)
        if self.out.is_dir() and not os.access(self.out, os.W_OK | os.X_OK):
            msg = (
                f"output folder {str(self.given)!r} is not writable; change its permissions "
                "or choose another folder with --out"
            )
            raise OutputError(msg)
        if not _writable(self.parent):
            # neither the lock nor a new folder can go beside it: work inside (in place)
            ensure_dir(self.out)
        try:
            self._lock()
            self._recover()
            self.mode = self._choose()
            self.staging = self._make_staging()
            self._stack.enter_context(showing(self.staging, self.out))
        except BaseException:
            self._stack.close()
            raise
        return self

    def _lock(self) -> None:
        """Take the folder's lock, waiting (with a note) while another run holds it."""
        if _writable(self.parent):
            path = self.parent / f".{self.name}.siting-lock"
        else:
            path = self.out / ".siting-lock"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise OutputError(os_error_message(exc, path, doing="create the lock file")) from exc
        self._stack.callback(os.close, fd)  # closing releases the lock
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            print(
                f"note: another siting run{holder} is writing into {str(self.given)!r}; "
                "waiting for it to finish",
                file=sys.stderr,
                flush=True,
            )
            deadline = time.monotonic() + LOCK_TIMEOUT_S
            while True:
                time.sleep(0.05)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        msg = (
                            f"another siting run{holder} has been writing into "
                            f"{str(self.given)!r} for over {LOCK_TIMEOUT_S:.0f} s; wait for "
                            "it to finish or stop it, or choose another folder with --out"
                        )
                        raise OutputError(msg) from None
        with contextlib.suppress(OSError):  # the pid is only for the note; a full disk is fine
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)

    def _choose(self) -> Literal["swap", "in_place"]:
        """Swap the whole folder unless that would be wrong here (see the module's notes)."""
        if not os.path.lexists(self.out):
            return "swap"
        if not _writable(self.parent) or _is_mount_point(self.out) or _cwd_inside(self.out):
            return "in_place"
        return "swap"

    def _make_staging(self) -> Path:
        """The hidden folder the outputs are written into."""
        folder, prefix = self._where()
        try:
            staging = Path(tempfile.mkdtemp(prefix=f"{prefix}new-", dir=folder))
        except OSError as exc:
            msg = os_error_message(exc, folder, doing="create a temporary folder in")
            raise OutputError(msg) from exc
        self._token = staging.name[len(prefix) + len("new-") :]
        return staging

    def _where(self) -> tuple[Path, str]:
        """Folder and name prefix of this run's staging folder."""
        if self.mode == "swap":
            return self.parent, f".{self.name}.siting-"
        return self.out, ".siting-"

    # -- recovery -----------------------------------------------------------------------------

    def _leftovers(self) -> list[tuple[str, Path]]:
        """(kind, folder) of every staging, ready or retired folder of this output folder."""
        found: list[tuple[str, Path]] = []
        places = [(self.parent, f".{self.name}.siting-"), (self.out, ".siting-")]
        for folder, prefix in places:
            pattern = re.compile(re.escape(prefix) + r"(new|old|ready)-[A-Za-z0-9_]+")
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                continue
            for entry in names:
                match = pattern.fullmatch(entry)
                path = folder / entry
                if match and path.is_dir() and not path.is_symlink():
                    found.append((match[1], path))
        return found

    def _recover(self) -> None:
        """Bring the folder back to one complete set after a stopped run (see module notes)."""
        leftovers = self._leftovers()
        if not os.path.lexists(self.out):
            # stopped between renaming the previous set aside and the new one in: the new
            # set was complete (the rename only starts then), so install it
            for kind, old in leftovers:
                if kind != "old":
                    continue
                new = old.with_name(old.name.replace("-old-", "-new-", 1))
                for source in (new, old):
                    if source.is_dir():
                        with contextlib.suppress(OSError):
                            os.rename(source, self.out)
                            break
                if os.path.lexists(self.out):
                    break
        for kind, path in leftovers:
            if not path.exists():
                continue
            if kind == "ready":
                _roll_forward(path, self.out)
            elif kind == "old" and self.out.is_dir():
                _retire(path, self.out)
            elif kind == "new":
                _remove(path)

    # -- checks -------------------------------------------------------------------------------

    def survey(self, names: Iterable[str], inputs: Iterable[Path]) -> tuple[list[str], list[str]]:
        """What stops the set from being published, and what in ``--out`` is someone else's.

        Parameters
        ----------
        names
            File names of the new set.
        inputs
            The study's input files (criteria file, layers, ...).

        Returns
        -------
        problems
            One message per output that would replace an input of the study, a file this
            tool did not write (or that was changed since), a folder or a link.
        carry
            Names of the entries of ``--out`` that are not this tool's files: they stay.
        """
        names = list(dict.fromkeys(names))
        sources = list(inputs)
        problems: list[str] = []
        clash: set[str] = set()
        shown_out = repr(str(self.given))
        for name in names:
            for source in sources:
                if _same_file(self.out / name, source):
                    problems.append(
                        f"--out {shown_out} holds the study's input {str(source)!r} under the "
                        f"output name {name!r}: writing there would replace it; choose "
                        "another folder with --out (one that holds no input of the study)"
                    )
                    clash.add(name)
        if not self.out.is_dir():
            return problems, []
        previous = recorded_outputs(self.out / MANIFEST)
        owned = {*(previous or {}), *names, MANIFEST}
        carry: list[str] = []
        for entry in sorted(os.listdir(self.out)):
            if entry in clash or _internal(entry):
                continue
            if entry in names:
                why = _foreign(self.out / entry, previous)
                if why is not None:
                    problems.append(f"--out {shown_out} holds {why}")
            elif not (_ours(self.out / entry, previous) or _derived(entry, owned)):
                carry.append(entry)
        return problems, carry

    def refuse(self, names: Iterable[str], inputs: Iterable[Path]) -> None:
        """Raise :class:`OutputError` with every problem :meth:`survey` finds, if any."""
        problems, _ = self.survey(names, inputs)
        if problems:
            raise OutputError(problems)

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, written: Mapping[str, Path], inputs: Iterable[Path]) -> None:
        """Make the staged files the content of ``--out``, as one set (see module notes).

        Parameters
        ----------
        written
            Output name → its path in :attr:`staging`, the manifest among them.
        inputs
            The study's input files: none may be replaced.

        Raises
        ------
        OutputError
            An output would replace an input or someone else's file, or the disk failed;
            ``--out`` is then unchanged.
        """
        for name, path in written.items():
            if Path(path) != self.staging / name:
                msg = f"output {name!r} was written to {str(path)!r}, outside the staging folder"
                raise ValueError(msg)
        problems, carry = self.survey(written, inputs)
        if problems:
            raise OutputError(problems)
        for name in written:
            try:
                # a full disk may only show when the data reach it (delayed allocation)
                _fsync(self.staging / name)
            except OSError as exc:
                raise OutputError(os_error_message(exc, self.staging / name)) from exc
        try:
            _fsync(self.staging)
            if self.mode == "swap" and self._carry(carry):
                _match_folder(self.staging, self.out)
                self._swap()
            else:
                self._in_place()
        except OSError as exc:
            msg = os_error_message(exc, self.given, doing="publish the outputs in")
            raise OutputError(msg) from exc

    def _carry(self, entries: list[str]) -> bool:
        """Hard-link ``entries`` of ``--out`` into the staging folder; False if they cannot be."""
        count = 0

        def tick() -> None:
            nonlocal count
            count += 1
            if count > CARRY_LIMIT:
                raise _CannotCarryError

        try:
            for entry in entries:
                _link_tree(self.out / entry, self.staging / entry, tick)
        except (_CannotCarryError, OSError):
            for entry in entries:
                _remove(self.staging / entry)
            return False
        return True

    def _swap(self) -> None:
        """Exchange the staging folder and ``--out``, then retire the previous set."""
        old = self.parent / f".{self.name}.siting-old-{self._token}"
        if not os.path.lexists(self.out):
            os.rename(self.staging, self.out)
            self._published = True
            _fsync(self.parent)
            return
        if _exchange(self.staging, self.out):
            self._published = True
            # the staging name now holds the previous set: name it as retired, so that a
            # stopped run's recovery moves over anything of the user's in it
            with contextlib.suppress(OSError):
                os.rename(self.staging, old)
        else:
            os.rename(self.out, old)
            os.rename(self.staging, self.out)
            self._published = True
        with contextlib.suppress(OSError):
            _fsync(self.parent)
            _retire(old, self.out)

    def _in_place(self) -> None:
        """Mark the staged set complete, then move its files into ``--out`` one by one."""
        ready = self.staging.with_name(self.staging.name.replace("-new-", "-ready-", 1))
        os.rename(self.staging, ready)
        self.staging = ready
        # from here on, recovery completes the switch instead of undoing it
        self._published = True
        _roll_forward(ready, self.out)

    # -- leaving ------------------------------------------------------------------------------

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Discard an unpublished set (or finish an interrupted switch), release the lock."""
        try:
            if exc_type is not None or not self._published:
                with contextlib.suppress(OSError):
                    self._recover()
        finally:
            self._stack.close()


# -- helpers ------------------------------------------------------------------------------------


def _writable(folder: Path) -> bool:
    """Whether entries can be created and renamed in ``folder``."""
    return os.access(folder, os.W_OK | os.X_OK)


def _read_pid(fd: int) -> str:
    """`` (pid N)`` from a lock file, or an empty string."""
    with contextlib.suppress(OSError, ValueError):
        pid = int(os.pread(fd, 32, 0).decode().strip())
        return f" (pid {pid})"
    return ""


def _is_mount_point(path: Path) -> bool:
    """Whether ``path`` is a mount point, bind mounts included (which ismount misses)."""
    if os.path.ismount(path):
        return True
    try:
        table = Path("/proc/self/mountinfo").read_text(errors="surrogateescape")
    except OSError:
        return False
    target = str(path)
    for line in table.splitlines():
        fields = line.split(" ")
        # field 5 is the mount point, with space, tab, newline and backslash octal-escaped
        if len(fields) > 4 and re.sub(r"\\([0-7]{3})", _octal, fields[4]) == target:
            return True
    return False


def _octal(match: re.Match[str]) -> str:
    return chr(int(match[1], 8))


def _cwd_inside(path: Path) -> bool:
    """Whether this process's current folder is ``path`` or under it."""
    try:
        return Path.cwd().resolve().is_relative_to(path)
    except OSError:  # the current folder was deleted
        return False


def _internal(entry: str) -> bool:
    """Whether an entry of ``--out`` is the in-place mode's lock or staging folder."""
    return (
        entry == ".siting-lock" or re.fullmatch(r"\.siting-(new|old|ready)-\w+", entry) is not None
    )


def _same_file(a: Path, b: Path) -> bool:
    """Whether writing ``a`` would replace ``b`` (same path once links are resolved, or same file)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _ours(path: Path, previous: Mapping[str, str] | None) -> bool:
    """Whether ``path`` is a file this tool wrote and nobody changed since (or its manifest)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode):
        return False
    if path.name == MANIFEST:
        return recorded_outputs(path) is not None
    if previous is None or path.name not in previous:
        return False
    try:
        return sha256(path) == previous[path.name]
    except OSError:
        return False


def _foreign(path: Path, previous: Mapping[str, str] | None) -> str | None:
    """Why ``path`` (where an output goes) must not be replaced, or None if it may be."""
    name = path.name
    info = os.lstat(path)
    if stat.S_ISDIR(info.st_mode):
        return (
            f"a folder named {name!r}, the name of an output; rename or move that folder, "
            "or choose another folder with --out"
        )
    if stat.S_ISLNK(info.st_mode):
        return (
            f"a link named {name!r}, the name of an output; remove or rename the link, or "
            "choose another folder with --out"
        )
    if _ours(path, previous):
        return None
    if name == MANIFEST:
        why = "a manifest.json that siting did not write"
    elif previous is None or name not in previous:
        why = f"{name!r}, which siting did not write (the folder's manifest.json does not list it)"
    else:
        why = (
            f"{name!r}, changed since siting wrote it (its SHA-256 differs from the one in "
            "manifest.json)"
        )
    return f"{why}; move or rename it to keep it, or choose another folder with --out"


@functools.cache
def _derived_pattern(names: frozenset[str]) -> re.Pattern[str]:
    """Names of by-products of the outputs ``names`` (see :func:`_derived`)."""
    bases: list[str] = []
    temporaries: list[str] = []
    for name in sorted(names):
        stem, dot, suffix = name.rpartition(".")
        stem, suffix = (stem, dot + suffix) if dot and stem else (name, "")
        bases.append(re.escape(name))
        # files.atomic_path's temporary name: .<stem>.<8 random characters><suffix>
        temporaries.append(rf"\.{re.escape(stem)}\.[a-z0-9_]{{8}}{re.escape(suffix)}")
    sidecars = "|".join(re.escape(s) for s in SQLITE_SIDECARS)
    any_base = "|".join(bases + temporaries)
    return re.compile(rf"(?:{any_base})(?:{sidecars})|(?:{'|'.join(temporaries)})")


def _derived(entry: str, names: Iterable[str]) -> bool:
    """Whether ``entry`` is a by-product of the outputs ``names`` (never a user's own file).

    The temporary file of an atomic write that was stopped, and the files SQLite keeps
    beside a database.  SQLite keeps ``results.gpkg-wal`` and ``-shm`` beside a GeoPackage a reader (QGIS) has
    open; beside a new ``results.gpkg`` such a file would be applied to the wrong database.
    """
    return _derived_pattern(frozenset(names)).fullmatch(entry) is not None


def _link_tree(source: Path, target: Path, tick: Callable[[], None]) -> None:
    """Recreate ``source`` at ``target`` with hard links (files), copies (links) and folders."""
    tick()
    info = os.lstat(source)
    if stat.S_ISLNK(info.st_mode):
        os.symlink(os.readlink(source), target)
    elif stat.S_ISREG(info.st_mode):
        os.link(source, target, follow_symlinks=False)
    elif stat.S_ISDIR(info.st_mode):
        os.mkdir(target, 0o700)
        for entry in sorted(os.listdir(source)):
            _link_tree(source / entry, target / entry, tick)
        _match_mode(target, info)
    else:
        raise _CannotCarryError  # a socket, a pipe or a device: nothing to link


def _match_mode(path: Path, info: os.stat_result) -> None:
    """Give ``path`` the permissions (and, where allowed, the owner) of ``info``."""
    os.chmod(path, stat.S_IMODE(info.st_mode))
    if (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
        with contextlib.suppress(OSError):  # only root may give a file away
            os.chown(path, info.st_uid, info.st_gid)


def _match_folder(staging: Path, out: Path) -> None:
    """Give the new folder the permissions of the one it replaces (mkdtemp makes it 0700)."""
    try:
        _match_mode(staging, os.stat(out))
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(staging, 0o777 & ~mask)


def _fsync(path: Path) -> None:
    """Flush a file's or a folder's data to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2``); False where the system cannot."""
    func = _renameat2()
    if func is None:
        return False
    if func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """The C library's ``renameat2``, or None (not Linux, or a C library without it)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        func = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


def _remove(path: Path) -> None:
    """Delete a file, a link or a folder tree (a missing one is fine)."""
    if not os.path.lexists(path):
        return
    if not path.is_dir() or path.is_symlink():
        path.unlink(missing_ok=True)
        return
    try:
        shutil.rmtree(path)
    except OSError:
        # a read-only subfolder (carried over from the user's) keeps its entries: open it up
        for root, dirs, _ in os.walk(path):
            for d in dirs:
                sub = os.path.join(root, d)
                if not os.path.islink(sub):
                    os.chmod(sub, stat.S_IRWXU)
        shutil.rmtree(path)


def _retire(old: Path, out: Path) -> None:
    """Delete a previous set, first moving into ``out`` anything in it that is not this tool's.

    Everything of the user's was carried over before the swap; what is still only here
    appeared during the switch (or the run stopped before carrying it), and is kept.
    """
    previous = recorded_outputs(old / MANIFEST)
    owned = {*(previous or {}), MANIFEST}
    kept = False
    for entry in sorted(os.listdir(old)):
        if os.path.lexists(out / entry):
            continue  # carried over, or replaced by the new set's file
        if _ours(old / entry, previous) or _derived(entry, owned):
            continue
        try:
            os.rename(old / entry, out / entry)
        except OSError:
            kept = True
    if not kept:
        _remove(old)


def _roll_forward(ready: Path, out: Path) -> None:
    """Move a complete, checked set from ``ready`` into ``out`` (in-place mode); idempotent.

    The previous manifest leaves first (kept in ``ready`` to know which files were this
    tool's), the new one arrives last: while files change, ``out`` has no manifest.json.
    """
    incoming = ready / MANIFEST
    kept = ready / _PREVIOUS_MANIFEST
    if incoming.exists():
        names = recorded_outputs(incoming) or {}
        out.mkdir(exist_ok=True)
        current = out / MANIFEST
        if not kept.exists() and recorded_outputs(current) is not None:
            os.replace(current, kept)
        previous = recorded_outputs(kept) or {}
        for name in names:
            if (ready / name).exists():
                os.replace(ready / name, out / name)
        for name, digest in previous.items():
            if name not in names and _ours(out / name, {name: digest}):
                (out / name).unlink()
        os.replace(incoming, current)
        with contextlib.suppress(OSError):
            _fsync(out)
    _remove(ready)


__all__ = ["CARRY_LIMIT", "LOCK_TIMEOUT_S", "Publication"]
