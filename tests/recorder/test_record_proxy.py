"""`channels-replay proxy`: recording any WebSocket server through a relaying proxy.

The example app runs under a plain uvicorn; the proxy runs as the command would, in
a subprocess; clients talk to the proxy with `websockets`.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from channels_replay.cassettes import ClientFrame, ConnectEvent, ServerClose, load_cassette
from tests.recorder.conftest import ServerFactory
from tests.recorder.helpers import (
    ALICE_TOKEN,
    BOB_TOKEN,
    REPO,
    chat,
    receive_json,
    receive_until,
    record_command,
    ws_connect,
)
from tests.servers import HOST, ServerProcess, running_server, uvicorn_argv


def start_proxy(upstream: ServerProcess, out: Path) -> AbstractContextManager[ServerProcess]:
    def argv(port: int) -> list[str]:
        return [
            *record_command(),
            "proxy",
            "--target",
            upstream.ws_url(""),
            "--listen",
            f"{HOST}:{port}",
            "--out",
            str(out),
        ]

    return running_server(argv, cwd=REPO)


async def test_the_proxy_records_the_sessions_it_relays(
    server_factory: ServerFactory, tmp_path: Path
) -> None:
    out = tmp_path / "proxied.jsonl"
    with (
        server_factory(uvicorn_argv("example.asgi:application")) as upstream,
        start_proxy(upstream, out) as proxy,
    ):
        lobby = proxy.ws_url("/ws/chat/lobby/")
        async with (
            ws_connect(f"{lobby}?token={ALICE_TOKEN}") as alice,
            ws_connect(lobby, additional_headers={"Authorization": f"Token {BOB_TOKEN}"}) as bob,
        ):
            assert (await receive_json(alice))["payload"]["data"] == {"username": "alice"}
            assert (await receive_json(bob))["payload"]["data"] == {"username": "bob"}
            await alice.send(chat("through the proxy"))
            (to_bob, _) = await receive_until(bob, "group_complete")
            assert to_bob["payload"]["text"] == "through the proxy"
            await receive_until(alice, "group_complete")
        async with ws_connect(lobby) as nobody:  # no token: told why, then closed with 4001
            assert (await receive_json(nobody))["payload"]["status_code"] == 401
            with pytest.raises(ConnectionClosedError) as closed:
                await receive_json(nobody)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 4001
        with pytest.raises(InvalidStatus) as refused:
            async with ws_connect(proxy.ws_url("/ws/no-such-route/")):
                pass
        assert refused.value.response.status_code == 500
        assert await asyncio.to_thread(proxy.stop) == 0

    assert "recorded 4 connections" in proxy.stdout, proxy.output()
    cassette = load_cassette(out)
    assert cassette.complete
    assert cassette.header.server == "channels-replay proxy"
    assert cassette.connections() == ["c1", "c2", "c3", "c4"]
    connects = [e for e in cassette.events if isinstance(e, ConnectEvent)]
    assert [c.path for c in connects] == ["/ws/chat/lobby/"] * 3 + ["/ws/no-such-route/"]
    assert all(c.user is None for c in connects)  # a proxy cannot know users
    kinds = [(e.conn, e.kind) for e in cassette.events]
    assert kinds[:6] == [
        ("c1", "connect"),
        ("c1", "accept"),
        ("c1", "server_frame"),
        ("c2", "connect"),
        ("c2", "accept"),
        ("c2", "server_frame"),
    ]
    closes = [(e.conn, e.code, e.status) for e in cassette.events if isinstance(e, ServerClose)]
    assert closes == [("c3", 4001, None), ("c4", 1006, 500)]  # c4: refused with HTTP 500
    assert [k for c, k in kinds if c == "c4"] == ["connect", "server_close"]
    raw = out.read_bytes()
    assert ALICE_TOKEN.encode() not in raw
    assert BOB_TOKEN.encode() not in raw
    said = [
        json.loads(e.text)
        for e in cassette.events
        if isinstance(e, ClientFrame) and e.text is not None
    ]
    assert said == [{"action": "message", "payload": {"text": "through the proxy"}}]


def test_a_bad_target_or_listen_address_is_one_error_line() -> None:
    for options, expected in (
        (["--target", "http://127.0.0.1:1"], "is not a WebSocket URL"),
        (["--target", "ws://127.0.0.1:1", "--listen", "nowhere"], "is not HOST:PORT"),
    ):
        done = subprocess.run(
            [*record_command(), "proxy", *options, "--out", "unused.cassette"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith("error: ")
        assert expected in line
