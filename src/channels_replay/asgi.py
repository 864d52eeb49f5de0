"""ASGI websocket messages and cassette events: the one translation between them.

The recorder's tap, the recording proxy, both replay drivers and the test
communicator all go through here, so that a refused handshake, a close without a
code (what browsers send), a close with a reason and a subprotocol are recorded
and replayed alike. Events come out as `Translated` (the cassette event kind and
its fields, without `seq`, `conn` and `t`), which the cassettes layer turns into
model objects.

The rules, in one place:

- A client close without a code is code 1005 ("no status received"), as RFC 6455
  says; ASGI servers pass it as 1005 or as None.
- A server that closes before accepting refuses the handshake: a client sees an
  HTTP 403 response and no close frame, so it is recorded as a close with
  `status` 403 and code 1006 (the close code the app passed never reaches a
  client). A denial response (`websocket.http.response.start`) is the same with
  its own status. An app that raises before accepting is status 500. A refusal
  keeps no reason: the response body is the server's wording.
- An app that raises after accepting closes with 1011; one that returns without
  closing is closed with 1000 (refused with 403 before accepting); a send that
  fails because the client is gone is the client's disconnect with 1006.
- Nothing is recorded on a connection after its end (close or disconnect).

Pure: no Django, no asyncio.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ABNORMAL_CLOSURE",
    "INTERNAL_ERROR",
    "NO_STATUS_RECEIVED",
    "REFUSED_STATUS",
    "ConnectionTranslation",
    "Translated",
    "client_message",
    "close_code",
    "connect_fields",
    "refused",
    "server_closed",
]

EventKind = Literal[
    "connect", "accept", "client_frame", "server_frame", "server_close", "client_disconnect"
]

NO_STATUS_RECEIVED = 1005
"""The close code of a close frame without a code (a browser's `ws.close()`)."""
ABNORMAL_CLOSURE = 1006
"""No close frame at all: a refused handshake, a dropped connection."""
INTERNAL_ERROR = 1011
"""What servers send when the application raised."""
REFUSED_STATUS = 403
"""The HTTP status of an ASGI close before accept."""
_APP_FAILED_STATUS = 500


@dataclass(frozen=True, slots=True)
class Translated:
    """A cassette event without its place (`seq`, `conn`, `t`): the kind and its fields."""

    kind: EventKind
    fields: dict[str, Any] = field(default_factory=dict)


def close_code(value: Any, default: int = NO_STATUS_RECEIVED) -> int:
    """A close code from an ASGI message or a socket library: None and junk become `default`."""
    if isinstance(value, bool) or value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def refused(status: int) -> Translated:
    """The server refused the handshake with an HTTP response of `status`.

    Only the status is kept: the response body is the server's wording (uvicorn
    answers "Internal Server Error" where the app raised), not the app's behaviour.
    """
    return Translated("server_close", {"code": ABNORMAL_CLOSURE, "reason": None, "status": status})


def server_closed(code: Any, reason: Any = None) -> Translated:
    """The server closed an accepted connection (`code` None: no code, 1005)."""
    text = reason if isinstance(reason, str) and reason else None
    return Translated("server_close", {"code": close_code(code), "reason": text, "status": None})


def _frame(kind: EventKind, message: Mapping[str, Any]) -> Translated:
    text = message.get("text")
    if text is not None:
        return Translated(kind, {"text": str(text), "data": None})
    data = message.get("bytes")
    return Translated(kind, {"text": None, "data": bytes(data) if data is not None else b""})


class ConnectionTranslation:
    """Translates one connection's ASGI messages, knowing whether it was accepted or ended."""

    __slots__ = ("accepted", "ended")

    def __init__(self) -> None:
        self.accepted = False
        self.ended = False
        """Whether the connection's end (a close or a disconnect) has been translated."""

    def from_client(self, message: Mapping[str, Any]) -> Translated | None:
        """What the app received: a frame or the disconnect (connect comes from the scope)."""
        if self.ended:
            return None
        kind = message.get("type")
        if kind == "websocket.receive":
            return _frame("client_frame", message)
        if kind == "websocket.disconnect":
            self.ended = True
            return Translated("client_disconnect", {"code": close_code(message.get("code"))})
        return None

    def from_server(self, message: Mapping[str, Any]) -> Translated | None:
        """What the app sent: accept, a frame, a close or a refusal; None for anything else."""
        if self.ended:
            return None
        kind = message.get("type")
        if kind == "websocket.send":
            return _frame("server_frame", message)
        if kind == "websocket.accept":
            if self.accepted:
                return None
            self.accepted = True
            subprotocol = message.get("subprotocol")
            return Translated("accept", {"subprotocol": subprotocol or None})
        if kind == "websocket.close":
            self.ended = True
            if not self.accepted:
                return refused(REFUSED_STATUS)
            return server_closed(message.get("code", 1000), message.get("reason"))
        if kind == "websocket.http.response.start" and not self.accepted:
            self.ended = True
            return refused(close_code(message.get("status"), REFUSED_STATUS))
        return None

    def app_failed(self, exc: BaseException) -> Translated | None:
        """The app raised: what a server then sends the client (None once ended)."""
        if self.ended:
            return None
        self.ended = True
        if not self.accepted:
            return refused(_APP_FAILED_STATUS)
        return server_closed(INTERNAL_ERROR, f"the application raised {type(exc).__name__}")

    def app_returned(self) -> Translated | None:
        """The app returned without ending the connection: the server ends it for it.

        Before accept that is a refused handshake (HTTP 403); after, a close with 1000.
        """
        if self.ended:
            return None
        self.ended = True
        if not self.accepted:
            return refused(REFUSED_STATUS)
        return server_closed(1000)

    def client_gone(self) -> Translated | None:
        """A send failed because the client had gone: its disconnect, without a close frame."""
        if self.ended:
            return None
        self.ended = True
        return Translated("client_disconnect", {"code": ABNORMAL_CLOSURE})


def _text(value: bytes | str) -> str:
    """ASGI byte strings (headers, query string) as text, byte for byte (latin-1)."""
    return value.decode("latin-1") if isinstance(value, bytes | bytearray) else str(value)


def connect_fields(scope: Mapping[str, Any]) -> dict[str, Any]:
    """The connect event's fields from a websocket scope (the identity is the caller's)."""
    client = scope.get("client")
    return {
        "path": str(scope.get("path", "")),
        "query_string": _text(scope.get("query_string", b"")),
        "headers": [(_text(name), _text(value)) for name, value in scope.get("headers", ())],
        "subprotocols": [str(protocol) for protocol in scope.get("subprotocols", ())],
        "client": (str(client[0]), int(client[1])) if client else None,
    }


def client_message(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The ASGI message that delivers a client event to an app."""
    if kind == "connect":
        return {"type": "websocket.connect"}
    if kind == "client_frame":
        text = fields.get("text")
        if text is not None:
            return {"type": "websocket.receive", "text": text}
        return {"type": "websocket.receive", "bytes": fields.get("data") or b""}
    if kind == "client_disconnect":
        return {"type": "websocket.disconnect", "code": close_code(fields.get("code"))}
    raise ValueError(f"{kind!r} is not a client event")
