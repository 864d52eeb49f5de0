"""`CHANNELS_REPLAY["RECORD"]`: recording without code changes, under the servers people use.

The example app runs unchanged under uvicorn, daphne and Channels' runserver with
settings that add "channels_replay" to INSTALLED_APPS and set RECORD
(tests/recorder/settings_record.py). A chat exchange must land in a complete cassette,
with the user's identity (the recorder went in below the token middleware).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from channels_replay.cassettes import ConnectEvent, load_cassette
from channels_replay.recorder import install_settings_hook
from channels_replay.snapshots import header_snapshot
from tests.recorder.conftest import ServerFactory
from tests.recorder.helpers import (
    ALICE_TOKEN,
    REPO,
    chat,
    receive_json,
    receive_until,
    server_env,
    wait_for_cassette,
    ws_connect,
)
from tests.servers import HOST

SETTINGS = "tests.recorder.settings_record"


def uvicorn(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "example.asgi:application",
        "--host",
        HOST,
        "--port",
        str(port),
        "--ws",
        "websockets-sansio",
    ]


def daphne(port: int) -> list[str]:
    return [sys.executable, "-m", "daphne", "-b", HOST, "-p", str(port), "example.asgi:application"]


def runserver(port: int) -> list[str]:
    return [
        sys.executable,
        str(REPO / "example" / "manage.py"),
        "runserver",
        "--noreload",
        f"{HOST}:{port}",
    ]


@pytest.mark.parametrize("command", [uvicorn, daphne, runserver], ids=lambda c: c.__name__)
async def test_the_record_setting_records_under_every_server(
    server_factory: ServerFactory, tmp_path: Path, command: Callable[[int], list[str]]
) -> None:
    target = tmp_path / "recorded"
    env = {"DJANGO_SETTINGS_MODULE": SETTINGS, "CHANNELS_REPLAY_TEST_RECORD": str(target)}
    with server_factory(command, env=env) as server:
        url = server.ws_url(f"/ws/chat/lobby/?token={ALICE_TOKEN}")
        async with ws_connect(url) as alice:
            await receive_json(alice)
            await alice.send(chat("recorded by the setting"))
            await receive_until(alice, "group_complete")
        await asyncio.to_thread(
            wait_for_cassette,
            target,
            lambda c: any(e.kind == "client_disconnect" for e in c.events),
        )
        await asyncio.to_thread(server.stop)
    output = server.output()

    (cassette_file,) = target.glob("*.cassette")
    assert cassette_file.name.startswith("session-"), output
    cassette = load_cassette(cassette_file)
    snapshot = header_snapshot(cassette_file, load_cassette(cassette_file).header)
    assert snapshot is not None, output
    assert snapshot.is_file(), output
    rows = {row["model"] for row in json.loads(snapshot.read_text())}
    assert "auth.user" in rows, rows
    assert "example.accesstoken" not in rows, "token rows are credentials: never in a snapshot"
    assert ALICE_TOKEN.encode() not in snapshot.read_bytes()
    assert cassette.complete, f"{cassette.problem}\n{output}"
    assert cassette.header.app == "example.asgi.application"
    connect = cassette.events[0]
    assert isinstance(connect, ConnectEvent)
    assert connect.user == "alice"
    assert connect.query_string == "token=<redacted:query:token>"
    assert [e.kind for e in cassette.events][-1] == "client_disconnect"
    assert ALICE_TOKEN.encode() not in cassette_file.read_bytes()


def test_the_record_setting_with_debug_off_stops_the_server_with_the_reason(
    demo_db: Path, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        **server_env(
            demo_db,
            DJANGO_SETTINGS_MODULE=SETTINGS,
            CHANNELS_REPLAY_TEST_RECORD=str(tmp_path),
            CHANNELS_REPLAY_TEST_DEBUG="0",
        ),
    }
    done = subprocess.run(
        [sys.executable, "-c", "import example.asgi"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "RecorderError: refusing to record" in done.stderr
    assert "RECORD_FORCE" in done.stderr


def test_without_the_record_setting_the_hook_does_nothing() -> None:
    from channels.routing import ProtocolTypeRouter

    assert install_settings_hook() is False
    assert not getattr(ProtocolTypeRouter.__init__, "_channels_replay_hook", False)


@pytest.mark.parametrize("command", [uvicorn, daphne, runserver], ids=lambda c: c.__name__)
async def test_a_browser_close_without_a_code_is_recorded_and_never_breaks_the_app(
    server_factory: ServerFactory, tmp_path: Path, command: Callable[[int], list[str]]
) -> None:
    """Browsers' `ws.close()` sends an empty close frame; daphne passes its code as None."""
    target = tmp_path / "recorded"
    env = {"DJANGO_SETTINGS_MODULE": SETTINGS, "CHANNELS_REPLAY_TEST_RECORD": str(target)}
    with server_factory(command, env=env) as server:
        url = server.ws_url(f"/ws/chat/lobby/?token={ALICE_TOKEN}")
        for text in ("first tab", "second tab"):
            async with ws_connect(url) as alice:
                await receive_json(alice)
                await alice.send(chat(text))
                await receive_until(alice, "group_complete")
                await alice.close(code=None)  # type: ignore[arg-type]  # an empty close frame
        await asyncio.to_thread(
            wait_for_cassette,
            target,
            lambda c: sum(e.kind == "client_disconnect" for e in c.events) == 2,
        )
        await asyncio.to_thread(server.stop)
    output = server.output()

    assert "Exception inside application" not in output, output
    assert "Traceback" not in output, output
    (cassette_file,) = target.glob("*.cassette")
    cassette = load_cassette(cassette_file)
    assert cassette.complete, f"{cassette.problem}\n{output}"
    disconnects = [e for e in cassette.events if e.kind == "client_disconnect"]
    assert [(e.conn, e.code) for e in disconnects] == [("c1", 1005), ("c2", 1005)]  # type: ignore[union-attr]


def test_the_record_setting_records_nothing_under_pytest(demo_db: Path, tmp_path: Path) -> None:
    """RECORD left in the settings: a test process builds the app unrecorded, even with
    DEBUG off (as Django's test runner sets it), instead of refusing to start."""
    script = (
        "import pytest, example.asgi\n"
        "from channels_replay.recorder import find_recorder\n"
        "print(find_recorder(example.asgi.application))\n"
    )
    env = {
        **os.environ,
        **server_env(
            demo_db,
            DJANGO_SETTINGS_MODULE=SETTINGS,
            CHANNELS_REPLAY_TEST_RECORD=str(tmp_path / "recorded"),
            CHANNELS_REPLAY_TEST_DEBUG="0",
        ),
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "None"
    assert not (tmp_path / "recorded").exists()


def test_a_replay_is_never_recorded_whatever_the_settings_say(
    demo_db: Path, tmp_path: Path
) -> None:
    target = tmp_path / "recorded"
    env = {
        **os.environ,
        **server_env(demo_db, CHANNELS_REPLAY_TEST_RECORD=str(target)),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "channels_replay.cli",
            "replay",
            str(REPO / "cassettes" / "echo.cassette"),
            "--settings",
            SETTINGS,
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS echo.cassette" in done.stdout
    assert not target.exists() or not any(target.iterdir())
