"""Finding and reading the files ruleops is given, on any file system a pull request builds.

Two rules hold for every rule, fixture and configuration file:

- only a regular file is read, and never more than a limit: a named pipe would block the
  run and a device (`/dev/zero`) would fill memory. The file is opened without blocking and
  checked on the open descriptor, so a file swapped between the check and the read is
  caught too;
- nothing under a checked folder is skipped without a word: an entry that looks like a rule
  file but cannot be read (a broken or looping symbolic link, a pipe named `x.toml`) and a
  folder that cannot be listed are handed on like any file, and reading them says why.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path


class Unreadable(Exception):
    """A path that is not a regular file ruleops can read; the message says why."""

    def __init__(self, message: str, hint: str = "check the path and permissions") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_file(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at `path`; Unreadable when it is something else,
    cannot be opened, or holds more than `limit` bytes (then it is not read at all)."""
    try:
        # Checked before opening: opening a device can have effects of its own.
        _refuse_special(path, os.stat(path))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise Unreadable(_why(path, error)) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        _refuse_special(path, info)  # the file may have been swapped since the check above
        if info.st_size > limit:
            raise Unreadable(*_too_large(info.st_size, limit))
        try:
            data = handle.read(limit + 1)
        except OSError as error:
            raise Unreadable(_why(path, error)) from None
    if len(data) > limit:  # grown while being read
        raise Unreadable(*_too_large(len(data), limit))
    return data


def _refuse_special(path: Path, info: os.stat_result) -> None:
    if stat.S_ISREG(info.st_mode):
        return
    kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
    if stat.S_ISDIR(info.st_mode):
        try:
            os.scandir(path).close()
        except OSError as error:
            raise Unreadable(
                f"folder cannot be listed ({_reason(error)}); no file in it was checked"
            ) from None
    raise Unreadable(f"{kind}, not a regular file: it was not read", "give the path of a rule file")


def _too_large(size: int, limit: int) -> tuple[str, str]:
    return (
        f"file is {size / 1024 / 1024:.1f} MB, more than the {limit / 1024 / 1024:g} MB "
        "ruleops reads",
        "check that this is the file you meant; it was not read",
    )


def _why(path: Path, error: OSError) -> str:
    if error.errno in (errno.ENOENT, errno.ELOOP) and os.path.islink(path):
        target = os.readlink(path)
        if error.errno == errno.ELOOP:
            return f"symbolic link loop (links to {target!r}, which leads back to itself)"
        return f"broken symbolic link: its target {target!r} does not exist"
    return f"cannot read file: {_reason(error)}"


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def written_mode(path: Path) -> int:
    """The mode for a file written over `path` through a temporary file: the file's own,
    else what the umask gives a new file (mkstemp's 0600 would hide a SARIF report from the
    CI step, often another user, that uploads it)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0o022)  # the only portable way to read it: set it and set it back
        os.umask(umask)
        return 0o666 & ~umask


def real_path(path: Path) -> Path:
    """`path` with every link resolved, as far as it resolves: `Path.resolve` raises on a
    looping link, which is a file to report, not a reason to stop."""
    return Path(os.path.realpath(path))


class RealPaths:
    """`real_path` for the many paths of one walk: each folder's real path is worked out
    once, and a file that is no link is its folder's real path and its name (one `lstat`
    instead of one per component of the path). Kept for one walk only: links may change
    between runs."""

    def __init__(self) -> None:
        self._known: dict[Path, Path] = {}

    def __call__(self, path: Path) -> Path:
        known = self._known.get(path)
        if known is None:
            name = path.name
            if name in ("", ".", "..") or os.path.islink(path):
                known = real_path(path)
            else:
                known = self(path.parent) / name
            self._known[path] = known
        return known


def toml_files(
    folder: Path,
    enter: Callable[[Path], bool] | None = None,
    real: Callable[[Path], Path] = real_path,
) -> Iterator[Path]:
    """Every `*.toml` under `folder`, sorted, following links to folders (each real folder
    once) into the subfolders `enter` accepts (default: all). Entries named `*.toml` that
    are not regular files, and folders that cannot be listed, are yielded as well: reading
    them (`read_file`) says why they were not used. `real` resolves links (a `RealPaths`
    shared with the caller's own lookups saves their cost)."""
    found: list[Path] = []
    walked: set[Path] = set()
    pending = [folder]
    while pending:
        current = pending.pop()
        real_folder = real(current)
        if real_folder in walked:
            continue  # a link back to a folder already walked: none of its files is missed
        walked.add(real_folder)
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except OSError:
            found.append(current)
            continue
        for entry in entries:
            path = current / entry.name
            if _is_dir(entry):
                if enter is None or enter(path):
                    pending.append(path)
            elif entry.name.endswith(".toml"):
                found.append(path)
    return iter(sorted(found))


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()  # follows links; a broken or looping link is not a folder
    except OSError:
        return False


def display_path(path: Path) -> str:
    """`path` relative to the current folder where it lies below it; links are not
    resolved, so a link is shown under its own name."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except ValueError:
        return str(path)
