"""`channels-replay record` as a developer runs it: a real server, real clients, real signals.

Each test starts the command in a subprocess on a free loopback port (tests/servers.py)
against a migrated, seeded temporary database, talks to it with `websockets` clients
and reads the cassette back from disk.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

from channels_replay.cassettes import (
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    ServerFrame,
    load_cassette,
)
from tests.recorder.conftest import ServerFactory
from tests.recorder.helpers import (
    ALICE_TOKEN,
    BOB_TOKEN,
    REPO,
    chat,
    receive_json,
    receive_until,
    record_command,
    server_env,
    wait_for_cassette,
    ws_connect,
)
from tests.servers import HOST

SECRETS = (ALICE_TOKEN.encode(), BOB_TOKEN.encode(), b"hunter2")


def actions(event: Any) -> str | None:
    if isinstance(event, ServerFrame | ClientFrame) and event.text is not None:
        return str(json.loads(event.text).get("action"))
    return None


async def test_two_users_chat_and_sigterm_closes_the_cassette_cleanly(
    record_server: ServerFactory, tmp_path: Path
) -> None:
    out = tmp_path / "cassettes" / "chat.cassette"
    with record_server("--out", str(out)) as server:
        lobby = server.ws_url("/ws/chat/lobby/")
        async with ws_connect(f"{lobby}?token={ALICE_TOKEN}") as alice:
            assert (await receive_json(alice))["payload"]["data"] == {"username": "alice"}
            async with ws_connect(
                lobby, additional_headers={"Authorization": f"Token {BOB_TOKEN}"}
            ) as bob:
                assert (await receive_json(bob))["payload"]["data"] == {"username": "bob"}
                await alice.send(chat("hello bob"))
                to_alice = await receive_until(alice, "group_complete")
                to_bob = await receive_until(bob, "group_complete")
                await bob.send(chat("hello alice"))
                await receive_until(bob, "group_complete")
                await receive_until(alice, "group_complete")
            # bob has left; alice is still connected when the server is stopped
            returncode = await asyncio.to_thread(server.stop)
        output = server.output()

    assert returncode == 0, output
    assert "listening on http://127.0.0.1:" in server.stdout
    assert f"recorded 2 connections, 14 frames (20 events) to {out}" in server.stdout, output
    assert [f["action"] for f in to_alice] == ["complete", "chat_message", "group_complete"]
    assert [f["action"] for f in to_bob] == ["chat_message", "group_complete"]

    cassette = load_cassette(out)
    assert cassette.complete, cassette.problem
    assert cassette.header.app == "example.asgi:application"
    assert cassette.header.server is not None
    assert cassette.header.server.startswith("uvicorn")
    events = cassette.events
    assert [event.seq for event in events] == list(range(20))
    assert [event.t for event in events] == sorted(event.t for event in events)
    assert cassette.connections() == ["c1", "c2"]
    connects = [event for event in events if isinstance(event, ConnectEvent)]
    assert [(c.conn, c.user, c.path) for c in connects] == [
        ("c1", "alice", "/ws/chat/lobby/"),
        ("c2", "bob", "/ws/chat/lobby/"),
    ]
    # alice's message comes before every frame it caused, on both connections
    said = next(i for i, e in enumerate(events) if isinstance(e, ClientFrame) and e.conn == "c1")
    caused = [
        i
        for i, e in enumerate(events)
        if actions(e) == "chat_message" and "hello bob" in str(getattr(e, "text", ""))
    ]
    assert len(caused) == 2
    assert all(i > said for i in caused)
    assert {events[i].conn for i in caused} == {"c1", "c2"}
    disconnects = [(e.conn, e.code) for e in events if isinstance(e, ClientDisconnect)]
    assert disconnects == [("c2", 1000), ("c1", 1012)]  # 1012: the server shut down
    assert events[-1] == next(e for e in events if e.conn == "c1" and e.kind == "client_disconnect")
    raw = out.read_bytes()
    for secret in SECRETS:
        assert secret not in raw


async def test_kill_9_leaves_a_readable_cassette_with_the_events_so_far(
    record_server: ServerFactory, tmp_path: Path
) -> None:
    out = tmp_path / "killed.cassette"
    with record_server("--out", str(out)) as server:
        async with ws_connect(server.ws_url(f"/ws/chat/lobby/?token={ALICE_TOKEN}")) as alice:
            await receive_json(alice)
            await alice.send(chat("before the crash"))
            await receive_until(alice, "group_complete")
            # events reach the file within milliseconds of happening (FLUSH_DELAY)
            await asyncio.to_thread(wait_for_cassette, out, lambda c: len(c.events) == 7)
            server.kill()

    cassette = load_cassette(out)
    assert not cassette.complete
    assert cassette.problem
    assert [(e.conn, e.kind) for e in cassette.events] == [
        ("c1", "connect"),
        ("c1", "accept"),
        ("c1", "server_frame"),
        ("c1", "client_frame"),
        ("c1", "server_frame"),
        ("c1", "server_frame"),
        ("c1", "server_frame"),
    ]
    assert [actions(e) for e in cassette.events[2:]] == [
        "authentication",
        "message",
        "complete",
        "chat_message",
        "group_complete",
    ]


async def test_an_unwritable_target_leaves_the_app_working_with_one_warning(
    record_server: ServerFactory, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cassette directory should be")
    out = blocker / "cassettes" / "chat.cassette"
    with record_server("--out", str(out)) as server:
        lobby = server.ws_url("/ws/chat/lobby/")
        async with (
            ws_connect(f"{lobby}?token={ALICE_TOKEN}") as alice,
            ws_connect(f"{lobby}?token={BOB_TOKEN}") as bob,
        ):
            await receive_json(alice)
            await receive_json(bob)
            await alice.send(chat("still works"))
            replies = await receive_until(bob, "group_complete")
            assert replies[0]["payload"]["text"] == "still works"
        assert await asyncio.to_thread(server.stop) == 0

    assert server.stderr.count("recording stopped") == 1, server.output()
    assert str(out) in server.stderr
    assert "recorded 0 connections" in server.stdout
    assert "recording stopped early" in server.stdout
    assert not out.exists()


async def test_no_secret_reaches_the_file(record_server: ServerFactory, tmp_path: Path) -> None:
    out = tmp_path / "secrets.jsonl"
    with record_server("--out", str(out)) as server:
        echo = server.ws_url(f"/ws/echo/?token={ALICE_TOKEN}")
        async with ws_connect(
            echo, additional_headers={"Authorization": f"Token {BOB_TOKEN}"}
        ) as client:
            await receive_json(client)
            await client.send(
                json.dumps({"action": "echo", "payload": {"user": "alice", "password": "hunter2"}})
            )
            (reply, _complete) = await receive_until(client, "complete")
            assert reply["payload"]["password"] == "hunter2"  # the app is untouched
        assert await asyncio.to_thread(server.stop) == 0

    raw = out.read_bytes()
    for secret in SECRETS:
        assert secret not in raw
    assert b"<redacted:json:password>" in raw
    assert b"<redacted:query:token>" in raw
    assert b"<redacted:header:authorization>" in raw


def test_http_requests_pass_through_unrecorded(
    record_server: ServerFactory, tmp_path: Path
) -> None:
    out = tmp_path / "http.cassette"
    with record_server("--out", str(out)) as server:
        with urllib.request.urlopen(server.url("/health/"), timeout=10) as response:
            assert response.status == 200
            assert json.loads(response.read()) == {"ok": True}
        assert server.stop() == 0
    assert "recorded nothing: no WebSocket connection was made" in server.stdout
    assert not out.exists()


async def test_per_connection_mode_makes_one_cassette_per_connection(
    record_server: ServerFactory, tmp_path: Path
) -> None:
    out = tmp_path / "per-connection"
    with record_server("--out", f"{out}/", "--per-connection") as server:
        for token in (ALICE_TOKEN, BOB_TOKEN):
            async with ws_connect(server.ws_url(f"/ws/chat/room/?token={token}")) as client:
                await receive_json(client)
                await client.send(chat("hi"))
                await receive_until(client, "group_complete")
        assert await asyncio.to_thread(server.stop) == 0

    files = sorted(out.iterdir())
    assert [path.name[-12:] for path in files] == ["-c1.cassette", "-c2.cassette"]
    users = []
    for path in files:
        cassette = load_cassette(path)
        assert cassette.complete
        assert cassette.connections() == ["c1"]
        connect = cassette.events[0]
        assert isinstance(connect, ConnectEvent)
        users.append(connect.user)
        assert cassette.events[-1].kind == "client_disconnect"
    assert users == ["alice", "bob"]
    assert "recorded 2 connections" in server.stdout


def run_record(*options: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*record_command(), "record", *options],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_off_is_refused_with_a_clear_error_unless_forced(
    demo_db: Path, server_factory: ServerFactory, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        **server_env(demo_db, DJANGO_SETTINGS_MODULE="tests.recorder.settings_nodebug"),
    }
    out = tmp_path / "prod.cassette"
    done = run_record("--app", "example.asgi:application", "--out", str(out), env=env)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: refusing to record WebSocket sessions to ")
    assert "settings.DEBUG is False" in line
    assert "--force" in line

    def forced(port: int) -> list[str]:
        return [
            *record_command(),
            "record",
            "--app",
            "example.asgi:application",
            "--out",
            str(out),
            "--port",
            str(port),
            "--force",
        ]

    with server_factory(
        forced, env={"DJANGO_SETTINGS_MODULE": "tests.recorder.settings_nodebug"}
    ) as server:
        assert server.stop() == 0
    assert "recorded nothing" in server.stdout


def test_a_bad_app_is_one_error_line_and_exit_2(demo_db: Path, tmp_path: Path) -> None:
    env = {**os.environ, **server_env(demo_db)}
    for app, expected in (
        ("no_such_module.asgi:application", "module 'no_such_module.asgi' failed to import"),
        ("example.asgi:nothing_here", "has no attribute 'nothing_here'"),
        ("example", "give it as 'module:attribute'"),
    ):
        done = run_record("--app", app, "--out", str(tmp_path / "x.cassette"), env=env)
        assert done.returncode == 2, done.stderr
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith("error: cannot import the application")
        assert expected in line


def test_ctrl_c_stops_the_server_and_closes_the_cassette(
    record_server: ServerFactory, tmp_path: Path
) -> None:
    out = tmp_path / "interrupted.cassette"
    with record_server("--out", str(out)) as server:

        async def one_echo() -> None:
            async with ws_connect(server.ws_url("/ws/echo/")) as client:
                await receive_json(client)
                await client.send(json.dumps({"action": "echo", "payload": 1}))
                await receive_until(client, "complete")

        asyncio.run(one_echo())
        assert server.stop(signal.SIGINT) == 0
    assert "recorded 1 connection, 4 frames" in server.stdout, server.output()
    assert load_cassette(out).complete


def test_a_port_in_use_is_one_error_line_and_exit_2(demo_db: Path, tmp_path: Path) -> None:
    env = {**os.environ, **server_env(demo_db)}
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_record(
            "--app",
            "example.asgi:application",
            "--out",
            str(tmp_path / "x.cassette"),
            "--port",
            str(port),
            env=env,
        )
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith(f"error: the recording server could not start on {HOST}:{port}")
    )


def test_record_serves_the_apps_static_files_with_debug_on(
    record_server: ServerFactory, tmp_path: Path
) -> None:
    """As runserver does, so a developer can click through the app's own pages."""
    out = tmp_path / "static.cassette"
    env = {"DJANGO_SETTINGS_MODULE": "tests.recorder.settings_static"}
    with record_server("--out", str(out), env=env) as server:
        with urllib.request.urlopen(server.url("/static/hello.txt"), timeout=10) as response:
            assert response.status == 200
            assert response.read() == b"hello from a static file\n"
        with urllib.request.urlopen(server.url("/health/"), timeout=10) as response:
            assert json.loads(response.read()) == {"ok": True}  # the app's own views still
        assert server.stop() == 0
