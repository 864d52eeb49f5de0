"""The connection seam: what the replay loop needs from a way of talking to an app.

A driver opens connections, sends client frames, disconnects, and hands back the
server's events one at a time, from every connection, in the order they came.
An in-process driver can also tell that the app is done; a live one cannot, and
says so (`can_tell_done`), so the replay ends its last collection on a short
quiet window instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Protocol

from channels_replay.asgi import Translated
from channels_replay.cassettes._construct import make_event
from channels_replay.cassettes.model import AcceptEvent, ServerClose, ServerFrame

__all__ = [
    "APP_DONE",
    "HANDSHAKE_HEADERS",
    "QUIET",
    "AppDone",
    "Arrival",
    "ConnectRequest",
    "Driver",
    "DriverEvent",
    "Quiet",
    "ServerEvent",
    "server_event",
]

ServerEvent = AcceptEvent | ServerFrame | ServerClose


HANDSHAKE_HEADERS = frozenset(
    {
        "host",
        "upgrade",
        "connection",
        "content-length",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "user-agent",
    }
)
"""Headers a WebSocket client sets itself for the handshake: never replayed or generated."""


@dataclass(frozen=True, slots=True)
class ConnectRequest:
    """What a client sends to open a connection (credentials already filled in)."""

    path: str
    query_string: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    subprotocols: tuple[str, ...] = ()
    client: tuple[str, int] | None = None


@dataclass(frozen=True, slots=True)
class Arrival:
    """A server event on connection `conn`, `t` seconds after the driver started."""

    conn: str
    event: ServerEvent
    t: float


@dataclass(frozen=True, slots=True)
class AppDone:
    """The app has finished: every task it started waits for input, nothing is pending."""


@dataclass(frozen=True, slots=True)
class Quiet:
    """Nothing arrived within the time asked for."""


APP_DONE: Final = AppDone()
QUIET: Final = Quiet()

DriverEvent = Arrival | AppDone | Quiet


class Driver(Protocol):
    """Connections to one app, in-process or over real sockets."""

    can_tell_done: bool
    failures: list[tuple[str, BaseException]]
    """The exceptions the app raised, by connection, in order (only in-process sees them)."""

    async def open(self, conn: str, request: ConnectRequest) -> None:
        """Start connection `conn`; its accept or refusal comes as an event."""

    async def send(self, conn: str, text: str | None, data: bytes | None) -> None:
        """Send one client frame on `conn` (nothing when it is closed)."""

    async def disconnect(self, conn: str, code: int) -> None:
        """The client goes away from `conn` with `code`."""

    async def next_event(self, timeout: float) -> DriverEvent:
        """The next server event; APP_DONE when the app is done; QUIET after `timeout`."""

    def arrived(self) -> list[Arrival]:
        """The server events that have already arrived, without waiting (and takes them)."""

    async def aclose(self) -> None:
        """Close every connection still open and release what the driver holds."""


_CLASSES: dict[str, type[ServerEvent]] = {
    "server_frame": ServerFrame,
    "server_close": ServerClose,
    "accept": AcceptEvent,
}


def server_event(translated: Translated, conn: str, t: float, seq: int = 0) -> ServerEvent | None:
    """The cassette event of a translated server message (None: not a server event)."""
    cls = _CLASSES.get(translated.kind)
    if cls is None:
        return None
    values: dict[str, Any] = {"seq": seq, "conn": conn, "t": t, **translated.fields}
    values["kind"] = translated.kind
    event: ServerEvent = make_event(cls, values)
    return event
