"""Small helpers over JSON values and frame payloads: type names, rendering, keys.

Shared by the diff (which renders values in one-line descriptions) and the noise
rules (which compare JSON types). Pure functions, no state.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any, Final

from channels_replay.cassettes.model import AcceptEvent, ServerClose

__all__ = [
    "MAX_SHOWN",
    "canonical_json",
    "first_difference",
    "json_type",
    "render",
    "same_scalar",
]

MAX_SHOWN: Final = 120
"""The longest a value is shown in a one-line description, in characters."""

_HEX_PREVIEW_BYTES: Final = 16


def json_type(value: Any) -> str:
    """The JSON type name of a parsed value: null, boolean, number, string, array, object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def same_scalar(expected: Any, actual: Any) -> bool:
    """Equality of two JSON scalars of one type, where NaN equals NaN (JSON has one NaN)."""
    if expected == actual:
        return True
    return (
        isinstance(expected, float)
        and isinstance(actual, float)
        and math.isnan(expected)
        and math.isnan(actual)
    )


def canonical_json(value: Any) -> str:
    """A compact JSON text with sorted keys: equal for structurally equal values."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def render(value: Any, limit: int = MAX_SHOWN) -> str:
    """One short line for a value: compact JSON, a hex preview for bytes, a frame summary."""
    if isinstance(value, bytes):
        text = _render_bytes(value)
    elif isinstance(value, ServerClose) and value.status is not None:
        text = f"<handshake refused: HTTP {value.status}>"
    elif isinstance(value, ServerClose):
        reason = "" if value.reason is None else " " + json.dumps(value.reason)
        text = f"<close {value.code}{reason}>"
    elif isinstance(value, AcceptEvent):
        sub = "" if value.subprotocol is None else f" subprotocol {json.dumps(value.subprotocol)}"
        text = f"<accept{sub}>"
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=repr)
    return _abbreviate(text, limit)


def first_difference(expected: Sequence[Any], actual: Sequence[Any]) -> int:
    """The index of the first element where two sequences differ (or the shorter length)."""
    for index, (left, right) in enumerate(zip(expected, actual, strict=False)):
        if left != right:
            return index
    return min(len(expected), len(actual))


def _render_bytes(data: bytes) -> str:
    preview = data[:_HEX_PREVIEW_BYTES].hex()
    more = "..." if len(data) > _HEX_PREVIEW_BYTES else ""
    return f"<{len(data)} bytes {preview}{more}>"


def _abbreviate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
