"""Building cassette events in the hot path without pydantic validation.

The recorder and the replay drivers build every event themselves from messages
`channels_replay.asgi` translated, so validating it again
would only cost time (about 5 us of `model_construct` per event, a large part of the
recorder's overhead). `make_event` fills the model's fields directly, as pydantic's own
`model_construct` does, for about a quarter of the cost. At import it checks itself
against `model_construct` once; if a pydantic release stores models differently, it
falls back to `model_construct`, so the shortcut can never produce a wrong event.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from channels_replay.cassettes.model import (
    AcceptEvent,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    ServerClose,
    ServerFrame,
)

__all__ = ["make_event"]

_set = object.__setattr__
_FIELDS_SET: dict[type[BaseModel], set[str]] = {
    cls: set(cls.model_fields)
    for cls in (ConnectEvent, AcceptEvent, ClientFrame, ServerFrame, ServerClose, ClientDisconnect)
}


def _direct(cls: type[BaseModel], values: dict[str, Any]) -> Any:
    """An instance of `cls` whose fields are `values` (every field given, kind included)."""
    event = cls.__new__(cls)
    _set(event, "__dict__", values)
    _set(event, "__pydantic_fields_set__", _FIELDS_SET[cls])
    _set(event, "__pydantic_extra__", None)
    _set(event, "__pydantic_private__", None)
    return event


def _constructed(cls: type[BaseModel], values: dict[str, Any]) -> Any:
    return cls.model_construct(**values)


def _direct_is_faithful() -> bool:
    values: dict[str, Any] = {
        "seq": 3,
        "conn": "c1",
        "t": 0.5,
        "text": "x",
        "data": None,
        "kind": "server_frame",
    }
    try:
        direct = _direct(ServerFrame, dict(values))
        reference = ServerFrame.model_construct(**values)
        return bool(
            direct == reference
            and direct.model_dump() == reference.model_dump()
            and direct.model_fields_set == reference.model_fields_set
            and direct.model_copy(update={"text": "y"}).text == "y"
        )
    except Exception:
        return False


make_event = _direct if _direct_is_faithful() else _constructed
"""`make_event(cls, values)`: the event of class `cls` with exactly these field values.

`values` must hold every field of the class, `kind` included; it becomes the event's
storage (do not reuse the dict).
"""
