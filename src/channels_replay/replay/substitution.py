"""Supplying at replay what was redacted at record time, and rewriting paths.

Credentials are given per identity (the recorded user of a connection, or `*` for
any): header values, query parameters, JSON values in client frames. A redacted
value without a credential is an error naming the connection, the identity and
what to pass. Tokens redacted in `Sec-WebSocket-Protocol` come from the header
credential of that name; tokens redacted in free text (`<redacted:text:jwt>`, in a
frame or the path) from the JSON value of that name (`jwt`, `bearer`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from channels_replay.cassettes import fill_redactions, parse_redaction_marker
from channels_replay.cassettes.model import ClientFrame, ConnectEvent
from channels_replay.drivers.base import ConnectRequest
from channels_replay.errors import ConfigurationError, ReplayError

__all__ = ["Credentials", "client_frame", "connect_request"]

ANY_IDENTITY = "*"

OPTIONS = {"header": "--header", "query": "--query", "json": "--json-value", "text": "--json-value"}
"""The command-line option that supplies each kind of credential."""


def _lookup(table: dict[str, dict[str, Any]], conn: str, identity: str | None, name: str) -> Any:
    """The value for `name`: given for the connection id, else its identity, else `*`."""
    for key in (conn, identity or "", ANY_IDENTITY):
        values = table.get(key)
        if values is not None and name in values:
            return values[name]
    return None


@dataclass
class Credentials:
    """Values for redacted headers, query parameters and JSON keys, by identity."""

    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    query: dict[str, dict[str, str]] = field(default_factory=dict)
    json: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, where: str, identity: str, name: str, value: Any) -> None:
        table = {"header": self.headers, "query": self.query, "json": self.json}[where]
        key = name.lower() if where == "header" else name
        table.setdefault(identity or ANY_IDENTITY, {})[key] = value

    def header(self, conn: str, identity: str | None, name: str) -> str | None:
        value = _lookup(self.headers, conn, identity, name.lower())
        return None if value is None else str(value)

    @classmethod
    def parse(cls, where: str, specs: Iterable[str]) -> Credentials:
        """Parse command-line specs `IDENTITY:NAME=VALUE`.

        IDENTITY is a recorded user, a connection id (`c2`: that connection only, for
        anonymous ones or two connections of one user), or `*` for any connection.
        """
        credentials = cls()
        credentials.extend(where, specs)
        return credentials

    def extend(self, where: str, specs: Iterable[str]) -> None:
        for spec in specs:
            identity, colon, rest = spec.partition(":")
            name, equals, value = rest.partition("=")
            if not colon or not equals or not name:
                option = OPTIONS.get(where, f"--{where}")
                example = "password=hunter2" if where == "json" else "authorization='Token abc'"
                raise ConfigurationError(
                    f"bad {option} {spec!r}: write IDENTITY:NAME=VALUE, e.g. "
                    f"{option} alice:{example} (IDENTITY * means any connection)"
                )
            self.add(where, identity.strip(), name.strip(), value)


def _missing(conn: str, identity: str | None, where: str, name: str) -> ReplayError:
    who = identity or ANY_IDENTITY
    return ReplayError(
        f"connection {conn} (identity {who}) needs the {where} {name!r}, which was redacted "
        f"at record time: pass {OPTIONS[where]} {who}:{name}=VALUE (or map it in the test case's "
        "replay credentials)"
    )


_PROTOCOL_HEADER = "sec-websocket-protocol"


def connect_request(
    event: ConnectEvent,
    credentials: Credentials,
    rewrite_path: Callable[[str, ConnectEvent], str] | None = None,
) -> ConnectRequest:
    """What to connect with: path, query string, headers, redactions filled in."""
    conn, user = event.conn, event.user

    def header(name: str) -> str:
        supplied = credentials.header(conn, user, name)
        if supplied is None:
            raise _missing(conn, user, "header", name)
        return supplied

    def protocols(entries: Iterable[str]) -> list[str]:
        """Each entry (or comma-separated part of one) that is a marker, filled in."""
        return [
            ", ".join(
                header(_PROTOCOL_HEADER) if parse_redaction_marker(part.strip()) else part.strip()
                for part in entry.split(",")
            )
            if "<redacted:" in entry
            else entry
            for entry in entries
        ]

    headers: list[tuple[str, str]] = []
    for name, value in event.headers:
        if name.lower() == _PROTOCOL_HEADER and "<redacted:" in value:
            value = protocols([value])[0]
        elif parse_redaction_marker(value) is not None:
            value = header(name)
        headers.append((name.lower(), value))
    query = event.query_string
    if query and "redacted" in query:
        pairs = []
        for name, value in parse_qsl(query, keep_blank_values=True):
            if parse_redaction_marker(value) is not None:
                supplied = _lookup(credentials.query, conn, user, name)
                if supplied is None:
                    raise _missing(conn, user, "query", name)
                value = str(supplied)
            pairs.append((name, value))
        query = urlencode(pairs)
    path = event.path
    if "<redacted:" in path:
        path = fill_redactions(path, _json_value(credentials, conn, user))
    path = rewrite_path(path, event) if rewrite_path is not None else path
    return ConnectRequest(
        path, query, tuple(headers), tuple(protocols(event.subprotocols)), event.client
    )


def _json_value(
    credentials: Credentials, conn: str, identity: str | None
) -> Callable[[str, str], Any]:
    """What fills a marker in a frame or the path: the JSON value of its name."""

    def value_for(where: str, name: str) -> Any:
        supplied = _lookup(credentials.json, conn, identity, name)
        if supplied is None:
            raise _missing(conn, identity, where if where in OPTIONS else "json", name)
        return supplied

    return value_for


def client_frame(
    event: ClientFrame, credentials: Credentials, identity: str | None
) -> tuple[str | None, bytes | None]:
    """The text or bytes to send for a recorded client frame, redactions filled in.

    The frame is kept byte for byte but for the markers, at any depth, JSON documents
    carried in strings included.
    """
    if event.text is None:
        return None, event.data
    text = event.text
    if "<redacted:" in text:
        text = fill_redactions(text, _json_value(credentials, event.conn, identity))
    return text, None
