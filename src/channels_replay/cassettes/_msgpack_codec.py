"""The msgpack stream form: compact event records, limits, and a record source that survives a cut.

Header and end records are msgpack maps with full names (the header must stay readable
by any version, see `migrations`). Events, the bulk of a cassette, are positional arrays
(format version 2 layout):

    [code, seq, t, conn, <fields of the kind>]

    1 connect            path, query_string, headers, subprotocols, client, user
    2 accept             subprotocol
    3 client_frame       payload: a msgpack str is a text frame, a msgpack bin a bytes frame
    4 server_frame       payload
    5 server_close       code, reason[, status]
    6 client_disconnect  code

A field in brackets is optional and trailing: it is written only when it is not None
(`status` only for a refused handshake), so the arrays of ordinary events keep their
size. The layout is per format version (`LAYOUTS`): version 1 is the same without
`status`. The reader expands an array with the layout of the file's own version, and
the migrations (see `migrations`) take the named record from there.

Two back-references keep repeated values out of the stream; both only point backwards,
so a cut stream stays readable up to the cut:

- `conn` is written as a string the first time a connection appears and as its index
  (0, 1, ... in order of first appearance) afterwards;
- a frame's payload may be a positive integer `d`: the same payload as the frame `d`
  frames back (counting client and server frames), for `d` up to `PAYLOAD_WINDOW`, and
  only for payloads of at most `MAX_SHARED_PAYLOAD` characters or bytes. A group
  broadcast sends one text to every connection, and `complete` signals repeat: these
  are stored once.

The reader also accepts an event as a named map, which is what format version 0 wrote.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, BinaryIO

import msgpack

from channels_replay._json import depth_exceeds
from channels_replay.cassettes._problems import RecordProblem
from channels_replay.cassettes.model import (
    FORMAT_VERSION,
    AcceptEvent,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerClose,
    ServerFrame,
)

__all__ = [
    "LAYOUTS",
    "MAX_CONTAINER_LEN",
    "MAX_RECORD_BYTES",
    "MAX_RECORD_DEPTH",
    "MAX_SHARED_PAYLOAD",
    "PAYLOAD_WINDOW",
    "READ_SIZE",
    "MsgpackEncoder",
    "MsgpackEventDecoder",
    "MsgpackRecords",
    "check_size",
    "is_msgpack_map_start",
]

MAX_RECORD_BYTES = 64 * 1024 * 1024
"""No record may be larger: a bigger length prefix in a file is damage, not data."""
MAX_RECORD_DEPTH = 64
"""No record may nest arrays and maps deeper (frames are strings, so this only bounds the
header's metadata and noise rules)."""
MAX_CONTAINER_LEN = 1_000_000
"""No array or map in a record may have more elements."""
READ_SIZE = 64 * 1024
PAYLOAD_WINDOW = 64
"""How many frames back a payload back-reference may point."""
MAX_SHARED_PAYLOAD = 4096
"""Longer payloads are never referenced back, so the reader keeps at most 64 x 4096 of them."""

_KIND_CODES = {
    "connect": 1,
    "accept": 2,
    "client_frame": 3,
    "server_frame": 4,
    "server_close": 5,
    "client_disconnect": 6,
}
_KINDS_BY_CODE = {code: kind for kind, code in _KIND_CODES.items()}
Layout = dict[int, tuple[tuple[str, ...], tuple[str, ...]]]
"""Event code -> (the fields after `conn`, the optional trailing fields after those)."""
_V1_LAYOUT: Layout = {
    1: (("path", "query_string", "headers", "subprotocols", "client", "user"), ()),
    2: (("subprotocol",), ()),
    3: (("payload",), ()),
    4: (("payload",), ()),
    5: (("code", "reason"), ()),
    6: (("code",), ()),
}
LAYOUTS: dict[int, Layout] = {
    1: _V1_LAYOUT,
    2: {**_V1_LAYOUT, 5: (("code", "reason"), ("status",))},
}
"""The event arrays of each format version that has them (version 0 stored maps).

When a format version changes an array, add its layout here and keep the older ones:
files of every older version are expanded with their own layout before migration.
"""


def is_msgpack_map_start(byte: int) -> bool:
    """Whether a byte starts a msgpack map (fixmap, map16, map32): how a stream cassette begins."""
    return 0x80 <= byte <= 0x8F or byte in (0xDE, 0xDF)


def _connect_row(event: ConnectEvent, conn: str | int) -> list[Any]:
    return [
        1,
        event.seq,
        event.t,
        conn,
        event.path,
        event.query_string,
        event.headers,
        event.subprotocols,
        event.client,
        event.user,
    ]


def _accept_row(event: AcceptEvent, conn: str | int) -> list[Any]:
    return [2, event.seq, event.t, conn, event.subprotocol]


def _client_frame_row(event: ClientFrame, conn: str | int) -> list[Any]:
    return [3, event.seq, event.t, conn, event.text if event.text is not None else event.data]


def _server_frame_row(event: ServerFrame, conn: str | int) -> list[Any]:
    return [4, event.seq, event.t, conn, event.text if event.text is not None else event.data]


def _server_close_row(event: ServerClose, conn: str | int) -> list[Any]:
    row = [5, event.seq, event.t, conn, event.code, event.reason]
    if event.status is not None:  # a refused handshake; ordinary closes stay 6 long
        row.append(event.status)
    return row


def _client_disconnect_row(event: ClientDisconnect, conn: str | int) -> list[Any]:
    return [6, event.seq, event.t, conn, event.code]


_ROWS: dict[type[Any], Callable[[Any, str | int], list[Any]]] = {
    ServerFrame: _server_frame_row,
    ClientFrame: _client_frame_row,
    ConnectEvent: _connect_row,
    AcceptEvent: _accept_row,
    ServerClose: _server_close_row,
    ClientDisconnect: _client_disconnect_row,
}


def _row_maker(event: object) -> Callable[[Any, str | int], list[Any]]:
    make = _ROWS.get(type(event))
    if make is not None:
        return make
    for cls, make in _ROWS.items():  # subclasses of the event models
        if isinstance(event, cls):
            return make
    raise TypeError(
        "a cassette holds events (ConnectEvent, AcceptEvent, ClientFrame, ServerFrame, "
        f"ServerClose, ClientDisconnect), not {type(event).__name__}"
    )


class MsgpackEncoder:
    """Encodes the records of one stream. Not thread-safe: the writer holds a lock around it."""

    def __init__(self) -> None:
        self._packer = msgpack.Packer(use_bin_type=True)
        self._conns: dict[str, int] = {}
        self._frames = 0  # frames written so far
        self._recent: dict[str | bytes, int] = {}  # payload -> the frame number it was last in

    def map_record(self, record: dict[str, Any]) -> bytes:
        """A header or end record, as a map with full names."""
        return self._packer.pack(record)

    def event(self, event: Event) -> bytes:
        """An event as its compact array; TypeError for anything that is not an event."""
        make = _ROWS.get(type(event)) or _row_maker(event)
        conn = event.conn
        index = self._conns.get(conn)
        return self._pack(make(event, conn if index is None else index), conn, index)

    def frame(
        self, server: bool, seq: int, t: float, conn: str, text: str | None, data: bytes | None
    ) -> bytes:
        """A frame's compact array from its parts, without an event object.

        The recorder's hot path; the same bytes as `event` gives for the same frame.
        """
        index = self._conns.get(conn)
        payload = text if text is not None else data
        row = [4 if server else 3, seq, t, conn if index is None else index, payload]
        return self._pack(row, conn, index)

    def _pack(self, row: list[Any], conn: str, index: int | None) -> bytes:
        conns = self._conns
        # The state (connection table, recent payloads) changes only once the record is
        # packed: an event that fails to encode leaves no trace.
        if row[0] == 3 or row[0] == 4:
            frame = self._frames + 1
            payload = row[4]
            shared = len(payload) <= MAX_SHARED_PAYLOAD
            recent = self._recent
            if shared:
                previous = recent.get(payload)
                if previous is not None and frame - previous <= PAYLOAD_WINDOW:
                    row[4] = frame - previous
            data = self._packer.pack(row)
            if len(data) > MAX_RECORD_BYTES:
                check_size(data)
            self._frames = frame
            if shared:
                recent[payload] = frame
                if len(recent) > 8 * PAYLOAD_WINDOW:  # forget what is out of reach
                    self._recent = {p: f for p, f in recent.items() if frame - f < PAYLOAD_WINDOW}
        else:
            data = self._packer.pack(row)
            check_size(data)
        if index is None:
            conns[conn] = len(conns)
        return data


class MsgpackEventDecoder:
    """Turns compact event arrays back into named records; remembers the connection ids.

    `version` is the format version of the file: its arrays are expanded with that
    version's layout (`LAYOUTS`), into the named records of that version.
    """

    def __init__(self, version: int = FORMAT_VERSION) -> None:
        self.version = version
        self._layout = LAYOUTS.get(version)
        self._conns: list[str] = []
        self._known: set[str] = set()
        self._window: deque[str | bytes | None] = deque(maxlen=PAYLOAD_WINDOW)

    def event(self, row: list[Any]) -> dict[str, Any]:
        """The named record of a compact array; `RecordProblem` when its shape is wrong."""
        layout = self._layout
        if layout is None:
            raise RecordProblem(
                f"an event array where a record map belongs (format version {self.version} "
                "stores events as maps)"
            )
        code = row[0] if row else None
        shape = layout.get(code) if type(code) is int else None
        if shape is None:
            raise RecordProblem(f"unknown event code {code!r} (known codes: 1 to 6)")
        fields, optional = shape
        if not 4 + len(fields) <= len(row) <= 4 + len(fields) + len(optional):
            kind = _KINDS_BY_CODE[code]  # type: ignore[index]
            names = ", ".join(fields) + "".join(f"[, {name}]" for name in optional)
            counts = f"{4 + len(fields)}" + (
                f" to {4 + len(fields) + len(optional)}" if optional else ""
            )
            raise RecordProblem(
                f"a {kind} record has {counts} fields "
                f"(code, seq, t, conn, {names}), this one has {len(row)}"
            )
        if optional:
            fields += optional[: len(row) - 4 - len(fields)]
        kind = _KINDS_BY_CODE[code]  # type: ignore[index]
        record: dict[str, Any] = {
            "seq": row[1],
            "t": row[2],
            "conn": self._conn(row[3]),
            "kind": kind,
        }
        if code == 3 or code == 4:
            payload = row[4]
            if type(payload) is int:
                payload = self._shared(payload)
            if type(payload) is str or type(payload) is bytes:
                self._window.append(payload if len(payload) <= MAX_SHARED_PAYLOAD else None)
            if type(payload) is str:
                record["text"] = payload
            elif type(payload) is bytes:
                record["data"] = payload
            else:
                raise RecordProblem(
                    f"a {kind} payload is a string, bytes or a back-reference, "
                    f"not {type(payload).__name__}"
                )
            return record
        for name, value in zip(fields, row[4:], strict=True):
            if value is not None:
                record[name] = value
        return record

    def _shared(self, distance: int) -> str | bytes:
        window = self._window
        if not 1 <= distance <= len(window):
            raise RecordProblem(
                f"the payload refers to the frame {distance} frames back, but "
                f"{len(window)} frame(s) are within reach"
            )
        payload = window[-distance]
        if payload is None:
            raise RecordProblem(
                f"the payload refers to the frame {distance} frames back, whose payload is "
                f"longer than the {MAX_SHARED_PAYLOAD} a reference may share"
            )
        return payload

    def _conn(self, value: Any) -> str:
        if type(value) is int:
            if 0 <= value < len(self._conns):
                return self._conns[value]
            raise RecordProblem(
                f"connection index {value} refers to no connection seen before "
                f"({len(self._conns)} seen)"
            )
        if type(value) is str:
            if value not in self._known:
                self._known.add(value)
                self._conns.append(value)
            return value
        raise RecordProblem(f"conn is a string or an index, not {type(value).__name__}")


def check_size(data: bytes) -> None:
    """ValueError when an encoded record is larger than a record may be."""
    if len(data) > MAX_RECORD_BYTES:
        raise ValueError(
            f"the record would take {len(data)} bytes, more than the "
            f"{MAX_RECORD_BYTES // (1024 * 1024)} MiB a cassette record may hold"
        )


def _reject_ext(code: int, data: bytes) -> Any:
    raise ValueError(f"msgpack extension type {code} does not occur in cassettes")


def _new_unpacker() -> msgpack.Unpacker:
    return msgpack.Unpacker(
        raw=False,
        use_list=True,
        strict_map_key=True,
        ext_hook=_reject_ext,
        max_buffer_size=MAX_RECORD_BYTES + READ_SIZE,
        max_str_len=MAX_RECORD_BYTES,
        max_bin_len=MAX_RECORD_BYTES,
        max_array_len=MAX_CONTAINER_LEN,
        max_map_len=MAX_CONTAINER_LEN,
        max_ext_len=MAX_RECORD_BYTES,
    )


class MsgpackRecords:
    """Unpacks records one at a time from a binary stream, in flat memory.

    `next()` returns the next record, or None at the end of the stream; then
    `cut_at` is the byte offset of a partial last record (None when the stream ended
    between records). Damage raises `RecordProblem`; `offset` is where the record
    being read starts, `index` its number counting the header as 1.
    """

    form = "msgpack"

    def __init__(self, stream: BinaryIO, prefix: bytes) -> None:
        self._stream = stream
        self._unpacker = _new_unpacker()
        self._chunks: list[tuple[int, bytes]] = []
        self._fed = 0
        self._eof = False
        self.offset = 0
        self.index = 0
        self.cut_at: int | None = None
        self.size = 0
        self._feed(prefix)

    def where(self) -> str:
        """The place of the current record, for messages."""
        return f"record {self.index} (byte offset {self.offset})"

    def next(self) -> Any:
        """The next record, or None at the end of the stream (see `cut_at`)."""
        unpacker = self._unpacker
        self.index += 1
        # tell() after a successful unpack is where the next record starts; after
        # OutOfData it counts the partial record's bytes too, so take it only here.
        self.offset = unpacker.tell()
        while True:
            try:
                record = unpacker.unpack()
            except msgpack.OutOfData:
                pass
            except (ValueError, TypeError, msgpack.UnpackException) as exc:
                raise RecordProblem(f"not valid msgpack ({_describe_unpack_error(exc)})") from None
            else:
                if record is None:
                    raise RecordProblem(
                        "a nil where a record belongs (a record is a map or an array)"
                    )
                if depth_exceeds(record, MAX_RECORD_DEPTH):
                    raise RecordProblem(
                        f"the record nests deeper than the {MAX_RECORD_DEPTH} levels a record may"
                    )
                return record
            if self._eof:
                self._at_end()
                return None
            self._read_more()

    def _at_end(self) -> None:
        self.size = self._fed
        if self.offset < self._fed:
            absurd = _absurd_size(self._tail())
            if absurd is not None:
                raise RecordProblem(absurd)
            self.cut_at = self.offset

    def _read_more(self) -> None:
        try:
            chunk = self._stream.read(READ_SIZE)
        except OSError as exc:
            raise RecordProblem(f"reading failed: {exc}") from None
        if not chunk:
            self._eof = True
            return
        start = self.offset  # chunks before the current record are no longer needed
        while self._chunks and self._chunks[0][0] + len(self._chunks[0][1]) <= start:
            self._chunks.pop(0)
        try:
            self._feed(chunk)
        except msgpack.BufferFull:
            tail = self._tail()
            raise RecordProblem(
                _absurd_size(tail)
                or f"the record is larger than the {MAX_RECORD_BYTES // (1024 * 1024)} MiB limit"
            ) from None

    def _feed(self, chunk: bytes) -> None:
        self._unpacker.feed(chunk)
        self._chunks.append((self._fed, chunk))
        self._fed += len(chunk)

    def _tail(self) -> bytes:
        if not self._chunks:
            return b""
        first = self._chunks[0][0]
        return b"".join(chunk for _, chunk in self._chunks)[self.offset - first :]


def _describe_unpack_error(exc: BaseException) -> str:
    if isinstance(exc, msgpack.StackError):
        return "nested deeper than a record may be"
    text = str(exc)
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def _absurd_size(buf: bytes) -> str | None:
    """Where a partial record declares a size no record has, say so; None for a plain cut.

    msgpack checks str and bin lengths only once the bytes are there, so a 2 GB length
    prefix at the end of a file would otherwise look like a record cut by a crash.
    """
    pos, pending, end = 0, 1, len(buf)
    while pending and pos < end:
        pending -= 1
        byte = buf[pos]
        if byte <= 0x7F or byte >= 0xE0 or 0xC0 <= byte <= 0xC3:
            pos += 1
        elif byte <= 0x8F:
            pending += 2 * (byte & 0x0F)
            pos += 1
        elif byte <= 0x9F:
            pending += byte & 0x0F
            pos += 1
        elif byte <= 0xBF:
            pos += 1 + (byte & 0x1F)
        elif byte in _FIXED_SIZES:
            pos += _FIXED_SIZES[byte]
        elif byte in _LENGTH_PREFIXED:
            width, extra = _LENGTH_PREFIXED[byte]
            if pos + 1 + width > end:
                return None
            length = int.from_bytes(buf[pos + 1 : pos + 1 + width], "big")
            if length > MAX_RECORD_BYTES:
                return (
                    f"a value {pos} bytes into the record declares {length} bytes, more than "
                    f"the {MAX_RECORD_BYTES // (1024 * 1024)} MiB a record may hold"
                )
            pos += 1 + width + extra + length
        else:  # array16/32, map16/32: msgpack checks their lengths itself
            width = 2 if byte in (0xDC, 0xDE) else 4
            if pos + 1 + width > end:
                return None
            length = int.from_bytes(buf[pos + 1 : pos + 1 + width], "big")
            pending += length * (2 if byte in (0xDE, 0xDF) else 1)
            pos += 1 + width
    return None


_FIXED_SIZES = {
    0xCA: 5,
    0xCB: 9,
    0xCC: 2,
    0xCD: 3,
    0xCE: 5,
    0xCF: 9,
    0xD0: 2,
    0xD1: 3,
    0xD2: 5,
    0xD3: 9,
    0xD4: 3,
    0xD5: 4,
    0xD6: 6,
    0xD7: 10,
    0xD8: 18,
}
# type byte -> (width of the length, bytes between the length and the data: ext's type)
_LENGTH_PREFIXED = {
    0xC4: (1, 0),
    0xC5: (2, 0),
    0xC6: (4, 0),
    0xC7: (1, 1),
    0xC8: (2, 1),
    0xC9: (4, 1),
    0xD9: (1, 0),
    0xDA: (2, 0),
    0xDB: (4, 0),
}
