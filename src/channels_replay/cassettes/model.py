"""The cassette model: a header and the events of one recording session.

Pure data (pydantic), no Django and no I/O. One cassette holds 1..N connections;
their events share one global order (`seq`), and each carries the connection id
(`conn`) and its time offset from the start of the session (`t`, seconds).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from channels_replay.asgi import ABNORMAL_CLOSURE
from channels_replay.signals import SignalNames

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "REFUSAL_CODE",
    "AcceptEvent",
    "Cassette",
    "CassetteHeader",
    "ClientDisconnect",
    "ClientFrame",
    "ConnectEvent",
    "Event",
    "ServerClose",
    "ServerFrame",
]

FORMAT_NAME = "channels-replay-cassette"
FORMAT_VERSION = 2
REFUSAL_CODE = ABNORMAL_CLOSURE
"""The close code of a refused handshake: what a client observes (no close frame came)."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CassetteHeader(_Record):
    """What the cassette is and what was recorded."""

    format: Literal["channels-replay-cassette"] = "channels-replay-cassette"
    version: int = FORMAT_VERSION
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    library_version: str = ""
    app: str | None = None
    """The recorded application, e.g. `example.asgi:application`, or the proxied URL."""
    server: str | None = None
    """The server that ran it, e.g. `uvicorn 0.54.0`."""
    redacted: bool = True
    """Whether secrets were redacted at record time."""
    signals: SignalNames | None = None
    """The signal convention in force when the cassette was recorded (the app's action key
    and signal names); None where it is unknown, which `Cassette.signal_names` reads as the
    defaults. Every cassette of format version 1 was recorded with the defaults."""
    noise: list[dict[str, Any]] = Field(default_factory=list)
    """Noise rules stored with the cassette (see `channels_replay.replay`)."""
    metadata: dict[str, Any] = Field(default_factory=dict)

    def signal_names(self) -> SignalNames:
        """The signal convention the cassette was recorded with (the defaults when unknown)."""
        return self.signals if self.signals is not None else SignalNames()


class _EventBase(_Record):
    seq: int = Field(ge=0)
    conn: str = Field(min_length=1)
    t: float = Field(ge=0)


class _FrameBase(_EventBase):
    text: str | None = None
    data: bytes | None = None

    @model_validator(mode="after")
    def _one_payload(self) -> _FrameBase:
        if (self.text is None) == (self.data is None):
            raise ValueError("a frame has exactly one of 'text' and 'data'")
        return self


class ConnectEvent(_EventBase):
    """The client opened a connection (the ASGI `websocket.connect` with its scope)."""

    kind: Literal["connect"] = "connect"
    path: str
    query_string: str = ""
    headers: list[tuple[str, str]] = Field(default_factory=list)
    subprotocols: list[str] = Field(default_factory=list)
    client: tuple[str, int] | None = None
    user: str | None = None
    """The identity of the authenticated user, where `scope["user"]` had one."""


class AcceptEvent(_EventBase):
    """The server accepted the connection."""

    kind: Literal["accept"] = "accept"
    subprotocol: str | None = None


class ClientFrame(_FrameBase):
    """A frame the client sent: exactly one of `text` and `data`."""

    kind: Literal["client_frame"] = "client_frame"


class ServerFrame(_FrameBase):
    """A frame the server sent: exactly one of `text` and `data`."""

    kind: Literal["server_frame"] = "server_frame"


class ServerClose(_EventBase):
    """The server closed the connection, or refused its handshake (`status` set).

    A refusal is an HTTP response instead of the handshake's 101: an ASGI
    `websocket.close` before `websocket.accept` (HTTP 403), or a
    `websocket.http.response.start` (its status). The client then sees no close frame,
    so `code` is 1006 (`REFUSAL_CODE`) and `reason` None or the response body's text.
    """

    kind: Literal["server_close"] = "server_close"
    code: int = 1000
    reason: str | None = None
    status: int | None = Field(default=None, ge=100, le=599)
    """The HTTP status of a refused handshake; None for a close of an accepted connection."""

    @property
    def refused(self) -> bool:
        """Whether the server refused the handshake (answered with an HTTP response)."""
        return self.status is not None


class ClientDisconnect(_EventBase):
    """The client went away."""

    kind: Literal["client_disconnect"] = "client_disconnect"
    code: int = 1000


Event = Annotated[
    ConnectEvent | AcceptEvent | ClientFrame | ServerFrame | ServerClose | ClientDisconnect,
    Field(discriminator="kind"),
]


class Cassette(BaseModel):
    """A whole cassette in memory: the header, the events, and whether the tail is missing."""

    model_config = ConfigDict(extra="forbid")

    header: CassetteHeader = Field(default_factory=CassetteHeader)
    events: list[Event] = Field(default_factory=list)
    complete: bool = True
    """False when the recording was cut (crash, kill -9) and the reader found no end record."""
    problem: str | None = None
    """What the reader found missing or cut, where `complete` is False."""

    def signal_names(self) -> SignalNames:
        """The signal convention the cassette was recorded with (the defaults when unknown)."""
        return self.header.signal_names()

    def connections(self) -> list[str]:
        """Connection ids in the order they first appear."""
        seen: dict[str, None] = {}
        for event in self.events:
            seen.setdefault(event.conn, None)
        return list(seen)
