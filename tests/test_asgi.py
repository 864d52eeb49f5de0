"""The one translation between ASGI websocket messages and cassette events: each rule."""

from typing import Any

import pytest

from channels_replay.asgi import (
    ABNORMAL_CLOSURE,
    INTERNAL_ERROR,
    NO_STATUS_RECEIVED,
    REFUSED_STATUS,
    ConnectionTranslation,
    Translated,
    client_message,
    close_code,
    connect_fields,
    refused,
    server_closed,
)


def accepted() -> ConnectionTranslation:
    translation = ConnectionTranslation()
    assert translation.from_server({"type": "websocket.accept"}) == Translated(
        "accept", {"subprotocol": None}
    )
    return translation


# ---- close codes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [(None, 1005), (1000, 1000), ("4001", 4001), (True, 1005), ("junk", 1005), ([], 1005)],
)
def test_close_code_turns_none_and_junk_into_1005(value: Any, code: int) -> None:
    assert close_code(value) == code


def test_close_code_default_is_the_callers() -> None:
    assert close_code(None, 403) == 403


def test_a_client_close_without_a_code_is_1005() -> None:
    for message in (
        {"type": "websocket.disconnect"},
        {"type": "websocket.disconnect", "code": None},
        {"type": "websocket.disconnect", "code": 1005},
    ):
        translation = accepted()
        assert translation.from_client(message) == Translated(
            "client_disconnect", {"code": NO_STATUS_RECEIVED}
        )
        assert translation.ended


def test_a_client_disconnect_keeps_its_code() -> None:
    assert accepted().from_client({"type": "websocket.disconnect", "code": 4000}) == Translated(
        "client_disconnect", {"code": 4000}
    )


# ---- accept, frames, closes --------------------------------------------------------------


def test_accept_carries_the_subprotocol_once() -> None:
    translation = ConnectionTranslation()
    accept = {"type": "websocket.accept", "subprotocol": "chat.v2", "headers": []}
    assert translation.from_server(accept) == Translated("accept", {"subprotocol": "chat.v2"})
    assert translation.accepted
    assert translation.from_server(accept) is None  # a second accept is not an event
    assert ConnectionTranslation().from_server(
        {"type": "websocket.accept", "subprotocol": ""}
    ) == Translated("accept", {"subprotocol": None})


def test_frames_each_way_are_text_or_bytes() -> None:
    translation = accepted()
    assert translation.from_server({"type": "websocket.send", "text": "hi"}) == Translated(
        "server_frame", {"text": "hi", "data": None}
    )
    assert translation.from_server({"type": "websocket.send", "bytes": b"\x01"}) == Translated(
        "server_frame", {"text": None, "data": b"\x01"}
    )
    assert translation.from_server(
        {"type": "websocket.send", "text": None, "bytes": bytearray(b"\x02")}
    ) == Translated("server_frame", {"text": None, "data": b"\x02"})
    assert translation.from_client({"type": "websocket.receive", "text": "yo"}) == Translated(
        "client_frame", {"text": "yo", "data": None}
    )
    assert translation.from_client({"type": "websocket.receive", "bytes": b"\x03"}) == Translated(
        "client_frame", {"text": None, "data": b"\x03"}
    )


def test_connect_and_unknown_messages_are_not_events() -> None:
    translation = ConnectionTranslation()
    assert translation.from_client({"type": "websocket.connect"}) is None
    assert translation.from_server({"type": "websocket.whatever"}) is None
    assert not translation.ended


def test_a_close_after_accept_keeps_its_code_and_reason() -> None:
    translation = accepted()
    message = {"type": "websocket.close", "code": 4001, "reason": "bye"}
    assert translation.from_server(message) == Translated(
        "server_close", {"code": 4001, "reason": "bye", "status": None}
    )
    assert translation.ended


def test_a_close_after_accept_without_a_code_is_1000_and_an_explicit_none_is_1005() -> None:
    # ASGI's default close code is 1000; a code given as None means "no code" (1005)
    assert accepted().from_server({"type": "websocket.close"}) == Translated(
        "server_close", {"code": 1000, "reason": None, "status": None}
    )
    assert accepted().from_server({"type": "websocket.close", "code": None}) == Translated(
        "server_close", {"code": NO_STATUS_RECEIVED, "reason": None, "status": None}
    )
    assert accepted().from_server({"type": "websocket.close", "reason": ""}) == Translated(
        "server_close", {"code": 1000, "reason": None, "status": None}
    )


def test_a_close_before_accept_is_a_refusal_with_status_403_and_code_1006() -> None:
    translation = ConnectionTranslation()
    refusal = translation.from_server({"type": "websocket.close", "code": 4003, "reason": "no"})
    # the app's code and reason never reach a client: it sees an HTTP 403
    assert refusal == Translated(
        "server_close", {"code": ABNORMAL_CLOSURE, "reason": None, "status": REFUSED_STATUS}
    )
    assert (REFUSED_STATUS, ABNORMAL_CLOSURE) == (403, 1006)
    assert translation.ended


def test_a_denial_response_is_a_refusal_with_its_own_status() -> None:
    translation = ConnectionTranslation()
    start = {"type": "websocket.http.response.start", "status": 401, "headers": []}
    assert translation.from_server(start) == Translated(
        "server_close", {"code": 1006, "reason": None, "status": 401}
    )
    assert translation.ended
    body = {"type": "websocket.http.response.body", "body": b"go away"}
    assert translation.from_server(body) is None


def test_a_denial_response_without_a_status_is_403() -> None:
    start = {"type": "websocket.http.response.start"}
    assert ConnectionTranslation().from_server(start) == refused(403)


def test_a_denial_response_after_accept_is_ignored() -> None:
    translation = accepted()
    start = {"type": "websocket.http.response.start", "status": 401}
    assert translation.from_server(start) is None
    assert not translation.ended


def test_an_app_that_raises_before_accept_is_refused_with_500() -> None:
    translation = ConnectionTranslation()
    assert translation.app_failed(ValueError("No route found")) == Translated(
        "server_close",
        {"code": 1006, "reason": None, "status": 500},
    )
    assert translation.ended


def test_an_app_that_raises_after_accept_closes_with_1011() -> None:
    translation = accepted()
    assert translation.app_failed(RuntimeError("boom")) == Translated(
        "server_close",
        {"code": INTERNAL_ERROR, "reason": "the application raised RuntimeError", "status": None},
    )
    assert INTERNAL_ERROR == 1011


def test_a_send_to_a_client_that_is_gone_is_its_disconnect_with_1006() -> None:
    translation = accepted()
    assert translation.client_gone() == Translated("client_disconnect", {"code": 1006})
    assert translation.client_gone() is None


# ---- nothing after the end ------------------------------------------------------------------


@pytest.mark.parametrize(
    "end",
    [
        {"type": "websocket.close", "code": 1000},
        {"type": "websocket.disconnect", "code": 1000},
        "app_failed",
        "client_gone",
    ],
    ids=["server close", "client disconnect", "app raised", "client gone"],
)
def test_nothing_is_translated_after_the_end(end: Any) -> None:
    translation = accepted()
    if end == "app_failed":
        assert translation.app_failed(RuntimeError()) is not None
    elif end == "client_gone":
        assert translation.client_gone() is not None
    elif end["type"] == "websocket.close":
        assert translation.from_server(end) is not None
    else:
        assert translation.from_client(end) is not None
    assert translation.from_server({"type": "websocket.send", "text": "late"}) is None
    assert translation.from_server({"type": "websocket.close", "code": 1000}) is None
    assert translation.from_client({"type": "websocket.receive", "text": "late"}) is None
    assert translation.from_client({"type": "websocket.disconnect", "code": 1000}) is None
    assert translation.app_failed(RuntimeError()) is None
    assert translation.client_gone() is None


def test_nothing_is_translated_after_a_refusal() -> None:
    translation = ConnectionTranslation()
    translation.from_server({"type": "websocket.close"})
    assert translation.from_server({"type": "websocket.accept"}) is None
    assert translation.from_client({"type": "websocket.disconnect", "code": 1000}) is None


# ---- helpers ---------------------------------------------------------------------------------


def test_refused_and_server_closed_build_close_events() -> None:
    # only the status: a response body is the server's wording, not the app's behaviour
    assert refused(401) == Translated("server_close", {"code": 1006, "reason": None, "status": 401})
    assert server_closed(None) == Translated(
        "server_close", {"code": 1005, "reason": None, "status": None}
    )
    assert server_closed(4000, 17) == Translated(
        "server_close", {"code": 4000, "reason": None, "status": None}
    )


def test_connect_fields_come_from_the_scope_as_text() -> None:
    scope = {
        "type": "websocket",
        "path": "/ws/chat/lobby/",
        "query_string": b"token=caf\xe9",
        "headers": [(b"authorization", b"Token x"), (b"x-name", b"J\xf6rg")],
        "subprotocols": ["chat.v1"],
        "client": ["127.0.0.1", "50123"],
    }
    assert connect_fields(scope) == {
        "path": "/ws/chat/lobby/",
        "query_string": "token=café",
        "headers": [("authorization", "Token x"), ("x-name", "Jörg")],
        "subprotocols": ["chat.v1"],
        "client": ("127.0.0.1", 50123),
    }


def test_connect_fields_of_a_bare_scope() -> None:
    assert connect_fields({"type": "websocket"}) == {
        "path": "",
        "query_string": "",
        "headers": [],
        "subprotocols": [],
        "client": None,
    }


def test_client_message_delivers_client_events_to_an_app() -> None:
    assert client_message("connect", {"path": "/x/"}) == {"type": "websocket.connect"}
    assert client_message("client_frame", {"text": "hi", "data": None}) == {
        "type": "websocket.receive",
        "text": "hi",
    }
    assert client_message("client_frame", {"text": None, "data": b"\x01"}) == {
        "type": "websocket.receive",
        "bytes": b"\x01",
    }
    assert client_message("client_frame", {"text": None, "data": None}) == {
        "type": "websocket.receive",
        "bytes": b"",
    }
    assert client_message("client_disconnect", {"code": None}) == {
        "type": "websocket.disconnect",
        "code": 1005,
    }
    assert client_message("client_disconnect", {"code": 4000}) == {
        "type": "websocket.disconnect",
        "code": 4000,
    }
    with pytest.raises(ValueError, match="'server_frame' is not a client event"):
        client_message("server_frame", {})


def test_a_client_message_translates_back_to_the_same_event() -> None:
    for kind, fields in [
        ("client_frame", {"text": "hi", "data": None}),
        ("client_frame", {"text": None, "data": b"\x00"}),
        ("client_disconnect", {"code": 1005}),
    ]:
        assert accepted().from_client(client_message(kind, fields)) == Translated(kind, fields)
