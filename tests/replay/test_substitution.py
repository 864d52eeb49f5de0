"""Filling in redacted values at replay, and rewriting paths: pure functions."""

import json

import pytest

from channels_replay.cassettes import ClientFrame, ConnectEvent
from channels_replay.errors import ConfigurationError, ReplayError
from channels_replay.replay.substitution import Credentials, client_frame, connect_request

ALICE_CONNECT = ConnectEvent(
    seq=0,
    conn="c1",
    t=0,
    path="/ws/chat/lobby/",
    query_string="room=1&token=<redacted:query:token>",
    headers=[("authorization", "<redacted:header:authorization>"), ("origin", "http://x")],
    user="alice",
)


def test_redacted_headers_and_query_come_from_the_credentials_of_the_identity() -> None:
    credentials = Credentials.parse(
        "header", ["alice:authorization=Token a1", "bob:authorization=Token b2"]
    )
    credentials.extend("query", ["*:token=t0"])

    path, headers = connect_request(ALICE_CONNECT, credentials)

    assert path == "/ws/chat/lobby/?room=1&token=t0"
    assert headers == [(b"authorization", b"Token a1"), (b"origin", b"http://x")]


def test_a_missing_credential_names_the_connection_identity_and_header() -> None:
    with pytest.raises(ReplayError) as caught:
        connect_request(ALICE_CONNECT, Credentials())
    message = str(caught.value)
    assert "connection c1 (identity alice) needs the header 'authorization'" in message
    assert "--header alice:authorization=VALUE" in message


def test_a_bad_spec_says_how_to_write_it() -> None:
    with pytest.raises(ConfigurationError, match="write IDENTITY:NAME=VALUE"):
        Credentials.parse("header", ["authorization=Token x"])


def test_paths_are_rewritten_by_the_hook() -> None:
    credentials = Credentials.parse("header", ["*:authorization=T"])
    credentials.extend("query", ["alice:token=q"])
    path, _ = connect_request(
        ALICE_CONNECT, credentials, lambda p, event: p.replace("lobby", "ci-room")
    )
    assert path.startswith("/ws/chat/ci-room/?")


def test_redacted_json_values_in_client_frames_are_filled_in() -> None:
    frame = ClientFrame(
        seq=1,
        conn="c1",
        t=0,
        text=json.dumps({"action": "login", "payload": {"password": "<redacted:json:password>"}}),
    )
    event = client_frame(frame, Credentials.parse("json", ["alice:password=hunter2"]), "alice")
    assert json.loads(event["text"]) == {"action": "login", "payload": {"password": "hunter2"}}
    with pytest.raises(ReplayError, match="needs the json 'password'"):
        client_frame(frame, Credentials(), "alice")


def test_frames_without_markers_pass_through_untouched() -> None:
    text = '{"action":"echo","payload":"redacted is just a word here"}'
    frame = ClientFrame(seq=1, conn="c1", t=0, text=text)
    assert client_frame(frame, Credentials(), None) == {"type": "websocket.receive", "text": text}
    binary = ClientFrame(seq=1, conn="c1", t=0, data=b"\x00")
    assert client_frame(binary, Credentials(), None) == {
        "type": "websocket.receive",
        "bytes": b"\x00",
    }
