"""What the recorder says about signals and refusals (format version 2).

The header holds the signal convention in force (the Django settings), the summary
counts the signal frames recorded, `channels-replay record` warns once when there are
none, and a refused handshake is recorded as a client sees it (`status`, code 1006).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from channels_replay.cassettes import ServerClose, load_cassette
from channels_replay.recorder import RecorderMiddleware, RecordingSession
from channels_replay.signals import SignalNames
from tests.recorder.conftest import ServerFactory
from tests.recorder.helpers import receive_until, ws_connect

NO_SIGNALS = "no signals at all: replay will go by recorded frame counts"


@pytest.fixture(autouse=True)
def debug_on(settings: Any) -> None:
    """A developer's settings: the recorder refuses to run with DEBUG off."""
    settings.DEBUG = True


def sending(*texts: str) -> Any:
    """An ASGI websocket app that accepts, sends these texts, and waits for the disconnect."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        for text in texts:
            await send({"type": "websocket.send", "text": text})
        await receive()

    return app


async def run_one_connection(recorder: RecorderMiddleware) -> None:
    messages: list[dict[str, Any]] = [
        {"type": "websocket.connect"},
        {"type": "websocket.disconnect", "code": 1000},
    ]
    incoming = iter(messages)

    async def receive() -> dict[str, Any]:
        return next(incoming)

    async def send(message: Any) -> None:
        pass

    await recorder({"type": "websocket", "path": "/ws/"}, receive, send)


async def test_the_header_holds_the_convention_of_the_settings_and_the_summary_counts(
    tmp_path: Path, settings: Any
) -> None:
    settings.CHANNELS_REPLAY = {
        "MESSAGE_ACTION_KEY": "type",
        "AUTHENTICATION_ACTION": "hello",
        "COMPLETE_ACTION": "done",
        "GROUP_COMPLETE_ACTION": "group_done",
    }
    app = sending(
        '{"type": "hello"}',
        '{"type": "done"}',
        '{"action": "complete"}',  # the default names mean nothing under this convention
        '{"type": "chat", "text": "done"}',
        '{"type":"done"}',
        '{"type": "group_done"}',
        "done",
    )
    recorder = RecorderMiddleware(app, target=tmp_path / "custom.cassette")
    await run_one_connection(recorder)
    summary = recorder.close()

    custom = SignalNames(
        action_key="type", authentication="hello", complete="done", group_complete="group_done"
    )
    assert summary.signals == {"authentication": 1, "complete": 2, "group_complete": 1}
    cassette = load_cassette(tmp_path / "custom.cassette")
    assert cassette.header.signals == custom
    assert cassette.signal_names() == custom


async def test_without_settings_the_defaults_and_no_signals_counted(tmp_path: Path) -> None:
    recorder = RecorderMiddleware(
        sending('{"echo": 1}', '{"action": "reply"}'), target=tmp_path / "plain.jsonl"
    )
    await run_one_connection(recorder)
    summary = recorder.close()
    assert summary.frames == 2
    assert summary.signals == {}
    assert load_cassette(tmp_path / "plain.jsonl").header.signals == SignalNames()


def refusing(*messages: dict[str, Any]) -> Any:
    """An ASGI websocket app that answers connect with these messages, then waits."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        for message in messages:
            await send(message)
        await receive()

    return app


async def test_a_refused_handshake_is_recorded_as_the_client_sees_it(tmp_path: Path) -> None:
    session = RecordingSession(tmp_path / "refusals.jsonl")
    apps = [
        refusing({"type": "websocket.http.response.start", "status": 401, "headers": []}),
        refusing({"type": "websocket.close", "code": 4003}),  # before accept: HTTP 403
        refusing(
            {"type": "websocket.accept"}, {"type": "websocket.close", "code": 4000, "reason": "bye"}
        ),
        refusing({"type": "websocket.accept"}, {"type": "websocket.close", "code": None}),
    ]
    for app in apps:
        await run_one_connection(RecorderMiddleware(app, session=session))
    session.close()

    events = load_cassette(tmp_path / "refusals.jsonl").events
    closes = [event for event in events if isinstance(event, ServerClose)]
    assert [(c.conn, c.status, c.code, c.reason) for c in closes] == [
        ("c1", 401, 1006, None),
        ("c2", 403, 1006, None),
        ("c3", None, 4000, "bye"),
        ("c4", None, 1005, None),
    ]


def test_record_warns_once_when_the_cassette_holds_no_signals(
    record_server: ServerFactory, tmp_path: Path
) -> None:
    async def plain(url: str) -> None:
        async with ws_connect(url) as client:
            await client.send(json.dumps({"n": 1}))
            await client.recv()

    async def echo(url: str) -> None:
        async with ws_connect(url) as client:
            await receive_until(client, "authentication")
            await client.send(json.dumps({"action": "echo", "payload": 1}))
            await receive_until(client, "complete")

    outputs = {}
    for name, talk, path in (("plain", plain, "/ws/plain/"), ("echo", echo, "/ws/echo/")):
        out = tmp_path / f"{name}.cassette"
        with record_server("--out", str(out)) as server:
            asyncio.run(talk(server.ws_url(path)))
            assert server.stop() == 0
        outputs[name] = server
        assert "recorded 1 connection" in server.stdout, server.output()

    warnings = [line for line in outputs["plain"].stderr.splitlines() if NO_SIGNALS in line]
    assert len(warnings) == 1, outputs["plain"].output()
    assert warnings[0].startswith("channels-replay: warning: the recording holds no signals")
    assert NO_SIGNALS not in outputs["echo"].output()
