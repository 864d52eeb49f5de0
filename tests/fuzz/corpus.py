"""The hostile cassettes found by hand: each a file that once fooled a reader.

Each case is a name, a file name (its extension picks the form for the commands that
write), the bytes, and whether the file is valid (a valid one must read faithfully).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

import msgpack

from channels_replay.cassettes import FORMAT_NAME, FORMAT_VERSION

HEADER: dict[str, Any] = {
    "record": "header",
    "format": FORMAT_NAME,
    "version": FORMAT_VERSION,
    "created_at": "2026-01-01T00:00:00Z",
}
CONNECT = {"seq": 0, "t": 0.0, "conn": "c1", "kind": "connect", "path": "/ws/echo/"}
ACCEPT = {"seq": 1, "t": 0.01, "conn": "c1", "kind": "accept"}
FRAME = {"seq": 2, "t": 0.02, "conn": "c1", "kind": "server_frame", "text": '{"action":"hi"}'}
CLOSE = {"seq": 3, "t": 0.03, "conn": "c1", "kind": "server_close", "code": 1000}
END = {"record": "end", "events": 4}
EVENTS = [CONNECT, ACCEPT, FRAME, CLOSE]


class Case(NamedTuple):
    name: str
    filename: str
    data: bytes
    valid: bool


def pack(*records: Any) -> bytes:
    return b"".join(msgpack.packb(record, use_bin_type=True) for record in records)


def lines(*records: Any) -> bytes:
    return b"".join(json.dumps(record).encode() + b"\n" for record in records)


def _both(name: str, records: list[Any], valid: bool) -> Iterator[Case]:
    yield Case(f"{name} (msgpack)", f"{_slug(name)}.cassette", pack(*records), valid)
    yield Case(f"{name} (jsonl)", f"{_slug(name)}.jsonl", lines(*records), valid)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name).strip("-")[:40]


def _with(event: dict[str, Any], **changes: Any) -> list[Any]:
    changed = {**event, **changes}
    return [HEADER, *(changed if e is event else e for e in EVENTS), END]


def _deep(depth: int, key: str = "a") -> str:
    return '{"' + key + '":' * 1 + "[" * depth + "1" + "]" * depth + "}"


def cases() -> Iterator[Case]:
    """Every case of the hand-made corpus (except the named pipe and the long line, which
    need a file system: see `test_corpus`)."""
    yield from _both("valid", [HEADER, *EVENTS, END], True)
    yield from _both("offset Infinity", _with(FRAME, t=float("inf")), False)
    yield from _both("offset NaN", _with(FRAME, t=float("nan")), False)
    yield from _both("offset 1e300", _with(FRAME, t=1e300), False)
    yield from _both('offset "0.5"', _with(FRAME, t="0.5"), False)
    yield from _both('seq "0"', _with(CONNECT, seq="0"), False)
    yield from _both("seq 1.0", _with(ACCEPT, seq=1.0), False)
    yield from _both("seq true", _with(ACCEPT, seq=True), False)
    yield from _both('close code "1000"', _with(CLOSE, code="1000"), False)
    yield from _both("close code true", _with(CLOSE, code=True), False)
    yield from _both(
        "numeric created_at", [{**HEADER, "created_at": 1700000000}, *EVENTS, END], False
    )
    yield from _both("unknown kind", _with(ACCEPT, kind="hug"), False)
    yield from _both("header nested 100 deep", [{**HEADER, "metadata": json.loads(
        _deep(100))}, *EVENTS, END], False)  # fmt: skip
    yield from _both("frame nested 127 deep", _with(FRAME, text=_deep(126)), True)
    yield from _both("frame nested 1000 deep", _with(FRAME, text=_deep(1000)), True)
    yield from _both("frame nested 1000 deep with a token", _with(FRAME, text=_deep(
        1000, "token")), True)  # fmt: skip
    yield from _both("escape sequences in the URL", _with(CONNECT, path="/ws/\x1b[2J\x1b]0;x\x07",
        query_string="a=%1b[31m\x1b[31mred", user="\x1b[1mroot"), True)  # fmt: skip
    nil = pack(HEADER, CONNECT, ACCEPT) + b"\xc0" + pack(FRAME, CLOSE, END)
    yield Case("nil record (msgpack)", "nil.cassette", nil, False)
    yield Case("null line (jsonl)", "null.jsonl", lines(HEADER, CONNECT, None, ACCEPT), False)
    yield Case("Infinity token (jsonl)", "inf.jsonl", lines(HEADER, CONNECT).replace(
        b'"t": 0.0', b'"t": Infinity'), False)  # fmt: skip
    deep_line = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    yield Case("record line nested 100000 deep (jsonl)", "deep.jsonl", lines(HEADER) + deep_line,
               False)  # fmt: skip
    deep_pack = pack(HEADER) + b"\x91" * 100_000 + b"\x01"
    yield Case("record nested 100000 deep (msgpack)", "deep.cassette", deep_pack, False)
