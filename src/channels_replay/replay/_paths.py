"""JSON paths inside a frame: formatting concrete paths, compiling wildcard patterns.

A concrete path is a tuple of parts from the frame's root: a `str` is an object
key, an `int` a list index. It is written `payload.items[2].name`; keys that are
not identifiers are quoted, `payload["a b"]`. Patterns add three wildcards:
`*` (any one key), `[*]` (any one list index) and `**` (any number of parts,
none included). Patterns are compiled once; matching is a tuple walk, no regex.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, TypeAlias

__all__ = [
    "ANY_DEPTH",
    "ANY_INDEX",
    "ANY_KEY",
    "JsonPath",
    "PathPart",
    "PathPattern",
    "PatternError",
    "Segment",
    "format_path",
]

PathPart: TypeAlias = str | int
JsonPath: TypeAlias = tuple[PathPart, ...]

_FORBIDDEN_IN_NAMES: Final = frozenset("\"'[]=:")


class PatternError(ValueError):
    """A path pattern is malformed; the message says where and why."""


class _Wildcard:
    """One of the three wildcard segments; compared by identity."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


ANY_KEY: Final = _Wildcard("*")
ANY_INDEX: Final = _Wildcard("[*]")
ANY_DEPTH: Final = _Wildcard("**")

Segment: TypeAlias = str | int | _Wildcard


def format_path(parts: Sequence[Segment]) -> str:
    """Write a path or pattern in the documented syntax (the root is the empty string)."""
    pieces: list[str] = []
    for part in parts:
        dot = "." if pieces else ""
        if isinstance(part, _Wildcard):
            pieces.append(part.text if part is ANY_INDEX else dot + part.text)
        elif isinstance(part, int):
            pieces.append(f"[{part}]")
        elif part.isidentifier():
            pieces.append(dot + part)
        else:
            pieces.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(pieces)


@dataclass(frozen=True, slots=True)
class PathPattern:
    """A compiled path pattern: its segments and its canonical text."""

    segments: tuple[Segment, ...]
    text: str
    fixed: bool
    """True when the pattern has no `**`: then only paths of its length can match."""

    @classmethod
    def compile(cls, text: str) -> PathPattern:
        """Parse `text`; raise PatternError saying what is wrong and where."""
        segments = _collapse_depth(_parse(text))
        return cls(segments, format_path(segments), ANY_DEPTH not in segments)

    def matches(self, parts: JsonPath) -> bool:
        """Whether the concrete path `parts` is covered by this pattern."""
        if not self.fixed:
            return _match_deep(self.segments, 0, parts, 0)
        if len(parts) != len(self.segments):
            return False
        return all(
            _segment_matches(seg, part) for seg, part in zip(self.segments, parts, strict=True)
        )


def _segment_matches(segment: Segment, part: PathPart) -> bool:
    if segment is ANY_KEY:
        return isinstance(part, str)
    if segment is ANY_INDEX:
        return isinstance(part, int)
    return segment == part


def _match_deep(segments: tuple[Segment, ...], si: int, parts: JsonPath, pi: int) -> bool:
    """Match with `**` by backtracking; patterns are short, so this stays cheap."""
    while si < len(segments):
        segment = segments[si]
        if segment is ANY_DEPTH:
            if si == len(segments) - 1:
                return True
            return any(_match_deep(segments, si + 1, parts, k) for k in range(pi, len(parts) + 1))
        if pi >= len(parts) or not _segment_matches(segment, parts[pi]):
            return False
        si += 1
        pi += 1
    return pi == len(parts)


def _collapse_depth(segments: list[Segment]) -> tuple[Segment, ...]:
    """`**.**` means the same as `**`; keep one so matching does not backtrack twice."""
    out: list[Segment] = []
    for segment in segments:
        if not (segment is ANY_DEPTH and out and out[-1] is ANY_DEPTH):
            out.append(segment)
    return tuple(out)


def _parse(text: str) -> list[Segment]:
    if not text.strip():
        raise PatternError("the path is empty")
    segments: list[Segment] = []
    pos = 0
    while pos < len(text):
        if text[pos] == "[":
            segment, pos = _parse_bracket(text, pos)
        else:
            if segments:
                if text[pos] != ".":
                    raise PatternError(f"expected '.' or '[' at position {pos} of {text!r}")
                pos += 1
            elif text[pos] == ".":
                raise PatternError(f"the path {text!r} starts with '.'")
            segment, pos = _parse_name(text, pos)
        segments.append(segment)
    return segments


def _parse_name(text: str, pos: int) -> tuple[Segment, int]:
    end = pos
    while end < len(text) and text[end] not in ".[":
        end += 1
    name = text[pos:end]
    if not name:
        raise PatternError(f"empty key at position {pos} of {text!r} (two dots, or a dot last?)")
    if name in ("*", "**"):
        return (ANY_KEY if name == "*" else ANY_DEPTH), end
    if "*" in name:
        raise PatternError(
            f"'{name}': a wildcard stands for a whole key ('*', or '**' for any depth)"
        )
    bad = sorted({ch for ch in name if ch in _FORBIDDEN_IN_NAMES or ch.isspace()})
    if bad:
        quoted = json.dumps(name, ensure_ascii=False)
        raise PatternError(
            f"key {name!r} holds {''.join(bad)!r}; quote such keys, e.g. payload[{quoted}]"
        )
    return name, end


def _parse_bracket(text: str, pos: int) -> tuple[Segment, int]:
    """Parse `[3]`, `[*]` or `["a key"]` starting at the `[` at `pos`."""
    inner = pos + 1
    segment: Segment
    if text.startswith('"', inner):
        try:
            segment, end = json.JSONDecoder().raw_decode(text, inner)
        except json.JSONDecodeError:
            raise PatternError(f"unterminated quoted key at position {inner} of {text!r}") from None
    else:
        end = text.find("]", inner)
        end = len(text) if end < 0 else end
        body = text[inner:end]
        if body == "*":
            segment = ANY_INDEX
        elif body.isdigit() and body.isascii():
            segment = int(body)
        else:
            raise PatternError(
                f"'[{body}' at position {pos} of {text!r}: inside [...] put a list index, "
                '* or a quoted key like ["a b"]'
            )
    if not text.startswith("]", end):
        raise PatternError(f"missing ']' at position {end} of {text!r}")
    return segment, end + 1
