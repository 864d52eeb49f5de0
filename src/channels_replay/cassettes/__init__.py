"""The cassette format: model, msgpack stream and JSON Lines forms, redaction. No Django."""

from channels_replay.cassettes.model import (
    FORMAT_NAME,
    FORMAT_VERSION,
    AcceptEvent,
    Cassette,
    CassetteHeader,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerClose,
    ServerFrame,
)

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
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
