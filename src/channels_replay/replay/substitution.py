"""Supplying at replay what was redacted at record time, and rewriting paths.

Credentials are given per identity (the recorded user of a connection, or `*` for
any): header values, query parameters, JSON values in client frames. A redacted
value without a credential is an error naming the connection, the identity and
what to pass.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from channels_replay._json import loads_bounded
from channels_replay.cassettes import parse_redaction_marker
from channels_replay.cassettes.model import ClientFrame, ConnectEvent
from channels_replay.drivers.base import ConnectRequest
from channels_replay.errors import ConfigurationError, ReplayError

__all__ = ["Credentials", "client_frame", "connect_request"]

ANY_IDENTITY = "*"

OPTIONS = {"header": "--header", "query": "--query", "json": "--json-value"}
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


def connect_request(
    event: ConnectEvent,
    credentials: Credentials,
    rewrite_path: Callable[[str, ConnectEvent], str] | None = None,
) -> ConnectRequest:
    """What to connect with: path, query string, headers, redactions filled in."""
    headers: list[tuple[str, str]] = []
    for name, value in event.headers:
        marker = parse_redaction_marker(value)
        if marker is not None:
            supplied = credentials.header(event.conn, event.user, name)
            if supplied is None:
                raise _missing(event.conn, event.user, "header", name)
            value = supplied
        headers.append((name.lower(), value))
    query = event.query_string
    if query and "redacted" in query:
        pairs = []
        for name, value in parse_qsl(query, keep_blank_values=True):
            if parse_redaction_marker(value) is not None:
                supplied = _lookup(credentials.query, event.conn, event.user, name)
                if supplied is None:
                    raise _missing(event.conn, event.user, "query", name)
                value = str(supplied)
            pairs.append((name, value))
        query = urlencode(pairs)
    path = rewrite_path(event.path, event) if rewrite_path is not None else event.path
    return ConnectRequest(path, query, tuple(headers), tuple(event.subprotocols), event.client)


def _fill_json(value: Any, conn: str, identity: str | None, credentials: Credentials) -> Any:
    if isinstance(value, dict):
        return {k: _fill_json(v, conn, identity, credentials) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_json(v, conn, identity, credentials) for v in value]
    if isinstance(value, str):
        marker = parse_redaction_marker(value)
        if marker is not None:
            _, name = marker
            supplied = _lookup(credentials.json, conn, identity, name)
            if supplied is None:
                raise _missing(conn, identity, "json", name)
            return supplied
    return value


def client_frame(
    event: ClientFrame, credentials: Credentials, identity: str | None
) -> tuple[str | None, bytes | None]:
    """The text or bytes to send for a recorded client frame, redactions filled in."""
    if event.text is None:
        return None, event.data
    text = event.text
    if "redacted" in text and text.startswith("{"):
        try:
            content = loads_bounded(text)
        except ValueError:
            content = None
        if content is not None:
            filled = _fill_json(content, event.conn, identity, credentials)
            if filled != content:
                text = json.dumps(filled)
    return text, None
