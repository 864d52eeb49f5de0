"""How the format layer words what went wrong: short, with the place and what to do.

The codecs raise `RecordProblem` (a private exception that knows nothing of files);
the reader and writer turn it into a `CassetteError` that names the file and the
record. Pydantic's long validation dumps are summarized to "field: message".
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import ValidationError

__all__ = [
    "ADVICE_DAMAGED",
    "RecordProblem",
    "describe_target",
    "preview_bytes",
    "summarize_validation_error",
]

ADVICE_DAMAGED = {
    "msgpack": "the file is damaged: record the session again",
    "jsonl": "the file is damaged or was edited by hand: fix that line or record the session again",
}
"""What to do about a damaged record, per form."""


class RecordProblem(Exception):
    """One record is unusable; the message says why, without the file or the place."""


def describe_target(target: Any) -> str:
    """A name for a file or stream in messages: the path, the stream's name, or `<stream>`."""
    if isinstance(target, str | os.PathLike):
        return os.fsdecode(target)
    name = getattr(target, "name", None)
    if isinstance(name, str) and name:
        return name
    return "<stream>"


def summarize_validation_error(exc: ValidationError, *, limit: int = 3) -> str:
    """`field.path: message` for the first few errors, instead of pydantic's full dump."""
    errors = exc.errors(include_url=False, include_input=False)
    parts = []
    for error in errors[:limit]:
        location = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    if len(errors) > limit:
        parts.append(f"and {len(errors) - limit} more")
    return "; ".join(parts)


def preview_bytes(data: bytes, *, limit: int = 8) -> str:
    """The first bytes in hex and as text, e.g. `50 4b 03 04 ('PK\\x03\\x04')`."""
    head = data[:limit]
    return f"{head.hex(' ')} ({head!r})"
