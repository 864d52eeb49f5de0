"""Whole-cassette helpers over the reader and writer: load, save, convert, redact a file.

Saving, converting and redacting write a temporary file beside the target and rename
it into place, so the target is never half-written and converting or redacting a file
onto itself works (the reader keeps the original open until the rename).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

from channels_replay.cassettes._problems import describe_target
from channels_replay.cassettes._reader import CassetteForm, open_cassette
from channels_replay.cassettes._safe_io import refuse_symlink
from channels_replay.cassettes._writer import CassetteWriter, form_for_path
from channels_replay.cassettes.model import Cassette
from channels_replay.cassettes.redaction import Redactor
from channels_replay.errors import CassetteError

__all__ = [
    "RedactionSummary",
    "convert_cassette",
    "load_cassette",
    "redact_cassette_file",
    "save_cassette",
]


def load_cassette(source: str | os.PathLike[str] | BinaryIO) -> Cassette:
    """Read a whole cassette (either form) into memory; a cut tail gives complete=False."""
    with open_cassette(source) as reader:
        events = list(reader)
        return Cassette.model_construct(  # each event is validated already
            header=reader.header,
            events=events,
            complete=reader.complete,
            problem=reader.problem,
        )


@contextlib.contextmanager
def _replacing(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside `target`, renamed onto it when the block succeeds.

    A `target` that is a symbolic link is refused; errors name `target`, not the
    temporary file.
    """
    final = Path(target)
    name = describe_target(target)
    refuse_symlink(final)
    try:
        fd, temporary = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
    except OSError as exc:
        raise CassetteError(f"{name}: cannot write there: {exc.strerror or exc}") from None
    os.close(fd)
    path = Path(temporary)
    try:
        yield path
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        refuse_symlink(final)  # made a link while the cassette was written
        os.replace(path, final)
    except OSError as exc:
        raise CassetteError(f"{name}: writing the cassette failed: {exc.strerror or exc}") from None
    except CassetteError as exc:  # the writer names the file it writes: the temporary one
        message = str(exc).replace(str(path), name)
        raise CassetteError(message) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def save_cassette(
    cassette: Cassette, path: str | os.PathLike[str], *, form: CassetteForm | None = None
) -> None:
    """Write a whole cassette to `path` (form from the extension when None), atomically.

    An incomplete cassette stays incomplete: its end record carries the problem.
    """
    with (
        _replacing(path) as temporary,
        CassetteWriter(temporary, cassette.header, form=form or form_for_path(path)) as writer,
    ):
        for event in cassette.events:
            writer.write(event)
        writer.close(complete=cassette.complete, problem=cassette.problem)


def convert_cassette(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str] | BinaryIO,
    *,
    form: CassetteForm | None = None,
) -> int:
    """Copy a cassette into the other form (or the one given), streaming; the event count.

    The form written is `form`, else the target's extension (`.jsonl` or the msgpack
    stream); a binary stream target (stdout, for `git diff`) is written as it goes, in
    `form` (default msgpack). A cut source gives a target whose end record says what
    was cut.
    """
    if isinstance(target, str | os.PathLike):
        into: contextlib.AbstractContextManager[Path | BinaryIO] = _replacing(target)
        form = form or form_for_path(target)
    else:
        into = contextlib.nullcontext(target)
    with (
        open_cassette(source) as reader,
        into as written,
        CassetteWriter(written, reader.header, form=form) as writer,
    ):
        for event in reader:
            writer.write(event)
        writer.close(complete=reader.complete, problem=reader.problem)
        return writer.events_written


class RedactionSummary(NamedTuple):
    """What `redact_cassette_file` did: the events it copied and the values it redacted."""

    events: int
    redacted: int


def redact_cassette_file(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str] | None = None,
    *,
    redactor: Redactor | None = None,
    form: CassetteForm | None = None,
) -> RedactionSummary:
    """Redact a cassette file (in place when `target` is None), streaming, atomically.

    For cassettes recorded with redaction off. The form written is `form`, else the
    target's extension, else (in place) the source's own form. The header is marked
    `redacted=True`.
    """
    redactor = redactor or Redactor()
    with open_cassette(source) as reader:
        if form is None:
            form = reader.form if target is None else form_for_path(target)
        header = reader.header.model_copy(update={"redacted": True})
        redacted = 0
        with (
            _replacing(source if target is None else target) as temporary,
            CassetteWriter(temporary, header, form=form) as writer,
        ):
            for event in reader:
                clean, count = redactor.redact_event_counted(event)
                redacted += count
                writer.write(clean)
            writer.close(complete=reader.complete, problem=reader.problem)
            return RedactionSummary(writer.events_written, redacted)
