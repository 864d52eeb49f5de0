"""Filling in redacted values at replay, and rewriting paths: pure functions."""

import json

import pytest

from channels_replay.cassettes import ClientFrame, ConnectEvent
from channels_replay.drivers.base import ConnectRequest
from channels_replay.errors import ConfigurationError, ReplayError
from channels_replay.replay.substitution import (
    Credentials,
    client_frame,
    connect_request,
    redacted_names,
)

ALICE_CONNECT = ConnectEvent(
    seq=0,
    conn="c1",
    t=0,
    path="/ws/chat/lobby/",
    query_string="room=1&token=<redacted:query:token>",
    headers=[("Authorization", "<redacted:header:authorization>"), ("origin", "http://x")],
    subprotocols=["chat.v1", "chat.v2"],
    client=("10.0.0.7", 51234),
    user="alice",
)


def test_redacted_headers_and_query_come_from_the_credentials_of_the_identity() -> None:
    credentials = Credentials.parse(
        "header", ["alice:authorization=Token a1", "bob:authorization=Token b2"]
    )
    credentials.extend("query", ["*:token=t0"])

    request = connect_request(ALICE_CONNECT, credentials)

    assert request == ConnectRequest(
        path="/ws/chat/lobby/",
        query_string="room=1&token=t0",
        headers=(("authorization", "Token a1"), ("origin", "http://x")),
        subprotocols=("chat.v1", "chat.v2"),
        client=("10.0.0.7", 51234),
    )


def test_headers_are_text_pairs_with_lowercase_names() -> None:
    request = connect_request(ALICE_CONNECT, _full_credentials())
    assert all(isinstance(n, str) and isinstance(v, str) for n, v in request.headers)
    assert [name for name, _ in request.headers] == ["authorization", "origin"]


def _full_credentials() -> Credentials:
    credentials = Credentials.parse("header", ["*:authorization=T"])
    credentials.extend("query", ["*:token=q"])
    return credentials


def test_an_identity_specific_credential_wins_over_the_wildcard() -> None:
    credentials = Credentials.parse("header", ["*:authorization=any", "alice:authorization=mine"])
    credentials.extend("query", ["*:token=q"])
    assert dict(connect_request(ALICE_CONNECT, credentials).headers)["authorization"] == "mine"


def test_a_connect_without_redactions_passes_through() -> None:
    event = ConnectEvent(seq=0, conn="c1", t=0, path="/ws/echo/", query_string="a=1&b=2")
    assert connect_request(event, Credentials()) == ConnectRequest("/ws/echo/", "a=1&b=2")


def test_a_missing_credential_names_the_connection_identity_and_header() -> None:
    with pytest.raises(ReplayError) as caught:
        connect_request(ALICE_CONNECT, Credentials())
    message = str(caught.value)
    assert "connection c1 (identity alice) needs the header 'Authorization'" in message
    assert "--header alice:Authorization=VALUE" in message


def test_a_missing_query_credential_is_named_too() -> None:
    credentials = Credentials.parse("header", ["*:authorization=T"])
    with pytest.raises(ReplayError, match="needs the query 'token'"):
        connect_request(ALICE_CONNECT, credentials)


def test_a_bad_spec_says_how_to_write_it() -> None:
    with pytest.raises(ConfigurationError, match="write IDENTITY:NAME=VALUE"):
        Credentials.parse("header", ["authorization=Token x"])


def test_paths_are_rewritten_by_the_hook() -> None:
    seen: list[str] = []

    def rewrite(path: str, event: ConnectEvent) -> str:
        seen.append(event.conn)
        return path.replace("lobby", "ci-room")

    request = connect_request(ALICE_CONNECT, _full_credentials(), rewrite)
    assert request.path == "/ws/chat/ci-room/"
    assert request.query_string == "room=1&token=q"
    assert seen == ["c1"]


def test_redacted_json_values_in_client_frames_are_filled_in() -> None:
    frame = ClientFrame(
        seq=1,
        conn="c1",
        t=0,
        text=json.dumps({"action": "login", "payload": {"password": "<redacted:json:password>"}}),
    )
    text, data = client_frame(frame, Credentials.parse("json", ["alice:password=hunter2"]), "alice")
    assert data is None
    assert text is not None
    assert json.loads(text) == {"action": "login", "payload": {"password": "hunter2"}}
    with pytest.raises(ReplayError, match="needs the json 'password'"):
        client_frame(frame, Credentials(), "alice")


def test_frames_without_markers_pass_through_untouched() -> None:
    text = '{"action":"echo","payload":"redacted is just a word here"}'
    frame = ClientFrame(seq=1, conn="c1", t=0, text=text)
    assert client_frame(frame, Credentials(), None) == (text, None)
    binary = ClientFrame(seq=1, conn="c1", t=0, data=b"\x00")
    assert client_frame(binary, Credentials(), None) == (None, b"\x00")


def test_each_missing_credential_names_the_option_that_supplies_it() -> None:
    frame = ClientFrame(seq=1, conn="c1", t=0, text='{"password": "<redacted:json:password>"}')
    with pytest.raises(ReplayError) as json_missing:
        client_frame(frame, Credentials(), "alice")
    assert "pass --json-value alice:password=VALUE" in str(json_missing.value)
    with pytest.raises(ReplayError) as query_missing:
        connect_request(ALICE_CONNECT, Credentials.parse("header", ["*:authorization=T"]))
    assert "pass --query alice:token=VALUE" in str(query_missing.value)
    with pytest.raises(ConfigurationError) as bad_spec:
        Credentials.parse("json", ["password"])
    assert "bad --json-value 'password'" in str(bad_spec.value)
    assert "e.g. --json-value alice:password=" in str(bad_spec.value)


def test_the_options_named_in_the_hints_are_options_of_replay() -> None:
    from channels_replay.cli import main
    from channels_replay.replay.substitution import OPTIONS

    replay = main.commands["replay"]
    options = {name for param in replay.params for name in param.opts}
    assert set(OPTIONS.values()) <= options


def test_a_connection_id_addresses_one_connection_before_its_identity() -> None:
    """`c2:NAME=VALUE`: anonymous connections, or two connections of one user."""
    anonymous = ALICE_CONNECT.model_copy(update={"conn": "c2", "user": None})
    credentials = Credentials.parse(
        "header", ["c2:authorization=Token for-c2", "*:authorization=Token any"]
    )
    credentials.extend("query", ["c2:token=for-c2", "*:token=any"])

    assert dict(connect_request(anonymous, credentials).headers)["authorization"] == (
        "Token for-c2"
    )
    assert "token=for-c2" in connect_request(anonymous, credentials).query_string
    assert dict(connect_request(ALICE_CONNECT, credentials).headers)["authorization"] == (
        "Token any"
    )


# -- the mapping form, cookies, callables ------------------------------------------------

ANONYMOUS_CONNECT = ALICE_CONNECT.model_copy(
    update={
        "conn": "c2",
        "user": None,
        "query_string": "",
        "headers": [("cookie", "<redacted:header:cookie>")],
    }
)


def test_the_mapping_form_gives_headers_query_json_and_cookies_by_identity() -> None:
    credentials = Credentials.from_mapping(
        {
            "alice": {"headers": {"Authorization": "Token a1"}, "query": {"token": "t1"}},
            "*": {"cookies": {"csrftoken": "c0"}, "json": {"password": "p0"}},
            "c2": {"cookies": {"sessionid": "s2"}},
        }
    )

    assert connect_request(ALICE_CONNECT, credentials).query_string == "room=1&token=t1"
    assert connect_request(ALICE_CONNECT, credentials).headers[0] == ("authorization", "Token a1")
    assert connect_request(ANONYMOUS_CONNECT, credentials).headers == (
        ("cookie", "csrftoken=c0; sessionid=s2"),
    )
    assert credentials.named() == {"alice", "*", "c2"}


@pytest.mark.parametrize(
    ("mapping", "says"),
    [
        ({"alice": "Token a1"}, "identity 'alice' must map to sections"),
        ({"alice": {"header": {"a": "b"}}}, "has 'header': give sections headers, cookies"),
        ({"alice": {"headers": "Token"}}, "has 'headers'"),
        (["alice"], "expected a mapping of identities"),
    ],
)
def test_a_bad_mapping_says_what_is_wrong(mapping: object, says: str) -> None:
    with pytest.raises(ConfigurationError, match=says):
        Credentials.from_mapping(mapping, "replay.toml")  # type: ignore[arg-type]


def test_a_callable_is_called_with_the_identity_and_none_for_an_anonymous_connection() -> None:
    seen: list[str | None] = []

    def mint(identity: str | None) -> str:
        seen.append(identity)
        return f"key-of-{identity}"

    credentials = Credentials.from_mapping({"*": {"cookies": {"sessionid": mint}}})
    alice = ANONYMOUS_CONNECT.model_copy(update={"conn": "c1", "user": "alice"})
    events = [alice, ANONYMOUS_CONNECT]
    needs = redacted_names(events)
    resolved = credentials.resolved({"c1": "alice", "c2": None}, needs)

    assert seen == ["alice", None]
    assert connect_request(alice, resolved).headers == (("cookie", "sessionid=key-of-alice"),)
    assert connect_request(ANONYMOUS_CONNECT, resolved).headers == (
        ("cookie", "sessionid=key-of-None"),
    )
    assert seen == ["alice", None], "resolved values are not minted again"


def test_only_what_a_connection_needs_is_minted_and_a_failure_names_it() -> None:
    def refuse(identity: str | None) -> str:
        raise ReplayError("the connection is anonymous")

    credentials = Credentials.from_mapping(
        {"*": {"cookies": {"sessionid": refuse}, "json": {"password": refuse}}}
    )
    plain = ALICE_CONNECT.model_copy(update={"headers": [], "query_string": ""})
    assert credentials.resolved({"c1": "alice"}, redacted_names([plain])) is not credentials

    with pytest.raises(ReplayError, match=r"connection c2 \(anonymous\): the header 'cookie'"):
        credentials.resolved({"c2": None}, redacted_names([ANONYMOUS_CONNECT]))


def test_redacted_names_finds_every_marker_a_client_sends() -> None:
    frame = ClientFrame(
        seq=1,
        conn="c1",
        t=0.1,
        text=json.dumps({"auth": {"password": "<redacted:json:password>"}}),
    )

    assert redacted_names([ALICE_CONNECT, frame]) == {
        "c1": {("header", "authorization"), ("query", "token"), ("json", "password")}
    }
