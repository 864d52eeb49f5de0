"""Redaction of secrets at record time: pure functions over events, cheap when there is nothing.

A redacted value is replaced by a marker saying what was removed, so that replay can ask
for it again: `<redacted:header:authorization>`, `<redacted:query:token>`,
`<redacted:json:password>`. What is redacted:

- connect headers whose name is listed (the whole value: a cookie header loses all its
  cookies, since one of them is the session);
- query-string parameters whose name is listed: the value becomes the marker, written
  as it is (not percent-encoded) so the cassette stays readable; the other parameters,
  their order and their encoding are kept byte for byte. `parse_redaction_marker`
  percent-decodes before it matches, so a marker that went through a URL encoder
  (`%3Credacted%3Aquery%3Atoken%3E`) is still recognised;
- in text frames holding a JSON object or array, the value of every listed key at any
  depth (whatever its type), except null and "" which hide nothing. Such a frame is
  re-serialized with the separators and ASCII escaping it had, where one of the usual
  styles reproduces it; other text, JSON scalars and bytes frames are left untouched.

Names match case-insensitively and across spellings: `accessToken`, `Access-Token` and
`ACCESS_TOKEN` all match `access_token` (camelCase is split, `-` read as `_`). The
query parameter `key` is not in the defaults: it too often names a room, a page or a
cache entry, and a redacted one would stop replay; add it where it is an API key.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote_plus

from channels_replay._json import JsonTooDeep, loads_bounded
from channels_replay.cassettes.model import Cassette, ClientFrame, ConnectEvent, Event, ServerFrame

__all__ = [
    "DEFAULT_HEADERS",
    "DEFAULT_JSON_KEYS",
    "DEFAULT_QUERY_PARAMS",
    "Redactor",
    "is_redacted",
    "parse_redaction_marker",
    "redact_cassette",
    "redact_event",
    "redaction_marker",
]

DEFAULT_HEADERS: frozenset[str] = frozenset(
    {"authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key"}
)
"""Connect headers whose whole value is redacted by default."""
DEFAULT_QUERY_PARAMS: frozenset[str] = frozenset(
    {
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "auth",
        "auth_token",
        "api_key",
        "apikey",
        "password",
        "secret",
        "client_secret",
        "signature",
        "sessionid",
    }
)
"""Query-string parameters whose value is redacted by default (not `key`: see above)."""
DEFAULT_JSON_KEYS: frozenset[str] = frozenset(
    {
        "password",
        "token",
        "secret",
        "access_token",
        "refresh_token",
        "id_token",
        "api_key",
        "apikey",
        "client_secret",
    }
)
"""Keys whose value is redacted, at any depth, in JSON text frames by default."""

_WHERE = ("header", "query", "json")
_MARKER = re.compile(r"<redacted:(header|query|json):([^<>]*)>")
_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
_CAMEL_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL_2 = re.compile(r"([a-z0-9])([A-Z])")


def redaction_marker(where: str, name: str) -> str:
    """The marker that replaces a secret: `<redacted:WHERE:NAME>` (WHERE: header, query, json)."""
    if where not in _WHERE:
        raise ValueError(f"where is one of {', '.join(_WHERE)}, not {where!r}")
    return f"<redacted:{where}:{name}>"


def parse_redaction_marker(value: object) -> tuple[str, str] | None:
    """`(where, name)` of a redaction marker, e.g. `("query", "token")`; None for anything else.

    Percent- and plus-encoded markers are recognised too.
    """
    if not isinstance(value, str) or not value:
        return None
    match = _MARKER.fullmatch(value)
    if match is None and "%" in value:
        match = _MARKER.fullmatch(unquote_plus(value))
    if match is None:
        return None
    return match.group(1), match.group(2)


def is_redacted(value: object) -> bool:
    """Whether a value is a redaction marker."""
    return parse_redaction_marker(value) is not None


@functools.lru_cache(maxsize=4096)
def _normalize(name: str) -> str:
    """`accessToken`, `Access-Token`, `ACCESS_TOKEN` -> `access_token`."""
    name = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", name))
    return name.replace("-", "_").lower()


def _names(names: Iterable[str], what: str) -> frozenset[str]:
    if isinstance(names, str):
        raise TypeError(f"{what} is a collection of names, not one string")
    result = set()
    for name in names:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(f"{what}: {name!r} is not a name (letters, digits, _ - .)")
        result.add(_normalize(name))
    return frozenset(result)


def _needles(names: frozenset[str]) -> tuple[str, ...]:
    """Few lowercase words such that every spelling of every name contains one of them.

    Each word of a (normalized) name occurs, lowercased, in every spelling of it, and so
    does any part of a word. Greedily pick the words that cover most names (`token` covers
    `access_token` and `id_token`), so the pre-check runs few substring searches and does
    not fire on common words such as `client` or `id`.
    """
    words = {name: [word for word in name.split("_") if word] for name in names}
    left = {name for name in names if words[name]}
    candidates = {word for name in left for word in words[name]}
    needles: list[str] = []
    while left:
        best = max(
            sorted(candidates),
            key=lambda c: (sum(any(c in w for w in words[n]) for n in left), len(c)),
        )
        needles.append(best)
        left = {name for name in left if not any(best in word for word in words[name])}
    return tuple(needles)


def _holds_any(text: str, needles: tuple[str, ...]) -> bool:
    """Whether the lowercased text contains one of the needles (a plain loop: fastest)."""
    lowered = text.lower()
    for needle in needles:  # noqa: SIM110 (any() over a generator takes twice as long)
        if needle in lowered:
            return True
    return False


class Redactor:
    """What to redact: header names, query parameter names, JSON keys (defaults above).

    Each list given replaces that default list (`DEFAULT_JSON_KEYS | {"pin"}` extends it).
    Immutable; reuse one instance, it caches the names it has matched.
    """

    __slots__ = ("_headers", "_json", "_json_needles", "_query", "_query_needles")

    def __init__(
        self,
        *,
        headers: Iterable[str] = DEFAULT_HEADERS,
        query_params: Iterable[str] = DEFAULT_QUERY_PARAMS,
        json_keys: Iterable[str] = DEFAULT_JSON_KEYS,
    ) -> None:
        self._headers = _names(headers, "headers")
        self._query = _names(query_params, "query_params")
        self._json = _names(json_keys, "json_keys")
        self._query_needles = _needles(self._query)
        self._json_needles = _needles(self._json)

    def __repr__(self) -> str:
        return (
            f"Redactor(headers={sorted(self._headers)}, query_params={sorted(self._query)}, "
            f"json_keys={sorted(self._json)})"
        )

    def redact_event(self, event: Event) -> Event:
        """The event with its secrets replaced by markers (the same object when it has none)."""
        return self.redact_event_counted(event)[0]

    def redact_event_counted(self, event: Event) -> tuple[Event, int]:
        """`redact_event`, and how many values it replaced."""
        cls = type(event)
        if cls is ServerFrame or cls is ClientFrame or isinstance(event, ClientFrame | ServerFrame):
            assert isinstance(event, ClientFrame | ServerFrame)
            if event.text is None or not self._json:
                return event, 0
            text, count = self.redact_json_text(event.text)
            if not count:
                return event, 0
            return event.model_copy(update={"text": text}), count
        if isinstance(event, ConnectEvent):
            return self._redact_connect(event)
        return event, 0

    def _redact_connect(self, event: ConnectEvent) -> tuple[Event, int]:
        count = 0
        headers = event.headers
        if self._headers:
            new_headers = []
            for name, value in headers:
                if value and _normalize(name) in self._headers and not is_redacted(value):
                    value = redaction_marker("header", name.lower())
                    count += 1
                new_headers.append((name, value))
            if count:
                headers = new_headers
        query, query_count = self.redact_query_string(event.query_string)
        if not count and not query_count:
            return event, 0
        update: dict[str, Any] = {"headers": headers, "query_string": query}
        return event.model_copy(update=update), count + query_count

    def redact_query_string(self, query: str) -> tuple[str, int]:
        """The query string with listed parameters' values replaced, and how many were."""
        if not query or not self._query:
            return query, 0
        if not _holds_any(query, self._query_needles):
            return query, 0
        parts = query.split("&")
        count = 0
        for index, part in enumerate(parts):
            raw_name, sep, value = part.partition("=")
            if not sep or not value:
                continue
            name = unquote_plus(raw_name)
            if _NAME.fullmatch(name) and _normalize(name) in self._query and not is_redacted(value):
                parts[index] = f"{raw_name}={redaction_marker('query', name)}"
                count += 1
        return ("&".join(parts), count) if count else (query, 0)

    def redact_json_text(self, text: str) -> tuple[str, int]:
        """A JSON text frame with listed keys' values replaced, and how many were.

        Cheap when there is nothing to do: text that does not start like a JSON object or
        array, or holds none of the names, is not parsed.
        """
        first = text[:1]
        if first not in ("{", "["):
            first = text.lstrip()[:1]
            if first not in ("{", "["):
                return text, 0
        if not _holds_any(text, self._json_needles):
            return text, 0
        try:
            document = loads_bounded(text)
        except JsonTooDeep:  # too deep to walk safely: the whole frame is withheld
            return redaction_marker("json", "frame"), 1
        except ValueError:
            return text, 0
        count = self._redact_document(document)
        if not count:
            return text, 0
        return _dumps_like(text, document), count

    def _redact_document(self, document: Any) -> int:
        count = 0
        stack = [document]
        keys = self._json
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                for key, value in node.items():
                    if (
                        value is not None
                        and value != ""
                        and _NAME.fullmatch(key)
                        and _normalize(key) in keys
                        and not is_redacted(value)
                    ):
                        node[key] = redaction_marker("json", key)
                        count += 1
                    elif isinstance(value, dict | list):
                        stack.append(value)
            elif isinstance(node, list):
                stack.extend(item for item in node if isinstance(item, dict | list))
        return count


_STYLES = (((",", ":"), False), ((", ", ": "), False), ((",", ":"), True), ((", ", ": "), True))


def _dumps_like(original: str, document: Any) -> str:
    """Serialize `document` in the style `original` was written in, where one style fits."""
    parsed = loads_bounded(original)
    for separators, ensure_ascii in _STYLES:
        if json.dumps(parsed, separators=separators, ensure_ascii=ensure_ascii) == original:
            return json.dumps(document, separators=separators, ensure_ascii=ensure_ascii)
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


_DEFAULT = Redactor()


def redact_event(event: Event, redactor: Redactor | None = None) -> Event:
    """The event with its secrets replaced by markers, by `redactor` (default lists if None)."""
    return (redactor or _DEFAULT).redact_event(event)


def redact_cassette(cassette: Cassette, redactor: Redactor | None = None) -> Cassette:
    """A copy of the cassette with every event redacted and `header.redacted` set."""
    redactor = redactor or _DEFAULT
    return Cassette.model_construct(
        header=cassette.header.model_copy(update={"redacted": True}),
        events=[redactor.redact_event(event) for event in cassette.events],
        complete=cassette.complete,
        problem=cassette.problem,
    )
