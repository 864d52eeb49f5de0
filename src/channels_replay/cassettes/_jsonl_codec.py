"""The JSON Lines form: one named record per line, for review in a pull request.

Keys keep the order of the named records (seq, t, conn, kind, then the kind's fields),
text is written as UTF-8 (not `\\u` escapes) so a diff shows what was said. JSON has no
bytes, so a top-level field `X` holding bytes is written as `X_b64`, standard base64 with
padding, and read back to the same bytes. That happens here, in the I/O layer, rather
than through pydantic's bytes serialization options, whose defaults and names have moved
between pydantic versions.
"""

from __future__ import annotations

import binascii
import json
from base64 import b64decode, b64encode
from typing import Any, BinaryIO

from channels_replay._json import JsonTooDeep, loads_bounded
from channels_replay.cassettes._msgpack_codec import (
    MAX_RECORD_BYTES,
    MAX_RECORD_DEPTH,
    check_size,
)
from channels_replay.cassettes._problems import RecordProblem
from channels_replay.cassettes._records import event_to_record, frame_record
from channels_replay.cassettes.model import Event

__all__ = [
    "B64_SUFFIX",
    "JsonlEncoder",
    "JsonlRecords",
    "decode_line",
    "encode_record",
    "json_line",
]

B64_SUFFIX = "_b64"
_SLICE = 1024 * 1024
"""How much of a line is read at a time."""
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_record(record: dict[str, Any]) -> bytes:
    """One line: the record as compact JSON, bytes fields as `X_b64`, newline-terminated."""
    data = (json_line(record) + "\n").encode("utf-8")
    check_size(data)
    return data


def json_line(record: dict[str, Any]) -> str:
    """A record as one line of the JSON Lines form (no newline): bytes fields as `X_b64`.

    For tools that print records, e.g. `channels-replay show --json`.
    """
    for value in record.values():
        if type(value) is bytes:
            record = _with_base64(record)
            break
    return _ENCODER.encode(record)


def _with_base64(record: dict[str, Any]) -> dict[str, Any]:
    return {
        (key + B64_SUFFIX if type(value) is bytes else key): (
            b64encode(value).decode("ascii") if type(value) is bytes else value
        )
        for key, value in record.items()
    }


class JsonlEncoder:
    """Encodes the records of one stream as lines (stateless; the same API as MsgpackEncoder)."""

    def map_record(self, record: dict[str, Any]) -> bytes:
        """A header or end record."""
        return encode_record(record)

    def event(self, event: Event) -> bytes:
        """An event record."""
        return encode_record(event_to_record(event))

    def frame(
        self, server: bool, seq: int, t: float, conn: str, text: str | None, data: bytes | None
    ) -> bytes:
        """A frame record from its parts, without an event object (the recorder's hot path)."""
        kind = "server_frame" if server else "client_frame"
        return encode_record(frame_record(kind, seq, t, conn, text, data))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def decode_line(line: bytes) -> dict[str, Any]:
    """The record on one line; `RecordProblem` when it is not a JSON object.

    Strict JSON: `NaN` and `Infinity` are refused, and so is nesting deeper than a
    record may hold.
    """
    try:
        record = loads_bounded(line.decode("utf-8"), MAX_RECORD_DEPTH, parse_constant=_no_constant)
    except JsonTooDeep:
        raise RecordProblem(
            f"the record nests deeper than the {MAX_RECORD_DEPTH} levels a record may"
        ) from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise RecordProblem(f"not valid JSON ({exc})") from None
    if type(record) is not dict:
        raise RecordProblem(f"a record is a JSON object, not {_json_type(record)}")
    for key in record:
        if key.endswith(B64_SUFFIX):
            return _from_base64(record)
    return record


def _from_base64(record: dict[str, Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    for key, value in record.items():
        if key.endswith(B64_SUFFIX):
            name = key[: -len(B64_SUFFIX)]
            if type(value) is not str:
                raise RecordProblem(f"{key}: base64 text expected, not {_json_type(value)}")
            try:
                decoded[name] = b64decode(value, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise RecordProblem(f"{key}: not valid base64 ({exc})") from None
        else:
            decoded[key] = value
    return decoded


def _json_type(value: Any) -> str:
    names = {list: "an array", str: "a string", int: "a number", float: "a number"}
    names |= {bool: "a boolean", type(None): "null", dict: "an object"}
    return names.get(type(value), type(value).__name__)


class JsonlRecords:
    """Reads records line by line from a binary stream, in flat memory.

    Same contract as `MsgpackRecords`: `next()` gives the next record or None at the end;
    a last line without its newline that is not valid JSON is a cut (`cut_at`), anywhere
    else invalid JSON is damage (`RecordProblem`). Blank lines are skipped. A line is
    read with a bounded `readline`, so a line longer than a record may be is refused
    before it is held in memory.
    """

    form = "jsonl"

    def __init__(self, stream: BinaryIO, prefix: bytes) -> None:
        self._stream = stream
        self._buf = prefix.removeprefix(b"\xef\xbb\xbf")
        self._base = len(prefix) - len(self._buf)  # file offset of self._buf[0]
        self._pos = 0
        self._eof = False
        self.offset = 0
        self.index = 0
        self.line = 0
        self.cut_at: int | None = None
        self.size = 0

    def where(self) -> str:
        """The place of the current record, for messages."""
        return f"line {self.line} (byte offset {self.offset})"

    def next(self) -> dict[str, Any] | None:
        """The next record, or None at the end of the stream (see `cut_at`)."""
        while True:
            line = self._read_line()
            if line is None:
                return None
            text, ended = line
            if not text.strip():
                continue
            self.index += 1
            if ended:
                return decode_line(text)
            try:
                return decode_line(text)
            except RecordProblem:  # a last line without its newline: a cut write
                self.cut_at = self.offset
                return None

    def _read_line(self) -> tuple[bytes, bool] | None:
        """The next line without its newline and whether it had one; None at the end."""
        self.offset = self._base + self._pos
        newline = self._buf.find(b"\n", self._pos)
        if newline >= 0:  # still within the first block read to tell the form
            text = self._buf[self._pos : newline]
            self._pos = newline + 1
            self.line += 1
            return text, True
        head = self._buf[self._pos :]
        self._base += len(self._buf)
        self._buf, self._pos = b"", 0
        parts, length, ended = [head], len(head), False
        while not self._eof and not ended:
            if length > MAX_RECORD_BYTES:
                self.line += 1
                raise RecordProblem(
                    f"the line is longer than the {MAX_RECORD_BYTES // (1024 * 1024)} MiB "
                    "a record may hold: a cassette never writes one"
                )
            try:  # in slices, so a line refused for its length is never copied whole
                part = self._stream.readline(min(_SLICE, MAX_RECORD_BYTES + 1 - length))
            except OSError as exc:
                raise RecordProblem(f"reading failed: {exc}") from None
            if not part:
                self._eof = True
                break
            parts.append(part)
            length += len(part)
            self._base += len(part)
            ended = part.endswith(b"\n")
        if not ended:
            self.size = self._base
            if not length:
                return None
        self.line += 1
        text = b"".join(parts)
        return (text[:-1], True) if ended else (text, False)
