"""Reading a cassette lazily, one event at a time, from a file or a binary stream.

The form is told by the content, not the name: a msgpack map first (the header) means
the msgpack stream, a `{` means JSON Lines. A cut tail (a crash, `kill -9`) is not an
error: the events before it are read and the reader reports `complete=False` with the
`problem`. Anything else that is wrong raises `CassetteError` naming the file, the record
and what to do.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Literal

from channels_replay.cassettes._jsonl_codec import JsonlRecords
from channels_replay.cassettes._msgpack_codec import (
    READ_SIZE,
    MsgpackEventDecoder,
    MsgpackRecords,
    is_msgpack_map_start,
)
from channels_replay.cassettes._problems import (
    ADVICE_DAMAGED,
    RecordProblem,
    describe_target,
    preview_bytes,
)
from channels_replay.cassettes._records import (
    RECORD_END,
    RECORD_HEADER,
    record_to_end,
    record_to_event,
    record_to_header,
)
from channels_replay.cassettes._safe_io import open_regular_file
from channels_replay.cassettes.migrations import (
    OLDEST_READABLE_VERSION,
    Migrator,
    can_migrate,
)
from channels_replay.cassettes.model import FORMAT_NAME, FORMAT_VERSION, CassetteHeader, Event
from channels_replay.errors import CassetteError

__all__ = ["CassetteForm", "CassetteReader", "detect_form", "form_of_prefix", "open_cassette"]

CassetteForm = Literal["msgpack", "jsonl"]
"""The two forms of a cassette: the msgpack stream (default) and JSON Lines (for review)."""

_BOM = b"\xef\xbb\xbf"


def form_of_prefix(prefix: bytes) -> CassetteForm | None:
    """The form the first bytes of a cassette show, or None when they show no cassette."""
    if not prefix:
        return None
    if is_msgpack_map_start(prefix[0]):
        return "msgpack"
    rest = prefix.removeprefix(_BOM).lstrip(b" \t\r\n")
    if rest[:1] == b"{" or not rest:  # nothing but blanks: JSON Lines without a header
        return "jsonl"
    return None


def detect_form(path_or_bytes: str | os.PathLike[str] | bytes | bytearray) -> CassetteForm:
    """The form of a cassette from its content: a path's first bytes, or the bytes given.

    Raises `CassetteError` when the content is not a cassette (or the file is empty).
    """
    if isinstance(path_or_bytes, bytes | bytearray):
        prefix, name = bytes(path_or_bytes[:READ_SIZE]), "<bytes>"
    else:
        name = describe_target(path_or_bytes)
        try:
            with open_regular_file(path_or_bytes) as file:
                prefix = file.read(READ_SIZE)
        except OSError as exc:
            reason = exc.strerror or exc
            raise CassetteError(f"{name}: cannot read the cassette: {reason}") from None
    return _check_prefix(prefix, name)


def _check_prefix(prefix: bytes, name: str) -> CassetteForm:
    if not prefix:
        raise CassetteError(
            f"{name}: the file is empty, so it holds no cassette (a recording that failed "
            "before it started leaves one): record the session again"
        )
    form = form_of_prefix(prefix)
    if form is None:
        raise CassetteError(
            f"{name}: not a channels-replay cassette: it starts with {preview_bytes(prefix)}, "
            "where a cassette starts with a msgpack map or '{' (JSON Lines); check the path"
        )
    return form


class CassetteReader:
    """An open cassette: its `header` now, its events lazily, then whether it was `complete`.

    Iterate it once (it holds one event at a time, so memory stays flat however long the
    cassette is). After the iteration, `complete` tells whether the recording ended
    cleanly and `problem` what is missing where it did not. Use it as a context manager,
    or iterate to the end, to close the file. Create it with `open_cassette`.
    """

    def __init__(self, source: str | os.PathLike[str] | BinaryIO) -> None:
        self.name = describe_target(source)
        """The file or stream, as messages name it."""
        self.path: Path | None = None
        """The file, where the reader was given a path."""
        self.complete = False
        """Whether the recording ended cleanly; known once the events have been iterated."""
        self.problem: str | None = None
        """What is missing or cut where `complete` is False (None before the end)."""
        self.finished = False
        """Whether the iteration reached the end of the cassette."""
        self.events_read = 0
        """How many events have been read so far."""
        self._owned: BinaryIO | None = None
        self._iterated = False
        stream: BinaryIO
        if isinstance(source, str | os.PathLike):
            self.path = Path(source)
            self._owned = stream = open_regular_file(source)
        else:
            stream = source
        try:
            try:
                prefix = stream.read(READ_SIZE)
            except OSError as exc:
                raise CassetteError(
                    f"{self.name}: cannot read the cassette: {exc.strerror or exc}"
                ) from None
            if isinstance(prefix, bytearray | memoryview):
                prefix = bytes(prefix)
            if not isinstance(prefix, bytes):
                raise CassetteError(f"{self.name}: open the stream in binary mode ('rb')")
            self.form: CassetteForm = _check_prefix(prefix, self.name)
            """The form the content showed: "msgpack" or "jsonl"."""
            self._records: MsgpackRecords | JsonlRecords = (
                MsgpackRecords(stream, prefix)
                if self.form == "msgpack"
                else JsonlRecords(stream, prefix)
            )
            self.source_version = FORMAT_VERSION
            """The format version the file was written in (its records are migrated)."""
            self._migrator: Migrator | None = None
            self.header: CassetteHeader = self._read_header()
            """The cassette's header (migrated to the current format version)."""
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"<CassetteReader {self.name} ({self.form}, {self.events_read} events read)>"

    def _error(self, what: str, advice: str | None = None) -> CassetteError:
        advice = advice or ADVICE_DAMAGED[self.form]
        return CassetteError(f"{self.name}: {self._records.where()}: {what}; {advice}")

    def _read_header(self) -> CassetteHeader:
        records = self._records
        try:
            raw = records.next()
        except RecordProblem as exc:
            raise self._error(f"the header record is unreadable: {exc}") from None
        if raw is None:
            if records.cut_at is not None:
                raise self._error(
                    f"the header record is cut (the file ends at byte {records.size})",
                    "the recording stopped before its header was written, so nothing can be "
                    "read from it: record the session again",
                )
            raise self._error("the file holds no header record", "record the session again")
        if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
            found = raw.get("format") if isinstance(raw, dict) else type(raw).__name__
            raise self._error(
                f"not a channels-replay cassette: the first record has format {found!r}, "
                f"not {FORMAT_NAME!r}",
                "check the path",
            )
        version = raw.get("version")
        if type(version) is not int:
            raise self._error(f"the header's version is {version!r}, not an integer")
        if version > FORMAT_VERSION:
            raise CassetteError(
                f"{self.name}: written by a newer channels-replay (format version {version}); "
                f"this one reads up to {FORMAT_VERSION}: upgrade channels-replay"
            )
        if version < OLDEST_READABLE_VERSION or not can_migrate(version):
            raise CassetteError(
                f"{self.name}: format version {version} is older than this channels-replay "
                f"reads (versions {OLDEST_READABLE_VERSION} to {FORMAT_VERSION}): convert it "
                "with an older release of channels-replay first"
            )
        self.source_version = version
        if version != FORMAT_VERSION:
            # one chain for the whole file: a migration may keep state across its records
            self._migrator = Migrator(version)
        try:
            header = record_to_header(self._migrate(raw))
            json.dumps(header.model_dump(mode="json"))
        except RecordProblem as exc:
            raise self._error(str(exc)) from None
        except (TypeError, ValueError) as exc:
            raise self._error(f"the header holds values JSON cannot hold: {exc}") from None
        return header

    def _migrate(self, record: dict[str, Any]) -> dict[str, Any]:
        if self._migrator is None:
            return record
        try:
            return self._migrator(record)
        except Exception as exc:  # a migration meeting a record it does not expect
            raise RecordProblem(
                f"cannot migrate this record from format version {self.source_version}: "
                f"{type(exc).__name__}: {exc}"
            ) from None

    def __iter__(self) -> Iterator[Event]:
        if self._iterated:
            raise CassetteError(
                f"{self.name}: a CassetteReader reads its events once; open the cassette "
                "again to read them again"
            )
        self._iterated = True
        return self._events()

    def _events(self) -> Iterator[Event]:
        records = self._records
        # Arrays are expanded with the layout of the file's own version, then migrated:
        # expanding an old file's arrays with today's layout would misread them.
        decoder = MsgpackEventDecoder(self.source_version) if self.form == "msgpack" else None
        migrate = self._migrator is not None
        last_seq = -1
        count = 0
        try:
            while True:
                try:
                    raw = records.next()
                    if raw is None:
                        break
                    if type(raw) is list:
                        if decoder is None:
                            raise RecordProblem("an event array where a record map belongs")
                        record = decoder.event(raw)
                    elif type(raw) is dict:
                        record = raw
                    else:
                        raise RecordProblem(
                            f"a record is a map or an array, not {type(raw).__name__}"
                        )
                    if migrate:
                        record = self._migrate(record)
                    if "record" in record:
                        self._end(record, count)
                        return
                    event = record_to_event(record)
                    if event.seq <= last_seq:
                        raise RecordProblem(
                            f"seq {event.seq} comes after seq {last_seq}: events are stored "
                            "in increasing seq order"
                        )
                except RecordProblem as exc:
                    raise self._error(str(exc)) from None
                last_seq = event.seq
                count += 1
                self.events_read = count
                yield event
            self._cut(count, last_seq)
        finally:
            self.close()

    def _end(self, record: dict[str, Any], count: int) -> None:
        kind = record.get("record")
        if kind == RECORD_HEADER:
            raise RecordProblem("a second header record")
        if kind != RECORD_END:
            raise RecordProblem(f"unknown record type {kind!r} (known: header, end, events)")
        end = record_to_end(record)
        if end.events is not None and end.events != count:
            raise RecordProblem(
                f"the end record counts {end.events} events but {count} were read: events "
                'were lost or removed by hand (fix or remove its "events" count)'
            )
        after = self._records.next()
        if after is not None or self._records.cut_at is not None:
            raise RecordProblem("there are more records after the end record")
        self.complete = end.complete
        self.problem = None if end.complete else (end.problem or "closed as incomplete")
        self.finished = True

    def _cut(self, count: int, last_seq: int) -> None:
        records = self._records
        last = f" (last seq {last_seq})" if count else ""
        if records.cut_at is not None:
            self.problem = (
                f"the tail is missing: record {records.index} is cut at byte offset "
                f"{records.cut_at} (the file ends at byte {records.size}); the recording was "
                f"interrupted, the {count} events before it{last} are intact"
            )
        else:
            self.problem = (
                f"the tail is missing: no end record after {count} events{last}; the "
                "recording was interrupted before it was closed"
            )
        self.complete = False
        self.finished = True

    def close(self) -> None:
        """Close the file, where the reader opened it (a stream given to it stays open)."""
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def __enter__(self) -> CassetteReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_cassette(source: str | os.PathLike[str] | BinaryIO) -> CassetteReader:
    """Open a cassette file (or binary stream) of either form; its header is read at once.

    Iterate the result for the events; afterwards `.complete` and `.problem` tell whether
    the tail is missing. Raises `CassetteError` for anything that is not a readable
    cassette (a cut tail is not an error).
    """
    return CassetteReader(source)
