"""Named records: the form-neutral dicts that both forms carry, and the model on either side.

A cassette is a stream of records: one header record, one record per event, and an
end record on a clean close. As a dict (what JSON Lines shows, what migrations see):

- header: `{"record": "header", "format": ..., "version": ..., <CassetteHeader fields>}`
- event:  `{"seq": ..., "t": ..., "conn": ..., "kind": ..., <fields of that kind>}`
- end:    `{"record": "end", "events": N}` (+ `"complete": false, "problem": "..."`)

Events carry no `record` key; a record is an event when it has none. Fields that are
None are left out. Building a record from an event reads the attributes directly
(cheaper than `model_dump`, and this runs for every event a live server records);
turning a record into an event validates it, because a file is untrusted input.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from channels_replay.cassettes._problems import RecordProblem, summarize_validation_error
from channels_replay.cassettes.model import (
    FORMAT_NAME,
    FORMAT_VERSION,
    AcceptEvent,
    CassetteHeader,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerClose,
    ServerFrame,
)

__all__ = [
    "EVENT_CLASSES",
    "RECORD_END",
    "RECORD_HEADER",
    "EndRecord",
    "check_event_fields",
    "end_record",
    "event_to_record",
    "frame_record",
    "header_to_record",
    "record_to_end",
    "record_to_event",
    "record_to_header",
]

RECORD_HEADER = "header"
RECORD_END = "end"

EVENT_CLASSES: dict[str, type[BaseModel]] = {
    "connect": ConnectEvent,
    "accept": AcceptEvent,
    "client_frame": ClientFrame,
    "server_frame": ServerFrame,
    "server_close": ServerClose,
    "client_disconnect": ClientDisconnect,
}


def header_to_record(header: CassetteHeader) -> dict[str, Any]:
    """The header record; its `version` is always the one this library writes."""
    body = header.model_dump(mode="json", exclude_none=True)
    body["version"] = FORMAT_VERSION
    return {"record": RECORD_HEADER, **body}


def _connect(event: ConnectEvent) -> dict[str, Any]:
    record: dict[str, Any] = {
        "seq": event.seq,
        "t": event.t,
        "conn": event.conn,
        "kind": "connect",
        "path": event.path,
        "query_string": event.query_string,
        "headers": event.headers,
        "subprotocols": event.subprotocols,
    }
    if event.client is not None:
        record["client"] = event.client
    if event.user is not None:
        record["user"] = event.user
    return record


def _accept(event: AcceptEvent) -> dict[str, Any]:
    record: dict[str, Any] = {"seq": event.seq, "t": event.t, "conn": event.conn, "kind": "accept"}
    if event.subprotocol is not None:
        record["subprotocol"] = event.subprotocol
    return record


def _frame(event: ClientFrame | ServerFrame) -> dict[str, Any]:
    return frame_record(event.kind, event.seq, event.t, event.conn, event.text, event.data)


def frame_record(
    kind: str, seq: int, t: float, conn: str, text: str | None, data: bytes | None
) -> dict[str, Any]:
    """The named record of a client or server frame, from its parts."""
    record: dict[str, Any] = {"seq": seq, "t": t, "conn": conn, "kind": kind}
    if text is not None:
        record["text"] = text
    else:
        record["data"] = data
    return record


def _server_close(event: ServerClose) -> dict[str, Any]:
    record: dict[str, Any] = {
        "seq": event.seq,
        "t": event.t,
        "conn": event.conn,
        "kind": "server_close",
        "code": event.code,
    }
    if event.reason is not None:
        record["reason"] = event.reason
    if event.status is not None:
        record["status"] = event.status
    return record


def _client_disconnect(event: ClientDisconnect) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "t": event.t,
        "conn": event.conn,
        "kind": "client_disconnect",
        "code": event.code,
    }


_TO_RECORD: dict[type[BaseModel], Any] = {
    ConnectEvent: _connect,
    AcceptEvent: _accept,
    ClientFrame: _frame,
    ServerFrame: _frame,
    ServerClose: _server_close,
    ClientDisconnect: _client_disconnect,
}


def event_to_record(event: Event) -> dict[str, Any]:
    """The named record of an event (bytes stay bytes; the JSON Lines codec encodes them)."""
    convert = _TO_RECORD.get(type(event))
    if convert is None:
        convert = _converter_for_subclass(event)
    record: dict[str, Any] = convert(event)
    return record


def _converter_for_subclass(event: object) -> Any:
    for cls, convert in _TO_RECORD.items():
        if isinstance(event, cls):
            return convert
    raise TypeError(
        f"a cassette holds events (ConnectEvent, AcceptEvent, ClientFrame, ServerFrame, "
        f"ServerClose, ClientDisconnect), not {type(event).__name__}"
    )


def end_record(events: int, *, complete: bool = True, problem: str | None = None) -> dict[str, Any]:
    """The end record written on close; an incomplete close says so and why."""
    record: dict[str, Any] = {"record": RECORD_END, "events": events}
    if not complete:
        record["complete"] = False
        record["problem"] = problem or "the recording was closed as incomplete"
    return record


_VALIDATORS = {kind: cls.__pydantic_validator__ for kind, cls in EVENT_CLASSES.items()}

MAX_SEQ = 2**63 - 1
MAX_OFFSET = 1e9
"""The largest time offset a record may hold, in seconds (some 31 years)."""


def _describe(value: Any) -> str:
    """A value's type (as JSON and msgpack name it) with a short preview, for messages."""
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    names |= {bytes: "bytes", list: "an array", tuple: "an array", dict: "a map"}
    name = names.get(type(value), type(value).__name__)
    if type(value) in (bool, int, float):
        return f"{name} ({value!r})"
    if type(value) is str:
        return f"{name} ({value if len(value) <= 20 else value[:20] + '...'!r})"
    return name


def _integer(value: Any, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def _string(value: Any) -> bool:
    return type(value) is str


def _strings(value: Any) -> bool:
    return type(value) is list and all(type(item) is str for item in value)


def _headers(value: Any) -> bool:
    return type(value) is list and all(
        type(pair) in (list, tuple) and len(pair) == 2 and all(type(p) is str for p in pair)
        for pair in value
    )


def _client(value: Any) -> bool:
    return (
        type(value) in (list, tuple)
        and len(value) == 2
        and type(value[0]) is str
        and _integer(value[1], 0, 65535)
    )


def _close_code(value: Any) -> bool:
    return _integer(value, 0, 65535)


_FIELD_CHECKS: dict[str, tuple[Any, str]] = {
    "path": (_string, "a string"),
    "query_string": (_string, "a string"),
    "headers": (_headers, "an array of [name, value] string pairs"),
    "subprotocols": (_strings, "an array of strings"),
    "client": (_client, "[host, port] (a string and a port from 0 to 65535)"),
    "user": (_string, "a string"),
    "subprotocol": (_string, "a string"),
    "text": (_string, "a string"),
    "data": (lambda value: type(value) is bytes, "bytes"),
    "code": (_close_code, "an integer close code from 0 to 65535"),
    "reason": (_string, "a string"),
    "status": (lambda value: _integer(value, 100, 599), "an HTTP status from 100 to 599"),
}
"""The JSON/msgpack type of each event field (null is allowed where the model has a
default): checked before pydantic, whose lax mode would read "0" or 1.0 as 0 or 1."""


def check_event_fields(record: dict[str, Any], kind: str = "") -> None:
    """`RecordProblem` when a field of an event record has the wrong type or range."""
    invalid = f"invalid {kind} event" if kind else "invalid event"
    seq = record.get("seq")
    if not _integer(seq, 0, MAX_SEQ):
        raise RecordProblem(
            f"{invalid}: seq: an integer from 0 to 2**63-1 is needed, not {_describe(seq)}"
        )
    t: Any = record.get("t")
    if type(t) not in (int, float) or not 0 <= t <= MAX_OFFSET:  # NaN fails the comparison
        raise RecordProblem(
            f"{invalid}: t: a number of seconds from 0 to {MAX_OFFSET:g} is needed, "
            f"not {_describe(t)}"
        )
    conn = record.get("conn")
    if type(conn) is not str or not conn:
        raise RecordProblem(f"{invalid}: conn: a non-empty string is needed, not {_describe(conn)}")
    for name, value in record.items():
        check = _FIELD_CHECKS.get(name)
        if check is not None and value is not None and not check[0](value):
            raise RecordProblem(f"{invalid}: {name}: {check[1]} is needed, not {_describe(value)}")


def record_to_event(record: dict[str, Any]) -> Event:
    """Validate an event record into its model; `RecordProblem` says what is wrong."""
    kind = record.get("kind")
    try:
        validator = _VALIDATORS[kind]  # type: ignore[index]
    except (KeyError, TypeError):
        known = ", ".join(EVENT_CLASSES)
        raise RecordProblem(f"unknown event kind {kind!r} (known kinds: {known})") from None
    check_event_fields(record, str(kind))
    try:
        event: Event = validator.validate_python(record)
    except ValidationError as exc:
        raise RecordProblem(f"invalid {kind} event: {summarize_validation_error(exc)}") from None
    return event


def _optional_string(value: Any) -> bool:
    return value is None or type(value) is str


_HEADER_CHECKS: dict[str, tuple[Any, str]] = {
    "version": (lambda value: _integer(value, 0, 2**31), "an integer"),
    "created_at": (_string, "an ISO 8601 date and time string"),
    "library_version": (_string, "a string"),
    "app": (_optional_string, "a string"),
    "server": (_optional_string, "a string"),
    "redacted": (lambda value: type(value) is bool, "true or false"),
    "noise": (lambda value: type(value) is list, "an array of noise rules"),
    "metadata": (lambda value: type(value) is dict, "a map"),
}
"""The type of each header field, checked before pydantic's lax validation."""


def record_to_header(record: dict[str, Any]) -> CassetteHeader:
    """Validate a (current-version) header record into a `CassetteHeader`."""
    body = {key: value for key, value in record.items() if key != "record"}
    if body.get("format") != FORMAT_NAME:
        raise RecordProblem(f"the header names format {body.get('format')!r}, not {FORMAT_NAME!r}")
    for name, value in body.items():
        check = _HEADER_CHECKS.get(name)
        if check is not None and not check[0](value):
            raise RecordProblem(
                f"invalid header: {name}: {check[1]} is needed, not {_describe(value)}"
            )
    try:
        return CassetteHeader.model_validate(body)
    except ValidationError as exc:
        raise RecordProblem(f"invalid header: {summarize_validation_error(exc)}") from None


class EndRecord(BaseModel):
    """The end record as read: the events it vouches for, whether the recording ended well."""

    events: int | None = None
    complete: bool = True
    problem: str | None = None


def record_to_end(record: dict[str, Any]) -> EndRecord:
    """Validate an end record."""
    body = {key: value for key, value in record.items() if key != "record"}
    unknown = set(body) - {"events", "complete", "problem"}
    if unknown:
        raise RecordProblem(f"the end record has unknown fields {sorted(unknown)}")
    try:
        end = EndRecord.model_validate(body, strict=True)
    except ValidationError as exc:
        raise RecordProblem(f"invalid end record: {summarize_validation_error(exc)}") from None
    if end.events is not None and end.events < 0:
        raise RecordProblem(f"the end record counts {end.events} events, fewer than none")
    return end
