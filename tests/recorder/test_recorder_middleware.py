"""RecorderMiddleware in-process: what it records, what it leaves alone, and its guards.

The example consumers run behind the recorder, driven by WebsocketCommunicator; the
cassettes are real files read back with `load_cassette`. A small middleware stands in
for authentication where the test is about identities, not tokens.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from channels.routing import URLRouter
from django.contrib.auth.models import AnonymousUser, User

from channels_replay.cassettes import (
    AcceptEvent,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Redactor,
    ServerClose,
    ServerFrame,
    load_cassette,
)
from channels_replay.errors import RecorderError
from channels_replay.recorder import RecorderMiddleware, RecordingSession, record_websocket
from channels_replay.testing import WebsocketCommunicator
from example.routing import websocket_urlpatterns
from tests.recorder.helpers import REPO
from tests.testing import apps


@pytest.fixture(autouse=True)
def debug_on(settings: Any) -> None:
    """A developer's settings: the recorder refuses to run with DEBUG off (tested below)."""
    settings.DEBUG = True


class SetUser:
    """Stands in for auth middleware: puts a fixed user into the scope."""

    def __init__(self, inner: Any, user: Any) -> None:
        self.inner = inner
        self.user = user

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        return await self.inner({**scope, "user": self.user}, receive, send)


def example_router() -> Any:
    return URLRouter(websocket_urlpatterns)


def kinds(events: list[Any]) -> list[tuple[str, str]]:
    return [(event.conn, event.kind) for event in events]


async def test_records_one_connection_in_order_with_every_field(tmp_path: Path) -> None:
    target = tmp_path / "plain.cassette"
    router = example_router()
    recorder = RecorderMiddleware(
        router, target=target, app_label="tests:plain", server="in-process"
    )
    assert recorder.app is router
    communicator = WebsocketCommunicator(
        SetUser(recorder, User(username="alice")),
        "/ws/plain/?room=lobby",
        headers=[(b"host", b"testserver"), (b"x-custom", b"caf\xe9")],
        subprotocols=["chat.v1"],
    )
    communicator.scope["client"] = ["127.0.0.1", 5555]
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_to(text_data='{"n": 1}')
    assert await communicator.receive_from() == '{"echo": {"n": 1}, "length": 8}'
    await communicator.send_to(bytes_data=b"\x00\x01abc")
    assert await communicator.receive_from() == b"cba\x01\x00"
    await communicator.disconnect(code=4321)
    summary = recorder.close()

    cassette = load_cassette(target)
    assert cassette.complete
    assert cassette.header.app == "tests:plain"
    assert cassette.header.server == "in-process"
    assert cassette.header.redacted is True
    events = cassette.events
    assert [event.seq for event in events] == list(range(len(events)))
    assert [event.t for event in events] == sorted(event.t for event in events)
    assert kinds(events) == [
        ("c1", "connect"),
        ("c1", "accept"),
        ("c1", "client_frame"),
        ("c1", "server_frame"),
        ("c1", "client_frame"),
        ("c1", "server_frame"),
        ("c1", "client_disconnect"),
    ]
    connect = events[0]
    assert isinstance(connect, ConnectEvent)
    assert connect.path == "/ws/plain/"
    assert connect.query_string == "room=lobby"
    assert connect.headers == [("host", "testserver"), ("x-custom", "caf\xe9")]
    assert connect.subprotocols == ["chat.v1"]
    assert connect.client == ("127.0.0.1", 5555)
    assert connect.user == "alice"
    assert isinstance(events[1], AcceptEvent)
    assert events[1].subprotocol is None
    assert isinstance(events[2], ClientFrame)
    assert events[2].text == '{"n": 1}'
    assert isinstance(events[3], ServerFrame)
    assert events[3].text == '{"echo": {"n": 1}, "length": 8}'
    assert isinstance(events[4], ClientFrame)
    assert events[4].data == b"\x00\x01abc"
    assert isinstance(events[5], ServerFrame)
    assert events[5].data == b"cba\x01\x00"
    assert isinstance(events[6], ClientDisconnect)
    assert events[6].code == 4321
    assert summary.connections == 1
    assert summary.frames == 4
    assert summary.events == 7
    assert summary.files == (target,)
    assert "1 connection, 4 frames" in summary.describe()


async def test_connections_share_one_global_order_and_number_in_connect_order(
    tmp_path: Path,
) -> None:
    target = tmp_path / "two.cassette"
    recorder = RecorderMiddleware(apps.application, target=target)
    first = WebsocketCommunicator(recorder, "/signals/")
    second = WebsocketCommunicator(recorder, "/signals/")
    await first.connect()
    await first.wait_for_auth()
    await second.connect()
    await second.wait_for_auth()
    await second.send_json_to({"action": "hello", "payload": 2})
    await second.receive_all_json()
    await first.send_json_to({"action": "hello", "payload": 1})
    await first.receive_all_json()
    await first.disconnect()
    await second.disconnect()
    recorder.close()

    events = load_cassette(target).events
    assert [event.seq for event in events] == list(range(len(events)))
    assert kinds(events) == [
        ("c1", "connect"),
        ("c1", "accept"),
        ("c1", "server_frame"),
        ("c2", "connect"),
        ("c2", "accept"),
        ("c2", "server_frame"),
        ("c2", "client_frame"),
        ("c2", "server_frame"),
        ("c2", "server_frame"),
        ("c1", "client_frame"),
        ("c1", "server_frame"),
        ("c1", "server_frame"),
        ("c1", "client_disconnect"),
        ("c2", "client_disconnect"),
    ]


async def test_http_and_lifespan_get_the_servers_own_callables(tmp_path: Path) -> None:
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope, receive, send))

    recorder = RecorderMiddleware(app, target=tmp_path / "none.cassette")

    async def receive() -> dict[str, Any]:
        raise AssertionError("not called")

    async def send(message: dict[str, Any]) -> None:
        raise AssertionError("not called")

    for scope_type in ("http", "lifespan"):
        scope = {"type": scope_type}
        await recorder(scope, receive, send)
        (got_scope, got_receive, got_send) = seen.pop()
        assert got_scope is scope
        assert got_receive is receive
        assert got_send is send
    summary = recorder.close()
    assert summary.connections == 0
    assert not (tmp_path / "none.cassette").exists()


async def test_messages_pass_through_as_the_same_objects(tmp_path: Path) -> None:
    """The recorder hands on the objects it got, not copies, both ways."""
    inner_messages: list[Any] = []
    outer_messages: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        connect = await receive()
        inner_messages.append(connect)
        accept = {"type": "websocket.accept"}
        inner_messages.append(accept)
        await send(accept)
        frame = await receive()
        inner_messages.append(frame)
        close = {"type": "websocket.close", "code": 4000, "reason": "bye"}
        inner_messages.append(close)
        await send(close)

    inputs = [
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": "hi"},
    ]

    async def receive() -> dict[str, Any]:
        message = inputs.pop(0)
        outer_messages.append(message)
        return message

    async def send(message: dict[str, Any]) -> None:
        outer_messages.append(message)

    recorder = RecorderMiddleware(app, target=tmp_path / "same.cassette")
    await recorder({"type": "websocket", "path": "/same/"}, receive, send)
    recorder.close()

    assert len(inner_messages) == len(outer_messages) == 4
    assert all(a is b for a, b in zip(inner_messages, outer_messages, strict=True))
    events = load_cassette(tmp_path / "same.cassette").events
    assert kinds(events)[-1] == ("c1", "server_close")
    assert isinstance(events[-1], ServerClose)
    assert (events[-1].code, events[-1].reason) == (4000, "bye")


async def test_a_refused_connection_is_a_server_close_and_nothing_after(tmp_path: Path) -> None:
    recorder = RecorderMiddleware(apps.application, target=tmp_path / "refused.cassette")
    communicator = WebsocketCommunicator(recorder, "/refuse/")
    connected, code = await communicator.connect()
    assert (connected, code) == (False, 4003)
    recorder.close()
    events = load_cassette(tmp_path / "refused.cassette").events
    assert kinds(events) == [("c1", "connect"), ("c1", "server_close")]
    assert isinstance(events[1], ServerClose)
    # a close before accept is an HTTP 403 refusal, recorded as a client sees it
    assert (events[1].status, events[1].code, events[1].reason) == (403, 1006, None)


async def test_an_app_that_raises_is_recorded_as_a_1011_close_and_the_error_propagates(
    tmp_path: Path,
) -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        raise RuntimeError("boom")

    recorder = RecorderMiddleware(broken, target=tmp_path / "broken.cassette")

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: Any) -> None:
        pass

    with pytest.raises(RuntimeError, match="boom"):
        await recorder({"type": "websocket", "path": "/x/"}, receive, send)
    recorder.close()
    events = load_cassette(tmp_path / "broken.cassette").events
    assert kinds(events) == [("c1", "connect"), ("c1", "server_close")]
    assert isinstance(events[1], ServerClose)
    # before accept the server answers HTTP 500 to an app that raised
    assert (events[1].status, events[1].code) == (500, 1006)
    assert events[1].reason is None  # a refusal keeps no reason: the body is the server's


@pytest.mark.parametrize(
    ("user", "expected"),
    [(User(username="bob"), "bob"), (AnonymousUser(), None), (None, None)],
)
async def test_identity_is_the_authenticated_username_only(
    tmp_path: Path, user: Any, expected: str | None
) -> None:
    recorder = RecorderMiddleware(SetUser(apps.application, user), target=tmp_path / "u.cassette")
    # the recorder above the user middleware: it cannot know the user
    communicator = WebsocketCommunicator(recorder, "/signals/")
    await communicator.connect()
    await communicator.disconnect()
    inner = SetUser(record_websocket(apps.application, target=tmp_path / "in.cassette"), user)
    communicator = WebsocketCommunicator(inner, "/signals/")
    await communicator.connect()
    await communicator.disconnect()
    recorder.close()
    inner.inner.close()

    (outside,) = [e for e in load_cassette(tmp_path / "u.cassette").events if e.kind == "connect"]
    (inside,) = [e for e in load_cassette(tmp_path / "in.cassette").events if e.kind == "connect"]
    assert isinstance(outside, ConnectEvent)
    assert outside.user is None
    assert isinstance(inside, ConnectEvent)
    assert inside.user == expected


async def test_secrets_are_redacted_at_record_time_by_default(tmp_path: Path) -> None:
    target = tmp_path / "secret.cassette"
    recorder = RecorderMiddleware(example_router(), target=target)
    communicator = WebsocketCommunicator(
        recorder,
        "/ws/plain/?token=query-secret&room=lobby",
        headers=[
            (b"authorization", b"Token header-secret"),
            (b"cookie", b"sessionid=cookie-secret"),
        ],
    )
    await communicator.connect()
    await communicator.send_json_to({"user": "alice", "password": "hunter2"})
    reply = await communicator.receive_json_from()
    assert reply["echo"]["password"] == "hunter2"  # the app saw and sent the real value
    await communicator.disconnect()
    recorder.close()

    raw = target.read_bytes()
    for secret in (b"query-secret", b"header-secret", b"cookie-secret", b"hunter2"):
        assert secret not in raw
    connect = load_cassette(target).events[0]
    assert isinstance(connect, ConnectEvent)
    assert connect.query_string == "token=<redacted:query:token>&room=lobby"
    assert ("authorization", "<redacted:header:authorization>") in connect.headers


async def test_redaction_lists_come_from_settings_or_can_be_turned_off(
    tmp_path: Path, settings: Any
) -> None:
    settings.CHANNELS_REPLAY = {"REDACT_JSON_KEYS": ["pin"], "REDACT_PATTERNS": []}
    with_settings = RecorderMiddleware(example_router(), target=tmp_path / "pin.cassette")
    off = RecorderMiddleware(example_router(), target=tmp_path / "off.cassette", redact=False)
    custom = RecorderMiddleware(
        example_router(),
        target=tmp_path / "custom.cassette",
        redactor=Redactor(json_keys=["otp"], patterns=()),
    )
    for recorder in (with_settings, off, custom):
        communicator = WebsocketCommunicator(recorder, "/ws/plain/")
        await communicator.connect()
        await communicator.send_json_to({"pin": "1234", "password": "hunter2", "otp": "999"})
        await communicator.receive_from()
        await communicator.disconnect()
        recorder.close()

    def sent(name: str) -> dict[str, Any]:
        """What the client sent, as recorded (bytes could hold "1234" by chance: a time)."""
        cassette = load_cassette(tmp_path / name)
        (frame,) = [e for e in cassette.events if isinstance(e, ClientFrame)]
        return dict(json.loads(frame.text or "{}"))

    assert sent("pin.cassette") == {
        "pin": "<redacted:json:pin>",
        "password": "hunter2",
        "otp": "999",
    }
    assert sent("off.cassette") == {"pin": "1234", "password": "hunter2", "otp": "999"}
    assert load_cassette(tmp_path / "off.cassette").header.redacted is False
    assert sent("custom.cassette") == {
        "pin": "1234",
        "password": "hunter2",
        "otp": "<redacted:json:otp>",
    }


def test_refuses_to_record_with_debug_off_unless_forced(tmp_path: Path, settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(RecorderError) as caught:
        RecorderMiddleware(example_router(), target=tmp_path / "prod.cassette")
    message = str(caught.value)
    assert "settings.DEBUG is False" in message
    assert str(tmp_path / "prod.cassette") in message
    assert "force=True" in message
    assert "--force" in message
    assert "RECORD_FORCE" in message

    RecorderMiddleware(example_router(), target=tmp_path / "forced.cassette", force=True).close()
    settings.CHANNELS_REPLAY = {"RECORD_FORCE": True}
    RecorderMiddleware(example_router(), target=tmp_path / "setting.cassette").close()


def test_a_plain_asgi_app_without_django_settings_records_without_a_debug_check(
    tmp_path: Path,
) -> None:
    script = f"""
import asyncio
from channels_replay.recorder import RecorderMiddleware
from channels_replay.cassettes import load_cassette
from django.conf import settings
assert not settings.configured

async def app(scope, receive, send):
    await receive()
    await send({{"type": "websocket.accept"}})

async def main():
    recorder = RecorderMiddleware(app, target={str(tmp_path / "plain.cassette")!r})
    messages = iter([{{"type": "websocket.connect"}}])
    async def receive():
        return next(messages)
    async def send(message):
        pass
    await recorder({{"type": "websocket", "path": "/"}}, receive, send)
    recorder.close()

asyncio.run(main())
print([event.kind for event in load_cassette({str(tmp_path / "plain.cassette")!r}).events])
"""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{REPO / 'src'}"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    # the app returned without closing: the server closes the connection (1000)
    assert done.stdout.strip() == "['connect', 'accept', 'server_close']"


def test_a_target_is_needed(tmp_path: Path) -> None:
    with pytest.raises(RecorderError, match="needs a target"):
        RecorderMiddleware(example_router())


async def test_a_directory_target_gets_a_session_file_and_per_connection_files(
    tmp_path: Path,
) -> None:
    session_dir = tmp_path / "session"
    per_dir = tmp_path / "per"
    single = RecorderMiddleware(apps.application, target=session_dir)
    per = RecorderMiddleware(apps.application, target=per_dir, per_connection=True)
    for recorder in (single, per):
        for _ in range(2):
            communicator = WebsocketCommunicator(recorder, "/signals/")
            await communicator.connect()
            await communicator.disconnect()
        recorder.close()

    (session_file,) = session_dir.iterdir()
    assert session_file.name.startswith("session-")
    assert session_file.suffix == ".cassette"
    assert load_cassette(session_file).connections() == ["c1", "c2"]
    per_files = sorted(per_dir.iterdir())
    assert [path.name.rsplit("-", 1)[1] for path in per_files] == ["c1.cassette", "c2.cassette"]
    for path in per_files:
        cassette = load_cassette(path)
        assert cassette.complete
        assert cassette.connections() == ["c1"]
        assert cassette.events[0].seq == 0


async def test_an_unwritable_target_leaves_the_app_working_and_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    target = blocker / "cassettes" / "x.cassette"
    recorder = RecorderMiddleware(example_router(), target=target)
    with caplog.at_level(logging.WARNING, logger="channels_replay.recorder"):
        for _ in range(3):
            communicator = WebsocketCommunicator(recorder, "/ws/plain/")
            connected, _ = await communicator.connect()
            assert connected
            await communicator.send_to(text_data="hello")
            assert await communicator.receive_from() == "HELLO"
            await communicator.disconnect()
    summary = recorder.close()

    warnings = [r for r in caplog.records if r.name == "channels_replay.recorder"]
    assert len(warnings) == 1
    text = warnings[0].getMessage()
    assert str(target) in text
    assert "recording stopped" in text
    assert summary.problem is not None
    assert summary.connections == 0
    assert not recorder.session.recording


async def test_closing_with_a_connection_still_open_marks_the_cassette_incomplete(
    tmp_path: Path,
) -> None:
    target = tmp_path / "open.cassette"
    recorder = RecorderMiddleware(apps.application, target=target)
    communicator = WebsocketCommunicator(recorder, "/signals/")
    await communicator.connect()
    await communicator.wait_for_auth()
    recorder.close()
    await communicator.send_json_to({"action": "late"})  # after close: not recorded, app fine
    assert await communicator.receive_all_json() == [
        {"action": "echoed", "payload": {"action": "late"}}
    ]
    await communicator.disconnect()

    cassette = load_cassette(target)
    assert not cassette.complete
    assert cassette.problem is not None
    assert "c1" in cassette.problem
    assert kinds(cassette.events) == [("c1", "connect"), ("c1", "accept"), ("c1", "server_frame")]


def test_a_session_can_be_shared_and_closes_once(tmp_path: Path) -> None:
    session = RecordingSession(tmp_path / "shared.cassette")
    first = RecorderMiddleware(apps.application, session=session)
    second = RecorderMiddleware(apps.application, session=session)
    assert first.session is second.session
    assert first.close() == second.close()
    assert session.files == []  # nothing connected: no file


def test_a_write_failure_mid_session_stops_recording_and_leaves_the_app_alone(
    tmp_path: Path,
) -> None:
    """A real ENOSPC-like failure: the file size limit (RLIMIT_FSIZE) is hit mid-session."""
    target = tmp_path / "full.cassette"
    script = f"""
import asyncio, logging, resource, signal
from channels_replay.recorder import RecorderMiddleware

logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
recorder = RecorderMiddleware(None, target={str(target)!r})

async def echo(scope, receive, send):
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({{"type": "websocket.accept"}})
        elif message["type"] == "websocket.receive":
            await send({{"type": "websocket.send", "text": message["text"]}})
        else:
            return

recorder.app = echo

async def connection(n):
    inputs = [{{"type": "websocket.connect"}}]
    inputs += [{{"type": "websocket.receive", "text": "x" * 100}} for _ in range(n)]
    inputs += [{{"type": "websocket.disconnect", "code": 1000}}]
    replies = []
    async def receive():
        return inputs.pop(0)
    async def send(message):
        replies.append(message)
    await recorder({{"type": "websocket", "path": "/"}}, receive, send)
    return sum(1 for m in replies if m["type"] == "websocket.send")

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
print("replies", asyncio.run(connection(200)), asyncio.run(connection(5)))
print(recorder.close().describe())
"""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{REPO / 'src'}", "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "replies 200 5" in done.stdout  # every frame answered, before and after the failure
    assert done.stderr.count("channels_replay.recorder channels-replay: recording stopped") == 1
    assert "File too large" in done.stderr
    assert "recording stopped early" in done.stdout
    cassette = load_cassette(target)
    assert not cassette.complete
    assert 10 < len(cassette.events) < 400
    assert [e.seq for e in cassette.events] == list(range(len(cassette.events)))


async def test_the_accepted_subprotocol_is_recorded(tmp_path: Path) -> None:
    recorder = RecorderMiddleware(apps.application, target=tmp_path / "sub.cassette")
    communicator = WebsocketCommunicator(recorder, "/subprotocol/", subprotocols=["v2", "v1"])
    assert await communicator.connect() == (True, "v2")
    await communicator.disconnect()
    recorder.close()
    connect, accept = load_cassette(tmp_path / "sub.cassette").events[:2]
    assert isinstance(connect, ConnectEvent)
    assert connect.subprotocols == ["v2", "v1"]
    assert isinstance(accept, AcceptEvent)
    assert accept.subprotocol == "v2"


async def test_a_send_to_a_client_that_is_gone_is_recorded_as_its_disconnect(
    tmp_path: Path,
) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "anyone there?"})

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "websocket.send":
            raise ConnectionResetError("the client went away")  # what servers raise

    recorder = RecorderMiddleware(app, target=tmp_path / "gone.cassette")
    with pytest.raises(ConnectionResetError):
        await recorder({"type": "websocket", "path": "/gone/"}, receive, send)
    recorder.close()
    events = load_cassette(tmp_path / "gone.cassette").events
    assert kinds(events) == [
        ("c1", "connect"),
        ("c1", "accept"),
        ("c1", "server_frame"),
        ("c1", "client_disconnect"),
    ]
    assert isinstance(events[-1], ClientDisconnect)
    assert events[-1].code == 1006


async def test_a_recorder_error_never_reaches_the_app_and_keeps_what_came_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An event the recorder cannot record (here: the translation fails on the second
    frame) stops the recording with one warning; the app gets every message and the
    cassette keeps what came before, marked incomplete."""
    from channels_replay import asgi

    original = asgi.ConnectionTranslation.from_server
    sent: list[str] = []

    def failing(self: asgi.ConnectionTranslation, message: Any) -> Any:
        if message.get("text") == "two":
            raise RuntimeError("a recorder bug")
        return original(self, message)

    monkeypatch.setattr(asgi.ConnectionTranslation, "from_server", failing)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        for text in ("one", "two", "three"):
            await send({"type": "websocket.send", "text": text})
        await receive()

    messages = iter([{"type": "websocket.connect"}, {"type": "websocket.disconnect", "code": 1000}])

    async def receive() -> Any:
        return next(messages)

    async def send(message: Any) -> None:
        sent.append(message.get("text") or message["type"])

    recorder = RecorderMiddleware(app, target=tmp_path / "bug.cassette", force=True)
    await recorder({"type": "websocket", "path": "/x/"}, receive, send)
    recorder.close()

    assert sent == ["websocket.accept", "one", "two", "three"]
    cassette = load_cassette(tmp_path / "bug.cassette")
    assert [e.kind for e in cassette.events] == ["connect", "accept", "server_frame"]
    assert not cassette.complete
    assert "a recorder bug" in (cassette.problem or "")
    warnings = [r for r in caplog.records if "recording stopped" in r.getMessage()]
    assert len(warnings) == 1
    assert "could not record on c1" in warnings[0].getMessage()


async def test_a_frame_nested_1000_deep_is_redacted_and_recording_goes_on(
    tmp_path: Path,
) -> None:
    from tests.replay import blocking_app  # echoes every text frame as it is

    target = tmp_path / "deep.cassette"
    recorder = RecorderMiddleware(blocking_app.application, target=target, server="in-process")
    communicator = WebsocketCommunicator(recorder, "/ws/")
    connected, _ = await communicator.connect()
    assert connected
    deep = '{"token":' + "[" * 1000 + '"s3cret"' + "]" * 1000 + "}"
    await communicator.send_to(text_data=deep)
    assert await communicator.receive_from() == deep  # the app is not disturbed
    await communicator.send_to(text_data="after")
    assert await communicator.receive_from() == "after"
    await communicator.disconnect()
    recorder.session.close()
    cassette = load_cassette(target)
    frames = [e.text for e in cassette.events if isinstance(e, ClientFrame | ServerFrame)]
    redacted = '{"token":"<redacted:json:token>"}'
    assert frames == [redacted, redacted, "after", "after"]
    assert cassette.complete
    assert b"s3cret" not in target.read_bytes()
