"""Redaction: headers, query parameters and JSON keys at any depth become markers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from channels_replay.cassettes import (
    DEFAULT_JSON_KEYS,
    AcceptEvent,
    Cassette,
    CassetteHeader,
    CassetteWriter,
    ClientFrame,
    ConnectEvent,
    Event,
    Redactor,
    ServerClose,
    ServerFrame,
    fill_redactions,
    is_redacted,
    load_cassette,
    parse_redaction_marker,
    redact_cassette,
    redact_cassette_file,
    redact_event,
    redaction_marker,
)

SECRETS = ["s3cret-bearer", "sessionid=abc123", "qs-token-999", "hunter2", "rt-777", "ak-42"]


def _connect(**kwargs: object) -> ConnectEvent:
    fields: dict[str, object] = {"seq": 0, "conn": "c", "t": 0, "path": "/ws/"}
    return ConnectEvent(**(fields | kwargs))  # type: ignore[arg-type]


def _frame(text: str) -> ClientFrame:
    return ClientFrame(seq=1, conn="c", t=0, text=text)


def test_markers() -> None:
    assert redaction_marker("header", "cookie") == "<redacted:header:cookie>"
    assert parse_redaction_marker("<redacted:query:token>") == ("query", "token")
    assert parse_redaction_marker("<redacted:json:password>") == ("json", "password")
    assert parse_redaction_marker("%3Credacted%3Aquery%3Aaccess_token%3E") == (
        "query",
        "access_token",
    )
    assert parse_redaction_marker("%3credacted%3aquery%3atoken%3e") == ("query", "token")
    for value in ("", "token", "<redacted:disk:x>", "x<redacted:json:a>", 5, None, b"x"):
        assert parse_redaction_marker(value) is None
        assert not is_redacted(value)
    assert is_redacted("<redacted:header:authorization>")


def test_headers_are_redacted_case_insensitively() -> None:
    event = _connect(
        headers=[
            ("host", "example.org"),
            ("Authorization", "Bearer s3cret-bearer"),
            ("cookie", "sessionid=abc123; csrftoken=x"),
            ("x-api-key", "ak-42"),
            ("X-Api-Key", "ak-42"),
            ("set-cookie", ""),
        ]
    )
    redacted = redact_event(event)
    assert isinstance(redacted, ConnectEvent)
    assert redacted.headers == [
        ("host", "example.org"),
        ("Authorization", "<redacted:header:authorization>"),
        ("cookie", "<redacted:header:cookie>"),
        ("x-api-key", "<redacted:header:x-api-key>"),
        ("X-Api-Key", "<redacted:header:x-api-key>"),
        ("set-cookie", ""),
    ]
    assert event.headers[1][1] == "Bearer s3cret-bearer"  # a new event; the old one is intact
    assert Redactor().redact_event_counted(event)[1] == 4


def test_query_params_keep_order_and_encoding() -> None:
    query = "room=lobby&token=qs-token-999&a%20b=c+d&access%5Ftoken=x%2By&accessToken=q&key=k&x"
    redacted, count = Redactor().redact_query_string(query)
    assert redacted == (
        "room=lobby&token=<redacted:query:token>&a%20b=c+d"
        "&access%5Ftoken=<redacted:query:access_token>&accessToken=<redacted:query:accessToken>"
        "&key=k&x"
    )
    assert count == 3
    event = redact_event(_connect(query_string=query))
    assert isinstance(event, ConnectEvent)
    assert event.query_string == redacted
    assert Redactor().redact_query_string("room=1&page=2") == ("room=1&page=2", 0)
    assert Redactor().redact_query_string("token=&password") == ("token=&password", 0)
    assert Redactor(query_params={"key"}).redact_query_string("key=k") == (
        "key=<redacted:query:key>",
        1,
    )


def test_json_keys_at_any_depth() -> None:
    text = json.dumps(
        {
            "action": "login",
            "payload": {
                "user": "alice",
                "Password": "hunter2",
                "items": [{"refreshToken": "rt-777"}, {"note": "token is a word here"}],
                "nested": {"deeper": {"API_KEY": {"id": 1, "value": "ak-42"}}},
                "secret": None,
                "token": "",
                "password_hint": "my cat's name",
                "remember_token": True,
                "author": "bob",
            },
        },
        separators=(",", ":"),
    )
    redacted, count = Redactor().redact_json_text(text)
    assert count == 4
    document = json.loads(redacted)
    payload = document["payload"]
    assert payload["Password"] == "<redacted:json:Password>"
    assert payload["items"] == [
        {"refreshToken": "<redacted:json:refreshToken>"},
        {"note": "token is a word here"},
    ]
    assert payload["nested"]["deeper"]["API_KEY"] == "<redacted:json:API_KEY>"
    assert payload["secret"] is None
    assert payload["token"] == ""
    assert payload["password_hint"] == "<redacted:json:password_hint>"  # matched by pattern
    assert payload["remember_token"] is True  # a boolean hides nothing
    assert payload["author"] == "bob"  # `auth` is not `author`
    assert redacted.startswith('{"action":"login","payload":{"user":"alice",')  # style kept
    for secret in SECRETS[3:]:
        assert secret not in redacted


def test_json_style_is_kept() -> None:
    spaced = '{"action": "login", "payload": {"password": "x", "name": "Zoë"}}'
    assert Redactor().redact_json_text(spaced)[0] == (
        '{"action": "login", "payload": {"password": "<redacted:json:password>", "name": "Zoë"}}'
    )
    escaped = '{"password":"x","name":"Zo\\u00eb"}'
    assert Redactor().redact_json_text(escaped)[0] == (
        '{"password":"<redacted:json:password>","name":"Zo\\u00eb"}'
    )
    top_level_array = '[{"token":"t"},1]'
    assert Redactor().redact_json_text(top_level_array) == (
        '[{"token":"<redacted:json:token>"},1]',
        1,
    )


@pytest.mark.parametrize(
    "text",
    [
        "password=hunter2",  # not JSON
        '"password"',  # a JSON scalar
        '{"action":"ping"}',  # no candidate key
        '{"action":"authentication","author":"bob"}',  # `auth` in a value, `author`
        "",
    ],
)
def test_other_text_is_untouched(text: str) -> None:
    event = _frame(text)
    assert redact_event(event) is event


def test_bytes_frames_and_other_events_are_untouched() -> None:
    binary = ServerFrame(seq=1, conn="c", t=0, data=b'{"password":"x"}')
    accept = AcceptEvent(seq=2, conn="c", t=0)
    assert redact_event(binary) is binary
    assert redact_event(accept) is accept


def test_redaction_is_idempotent() -> None:
    redactor = Redactor()
    event = _connect(
        query_string="token=abc",
        headers=[("cookie", "a=b")],
    )
    once, first = redactor.redact_event_counted(event)
    twice, second = redactor.redact_event_counted(once)
    assert (first, second) == (2, 0)
    assert twice is once
    frame, _ = redactor.redact_event_counted(_frame('{"token":"abc"}'))
    assert redactor.redact_event_counted(frame) == (frame, 0)


def test_custom_lists_replace_or_extend_the_defaults() -> None:
    redactor = Redactor(
        json_keys=DEFAULT_JSON_KEYS | {"pin"}, headers=(), query_params=[], patterns=()
    )
    assert redactor.redact_json_text('{"pin":1234,"password":"p"}')[1] == 2
    event = _connect(headers=[("authorization", "x")], query_string="token=t")
    assert redactor.redact_event(event) is event
    with pytest.raises(ValueError, match="not a name"):
        Redactor(json_keys=["!!"])
    with pytest.raises(ValueError, match="not a regular expression"):
        Redactor(patterns=["(unclosed"])
    with pytest.raises(TypeError, match="not one string"):
        Redactor(headers="cookie")


def test_redact_cassette_sets_the_header_flag() -> None:
    cassette = Cassette(
        header=CassetteHeader(redacted=False),
        events=[_connect(headers=[("cookie", "sessionid=abc123")]), _frame('{"token":"t"}')],
    )
    clean = redact_cassette(cassette)
    assert clean.header.redacted is True
    assert cassette.header.redacted is False
    assert clean.events[0].headers == [("cookie", "<redacted:header:cookie>")]  # type: ignore[union-attr]
    assert clean.events[1].text == '{"token":"<redacted:json:token>"}'  # type: ignore[union-attr]


@pytest.mark.parametrize("suffix", [".cassette", ".jsonl"])
def test_no_secret_bytes_are_left_in_the_file(tmp_path: Path, suffix: str) -> None:
    events: list[Event] = [
        _connect(
            query_string="token=qs-token-999&room=1",
            headers=[("authorization", "Bearer s3cret-bearer"), ("cookie", "sessionid=abc123")],
        ),
        _frame(json.dumps({"action": "login", "payload": {"password": "hunter2"}})),
        ServerFrame(
            seq=2, conn="c", t=0, text='{"data":{"refresh_token":"rt-777","apiKey":"ak-42"}}'
        ),
    ]
    raw = tmp_path / f"raw{suffix}"
    with CassetteWriter(raw, CassetteHeader(redacted=False)) as writer:
        for event in events:
            writer.write(event)
    assert all(secret.encode() in raw.read_bytes() for secret in SECRETS)
    clean = tmp_path / f"clean{suffix}"
    summary = redact_cassette_file(raw, clean)
    assert summary.events == 3
    assert summary.redacted == 6
    data = clean.read_bytes()
    for secret in SECRETS:
        assert secret.encode() not in data, secret
    assert load_cassette(clean).header.redacted is True
    redact_cassette_file(raw)  # in place
    assert raw.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([raw.name, clean.name])


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"


@pytest.mark.parametrize(
    "key",
    [
        "refresh",
        "private_key",
        "privateKey",
        "new_password",
        "pwd",
        "X-Auth-Token",
        "api key",
        "API-KEY",
        "sessionToken",
        "csrfmiddlewaretoken",
        "credentials",
        "signature",
        "jwt",
        "%74oken",
        "otp",
    ],
)
def test_names_are_matched_by_pattern_in_every_spelling(key: str) -> None:
    redacted, count = Redactor().redact_text(json.dumps({key: "s3cret-value"}))
    assert count == 1
    assert "s3cret-value" not in redacted


def test_escaped_keys_are_read_as_json_reads_them_and_kept_as_written() -> None:
    text = '{"\\u0074oken": "s3cret-value", "n": 1}'
    assert Redactor().redact_text(text) == ('{"\\u0074oken": "<redacted:json:token>", "n": 1}', 1)


def test_any_depth_neither_raises_nor_skips() -> None:
    depth = 100_000
    text = '{"a":' * depth + '{"password":"deep-secret"}' + "}" * depth
    redacted, count = Redactor().redact_text(text)
    assert count == 1
    assert redacted == text.replace("deep-secret", "<redacted:json:password>")
    arrays = "[" * depth + '"' + JWT + '"' + "]" * depth
    assert Redactor().redact_text(arrays) == (arrays.replace(JWT, "<redacted:text:jwt>"), 1)


def test_broken_json_is_redacted_too_and_what_cannot_be_walked_is_replaced_whole() -> None:
    assert Redactor().redact_text('{"password": unquoted, "a": 1}') == (
        '{"password": "<redacted:json:password>", "a": 1}',
        1,
    )
    assert Redactor().redact_text('{"token": "a string that never ends') == (
        "<redacted:text:frame>",
        1,
    )


def test_json_documents_carried_in_strings_are_redacted_in_place() -> None:
    inner = json.dumps({"session_key": "s3cret-value", "page": 2})
    text = json.dumps({"action": "sync", "payload": {"state": json.dumps({"inner": inner})}})
    redacted, count = Redactor().redact_text(text)
    assert count == 1
    state = json.loads(json.loads(json.loads(redacted)["payload"]["state"])["inner"])
    assert state == {"session_key": "<redacted:json:session_key>", "page": 2}
    nested = "{}"
    for _ in range(12):
        nested = json.dumps({"d": nested})
    assert Redactor().redact_text(nested) == (nested, 0)  # nothing secret: left as it is
    secret = json.dumps({"token": "x"})
    for _ in range(12):
        secret = json.dumps({"d": secret})
    assert Redactor().redact_text(secret) == ("<redacted:text:frame>", 1)  # too deep


def test_jwts_and_bearer_tokens_are_redacted_anywhere_in_text() -> None:
    text = f"AUTH {JWT} then Bearer abc123def456 but not the bearer of bad news"
    assert Redactor().redact_text(text) == (
        "AUTH <redacted:text:jwt> then Bearer <redacted:text:bearer> "
        "but not the bearer of bad news",
        2,
    )
    frame = json.dumps({"action": "message", "payload": {"text": f"mine: {JWT}"}})
    assert json.loads(Redactor().redact_text(frame)[0])["payload"]["text"] == (
        "mine: <redacted:text:jwt>"
    )
    close = ServerClose(seq=3, conn="c", t=0, code=4001, reason=f"expired {JWT}")
    assert redact_event(close).reason == "expired <redacted:text:jwt>"  # type: ignore[union-attr]


def test_subprotocols_keep_their_names_and_lose_their_tokens() -> None:
    marker = "<redacted:header:sec-websocket-protocol>"
    event = _connect(
        headers=[("Sec-WebSocket-Protocol", "chat.v1, access_token, opaque")],
        subprotocols=["chat.v1", "access_token", "opaque", "graphql-transport-ws", JWT],
    )
    redacted = redact_event(event)
    assert isinstance(redacted, ConnectEvent)
    assert redacted.headers == [("Sec-WebSocket-Protocol", f"chat.v1, access_token, {marker}")]
    assert redacted.subprotocols == [
        "chat.v1",
        "access_token",
        marker,
        "graphql-transport-ws",
        marker,
    ]
    names = ["v12.stomp", "ocpp2.0.1", "wamp.2.json", "actioncable-v1-json", "mqtt"]
    assert redact_event(_connect(subprotocols=names)).subprotocols == names  # type: ignore[union-attr]
    joined = _connect(subprotocols=["chat.v1, access_token, opaque"])  # one entry, as some
    assert redact_event(joined).subprotocols == [f"chat.v1, access_token, {marker}"]  # type: ignore[union-attr]
    accept = AcceptEvent(seq=1, conn="c", t=0, subprotocol="k8s.io.a1b2c3d4e5f6a7b8c9d0")
    assert redact_event(accept).subprotocol == marker  # type: ignore[union-attr]


def test_headers_holding_urls_with_secret_queries_are_redacted() -> None:
    event = _connect(
        headers=[
            ("referer", "https://app.example/page?room=1&token=s3cret-value"),
            ("x-original-url", "/ws/?room=lobby"),
        ]
    )
    assert redact_event(event).headers == [  # type: ignore[union-attr]
        ("referer", "<redacted:header:referer>"),
        ("x-original-url", "/ws/?room=lobby"),
    ]


def test_query_values_holding_tokens_or_secret_documents_are_redacted() -> None:
    query = f"ctx={JWT}&state=%7B%22token%22%3A%22x%22%7D&%74oken=t&page=2&q=Bearer+abcdef123456"
    assert Redactor().redact_query_string(query) == (
        "ctx=<redacted:query:ctx>&state=<redacted:query:state>&%74oken=<redacted:query:token>"
        "&page=2&q=<redacted:query:q>",
        4,
    )


def test_the_allow_list_wins_and_names_and_patterns_can_be_added() -> None:
    redactor = Redactor().extended(names=["pin"], patterns=[r"^ssn$"], allow=["max_tokens"])
    text = json.dumps({"pin": "1234", "ssn": "078-05-1120", "max_tokens": 256, "token": "t"})
    assert json.loads(redactor.redact_text(text)[0]) == {
        "pin": "<redacted:json:pin>",
        "ssn": "<redacted:json:ssn>",
        "max_tokens": 256,
        "token": "<redacted:json:token>",
    }
    assert redactor.is_secret_name("PIN", "header")
    assert not Redactor().is_secret_name("author")
    recorded = [
        _frame('{"pin":"<redacted:json:pin>","max_tokens": 256,"token":"<redacted:json:token>"}'),
        _frame('{"Token": "clear here, redacted elsewhere", "secret": null}'),
    ]
    learned = Redactor().as_recorded(recorded)
    assert learned.redact_text('{"pin": 1, "max_tokens": 9}') == (
        '{"pin": "<redacted:json:pin>", "max_tokens": 9}',
        1,
    )
    assert learned.redact_text('{"Token": "t", "secret": "s"}')[1] == 2
    assert Redactor().as_recorded([]) is not None


def test_fill_redactions_is_the_inverse_byte_for_byte() -> None:
    originals = [
        '{"action": "login", "payload": {"password": "hunter2", "n": 1}}',
        json.dumps({"state": json.dumps({"session_key": "sk-1", "z": "Zoë"})}),
        f"AUTH {JWT}",
        '{"\\u0074oken":"t-1","note":"Bearer abcdef123456"}',
        '[{"pin": 1234}]',
    ]
    redactor = Redactor().extended(names=["pin"])
    values = {"password": "hunter2", "session_key": "sk-1", "jwt": JWT, "token": "t-1"}
    values |= {"bearer": "abcdef123456", "pin": 1234}
    for original in originals:
        redacted, count = redactor.redact_text(original)
        assert count
        assert fill_redactions(redacted, lambda where, name: values[name]) == original
