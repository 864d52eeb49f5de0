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

from channels_replay.cassettes._msgpack_codec import MAX_RECORD_BYTES, READ_SIZE, check_size
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
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_DECODER = json.JSONDecoder()


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


def decode_line(line: bytes) -> dict[str, Any]:
    """The record on one line; `RecordProblem` when it is not a JSON object."""
    try:
        record = _DECODER.decode(line.decode("utf-8"))
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
    else invalid JSON is damage (`RecordProblem`). Blank lines are skipped.
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
            newline = self._buf.find(b"\n", self._pos)
            if newline < 0:
                if self._eof:
                    return self._last_line()
                self._read_more()
                continue
            line = self._buf[self._pos : newline]
            self.offset = self._base + self._pos
            self._pos = newline + 1
            self.line += 1
            if line.strip():
                self.index += 1
                return decode_line(line)

    def _last_line(self) -> dict[str, Any] | None:
        self.size = self._base + len(self._buf)
        line = self._buf[self._pos :]
        self.offset = self._base + self._pos
        self._pos = len(self._buf)
        if not line.strip():
            return None
        self.line += 1
        self.index += 1
        try:
            return decode_line(line)
        except RecordProblem:
            self.cut_at = self.offset
            return None

    def _read_more(self) -> None:
        pending = len(self._buf) - self._pos
        if pending > MAX_RECORD_BYTES:
            self.offset = self._base + self._pos
            self.line += 1
            raise RecordProblem(
                f"the line is longer than the {MAX_RECORD_BYTES // (1024 * 1024)} MiB "
                "a record may hold"
            )
        try:
            # a long line is read in growing chunks, so joining them stays linear
            chunk = self._stream.read(max(READ_SIZE, pending))
        except OSError as exc:
            raise RecordProblem(f"reading failed: {exc}") from None
        if not chunk:
            self._eof = True
            return
        self._base += self._pos
        self._buf = self._buf[self._pos :] + chunk
        self._pos = 0
