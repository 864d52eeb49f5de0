"""No secret in any file or log: every carrier recorded through the real recorder and proxy.

Each carrier of `CARRIERS` (27 common ones, 23 further ones) is sent on a connection of
its own by a `websockets` client to `channels-replay record` (a real uvicorn) and to
`channels-replay proxy` (in front of a plain uvicorn). Then the bytes of the
`.cassette`, of its `.jsonl` conversion and of the command's console output are
searched for every secret: raw, percent-encoded and base64-encoded (each alignment).
A replay of such a recording passes when the credentials are supplied back, and only
then: the app (tests/recorder/secrets_app.py) answers with digests of what it got.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from channels_replay.cassettes import AcceptEvent, ClientFrame, ConnectEvent, load_cassette
from tests.recorder.helpers import REPO, receive_json, record_command, ws_connect
from tests.servers import HOST, ServerProcess, running_server, uvicorn_argv

APP = "tests.recorder.secrets_app:application"
PATH = "/ws/secrets/"
# No Django: the app is plain ASGI (an empty value keeps the caller's settings out).
ENV = {"DJANGO_SETTINGS_MODULE": "", "PYTHONPATH": f"{REPO}:{REPO / 'src'}"}


def _token(tag: str) -> str:
    """A distinct secret per carrier, shaped like a real one (letters and digits)."""
    return "tk" + hashlib.sha256(tag.encode()).hexdigest()[:22]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(tag: str) -> str:
    header = _b64url(b'{"alg":"HS256","typ":"JWT"}')
    payload = _b64url(json.dumps({"sub": tag, "iat": 1700000000}).encode())
    return f"{header}.{payload}.{_b64url(hashlib.sha256(tag.encode()).digest())}"


def _login(key: str, value: str) -> str:
    return json.dumps({"action": "login", "payload": {"user": "alice", key: value}})


@dataclass(frozen=True)
class Carrier:
    """One way a secret reaches the recorder, and how replay supplies it back."""

    name: str
    secret: str
    common: bool
    headers: tuple[tuple[str, str], ...] = ()
    query: str = ""
    subprotocols: tuple[str, ...] = ()
    frame: str | None = None
    supply: tuple[str, str, str] | None = None
    """(replay option, NAME, VALUE): given as `--option cN:NAME=VALUE`."""
    replayable: bool = True


def _header(name: str, value: str, secret: str, common: bool) -> Carrier:
    return Carrier(
        f"header {name}", secret, common, headers=((name, value),), supply=("--header", name, value)
    )


def _query(name: str, secret: str, common: bool, *, raw_name: str = "", value: str = "") -> Carrier:
    value = value or secret
    return Carrier(
        f"query {raw_name or name}",
        secret,
        common,
        query=f"{raw_name or name}={quote(value, safe='')}",
        supply=("--query", name, value),
    )


def _json(key: str, secret: str, common: bool, *, frame: str = "", name: str = "") -> Carrier:
    return Carrier(
        f"JSON key {name or key}",
        secret,
        common,
        frame=frame or _login(key, secret),
        supply=("--json-value", key, secret),
    )


def _protocols(
    name: str, entries: tuple[str, ...], token: str, secret: str, common: bool
) -> Carrier:
    return Carrier(
        name,
        secret,
        common,
        subprotocols=entries,
        supply=("--header", "sec-websocket-protocol", token),
    )


def _carriers() -> list[Carrier]:
    t = _token
    jwt = _jwt
    basic = f"admin:{t('proxy-authorization')}"
    k8s = _b64url(t("k8s").encode())
    deep = '{"a":' * 999 + '{"password":"' + t("deep") + '"}' + "}" * 999
    return [
        # -- the 27 common carriers
        _header("authorization", f"Bearer {t('authorization')}", t("authorization"), True),
        _header("cookie", f"sessionid={t('cookie')}; theme=dark", t("cookie"), True),
        _header("x-api-key", t("x-api-key"), t("x-api-key"), True),
        _header(
            "proxy-authorization", f"Basic {base64.b64encode(basic.encode()).decode()}", basic, True
        ),
        _header("x-csrftoken", t("x-csrftoken"), t("x-csrftoken"), True),
        _header("x-access-token", t("x-access-token"), t("x-access-token"), True),
        _header("x-session-id", t("x-session-id"), t("x-session-id"), True),
        _query("token", t("q-token"), True),
        _query("access_token", t("q-access_token"), True),
        _query("jwt", jwt("q-jwt"), True),
        _query("api_key", t("q-api_key"), True),
        _query("auth", t("q-auth"), True),
        _query("refresh_token", t("q-refresh_token"), True),
        _query("password", t("q-password"), True),
        _query("sessionid", t("q-sessionid"), True),
        _protocols(
            "Sec-WebSocket-Protocol token after access_token",
            ("chat.v1", "access_token", t("protocol")),
            t("protocol"),
            t("protocol"),
            True,
        ),
        _json("token", t("j-token"), True),
        _json("password", t("j-password"), True),
        _json("refresh", t("j-refresh"), True),
        _json("private_key", t("j-private_key"), True),
        _json("secret", t("j-secret"), True),
        _json("access_token", t("j-access_token"), True),
        _json("api_key", t("j-api_key"), True),
        _json("client_secret", t("j-client_secret"), True),
        _json("refresh_token", t("j-refresh_token"), True),
        Carrier(
            "a JWT in free text",
            jwt("text"),
            True,
            frame=json.dumps({"action": "message", "payload": {"text": f"mine: {jwt('text')} !"}}),
            supply=("--json-value", "jwt", jwt("text")),
        ),
        Carrier(
            "a bearer token in text",
            t("bearer"),
            True,
            frame=json.dumps(
                {"action": "message", "payload": {"text": f"curl -H 'Bearer {t('bearer')}'"}}
            ),
            supply=("--json-value", "bearer", t("bearer")),
        ),
        # -- the 23 further carriers
        _header("x-auth-token", t("x-auth-token"), t("x-auth-token"), False),
        _header("x-refresh-token", t("x-refresh-token"), t("x-refresh-token"), False),
        _header("x-amz-security-token", t("x-amz"), t("x-amz"), False),
        _header("x-context", jwt("x-context"), jwt("x-context"), False),
        _query("token", t("q-%74oken"), False, raw_name="%74oken"),
        _query("apiKey", t("q-apiKey"), False),
        _query("X-Amz-Signature", t("q-sig"), False),
        _query(
            "state",
            t("q-state"),
            False,
            value=json.dumps({"next": "/", "token": t("q-state")}),
        ),
        _query("ctx", jwt("q-ctx"), False),
        _protocols(
            "Sec-WebSocket-Protocol bare JWT",
            ("chat.v1", jwt("protocol")),
            jwt("protocol"),
            jwt("protocol"),
            False,
        ),
        _protocols(
            "Sec-WebSocket-Protocol k8s-style bearer entry",
            (f"base64url.bearer.authorization.k8s.io.{k8s}", "chat.v1"),
            f"base64url.bearer.authorization.k8s.io.{k8s}",
            t("k8s"),
            False,
        ),
        _json("new_password", t("j-new_password"), False),
        _json("pwd", t("j-pwd"), False),
        _json("api key", t("j-api key"), False),
        _json("sessionToken", t("j-sessionToken"), False),
        _json(
            "token2",
            t("j-escaped"),
            False,
            frame='{"action":"login","payload":{"\\u0074oken2":"' + t("j-escaped") + '"}}',
            name="\\u0074oken2",
        ),
        _json("%74oken", t("j-%74oken"), False),
        _json(
            "session_key",
            t("j-embedded"),
            False,
            frame=json.dumps(
                {
                    "action": "sync",
                    "payload": {"state": json.dumps({"session_key": t("j-embedded")})},
                }
            ),
            name="session_key in a JSON document inside a string",
        ),
        Carrier(
            "JSON key password 1,000 deep",
            t("deep"),
            False,
            frame=deep,
            supply=("--json-value", "password", t("deep")),
            replayable=False,  # reading it back is the readers' part, not redaction's
        ),
        _json("otp", t("j-otp"), False),
        _json("csrfmiddlewaretoken", t("j-csrf"), False),
        Carrier(
            "a JWT in a text frame that is not JSON",
            jwt("plain"),
            False,
            frame=f"AUTH {jwt('plain')}",
            supply=("--json-value", "jwt", jwt("plain")),
        ),
        _json("Cookie", f"sessionid={t('j-cookie')}", False),
    ]


CARRIERS = _carriers()
COMMON = [carrier for carrier in CARRIERS if carrier.common]
FURTHER = [carrier for carrier in CARRIERS if not carrier.common]


def test_the_carriers_are_the_ones_counted() -> None:
    assert (len(COMMON), len(FURTHER)) == (27, 23)
    assert len({carrier.secret for carrier in CARRIERS}) == len(CARRIERS)


def _forms(secret: str) -> set[bytes]:
    """The secret as it could sit in a file: raw, percent-encoded, base64 (each alignment,
    standard and URL-safe: the part that does not depend on the bytes around it)."""
    raw = secret.encode()
    forms = {raw, quote(secret, safe="").encode(), quote_plus(secret).encode()}
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.add(encode(b"\0" * offset + raw)[4:-4])
    return {form for form in forms if len(form) >= 8}


def _leaks(data: bytes, carriers: list[Carrier]) -> list[str]:
    return [
        f"{carrier.name} ({form.decode()})"
        for carrier in carriers
        for form in sorted(_forms(carrier.secret))
        if form in data
    ]


async def _send_all(base_url: str, carriers: list[Carrier]) -> None:
    """Each carrier on a connection of its own, one after the other (c1, c2, ...)."""
    for carrier in carriers:
        url = base_url + PATH + (f"?{carrier.query}" if carrier.query else "")
        async with ws_connect(
            url,
            additional_headers=list(carrier.headers),
            subprotocols=list(carrier.subprotocols) or None,  # type: ignore[arg-type]
        ) as ws:
            assert "hello" in await receive_json(ws)
            if carrier.subprotocols:
                assert ws.subprotocol == "chat.v1"  # the negotiated name survives
            if carrier.frame is not None:
                await ws.send(carrier.frame)
                async with asyncio.timeout(10):
                    assert await ws.recv() == carrier.frame  # the echo
                assert "digest" in await receive_json(ws)


def _record_argv(out: Path, *options: str) -> list[str]:
    return [*record_command(), "record", "--app", APP, "--out", str(out), *options]


@contextmanager
def _recording(out: Path) -> Iterator[ServerProcess]:
    def argv(port: int) -> list[str]:
        return _record_argv(out, "--host", HOST, "--port", str(port))

    with running_server(argv, env=ENV, cwd=REPO) as server:
        yield server


def _convert(cassette: Path) -> tuple[Path, str]:
    jsonl = cassette.with_suffix(".jsonl")
    done = subprocess.run(
        [*record_command(), "convert", str(cassette), str(jsonl)],
        capture_output=True,
        text=True,
        env={**ENV},
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return jsonl, done.stdout + done.stderr


def _assert_no_secret_anywhere(cassette: Path, console: str) -> None:
    jsonl, convert_output = _convert(cassette)
    for where, data in (
        (cassette.name, cassette.read_bytes()),
        (jsonl.name, jsonl.read_bytes()),
        ("the console", (console + convert_output).encode()),
    ):
        leaks = _leaks(data, CARRIERS)
        assert not leaks, f"{len(leaks)} secret(s) in {where}: {leaks}"


def _assert_everything_was_recorded(cassette_path: Path, carriers: list[Carrier]) -> None:
    """Nothing was skipped: every connection and every frame, the deep one redacted."""
    cassette = load_cassette(cassette_path)
    assert cassette.complete, cassette.problem
    connects = [e for e in cassette.events if isinstance(e, ConnectEvent)]
    assert len(connects) == len(carriers)
    frames = {e.conn: e.text for e in cassette.events if isinstance(e, ClientFrame)}
    for number, carrier in enumerate(carriers, start=1):
        conn = f"c{number}"
        if carrier.frame is not None:
            assert frames.get(conn), f"{carrier.name}: its frame was not recorded"
            assert "<redacted:" in (frames[conn] or ""), f"{carrier.name}: {frames[conn]!r}"
        if carrier.subprotocols:
            connect = connects[number - 1]
            offered = [p.strip() for entry in connect.subprotocols for p in entry.split(",")]
            assert "chat.v1" in offered, connect.subprotocols
            assert any("<redacted:" in p for p in offered), connect.subprotocols
    deep = next(c for c in carriers if c.name.endswith("1,000 deep"))
    deep_text = frames[f"c{carriers.index(deep) + 1}"] or ""
    assert deep_text.startswith('{"a":{"a":')
    assert deep_text.endswith('{"password":"<redacted:json:password>"}' + "}" * 999)
    accepted = [e for e in cassette.events if isinstance(e, AcceptEvent) and e.subprotocol]
    assert {e.subprotocol for e in accepted} == {"chat.v1"}


async def test_no_secret_reaches_the_files_or_the_console_of_record(tmp_path: Path) -> None:
    out = tmp_path / "secrets.cassette"
    with _recording(out) as server:
        await _send_all(server.ws_url("").rstrip("/"), CARRIERS)
        assert await asyncio.to_thread(server.stop) == 0, server.output()
    console = server.output()
    assert f'"WebSocket {PATH}?token=***" [accepted]' in console  # the access log is there
    _assert_everything_was_recorded(out, CARRIERS)
    _assert_no_secret_anywhere(out, console)


async def test_no_secret_reaches_the_files_or_the_console_of_proxy(tmp_path: Path) -> None:
    out = tmp_path / "proxied.cassette"

    def proxy_argv(upstream: ServerProcess) -> object:
        def argv(port: int) -> list[str]:
            return [
                *record_command(),
                "proxy",
                "--target",
                upstream.ws_url("").rstrip("/"),
                "--listen",
                f"{HOST}:{port}",
                "--out",
                str(out),
            ]

        return argv

    with (
        running_server(uvicorn_argv(APP), env=ENV, cwd=REPO) as upstream,
        running_server(proxy_argv(upstream), env=ENV, cwd=REPO) as proxy,  # type: ignore[arg-type]
    ):
        await _send_all(proxy.ws_url("").rstrip("/"), CARRIERS)
        assert await asyncio.to_thread(proxy.stop) == 0, proxy.output()
    _assert_everything_was_recorded(out, CARRIERS)
    _assert_no_secret_anywhere(out, proxy.output())


def _replay(cassette: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*record_command(), "replay", str(cassette), "--app", APP, *options],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def _credentials(carriers: list[Carrier], *, wrong: str = "") -> list[str]:
    options = []
    for number, carrier in enumerate(carriers, start=1):
        assert carrier.supply is not None
        option, name, value = carrier.supply
        if carrier.name == wrong:
            value = value[:-1] + ("x" if value[-1] != "x" else "y")
        options += [option, f"c{number}:{name}={value}"]
    return options


async def test_a_replay_of_the_redacted_recording_passes_with_the_credentials(
    tmp_path: Path,
) -> None:
    carriers = [carrier for carrier in CARRIERS if carrier.replayable]
    out = tmp_path / "secrets.cassette"
    with _recording(out) as server:
        await _send_all(server.ws_url("").rstrip("/"), carriers)
        assert await asyncio.to_thread(server.stop) == 0, server.output()

    passed = _replay(out, *_credentials(carriers))
    assert passed.returncode == 0, passed.stdout + passed.stderr

    missing = _replay(out)
    assert missing.returncode == 2
    assert "connection c1" in missing.stderr
    assert "pass --header *:authorization=VALUE" in missing.stderr  # names what to pass

    wrong = _replay(
        out,
        *_credentials(carriers, wrong="JSON key session_key in a JSON document inside a string"),
    )
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr  # the digest tells
    leaks = _leaks((passed.stdout + passed.stderr + wrong.stdout + wrong.stderr).encode(), carriers)
    assert not leaks, leaks


@pytest.mark.parametrize("carrier", CARRIERS, ids=[carrier.name for carrier in CARRIERS])
def test_each_carrier_is_caught_by_the_default_redactor(carrier: Carrier) -> None:
    """The same carriers through the redactor alone: a failure here names the carrier."""
    from channels_replay.cassettes import Redactor

    redactor = Redactor()
    event = ConnectEvent(
        seq=0,
        conn="c1",
        t=0,
        path=PATH,
        query_string=carrier.query,
        headers=list(carrier.headers),
        subprotocols=list(carrier.subprotocols),
    )
    text = json.dumps(redactor.redact_event(event).model_dump(mode="json"))
    if carrier.frame is not None:
        text += redactor.redact_text(carrier.frame)[0]
    assert not _leaks(text.encode(), [carrier])


def test_log_records_keep_their_shape_and_lose_their_query_values() -> None:
    """uvicorn's access formatter unpacks the record's arguments: they stay a tuple."""
    import logging

    from channels_replay.recorder._log import hide_query_values, hide_query_values_in_logs

    assert hide_query_values('"WebSocket /ws/?token=abc&room=1&x" [accepted]') == (
        '"WebSocket /ws/?token=***&room=***&***" [accepted]'
    )
    assert hide_query_values("did you mean this? no") == "did you mean this? no"
    hide_query_values_in_logs()
    hide_query_values_in_logs()  # once only
    logger = logging.getLogger("uvicorn.access")
    assert len([f for f in logger.filters if type(f).__name__ == "_HideQueryValues"]) == 1
    record = logger.makeRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/p?api_key=k3y", "1.1", 200),
        None,
    )
    assert all(f.filter(record) for f in logger.filters)
    assert record.getMessage() == '127.0.0.1:5 - "GET /p?api_key=*** HTTP/1.1" 200'


async def test_names_patterns_and_allowed_names_given_to_record_hold_through_replay(
    tmp_path: Path,
) -> None:
    out = tmp_path / "options.cassette"
    frame = json.dumps(
        {"action": "ask", "room_code": "rc-0a1b2c", "pin": "pin-9z8y7x", "max_tokens": 256}
    )

    def argv(port: int) -> list[str]:
        return _record_argv(
            out,
            "--host",
            HOST,
            "--port",
            str(port),
            "--redact-name",
            "room_code",
            "--redact-pattern",
            "^pin$",
            "--redact-allow",
            "max_tokens",
        )

    with running_server(argv, env=ENV, cwd=REPO) as server:
        async with ws_connect(server.ws_url(PATH)) as ws:
            await receive_json(ws)
            await ws.send(frame)
            await ws.recv()
            await receive_json(ws)
        assert await asyncio.to_thread(server.stop) == 0, server.output()

    recorded = [e.text for e in load_cassette(out).events if isinstance(e, ClientFrame)]
    assert recorded == [
        json.dumps(
            {
                "action": "ask",
                "room_code": "<redacted:json:room_code>",
                "pin": "<redacted:json:pin>",
                "max_tokens": 256,
            }
        )
    ]
    # replay knows none of the options: the cassette tells what was redacted and allowed
    replayed = _replay(
        out, "--json-value", "*:room_code=rc-0a1b2c", "--json-value", "*:pin=pin-9z8y7x"
    )
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
