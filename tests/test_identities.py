"""Who each connection was: recorded users, authentication frames, the identity hooks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from channels_replay.cassettes import Cassette, ClientFrame, ConnectEvent, ServerFrame
from channels_replay.cassettes.identities import (
    connection_identities,
    identity_in_payload,
    with_identities,
)
from channels_replay.identity import jwt_claims, jwt_user, scope_cookies
from channels_replay.replay.diff import Difference
from channels_replay.replay.hints import ROW_HINT, row_difference_hint
from channels_replay.replay.result import ConnectionOutcome, ReplayResult, StepResult
from channels_replay.replay.steps import Step
from channels_replay.signals import SignalNames


@pytest.mark.parametrize(
    ("payload", "identity"),
    [
        ({"status_code": 200, "data": {"username": "alice"}}, "alice"),
        ({"status_code": 200, "user": {"email": "bob@example.com"}}, "bob@example.com"),
        ({"user": "carol"}, "carol"),
        ({"data": {"user": {"login": "dave"}}}, "dave"),
        ({"status_code": 200, "data": {"detail": "OK"}}, None),  # chanx's own: no user
        ({"data": {"data": {"data": {"username": "too-deep"}}}}, None),
        ("alice", None),
        (None, None),
    ],
)
def test_an_authentication_payload_names_its_user_where_it_has_one(
    payload: Any, identity: str | None
) -> None:
    assert identity_in_payload(payload) == identity


def connect(conn: str, user: str | None = None) -> ConnectEvent:
    return ConnectEvent(seq=0, conn=conn, t=0, path="/ws/", user=user)


def server(conn: str, message: dict[str, Any]) -> ServerFrame:
    return ServerFrame(seq=1, conn=conn, t=0.1, text=json.dumps(message))


def authentication(conn: str, username: str) -> ServerFrame:
    return server(conn, {"action": "authentication", "payload": {"data": {"username": username}}})


def test_a_recorded_user_wins_and_an_anonymous_one_takes_its_authentication_frame() -> None:
    events = [
        connect("c1", "alice"),
        connect("c2"),
        connect("c3"),
        authentication("c1", "mallory"),
        server("c2", {"action": "chat", "payload": {"username": "not-auth"}}),
        authentication("c2", "bob"),
        authentication("c2", "later"),
    ]

    assert connection_identities(events, SignalNames()) == {"c1": "alice", "c2": "bob", "c3": None}


def test_with_identities_fills_connects_and_keeps_a_cassette_without_any() -> None:
    cassette = Cassette(events=[connect("c1"), authentication("c1", "bob")])
    filled = with_identities(cassette)
    assert filled.events[0].user == "bob"  # type: ignore[union-attr]
    assert cassette.events[0].user is None  # type: ignore[union-attr]
    plain = Cassette(events=[connect("c1")])
    assert with_identities(plain) is plain


def jwt(claims: dict[str, Any]) -> str:
    import base64

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def scope(headers: list[tuple[bytes, bytes]], query: bytes = b"") -> dict[str, Any]:
    return {"type": "websocket", "headers": headers, "query_string": query}


def test_jwt_user_reads_a_name_claim_from_a_cookie_a_header_or_the_query() -> None:
    token = jwt({"username": "alice", "exp": 1})
    assert jwt_claims(token) == {"username": "alice", "exp": 1}
    assert jwt_user(scope([(b"cookie", f"csrftoken=x; access={token}".encode())])) == "alice"
    assert jwt_user(scope([(b"authorization", f"Bearer {token}".encode())])) == "alice"
    assert jwt_user(scope([], f"room=1&token={token}".encode())) == "alice"
    assert jwt_user(scope([(b"cookie", b"sessionid=not-a-jwt")])) is None
    assert scope_cookies(scope([(b"cookie", b"a=1; b=2")])) == {"a": "1", "b": "2"}


@pytest.mark.django_db
def test_jwt_user_looks_an_id_claim_up_in_the_user_model() -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="erin")
    token = jwt({"user_id": user.pk, "token_type": "access"})
    assert jwt_user(scope([(b"cookie", f"access={token}".encode())])) == "erin"
    unknown = jwt({"user_id": 987654})
    assert jwt_user(scope([(b"cookie", f"access={unknown}".encode())])) == "987654"


def result_with(difference: Difference) -> ReplayResult:
    action = ClientFrame(seq=0, conn="c1", t=0.0, text='{"action":"list"}')
    outcome = ConnectionOutcome("c1", (), [], [difference])
    return ReplayResult(None, [StepResult(Step(0, action, {}), [outcome])], [])


@pytest.mark.parametrize(
    ("difference", "hinted"),
    [
        (Difference("changed", "payload.id", 1, 2, path_parts=("payload", "id")), True),
        (Difference("changed", "payload.note_id", 3, 4, path_parts=("payload", "note_id")), True),
        (Difference("changed", "payload.note", "x", None, path_parts=("payload", "note")), True),
        (Difference("changed", "payload.detail", "OK", "User not found"), True),
        (
            Difference("changed", "payload.text", "hello", "HELLO", path_parts=("payload", "text")),
            False,
        ),
        (Difference("extra", "", None, "frame"), False),
    ],
)
def test_differences_that_look_like_missing_rows_get_the_snapshot_hint(
    difference: Difference, hinted: bool
) -> None:
    assert row_difference_hint(result_with(difference)) == (ROW_HINT if hinted else None)
