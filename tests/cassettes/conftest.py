"""Fixtures of the cassette format tests: one event of every kind, and a header.

data/ holds cassettes written by older format versions, read by the tests; they are
not replay tests, so the channels-replay pytest plugin must not collect them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from channels_replay.cassettes import (
    AcceptEvent,
    CassetteHeader,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerClose,
    ServerFrame,
)

collect_ignore_glob = ["data/*"]


def every_kind(conn: str = "c1", start: int = 0) -> list[Event]:
    """One session with every event kind, bytes, unicode and empty text."""
    return [
        ConnectEvent(
            seq=start,
            conn=conn,
            t=0.0,
            path="/ws/chat/",
            query_string="room=lobby&token=abc",
            headers=[("host", "testserver"), ("authorization", "Bearer s3cret")],
            subprotocols=["chat.v1", "chat.v2"],
            client=("127.0.0.1", 51234),
            user="alice",
        ),
        AcceptEvent(seq=start + 1, conn=conn, t=0.0012, subprotocol="chat.v1"),
        ClientFrame(seq=start + 2, conn=conn, t=0.1, text='{"action":"ping","payload":null}'),
        ServerFrame(seq=start + 3, conn=conn, t=0.11, text="héllo ✓ 日本語 \U0001f600"),
        ClientFrame(seq=start + 4, conn=conn, t=0.2, text=""),
        ServerFrame(seq=start + 5, conn=conn, t=0.21, data=bytes(range(256))),
        ClientFrame(seq=start + 6, conn=conn, t=0.3, data=b""),
        ServerClose(seq=start + 7, conn=conn, t=0.4, code=4001, reason="bye"),
        ClientDisconnect(seq=start + 8, conn=conn, t=0.5, code=1001),
        ConnectEvent(seq=start + 9, conn=conn + "-b", t=0.6, path="/ws/"),
        AcceptEvent(seq=start + 10, conn=conn + "-b", t=0.61),
        ServerClose(seq=start + 11, conn=conn + "-b", t=0.7),
    ]


@pytest.fixture
def events() -> list[Event]:
    return every_kind()


@pytest.fixture
def header() -> CassetteHeader:
    return CassetteHeader(
        library_version="0.1.0",
        app="example.asgi:application",
        server="uvicorn 0.30",
        redacted=False,
        noise=[{"path": "payload.id", "rule": "uuid"}],
        metadata={"branch": "main", "n": 3},
    )


@pytest.fixture
def make_frames() -> Callable[[int], list[Event]]:
    def make(count: int) -> list[Event]:
        return [
            ServerFrame(seq=i, conn=f"c{i % 3}", t=i / 1000, text=f'{{"action":"n","payload":{i}}}')
            for i in range(count)
        ]

    return make
