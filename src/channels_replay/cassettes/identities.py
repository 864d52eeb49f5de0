"""Who each connection was: the recorded identity, else the user its authentication frame names.

Apps that authenticate inside the consumer (chanx does, and so does any app reading a
token from a cookie or the first frame) leave `scope["user"]` unset, so the recorder may
not know the user. Many of them say who it was in their authentication message
(`{"action": "authentication", "payload": {"data": {"username": "alice"}}}`); this module
reads it from there. Pure: no Django, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from channels_replay._json import loads_bounded
from channels_replay.cassettes.model import Cassette, ConnectEvent, Event, ServerFrame
from channels_replay.signals import SignalNames

__all__ = [
    "connection_identities",
    "identity_in_frame",
    "identity_in_payload",
    "with_identities",
]

USER_KEYS = ("username", "user_name", "login", "email")
"""Keys whose string value names the user, in the order they are tried."""
_NESTING_KEYS = ("user", "data", "payload", "identity")
"""Keys under which a user is looked for one level down."""
_DEPTH = 3


def identity_in_payload(payload: Any) -> str | None:
    """The user an authentication payload names, or None.

    Looks at `username`, `user_name`, `login`, `email`, a string `user`, and the same
    keys under `user`, `data`, `payload` or `identity`, at most three levels down.
    """
    level = [payload]
    for _ in range(_DEPTH):
        below: list[Any] = []
        for value in level:
            if not isinstance(value, dict):
                continue
            for key in USER_KEYS:
                name = value.get(key)
                if isinstance(name, str) and name:
                    return name
            user = value.get("user")
            if isinstance(user, str) and user:
                return user
            below.extend(value[key] for key in _NESTING_KEYS if isinstance(value.get(key), dict))
        if not below:
            return None
        level = below
    return None


def identity_in_frame(text: str | None, signals: SignalNames) -> str | None:
    """The user a server text frame names, when it is the authentication signal; else None."""
    if text is None or signals.kind_of(text) != "authentication":
        return None
    try:
        message = loads_bounded(text)
    except ValueError:
        return None
    if not isinstance(message, dict):
        return None
    return identity_in_payload(message.get("payload", message))


def connection_identities(events: Iterable[Event], signals: SignalNames) -> dict[str, str | None]:
    """Each connection's identity: its connect's `user`, else its first authentication frame's."""
    identities: dict[str, str | None] = {}
    looking: set[str] = set()
    for event in events:
        if isinstance(event, ConnectEvent):
            identities[event.conn] = event.user
            if event.user is None:
                looking.add(event.conn)
        elif (
            looking
            and isinstance(event, ServerFrame)
            and event.conn in looking
            and signals.kind_of(event.text) == "authentication"
        ):
            looking.discard(event.conn)
            identities[event.conn] = identity_in_frame(event.text, signals)
    return identities


def with_identities(cassette: Cassette) -> Cassette:
    """The cassette with each anonymous connect's `user` taken from its authentication frame.

    The same object when no connection gains an identity.
    """
    identities = connection_identities(cassette.events, cassette.signal_names())
    found = {
        event.conn: identities[event.conn]
        for event in cassette.events
        if isinstance(event, ConnectEvent) and event.user is None and identities.get(event.conn)
    }
    if not found:
        return cassette
    events = [
        event.model_copy(update={"user": found[event.conn]})
        if isinstance(event, ConnectEvent) and event.conn in found
        else event
        for event in cassette.events
    ]
    return cassette.model_copy(update={"events": events})
