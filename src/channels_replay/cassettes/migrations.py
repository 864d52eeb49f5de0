"""Reading cassettes written by older format versions: a registry of record migrations.

A migration turns the raw records (dicts, as decoded from either form, before any
validation) of format version N into the same records in version N+1. The reader runs
every record of an old cassette, header and end record included, through the chain up
to `FORMAT_VERSION` (0 -> 1 -> 2 ...), so the rest of the library only ever sees current
records. Migrations see named records: the msgpack form's compact event arrays are a
per-version encoding, which the codec expands with the layout of the file's own version
first (`_msgpack_codec.LAYOUTS`).

A migration is registered with `@migration(N)` on either

- a function `record -> record`, for a change that needs nothing but the record, or
- a class whose instances are called with each record in turn (`record -> record`): the
  reader makes one instance per file, so it may keep state across the records of that
  file (what it has seen so far: the header, which connections were accepted, ...).

`Migrator(N)` is the chain for one file; `migrate_record` runs one record alone.

The one invariant across all versions: the first record is a map holding `format`
(`"channels-replay-cassette"`) and an integer `version`. Everything else may change.

Version 0 is SYNTHETIC: channels-replay never released it. It exists to exercise this
mechanism (and to show how to write a stateless migration), with this shape:

- header: `{"format": ..., "version": 0, "created": <iso time>, "library": <str>, ...}`
  (no `record` key; `created`/`library` became `created_at`/`library_version`)
- event:  `{"seq", "conn", "ms": <int milliseconds>, "type": <v0 type>, "payload", ...}`
  with types open, accepted, in, out, closed, gone (v1: connect, accept, client_frame,
  server_frame, server_close, client_disconnect) and a frame's `payload` holding its
  text or its bytes (v1: `text` or `data`)
- end:    `{"end": true, "count": N}`

Version 1 -> 2 (a stateful migration): the header gains `signals` (every version 1
cassette was recorded with the default signal names), and a `server_close` that was a
refused handshake gains `status` (see `_V1ToV2`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from channels_replay.cassettes.model import FORMAT_VERSION, REFUSAL_CODE
from channels_replay.signals import SignalNames

__all__ = [
    "OLDEST_READABLE_VERSION",
    "Migration",
    "MigrationFactory",
    "Migrator",
    "RawRecord",
    "can_migrate",
    "legacy_refusal",
    "migrate_record",
    "migration",
]

RawRecord = dict[str, Any]
Migration = Callable[[RawRecord], RawRecord]
"""One step of the chain, for one file: called with each record of the file in turn."""
MigrationFactory = Callable[[], Migration]
"""What the registry holds: makes the step of one file (a class, or a stateless function's)."""

_MIGRATIONS: dict[int, MigrationFactory] = {}

_Registered = TypeVar("_Registered", bound=Callable[..., Any])


def migration(from_version: int) -> Callable[[_Registered], _Registered]:
    """Register the migration from `from_version` to the next version.

    Decorates a function `record -> record` (stateless), or a class taking no arguments
    whose instances are called `record -> record`: one instance per file, so it may keep
    state across that file's records.
    """

    def register(step: _Registered) -> _Registered:
        if from_version in _MIGRATIONS:
            raise ValueError(f"a migration from format version {from_version} is registered")
        if isinstance(step, type):
            _MIGRATIONS[from_version] = step
        else:
            function: Migration = step

            def stateless() -> Migration:
                return function

            _MIGRATIONS[from_version] = stateless
        return step

    return register


def can_migrate(from_version: int) -> bool:
    """Whether records of `from_version` can be brought up to the current version."""
    return all(version in _MIGRATIONS for version in range(from_version, FORMAT_VERSION))


class Migrator:
    """The migration chain for one file of `from_version`: call it with each record in order.

    The header first, then the events, then the end record, as they come: stateful steps
    rely on that order. KeyError when no chain leads from `from_version` (`can_migrate`).
    """

    def __init__(self, from_version: int) -> None:
        self.from_version = from_version
        self._steps = [_MIGRATIONS[version]() for version in range(from_version, FORMAT_VERSION)]

    def __call__(self, record: RawRecord) -> RawRecord:
        for step in self._steps:
            record = step(record)
        return record


def migrate_record(record: RawRecord, from_version: int) -> RawRecord:
    """One record brought from `from_version` up to `FORMAT_VERSION`, alone.

    Without the rest of its file, a stateful step knows nothing of the records before
    it; to migrate a file, call one `Migrator` with each of its records.
    """
    return Migrator(from_version)(record)


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


_DENIED = re.compile(r"denied with an HTTP (\d{3}) response")
"""How the version 1 recorder (middleware and proxy) worded a refusal by HTTP response."""
_LEGACY_REFUSALS = (
    # (what the v1 recorder wrote as the reason of a close before accept, the HTTP status)
    ("the proxy could not reach the target", 502),  # the proxy answered 502 Bad Gateway
    ("the application raised ", 500),  # the server answers 500 to an app that raised
)


def legacy_refusal(reason: Any, *, accepted: bool) -> RawRecord | None:
    """The refusal fields (`status`, `code`, `reason`) of a close in the version 1 style.

    The version 1 recorder wrote a refused handshake as an ordinary close: a denial by
    HTTP response as `code=1000, reason="denied with an HTTP N response"`, and a close
    before accept with the app's own code and reason. A client sees neither: it gets an
    HTTP response (403 for a close before accept) and no close frame (1006); version 2
    keeps no reason for a refusal. None when the close is not a refusal.
    """
    match = _DENIED.fullmatch(reason) if isinstance(reason, str) else None
    if match is not None:
        return {"status": int(match.group(1)), "code": REFUSAL_CODE, "reason": None}
    if accepted:
        return None
    if isinstance(reason, str):
        for prefix, status in _LEGACY_REFUSALS:
            if reason.startswith(prefix):
                return {"status": status, "code": REFUSAL_CODE, "reason": None}
    return {"status": 403, "code": REFUSAL_CODE, "reason": None}


@migration(1)
class _V1ToV2:
    """Version 1 to version 2: the header's `signals`, and `status` on refused handshakes.

    Stateful: a close is a refusal when its connection was never accepted, which only
    the earlier records of the same file tell.
    """

    def __init__(self) -> None:
        self._accepted: set[Any] = set()

    def __call__(self, record: RawRecord) -> RawRecord:
        kind = record.get("record")
        if kind == "header":
            # every version 1 cassette was recorded with the default signal names
            return {**record, "version": 2, "signals": SignalNames().to_dict()}
        if kind is not None:  # the end record did not change
            return record
        event_kind = record.get("kind")
        conn = record.get("conn")
        if event_kind == "accept" and isinstance(conn, str):
            self._accepted.add(conn)
        elif event_kind == "server_close" and "status" not in record:
            accepted = isinstance(conn, str) and conn in self._accepted
            refusal = legacy_refusal(record.get("reason"), accepted=accepted)
            if refusal is not None:
                migrated = {key: value for key, value in record.items() if key != "reason"}
                migrated.update((key, value) for key, value in refusal.items() if value is not None)
                return migrated
        return record


OLDEST_READABLE_VERSION = min((*_MIGRATIONS, FORMAT_VERSION))
"""The oldest format version this library reads."""
