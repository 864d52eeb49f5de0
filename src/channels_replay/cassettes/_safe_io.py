"""Opening the user's files safely: only regular files are read.

A named pipe opened for reading blocks until a writer comes, and a device or a directory
is no cassette, so the path is opened without blocking and its type checked on the open
descriptor (no window between a check and the open) before a byte is read.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from channels_replay.cassettes._problems import describe_target
from channels_replay.errors import CassetteError

__all__ = ["open_regular_file"]

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
