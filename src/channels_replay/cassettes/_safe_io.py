"""Opening the user's files safely: only regular files are read, no link is written through.

A named pipe opened for reading blocks until a writer comes, and a device or a directory
is no cassette, so the path is opened without blocking and its type checked on the open
descriptor (no window between a check and the open) before a byte is read.

A cassette written to a path that is a symbolic link would overwrite whatever the link
points at, so outputs are opened with `O_NOFOLLOW` (or replaced by a rename, which
replaces a link rather than following it, after refusing one), and the directories
created for them are private (0o700): cassettes hold what users sent.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

from channels_replay.cassettes._problems import describe_target
from channels_replay.errors import CassetteError

__all__ = [
    "DIRECTORY_MODE",
    "FILE_MODE",
    "NO_FOLLOW",
    "make_private_dirs",
    "open_private_for_writing",
    "open_regular_file",
    "refuse_symlink",
]

DIRECTORY_MODE = 0o700
"""Directories created for cassettes: their owner's only."""
NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
FILE_MODE = 0o600
"""Cassette files are readable by their owner only: they hold what users sent."""

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind_of(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "a special file"


def open_regular_file(path: str | os.PathLike[str], what: str = "cassette") -> BinaryIO:
    """`path` opened for binary reading; `CassetteError` unless it is a regular file."""
    name = describe_target(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise CassetteError(f"{name}: cannot open the {what}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise CassetteError(
                f"{name}: cannot open the {what}: it is {_kind_of(mode)}, not a regular "
                f"file; give the path of a {what} file"
            )
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def refuse_symlink(path: str | os.PathLike[str], what: str = "cassette") -> None:
    """`CassetteError` when `path` is a symbolic link: outputs are never written through one."""
    if os.path.islink(path):
        raise CassetteError(_link_message(describe_target(path), what))


def _link_message(name: str, what: str) -> str:
    return (
        f"{name}: is a symbolic link, and channels-replay does not write a {what} through "
        "one (it would overwrite what the link points at): remove the link or give another path"
    )


def make_private_dirs(directory: str | os.PathLike[str]) -> None:
    """Create `directory` and its missing parents, each with mode 0o700."""
    missing = []
    current = os.path.abspath(directory)
    while not os.path.isdir(current):
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for path in reversed(missing):
        try:
            os.mkdir(path, DIRECTORY_MODE)
        except FileExistsError:
            continue
        os.chmod(path, DIRECTORY_MODE)  # whatever the umask left


def open_private_for_writing(path: str | os.PathLike[str], what: str = "cassette") -> int:
    """A descriptor of `path`, created or truncated with mode 0o600, never through a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | NO_FOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, FILE_MODE)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise CassetteError(_link_message(describe_target(path), what)) from None
        raise
    try:
        if hasattr(os, "fchmod"):  # an existing file keeps its mode through O_TRUNC
            os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return fd
