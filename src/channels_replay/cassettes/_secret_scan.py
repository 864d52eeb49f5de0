"""The text side of redaction: JSON text rewritten literal by literal, secrets in free text.

Nothing here builds a document tree or recurses over one. A JSON text is walked as a
flat sequence of string literals (a regex finds them; brackets are counted only to
skip a value that is replaced), so a frame nested 100,000 deep costs what a flat one
of its size does, and broken JSON is walked as leniently as valid JSON: a string
followed by `:` is a key. Only what is replaced changes; every other byte of the text
is kept, whitespace and escapes included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import unquote

__all__ = [
    "BEARER",
    "JWT",
    "Unredactable",
    "decode_percent",
    "decode_string",
    "encode_string_like",
    "looks_like_token",
    "rewrite_json",
    "starts_like_json",
]

# A string literal, possessive so that an unterminated one costs one linear pass; group 1
# is the closing quote ("" when the text ends inside the string).
_STRING = re.compile(r'"(?:[^"\\]|\\.)*+("?)', re.DOTALL)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*+("?)|[{}\[\]]', re.DOTALL)
_COLON = re.compile(r"[ \t\r\n]*:[ \t\r\n]*")
_BARE = re.compile(r"[^,}\]]*")
_DECODER = json.JSONDecoder(strict=False)

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
"""A JSON Web Token (or JWS/JWE): base64url segments whose header starts `{"` (`eyJ`)."""
BEARER = re.compile(r"(?i)(\bbearer[ \t]+)([A-Za-z0-9._~+/-]{8,}=*)")
"""`Bearer <token>` in any text; group 2 is the token."""
_RANDOM_RUN = re.compile(r"[A-Za-z0-9]{16,}|[A-Za-z0-9_+/=-]{32,}")


class Unredactable(Exception):
    """A text that cannot be walked safely (a string that never ends, documents nested
    in strings too deep): the caller replaces the whole of it."""


def starts_like_json(text: str) -> bool:
    """Whether the text starts (after whitespace) like a JSON object or array."""
    first = text[:1]
    if first in ("{", "["):
        return True
    return text.lstrip()[:1] in ("{", "[")


def decode_string(literal: str) -> str:
    """The value of a JSON string literal (quotes included); lenient about bad escapes."""
    if "\\" not in literal:
        return literal[1:-1]
    try:
        value = _DECODER.decode(literal)
    except ValueError:
        return literal[1:-1]
    return value if isinstance(value, str) else literal[1:-1]


def encode_string_like(value: str, literal: str) -> str:
    """`value` as a JSON string literal, escaping non-ASCII only where `literal` did."""
    return json.dumps(value, ensure_ascii=literal.isascii())


def decode_percent(name: str) -> str:
    """`%74oken` -> `token`: percent-decoded until stable (at most three rounds)."""
    for _ in range(3):
        if "%" not in name:
            break
        decoded = unquote(name)
        if decoded == name:
            break
        name = decoded
    return name


def looks_like_token(text: str) -> bool:
    """Whether the text holds something shaped like a credential rather than a word:
    a JWT, or a long run of letters mixed with digits (16 alphanumerics, or 32 of the
    base64url/base64 alphabet). Protocol names (`graphql-transport-ws`, `v12.stomp`,
    `ocpp2.0.1`) are not."""
    if JWT.search(text):
        return True
    for match in _RANDOM_RUN.finditer(text):
        run = match.group()
        if any(c.isdigit() for c in run) and any(c.isalpha() for c in run):
            return True
    return False


def _value_end(text: str, start: int) -> int:
    """Where the JSON value starting at `start` ends (lenient: a broken one ends at the
    next `,`, `}` or `]`, an unclosed container at the end of the text)."""
    if start >= len(text):
        return start
    first = text[start]
    if first == '"':
        match = _STRING.match(text, start)
        assert match is not None
        if not match.group(1):
            raise Unredactable("a string that never ends")
        return match.end()
    if first in "{[":
        depth = 0
        for match in _TOKEN.finditer(text, start):
            token = match.group()
            if token[0] == '"':
                if not match.group(1):
                    raise Unredactable("a string that never ends")
                continue
            depth += 1 if token in "{[" else -1
            if depth == 0:
                return match.end()
        return len(text)
    match = _BARE.match(text, start)
    assert match is not None
    end = match.end()
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    return end


KeyHook = Callable[[str], bool]
"""decoded key -> whether its value may be replaced (then `ValueOfKeyHook` decides)."""
ValueOfKeyHook = Callable[[str, str], str | None]
"""(decoded key, raw JSON text of its value) -> raw JSON text replacing the value, or None."""
ValueHook = Callable[[str, str], str | None]
"""(decoded string, its literal) -> raw JSON text replacing the literal, or None."""


def rewrite_json(
    text: str,
    on_value: ValueHook,
    wants_key: KeyHook | None = None,
    on_key: ValueOfKeyHook | None = None,
) -> str:
    """The JSON text with values replaced where the hooks say so (the text itself if none).

    `wants_key` sees every key (a string followed by `:`); for those it wants, `on_key`
    sees the key with its value, and when it returns a replacement the value is replaced
    whole and not walked further (only such values are measured: linear time at any
    depth). `on_value` sees every other string literal. Raises Unredactable for a string
    that never ends.
    """
    pieces: list[str] = []
    copied = 0
    position = 0
    search = _STRING.search
    colon_at = _COLON.match
    while (match := search(text, position)) is not None:
        literal = match.group()
        end = match.end()
        if not match.group(1):
            raise Unredactable("a string that never ends")
        colon = colon_at(text, end)
        if colon is not None:
            position = colon.end()
            if wants_key is not None and on_key is not None:
                key = decode_string(literal)
                if not wants_key(key):
                    continue
                value_end = _value_end(text, position)
                replacement = on_key(key, text[position:value_end])
                if replacement is not None:
                    pieces.append(text[copied:position])
                    pieces.append(replacement)
                    copied = position = value_end
            continue
        replacement = on_value(decode_string(literal), literal)
        if replacement is not None:
            pieces.append(text[copied : match.start()])
            pieces.append(replacement)
            copied = end
        position = end
    if not pieces:
        return text
    pieces.append(text[copied:])
    return "".join(pieces)
