"""The live driver against real servers on 127.0.0.1 (uvicorn subprocesses).

The example app is served on a migrated, seeded temporary database (as the
recorder tests do); the plain apps of `tests/drivers/apps.py` need no database.
Refusals are recorded for real, through `channels-replay record`, and replayed
against a plain server of the same app: what was recorded and what a live client
sees must be the same events.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from channels_replay.cassettes import (
    AcceptEvent,
    Cassette,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    ServerClose,
    ServerFrame,
    load_cassette,
)
from channels_replay.drivers import AppDone, Arrival, ConnectRequest, LiveDriver, check_target
from channels_replay.errors import ChannelsReplayError, ConfigurationError
from channels_replay.replay.engine import replay_cassette
from channels_replay.replay.run import ReplayOptions
from channels_replay.replay.substitution import Credentials
from channels_replay.reports import render_text
from tests.drivers import apps
from tests.recorder.helpers import REPO, record_command, server_env, ws_connect
from tests.servers import HOST, ServerProcess, free_port, running_server, uvicorn_argv

CASSETTES = REPO / "cassettes"
BOUND = 30.0
"""Upper bound of a whole replay here; a hang fails the test instead of the run."""

OPTIONS = {"timeout": 5.0, "grace": 0.25}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite demo database, migrated and seeded (alice and bob with their tokens)."""
    database = tmp_path_factory.mktemp("live-demo-db") / "db.sqlite3"
    env = {**os.environ, **server_env(database)}
    manage = [sys.executable, str(REPO / "example" / "manage.py")]
    for command in (["migrate", "-v0"], ["seed_demo"]):
        subprocess.run([*manage, *command], env=env, cwd=REPO, check=True, capture_output=True)
    return database


@pytest.fixture(scope="module")
def example_server(demo_db: Path) -> Iterator[ServerProcess]:
    """`example.asgi:application` on uvicorn."""
    with running_server(
        uvicorn_argv("example.asgi:application"), env=server_env(demo_db), cwd=REPO
    ) as server:
        yield server


@pytest.fixture(scope="module")
def apps_server(demo_db: Path) -> Iterator[ServerProcess]:
    """`tests.drivers.apps:application` on uvicorn (refusals, a shouting echo)."""
    with running_server(
        uvicorn_argv("tests.drivers.apps:application"), env=server_env(demo_db), cwd=REPO
    ) as server:
        yield server


def target(server: ServerProcess) -> str:
    return f"ws://{server.host}:{server.port}"


async def replay_live(cassette: Cassette, server_target: str, **options: Any) -> Any:
    async with asyncio.timeout(BOUND):
        return await replay_cassette(
            cassette, target=server_target, options=ReplayOptions(**{**OPTIONS, **options})
        )


# ---- the committed cassettes against the example app -------------------------------------


async def test_the_echo_cassette_replays_green_against_a_live_server(
    example_server: ServerProcess,
) -> None:
    result = await replay_live(load_cassette(CASSETTES / "echo.cassette"), target(example_server))

    assert result.ok, render_text(result)
    assert result.driver == "live"
    assert result.signalled
    assert result.steps[0].step.describe() == "c1 connects to /ws/echo/"
    kinds = [event.kind for event in result.timeline]
    assert kinds == [
        "connect",
        "accept",
        "server_frame",
        "client_frame",
        "server_frame",
        "server_frame",
        "client_frame",
        "server_frame",
        "server_frame",
        "client_disconnect",
    ]


async def test_a_cassette_without_signals_replays_green_by_counts(
    example_server: ServerProcess,
) -> None:
    result = await replay_live(load_cassette(CASSETTES / "plain.cassette"), target(example_server))
    assert result.ok, render_text(result)
    assert not result.signalled


async def test_a_failed_authentication_and_its_close_replay_green(
    example_server: ServerProcess,
) -> None:
    credentials = Credentials.parse("header", ["*:authorization=Token wrong-token"])
    result = await replay_live(
        load_cassette(CASSETTES / "failed_authentication.cassette"),
        target(example_server),
        credentials=credentials,
    )
    assert result.ok, render_text(result)
    assert [event.kind for event in result.timeline][-1] == "server_close"


async def test_a_regression_on_the_live_server_is_a_difference(
    example_server: ServerProcess,
) -> None:
    cassette = load_cassette(CASSETTES / "echo.cassette")
    events = [
        event.model_copy(update={"text": event.text.replace("world", "moon")})
        if isinstance(event, ServerFrame) and event.text and "world" in event.text
        else event
        for event in cassette.events
    ]
    changed = cassette.model_copy(update={"events": events})

    result = await replay_live(changed, target(example_server))

    assert not result.ok
    assert [(d.kind, d.path) for step in result.failed_steps for _, d in step.differences] == [
        ("changed", "payload.hello")
    ]


# ---- the same events recorded and live --------------------------------------------------------


def shout_cassette(path: str = "/shout/") -> Cassette:
    events: list[Any] = []

    def add(cls: Any, **fields: Any) -> None:
        events.append(cls(seq=len(events), conn="c1", t=len(events) / 100, **fields))

    add(ConnectEvent, path=path)
    add(AcceptEvent)
    add(ClientFrame, text="hi")
    add(ServerFrame, text="HI")
    add(ClientFrame, text="bye")
    add(ServerClose, code=4000, reason="bye")
    add(ClientDisconnect, code=1000)
    return Cassette(events=events)


async def test_a_server_close_with_a_reason_is_the_same_live_and_in_process(
    apps_server: ServerProcess,
) -> None:
    live = await replay_live(shout_cassette(), target(apps_server))
    async with asyncio.timeout(BOUND):
        in_process = await replay_cassette(
            shout_cassette(), apps.application, ReplayOptions(**OPTIONS)
        )
    assert live.ok, render_text(live)
    assert in_process.ok, render_text(in_process)
    closes = [
        [(e.code, e.reason, e.status) for e in result.timeline if isinstance(e, ServerClose)]
        for result in (live, in_process)
    ]
    assert closes == [[(4000, "bye", None)]] * 2


@pytest.fixture(scope="module")
def recorded_refusals(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Refused handshakes recorded by `channels-replay record`: path -> (cassette, status, body)."""
    out = tmp_path_factory.mktemp("refusals")

    def argv(port: int) -> list[str]:
        return [
            *record_command(),
            "record",
            "--app",
            "tests.drivers.apps:application",
            "--host",
            HOST,
            "--port",
            str(port),
            "--out",
            str(out),
            "--per-connection",
        ]

    seen: dict[str, tuple[int, bytes]] = {}

    async def clients(server: ServerProcess) -> None:
        for path in apps.ROUTES:
            with pytest.raises(InvalidStatus) as refused:
                async with ws_connect(server.ws_url(path)):
                    pass
            response = refused.value.response
            seen[path] = (response.status_code, bytes(response.body or b""))

    with running_server(argv, env=server_env(demo_db), cwd=REPO) as server:
        asyncio.run(clients(server))
        server.stop()
        output = server.output()
    cassettes = {}
    for file in sorted(out.iterdir()):
        cassette = load_cassette(file)
        path = cassette.events[0].path
        cassettes[path] = (cassette, *seen[path])
    assert set(cassettes) == set(apps.ROUTES), output
    return cassettes


@pytest.mark.parametrize("path", ["/refuse/", "/deny/", "/raise/"])
async def test_a_refused_handshake_recorded_and_live_are_the_same_events(
    path: str, recorded_refusals: dict[str, Any], apps_server: ServerProcess
) -> None:
    cassette, status, body = recorded_refusals[path]
    recorded = cassette.events[-1]
    assert isinstance(recorded, ServerClose)
    assert (recorded.code, recorded.status) == (1006, status)

    result = await replay_live(cassette, target(apps_server))

    live = result.timeline[-1]
    assert isinstance(live, ServerClose)
    assert (live.code, live.reason, live.status) == (
        recorded.code,
        recorded.reason,
        recorded.status,
    ), f"the server answered {status} {body!r}"
    assert result.ok, render_text(result)


async def test_the_live_driver_reports_a_refusal_as_one_close_event(
    apps_server: ServerProcess,
) -> None:
    driver = LiveDriver(target(apps_server), open_timeout=5.0)
    try:
        await driver.open("c1", ConnectRequest("/refuse/"))
        event = await driver.next_event(5.0)
        assert isinstance(event, Arrival)
        assert isinstance(event.event, ServerClose)
        assert (event.conn, event.event.code, event.event.status) == ("c1", 1006, 403)
        # nothing after the end, and sending on the refused connection is a no-op
        await driver.send("c1", "hello", None)
        await driver.disconnect("c1", 1000)
        assert not isinstance(await driver.next_event(0.2), Arrival | AppDone)
    finally:
        await driver.aclose()


# ---- bad targets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["http://127.0.0.1:8000", "127.0.0.1:8000", "ws://", "", "localhost"]
)
async def test_a_target_that_is_not_a_websocket_address_is_a_configuration_error(
    bad: str,
) -> None:
    with pytest.raises(ConfigurationError, match="write ws://HOST:PORT"):
        await replay_cassette(load_cassette(CASSETTES / "echo.cassette"), target=bad)


def test_check_target_keeps_good_addresses_without_a_trailing_slash() -> None:
    assert check_target("ws://127.0.0.1:8000/") == "ws://127.0.0.1:8000"
    assert check_target("wss://example.org") == "wss://example.org"


async def test_a_target_nobody_listens_on_is_a_clear_error() -> None:
    """Not a list of "differences" on every step, and not a hang.

    Today the replay returns a failing result: the connect step's accept is
    "missing", an "extra" close carries `could not connect ...` as its reason
    and HTTP status 0 (outside the model's 100..599), and every later step
    reports its frames missing, as if the app had regressed.
    """
    port = free_port()
    cassette = load_cassette(CASSETTES / "echo.cassette")
    started = time.monotonic()
    with pytest.raises(ChannelsReplayError, match=f"127.0.0.1:{port}"):
        async with asyncio.timeout(BOUND):
            await replay_cassette(
                cassette, target=f"ws://127.0.0.1:{port}", options=ReplayOptions(timeout=1.0)
            )
    assert time.monotonic() - started < BOUND
