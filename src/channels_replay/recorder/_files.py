"""Where a recording goes on disk: file names for a target, and a file written in batches.

`CassettePaths` turns a `target` (a cassette file or a directory) into the file of the
session or of each connection. `BatchedFile` is the stream the `CassetteWriter` writes
into: records collect in memory and `commit()` hands them to the OS in one `write`
call, once per batch of events instead of once per event. After a failed commit
nothing more is written, so the file ends where the failure cut it and a reader
reports it as incomplete, as after a crash.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from channels_replay.cassettes._safe_io import (
    FILE_MODE,
    make_private_dirs,
    open_private_for_writing,
)

__all__ = ["FILE_MODE", "BatchedFile", "CassettePaths", "is_directory_target"]

_DEFAULT_SUFFIX = ".cassette"


def is_directory_target(target: str | os.PathLike[str]) -> bool:
    """A directory when it is one, ends with a separator, or has no suffix (`cassettes`)."""
    text = os.fspath(target)
    if os.path.isdir(text) or text.endswith(("/", os.sep)):
        return True
    return not Path(text).suffix


class CassettePaths:
    """The cassette file(s) of a target.

    A file target is used as it is (per connection: `NAME-cN.SUFFIX` beside it). In a
    directory, the session gets `session-YYYYmmdd-HHMMSS.cassette` (per connection:
    `session-...-cN.cassette`), with `-2`, `-3`... added when that name is taken.
    """

    def __init__(self, target: str | os.PathLike[str]) -> None:
        self.target = Path(target)
        self.directory = is_directory_target(target)
        self._stem: str | None = None

    def session(self) -> Path:
        """The one cassette of a session."""
        return self._named("")

    def connection(self, number: int) -> Path:
        """The cassette of connection `number` (1, 2, ...) in per-connection mode."""
        return self._named(f"-c{number}")

    def _named(self, tail: str) -> Path:
        if not self.directory:
            return self.target.with_name(f"{self.target.stem}{tail}{self.target.suffix}")
        if self._stem is None:
            self._stem = self._free_stem()
        return self.target / f"{self._stem}{tail}{_DEFAULT_SUFFIX}"

    def _free_stem(self) -> str:
        base = "session-" + datetime.now().strftime("%Y%m%d-%H%M%S")
        stem, n = base, 1
        while (self.target / f"{stem}{_DEFAULT_SUFFIX}").exists() or any(
            self.target.glob(f"{stem}-c*{_DEFAULT_SUFFIX}")
        ):
            n += 1
            stem = f"{base}-{n}"
        return stem


class BatchedFile:
    """A new file (mode 0o600, never through a symbolic link, missing parents created
    with mode 0o700) that collects writes until `commit()`."""

    def __init__(self, path: Path) -> None:
        make_private_dirs(path.parent)
        self._fd: int | None = open_private_for_writing(path)
        self.name = str(path)
        """The path, as streams name themselves (the writer uses it in messages)."""
        self._chunks: list[bytes] = []
        self.broken = False
        """Whether a commit failed: the file takes no more writes."""

    def write(self, data: bytes) -> int:
        """Keep a record for the next commit (the writer calls this once per record)."""
        self._chunks.append(bytes(data))
        return len(data)

    def commit(self) -> None:
        """Hand everything written since the last commit to the OS; OSError on failure."""
        if not self._chunks or self.broken or self._fd is None:
            self._chunks.clear()
            return
        data = memoryview(b"".join(self._chunks))
        self._chunks.clear()
        try:
            while data:
                data = data[os.write(self._fd, data) :]
        except OSError:
            self.broken = True
            raise

    def close(self) -> None:
        """Commit what is left (unless broken) and close the file."""
        if self._fd is None:
            return
        try:
            self.commit()
        finally:
            os.close(self._fd)
            self._fd = None
