"""JSON from untrusted text, parsed only up to a nesting depth every part can handle.

Frames and cassette records come from files anyone may hand over and from clients
anyone may run. Python's JSON parser and every walk over a parsed document recurse, so a
document nested thousands deep ends in `RecursionError` deep inside the diff, the
renderers or the recorder. `loads_bounded` refuses such a document with `JsonTooDeep`, a
`ValueError` like any other JSON error, so the callers that treat "not JSON" as plain
text keep working, and whatever walks the result afterwards stays within the stack.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_JSON_DEPTH", "JsonTooDeep", "depth_exceeds", "loads_bounded"]

MAX_JSON_DEPTH = 128
"""The deepest nesting of arrays and objects read as JSON; deeper documents are text."""


class JsonTooDeep(ValueError):
    """A JSON document nests arrays and objects deeper than `MAX_JSON_DEPTH`."""


def loads_bounded(text: str | bytes, limit: int = MAX_JSON_DEPTH, **options: Any) -> Any:
    """`json.loads(text)`, or `JsonTooDeep` when the document nests deeper than `limit`."""
    try:
        value = json.loads(text, **options)
    except RecursionError:
        raise JsonTooDeep(f"nested deeper than the {limit} levels read as JSON") from None
    if depth_exceeds(value, limit):
        raise JsonTooDeep(f"nested deeper than the {limit} levels read as JSON")
    return value


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether lists, tuples and dicts nest deeper than `limit` in `value` (iteratively)."""
    if not isinstance(value, dict | list | tuple):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, dict | list | tuple):
                stack.append((child, depth + 1))
    return False
