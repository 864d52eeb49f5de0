"""Supplying at replay what was redacted at record time, and rewriting paths.

Credentials are given per identity (the recorded user of a connection, a connection id
such as `c2`, or `*` for any): header values, cookies, query parameters, JSON values in
client frames. A value may be a callable `f(identity) -> value`, called once per
connection that needs it, with None for an anonymous connection (that is how
`channels_replay.credentials` mints a session or a token at replay time). A redacted
value without a credential is an error naming the connection, the identity and what
to pass.

The mapping form, shared by `--credentials FILE` (TOML), the pytest `replay_config`
fixture and `ReplayTestCase.replay_credentials`:

    {"alice": {"headers": {...}, "cookies": {...}, "query": {...}, "json": {...}},
     "*": {...}}
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from channels_replay._json import loads_bounded
from channels_replay.cassettes import parse_redaction_marker
from channels_replay.cassettes.model import ClientFrame, ConnectEvent, Event
from channels_replay.drivers.base import ConnectRequest
from channels_replay.errors import ConfigurationError, ReplayError

__all__ = ["Credentials", "client_frame", "connect_request", "redacted_names"]

ANY_IDENTITY = "*"

OPTIONS = {"header": "--header", "query": "--query", "json": "--json-value"}
"""The command-line option that supplies each kind of credential."""

SECTIONS = {"headers": "header", "cookies": "cookie", "query": "query", "json": "json"}
"""The sections of an identity in the mapping form, and the kind of credential each holds."""

_MARKER_IN_TEXT = re.compile(r"<redacted:(header|query|json):([^<>]{1,200})>")


def _lookup(table: dict[str, dict[str, Any]], conn: str, identity: str | None, name: str) -> Any:
    """The value for `name`: given for the connection id, else its identity, else `*`;
    a callable is called with the identity (None: anonymous)."""
    for key in (conn, identity or "", ANY_IDENTITY):
        values = table.get(key)
        if values is not None and name in values:
            value = values[name]
            return value(identity) if callable(value) else value
    return None


def redacted_names(events: Iterable[Event]) -> dict[str, set[tuple[str, str]]]:
    """For each connection, the `(where, name)` of every value redacted in what its client
    sends: the credentials its replay needs."""
    needs: dict[str, set[tuple[str, str]]] = {}
    for event in events:
        if isinstance(event, ConnectEvent):
            found = needs.setdefault(event.conn, set())
            for name, value in event.headers:
                if parse_redaction_marker(value) is not None:
                    found.add(("header", name.lower()))
            if "redacted" in event.query_string:
                for name, value in parse_qsl(event.query_string, keep_blank_values=True):
                    if parse_redaction_marker(value) is not None:
                        found.add(("query", name))
        elif isinstance(event, ClientFrame) and event.text and "<redacted:" in event.text:
            for where, name in _MARKER_IN_TEXT.findall(event.text):
                needs.setdefault(event.conn, set()).add((where, name))
    return needs


@dataclass
class Credentials:
    """Values for redacted headers, cookies, query parameters and JSON keys, by identity."""

    headers: dict[str, dict[str, Any]] = field(default_factory=dict)
    query: dict[str, dict[str, Any]] = field(default_factory=dict)
    json: dict[str, dict[str, Any]] = field(default_factory=dict)
    cookies: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _table(self, where: str) -> dict[str, dict[str, Any]]:
        tables = {"header": self.headers, "query": self.query, "json": self.json}
        return self.cookies if where == "cookie" else tables[where]

    def add(self, where: str, identity: str, name: str, value: Any) -> None:
        key = name.lower() if where == "header" else name
        self._table(where).setdefault(identity or ANY_IDENTITY, {})[key] = value

    def header(self, conn: str, identity: str | None, name: str) -> str | None:
        value = _lookup(self.headers, conn, identity, name.lower())
        if value is None and name.lower() == "cookie":
            return self._cookie_header(conn, identity)
        return None if value is None else str(value)

    def _cookie_header(self, conn: str, identity: str | None) -> str | None:
        """A Cookie header from the cookies given for `*`, the identity and the connection."""
        cookies: dict[str, Any] = {}
        for key in (ANY_IDENTITY, identity or "", conn):
            cookies.update(self.cookies.get(key, {}))
        if not cookies:
            return None
        values = {
            name: value(identity) if callable(value) else value for name, value in cookies.items()
        }
        return "; ".join(f"{name}={value}" for name, value in values.items())

    def copy(self) -> Credentials:
        """A copy that can be extended without changing this one."""
        return Credentials(
            headers={k: dict(v) for k, v in self.headers.items()},
            query={k: dict(v) for k, v in self.query.items()},
            json={k: dict(v) for k, v in self.json.items()},
            cookies={k: dict(v) for k, v in self.cookies.items()},
        )

    def named(self) -> set[str]:
        """Every identity, connection id or `*` that a credential is given for."""
        return {
            key for table in (self.headers, self.query, self.json, self.cookies) for key in table
        }

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

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], source: str = "credentials") -> Credentials:
        """From the mapping form (see the module); `source` names it in errors."""
        credentials = cls()
        credentials.merge_mapping(mapping, source)
        return credentials

    def merge_mapping(self, mapping: Mapping[str, Any], source: str = "credentials") -> None:
        """Add the credentials of a mapping in the mapping form."""
        if not isinstance(mapping, Mapping):
            raise ConfigurationError(
                f"{source}: expected a mapping of identities to sections, not {mapping!r}"
            )
        for identity, sections in mapping.items():
            if not isinstance(sections, Mapping):
                raise ConfigurationError(
                    f"{source}: identity {identity!r} must map to sections "
                    f"({', '.join(SECTIONS)}), not {sections!r}"
                )
            for section, values in sections.items():
                where = SECTIONS.get(section)
                if where is None or not isinstance(values, Mapping):
                    raise ConfigurationError(
                        f"{source}: identity {identity!r} has {section!r}: give sections "
                        f"{', '.join(SECTIONS)}, each a mapping of names to values, e.g. "
                        f'[{identity}]\nheaders = {{ authorization = "Token abc" }}'
                    )
                for name, value in values.items():
                    self.add(where, str(identity), str(name), value)

    def resolved(
        self,
        connections: Mapping[str, str | None],
        needs: Mapping[str, set[tuple[str, str]]],
    ) -> Credentials:
        """These credentials with each callable a connection needs called once for it (keyed
        by the connection id); run it where the callables may use the database. An error
        in a callable is a ReplayError naming the connection and the credential."""
        resolved = self.copy()
        for conn, identity in connections.items():
            for where, name in sorted(needs.get(conn, ())):
                key = name.lower() if where == "header" else name
                try:
                    if where == "header":
                        value = self.header(conn, identity, key)
                    else:
                        value = _lookup(self._table(where), conn, identity, key)
                except Exception as exc:
                    raise ReplayError(
                        f"connection {conn} ({identity or 'anonymous'}): the {where} {name!r} "
                        f"could not be made: {exc}"
                    ) from exc
                if value is not None:
                    resolved.add(where, conn, key, value)
        return resolved


def _missing(conn: str, identity: str | None, where: str, name: str) -> ReplayError:
    who = identity or ANY_IDENTITY
    return ReplayError(
        f"connection {conn} (identity {who}) needs the {where} {name!r}, which was redacted "
        f"at record time: pass {OPTIONS[where]} {who}:{name}=VALUE, or give it in the "
        "credentials file (--credentials) or the test's replay credentials"
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
