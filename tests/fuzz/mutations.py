"""Damage done to a valid cassette: the mutations both the property tests and the fuzz
script apply, so that a case found by one can be replayed by the other."""

from __future__ import annotations

import io
from collections.abc import Sequence

from channels_replay.cassettes import (
    CassetteHeader,
    CassetteWriter,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerClose,
    ServerFrame,
)

INTERESTING = (b"\x00", b"\xc0", b"\xff", b"\x7f", b"\xcb", b"\xdd", b"{", b"}", b'"', b"\n",
               b"\\", b"[", b"1e309", b"NaN", b"-", b"\x1b")  # fmt: skip
"""Bytes that mean something to msgpack or JSON: nil, float64, array32, quotes, ..."""


def sample_events() -> list[Event]:
    """A small session with every kind of payload: the file the mutations start from."""
    return [
        ConnectEvent(
            seq=0,
            t=0.0,
            conn="c1",
            path="/ws/echo/",
            query_string="a=1",
            headers=[("origin", "http://x")],
            subprotocols=["p"],
            client=("h", 1),
            user="alice",
        ),
        ServerFrame(seq=1, t=0.1, conn="c1", text='{"action":"hi","payload":[1,{"a":null}]}'),
        ClientFrame(seq=2, t=0.2, conn="c1", data=b"\x00\x01"),
        ServerFrame(seq=3, t=0.3, conn="c1", text='{"action":"hi","payload":[1,{"a":null}]}'),
        ServerClose(seq=4, t=0.4, conn="c1", code=4000, reason="bye"),
    ]


def encode(events: Sequence[Event], form: str) -> bytes:
    """The events as a complete cassette of `form` ("msgpack" or "jsonl")."""
    buffer = io.BytesIO()
    with CassetteWriter(buffer, CassetteHeader(), form=form) as writer:  # type: ignore[arg-type]
        for event in events:
            writer.write(event)
    return buffer.getvalue()


def mutate(data: bytes, kind: int, position: int, choice: int) -> bytes:
    """One mutation of `data`: `kind` picks what, `position` where, `choice` with what."""
    if not data:
        return data
    at = position % len(data)
    kind %= 5
    if kind == 0:  # flip a byte
        return data[:at] + bytes([data[at] ^ (1 + choice % 255)]) + data[at + 1 :]
    if kind == 1:  # insert a meaningful byte or token
        return data[:at] + INTERESTING[choice % len(INTERESTING)] + data[at:]
    if kind == 2:  # delete a run
        return data[:at] + data[at + 1 + choice % 16 :]
    if kind == 3:  # cut the file
        return data[:at]
    # overwrite with a meaningful byte or token
    token = INTERESTING[choice % len(INTERESTING)]
    return data[:at] + token + data[at + len(token) :]


HOSTILE: tuple[object, ...] = (
    "0", "0.5", "1000", "", "\x1b[2J", 0, 1, 1000, -1, 70000, 2**63, 0.5, 1.0, 1e300,
    float("inf"), float("nan"), True, False, None, [], {}, ["a", "b"], [["a", "b"]],
    [[[[[1]]]]], b"\x00",
)  # fmt: skip
"""Values put in place of a field: wrong types, edge numbers, nesting, bytes."""

FIELDS = ("seq", "t", "conn", "kind", "path", "query_string", "headers", "subprotocols",
          "client", "user", "text", "data", "code", "reason", "status", "extra")  # fmt: skip
"""The fields a value is put into (one not in a record is added; `extra` is unknown)."""


def named_records(events: Sequence[Event]) -> list[dict[str, object]]:
    """The events as named records (what JSON Lines shows; the msgpack form takes them too)."""
    from channels_replay.cassettes import event_to_record

    return [event_to_record(event) for event in events]


def _number(value: object, low: float, high: float, *, floats: bool = False) -> bool:
    kinds = (int, float) if floats else (int,)
    if type(value) not in kinds:
        return False
    number = float(value)  # type: ignore[arg-type]
    return number == number and low <= number <= high


def acceptable(
    record: dict[str, object], field: str, value: object, before: int, after: int
) -> bool:
    """Whether a reader must accept `record` with `field` set to `value`: an oracle written
    from the format's description, independently of the reader's own checks.

    `before` and `after` are the seqs around the record (-1 and 2**63 at the ends).
    """
    kind = record.get("kind")
    optional_text = {"user", "subprotocol", "reason"}
    fields_of = {
        "connect": {"path", "query_string", "headers", "subprotocols", "client", "user"},
        "accept": {"subprotocol"},
        "client_frame": {"text", "data"},
        "server_frame": {"text", "data"},
        "server_close": {"code", "reason", "status"},
        "client_disconnect": {"code"},
    }
    if field == "seq":
        return _number(value, before + 1, min(after - 1, 2**63 - 1))
    if field == "t":
        return _number(value, 0, 1e9, floats=True)
    if field == "conn":
        return type(value) is str and value != ""
    if field == "kind":
        return value == kind
    if field not in fields_of[str(kind)]:
        return False  # an unknown field
    if field in ("text", "data"):  # a frame has exactly one payload
        if field not in record:
            return value is None
        return type(value) is (str if field == "text" else bytes)
    if value is None:
        return field in optional_text or field in ("client", "status")
    if field in ("path", "query_string") or field in optional_text:
        return type(value) is str
    if field == "headers":
        return type(value) is list and all(
            type(pair) is list and len(pair) == 2 and all(type(p) is str for p in pair)
            for pair in value
        )
    if field == "subprotocols":
        return type(value) is list and all(type(item) is str for item in value)
    if field == "client":
        return type(value) is list and len(value) == 2 and type(value[0]) is str and _number(
            value[1], 0, 65535)  # fmt: skip
    if field == "code":
        return _number(value, 0, 65535)
    if field == "status":
        return _number(value, 100, 599)
    return False


def field_case(
    records: list[dict[str, object]], index: int, field: str, value: object, form: str
) -> tuple[bytes, bool] | None:
    """A cassette whose record `index` has `field` set to `value`, and whether a reader must
    accept it; None when the form cannot carry the value (bytes in JSON, huge ints)."""
    import msgpack

    from channels_replay.cassettes import json_line
    from tests.fuzz.corpus import HEADER

    if form == "jsonl" and isinstance(value, bytes):
        return None
    if form == "msgpack" and isinstance(value, int) and not -(2**63) <= value < 2**64:
        return None
    record = {**records[index]}
    record[field] = value
    changed = [*records[:index], record, *records[index + 1 :]]
    end = {"record": "end", "events": len(changed)}
    all_records = [HEADER, *changed, end]
    if form == "jsonl":
        data = b"".join(json_line(r).encode() + b"\n" for r in all_records)
    else:
        data = b"".join(msgpack.packb(r, use_bin_type=True) for r in all_records)
    seqs = [int(r["seq"]) for r in records]  # type: ignore[call-overload]
    before = seqs[index - 1] if index else -1
    after = seqs[index + 1] if index + 1 < len(seqs) else 2**63
    return data, acceptable(records[index], field, value, before, after)
