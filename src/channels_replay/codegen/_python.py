"""Python source for JSON values, laid out as `ruff format` lays them out.

A value that fits on its line is written on one line; one that does not is split one
item per line with a trailing comma (the "magic trailing comma" that keeps ruff from
joining it again). Strings take the quotes ruff prefers.
"""

from __future__ import annotations

import json
from typing import Any, Final

__all__ = ["ANY_VALUE", "LINE_LENGTH", "literal", "string"]

LINE_LENGTH: Final = 100
INDENT: Final = "    "


class _AnyValue:
    """Stands for a value a noise rule covers: written as `ANY` (unittest.mock.ANY)."""

    def __repr__(self) -> str:
        return "ANY"


ANY_VALUE: Final = _AnyValue()


def string(text: str) -> str:
    """A Python string literal for `text`, quoted as ruff format quotes it.

    Double quotes, unless the text holds more double quotes than single ones (fewer
    escapes); `repr` then gives single quotes.
    """
    if text.count('"') > text.count("'"):
        return repr(text)
    return json.dumps(text, ensure_ascii=False)


def _one_line(value: Any) -> str:
    if value is ANY_VALUE:
        return "ANY"
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return string(value)
    if isinstance(value, bytes):
        return f'bytes.fromhex("{value.hex()}")'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{string(k)}: {_one_line(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        items = ", ".join(_one_line(item) for item in value)
        if isinstance(value, tuple):
            return f"({items},)" if len(value) == 1 else f"({items})"
        return f"[{items}]"
    raise TypeError(f"no Python literal for {type(value).__name__}")


def literal(value: Any, depth: int = 0, used: int = 0, *, magic: bool = False) -> str:
    """`value` as source at indentation `depth`, its first line starting `used` columns in.

    `used` counts what precedes the value on its first line (indentation included) and
    what follows it on its last (a closing bracket, a comma). `magic` splits a non-empty
    list or dict even when it would fit, as a trailing comma in the source would.
    """
    flat = _one_line(value)
    splittable = isinstance(value, dict | list) and value
    if not splittable or (not magic and used + len(flat) <= LINE_LENGTH):
        return flat
    inner = INDENT * (depth + 1)
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{string(key)}: "
            lines.append(inner + head + literal(item, depth + 1, len(inner + head) + 1) + ",")
    else:
        for item in value:
            lines.append(inner + literal(item, depth + 1, len(inner) + 1) + ",")
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    return opening + "\n" + "\n".join(lines) + "\n" + INDENT * depth + closing
