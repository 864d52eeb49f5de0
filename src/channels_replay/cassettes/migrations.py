"""Reading cassettes written by older format versions: a registry of record migrations.

A migration turns one raw record (a dict, as decoded from either form, before any
validation) of format version N into the same record in version N+1. The reader runs
every record of an old cassette through the chain up to `FORMAT_VERSION`, so the rest of
the library only ever sees current records. Migrations see named records: the msgpack
form's compact event arrays are a per-version encoding that the codec expands first.

The one invariant across all versions: the first record is a map holding `format`
(`"channels-replay-cassette"`) and an integer `version`. Everything else may change.

Version 0 is SYNTHETIC: channels-replay never released it. It exists to exercise this
mechanism (and to show how to write the next migration), with this shape:

- header: `{"format": ..., "version": 0, "created": <iso time>, "library": <str>, ...}`
  (no `record` key; `created`/`library` became `created_at`/`library_version`)
- event:  `{"seq", "conn", "ms": <int milliseconds>, "type": <v0 type>, "payload", ...}`
  with types open, accepted, in, out, closed, gone (v1: connect, accept, client_frame,
  server_frame, server_close, client_disconnect) and a frame's `payload` holding its
  text or its bytes (v1: `text` or `data`)
- end:    `{"end": true, "count": N}`
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels_replay.cassettes.model import FORMAT_VERSION

__all__ = [
    "OLDEST_READABLE_VERSION",
    "Migration",
    "RawRecord",
    "can_migrate",
    "migrate_record",
    "migration",
]

RawRecord = dict[str, Any]
Migration = Callable[[RawRecord], RawRecord]

_MIGRATIONS: dict[int, Migration] = {}


def migration(from_version: int) -> Callable[[Migration], Migration]:
    """Register a function that turns a record of `from_version` into one of the next version."""

    def register(function: Migration) -> Migration:
        if from_version in _MIGRATIONS:
            raise ValueError(f"a migration from format version {from_version} is registered")
        _MIGRATIONS[from_version] = function
        return function

    return register


def can_migrate(from_version: int) -> bool:
    """Whether records of `from_version` can be brought up to the current version."""
    return all(version in _MIGRATIONS for version in range(from_version, FORMAT_VERSION))


def migrate_record(record: RawRecord, from_version: int) -> RawRecord:
    """The record brought from `from_version` up to `FORMAT_VERSION` (KeyError: no path)."""
    for version in range(from_version, FORMAT_VERSION):
        record = _MIGRATIONS[version](record)
    return record


_V0_KINDS = {
    "open": "connect",
    "accepted": "accept",
    "in": "client_frame",
    "out": "server_frame",
    "closed": "server_close",
    "gone": "client_disconnect",
}


@migration(0)
def _v0_to_v1(record: RawRecord) -> RawRecord:
    """Synthetic version 0 (see the module docstring) to version 1."""
    if "format" in record:
        header: RawRecord = {"record": "header"}
        for key, value in record.items():
            renamed = {"created": "created_at", "library": "library_version"}.get(key, key)
            header[renamed] = 1 if key == "version" else value
        return header
    if "end" in record:
        return {"record": "end", "events": record.get("count")}
    event: RawRecord = {
        "seq": record.get("seq"),
        "t": record["ms"] / 1000,
        "conn": record.get("conn"),
        "kind": _V0_KINDS.get(record["type"], record["type"]),
    }
    for key, value in record.items():
        if key in ("seq", "ms", "conn", "type"):
            continue
        if key == "payload":
            event["data" if isinstance(value, bytes) else "text"] = value
        else:
            event[key] = value
    return event


OLDEST_READABLE_VERSION = min((*_MIGRATIONS, FORMAT_VERSION))
"""The oldest format version this library reads."""
