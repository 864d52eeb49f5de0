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
