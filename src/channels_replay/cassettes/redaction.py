"""Redaction of secrets at record time: pure functions over events, cheap when there is nothing.

A redacted value is replaced by a marker saying what was removed, so that replay can ask
for it again: `<redacted:header:authorization>`, `<redacted:query:token>`,
`<redacted:json:password>`, `<redacted:text:jwt>`. It assumes the worst:

- a name is secret when it is listed (`DEFAULT_HEADERS`, `DEFAULT_QUERY_PARAMS`,
  `DEFAULT_JSON_KEYS`) or when one of the patterns (`DEFAULT_PATTERNS`: auth, token,
  secret, passw/pwd, session, cookie, api key, jwt, refresh, private key, credential,
  signature...) is found in it, unless it is allow-listed. Names are compared
  percent-decoded (`%74oken`), JSON-unescaped (`\\u0074oken`), lowercased, with
  camelCase split and every separator (`-`, space, `.`) read as `_`;
- connect headers with a secret name lose their whole value (a cookie header loses all
  its cookies, since one of them is the session), and so does any header holding a JWT
  or a bearer token; in `Sec-WebSocket-Protocol` (where browsers put tokens, since they
  cannot set headers) only the token-like entries are replaced, and the entry after a
  credential name (`access_token, <token>`); the protocol names stay;
- query parameters with a secret name, or whose value holds a JWT, a bearer token or a
  JSON document with a secret: the value becomes the marker, written as is (not
  percent-encoded) so the cassette stays readable; the other parameters, their order
  and their encoding are kept byte for byte. `parse_redaction_marker` percent-decodes
  before it matches, so a marker that went through a URL encoder is still recognised;
- in text frames holding JSON (valid or not), the value of every secret key at any
  depth, whatever its type (except null, "" and booleans, which hide nothing), and the
  same inside JSON documents carried in strings; the frame is otherwise kept byte for
  byte. The walk is iterative: any depth is handled, nothing is skipped;
- JWTs and bearer tokens anywhere in text (frames, JSON strings, a close reason):
  replaced in place by `<redacted:text:jwt>` / `<redacted:text:bearer>`.

A text that cannot be walked (a JSON string that never ends, documents nested in
strings deeper than `MAX_EMBEDDED_DOCUMENTS`) is replaced whole by
`<redacted:text:frame>`: redaction never raises and never lets such a text through.
Bytes frames are not looked into.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_plus

from channels_replay.cassettes._secret_names import (
    DEFAULT_PATTERNS,
    holds_any,
    name_set,
    needles_for,
    normalize_name,
    pattern_set,
)
from channels_replay.cassettes._secret_scan import (
    BEARER,
    JWT,
    Unredactable,
    decode_string,
    encode_string_like,
    looks_like_token,
    rewrite_json,
    starts_like_json,
)
from channels_replay.cassettes.model import (
    AcceptEvent,
    Cassette,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerClose,
    ServerFrame,
)

__all__ = [
    "DEFAULT_HEADERS",
    "DEFAULT_JSON_KEYS",
    "DEFAULT_PATTERNS",
    "DEFAULT_QUERY_PARAMS",
    "MAX_EMBEDDED_DOCUMENTS",
    "Redactor",
    "fill_redactions",
    "is_redacted",
    "parse_redaction_marker",
    "redact_cassette",
    "redact_event",
    "redaction_marker",
    "redaction_markers",
]

DEFAULT_HEADERS: frozenset[str] = frozenset(
    {"authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key"}
)
"""Connect headers whose whole value is redacted by default (besides the patterns)."""
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
"""Query-string parameters whose value is redacted by default (besides the patterns)."""
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
"""Keys whose value is redacted, at any depth, in JSON text frames (besides the patterns)."""
MAX_EMBEDDED_DOCUMENTS = 8
"""How deep JSON documents carried in strings (in strings...) are redacted; deeper, the
whole text is replaced by a marker."""

_WHERE = ("header", "query", "json", "text")
_MARKER = re.compile(r"<redacted:(header|query|json|text):([^<>]*)>")
_SAFE_QUERY_NAME = re.compile(r"[A-Za-z0-9_.\- ]+")
_HIDES_NOTHING = frozenset({"", "null", "true", "false", '""'})
_PROTOCOL_HEADER = "sec-websocket-protocol"
_FRAME_MARKER = "<redacted:text:frame>"


def redaction_marker(where: str, name: str) -> str:
    """The marker that replaces a secret: `<redacted:WHERE:NAME>` (WHERE: header, query,
    json, or text for a token found in free text)."""
    if where not in _WHERE:
        raise ValueError(f"where is one of {', '.join(_WHERE)}, not {where!r}")
    return f"<redacted:{where}:{name.replace('<', '').replace('>', '')}>"


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


_KEY_END = '":'
_SHORT_TEXT = 256
_SPACED_KEY_END = re.compile(r'"[ \t\r\n]+:')


def _marked_as(key: str, marked: set[str]) -> bool:
    """Whether another spelling of the key holds a marker (`Token` for `token`)."""
    normalized = normalize_name(key)
    return any(normalize_name(name) == normalized for name in marked)


def _bearer_token(token: str) -> bool:
    """Whether the word after `Bearer` is a token, not prose (`bearer of bad news`)."""
    return len(token) >= 20 or any(c.isdigit() for c in token)


def _query_marker_name(name: str, raw_name: str) -> str:
    """The name in a query marker: the decoded one where it cannot break the query."""
    return name if _SAFE_QUERY_NAME.fullmatch(name) else raw_name


class Redactor:
    """What to redact: names per place, patterns for every place, names never redacted.

    `headers`, `query_params`, `json_keys`: names redacted in that place (each list given
    replaces that default list; `DEFAULT_JSON_KEYS | {"pin"}` extends it). `patterns`:
    regular expressions searched in every normalized name (`DEFAULT_PATTERNS`; `()` turns
    pattern matching off). `allow`: names never redacted (`max_tokens`), whatever matches
    them. Immutable; reuse one instance, it caches the names it has matched.
    """

    __slots__ = (
        "_allow",
        "_cache",
        "_clean",
        "_headers",
        "_json",
        "_key_cache",
        "_needles",
        "_pattern",
        "_patterns",
        "_query",
    )

    def __init__(
        self,
        *,
        headers: Iterable[str] = DEFAULT_HEADERS,
        query_params: Iterable[str] = DEFAULT_QUERY_PARAMS,
        json_keys: Iterable[str] = DEFAULT_JSON_KEYS,
        patterns: Iterable[str] = DEFAULT_PATTERNS,
        allow: Iterable[str] = (),
    ) -> None:
        self._headers = name_set(headers, "headers")
        self._query = name_set(query_params, "query_params")
        self._json = name_set(json_keys, "json_keys")
        self._allow = name_set(allow, "allow")
        self._patterns, self._pattern = pattern_set(patterns)
        self._needles = needles_for(self._headers | self._query | self._json, self._patterns)
        self._cache: dict[tuple[frozenset[str], str], bool] = {}
        self._key_cache: dict[str, bool] = {}
        self._clean: dict[str, None] = {}

    def __repr__(self) -> str:
        return (
            f"Redactor(headers={sorted(self._headers)}, query_params={sorted(self._query)}, "
            f"json_keys={sorted(self._json)}, patterns={list(self._patterns)}, "
            f"allow={sorted(self._allow)})"
        )

    def extended(
        self,
        *,
        headers: Iterable[str] = (),
        query_params: Iterable[str] = (),
        json_keys: Iterable[str] = (),
        names: Iterable[str] = (),
        patterns: Iterable[str] = (),
        allow: Iterable[str] = (),
    ) -> Redactor:
        """A redactor redacting these too (`names`: in every place), and allowing `allow`."""
        names = list(names)
        return Redactor(
            headers=self._headers | set(headers) | set(names),
            query_params=self._query | set(query_params) | set(names),
            json_keys=self._json | set(json_keys) | set(names),
            patterns=self._patterns + tuple(patterns),
            allow=self._allow | set(allow),
        )

    def as_recorded(self, events: Iterable[Event]) -> Redactor:
        """This redactor, adjusted to redact as these recorded events were redacted.

        Replay redacts what the app sends before comparing it with the recording, with
        the settings' redactor; names given on the command line at record time are not
        in the settings. So: a JSON key holding a marker in the events is redacted too,
        and a key this redactor would redact but the events hold in clear, and never as
        a marker, is allowed (it was allow-listed at record time).
        """
        marked: set[str] = set()
        clear: set[str] = set()
        for event in events:
            text = getattr(event, "text", None)
            if not text or _KEY_END not in text:
                continue
            if "<redacted:json:" in text:
                marked.update(name for where, name in _MARKER.findall(text) if where == "json")
            parts = text.split(_KEY_END)
            for part, following in itertools.pairwise(parts):
                value = following.lstrip()[:2]
                if value and value not in ('""', '"<', "nu", "tr", "fa"):
                    clear.add(part[part.rfind('"') + 1 :])
        add = {key for key in marked if normalize_name(key) and not self._secret(key, self._json)}
        allow = {
            key
            for key in clear - marked
            if normalize_name(key) and self._secret(key, self._json) and not _marked_as(key, marked)
        }
        return self.extended(json_keys=add, allow=allow) if add or allow else self

    def is_secret_name(self, name: str, where: str = "json") -> bool:
        """Whether a header, query parameter or JSON key of this name is redacted."""
        listed = {"header": self._headers, "query": self._query}.get(where, self._json)
        return self._secret(name, listed)

    def _secret(self, name: str, listed: frozenset[str]) -> bool:
        key = (listed, name)
        known = self._cache.get(key)
        if known is not None:
            return known
        normalized = normalize_name(name)
        secret = normalized not in self._allow and (
            normalized in listed
            or (self._pattern is not None and self._pattern.search(normalized) is not None)
        )
        if len(self._cache) >= 8192:
            self._cache.clear()
        self._cache[key] = secret
        return secret

    def _secret_key(self, raw_key: str) -> bool:
        """`_secret` for a JSON key as written (the hot path: one dict lookup)."""
        known = self._key_cache.get(raw_key)
        if known is None:
            known = self._secret(raw_key, self._json)
            if len(self._key_cache) >= 8192:
                self._key_cache.clear()
            self._key_cache[raw_key] = known
        return known

    def _may_hold_secrets(self, text: str) -> bool:
        """Whether a JSON text may hold a secret: a secret key (keys are found by the `":`
        that ends them, in documents carried in strings too: `\\":`), a JWT or a bearer
        token, or escapes that could hide one. Runs on every frame the recorder sees:
        a short text is first searched for the needles (a few fast scans), a long one
        is split at its keys, so that its values are scanned a few times, not walked."""
        needles = self._needles
        if needles is None:
            return True
        lowered = text.lower()
        if "eyj" in lowered or "bearer" in lowered or "\\u" in lowered:
            return True
        if len(text) <= _SHORT_TEXT:
            for needle in needles:  # a plain loop: any() over a generator is twice as slow
                if needle in lowered:
                    break
            else:
                return False
        parts = text.split(_KEY_END)
        if len(parts) > 1:
            known = self._key_cache.get
            for part in parts[:-1]:
                key = part[part.rfind('"') + 1 :]
                secret = known(key)
                if secret is None:
                    secret = self._secret_key(key)
                if secret:
                    return True
        return _SPACED_KEY_END.search(text) is not None and holds_any(text, needles)

    # -- events --------------------------------------------------------------------------

    def redact_event(self, event: Event) -> Event:
        """The event with its secrets replaced by markers (the same object when it has none)."""
        return self.redact_event_counted(event)[0]

    def redact_event_counted(self, event: Event) -> tuple[Event, int]:
        """`redact_event`, and how many values it replaced."""
        if isinstance(event, ClientFrame | ServerFrame):
            if event.text is None:
                return event, 0
            text, count = self.redact_text(event.text)
            if not count:
                return event, 0
            return event.model_copy(update={"text": text}), count
        if isinstance(event, ConnectEvent):
            try:
                return self._redact_connect(event)
            except Exception:  # a bug of ours: never let the connection's secrets through
                return _masked_connect(event)
        if isinstance(event, AcceptEvent):
            protocol = event.subprotocol
            if protocol and not is_redacted(protocol) and looks_like_token(protocol):
                marker = redaction_marker("header", _PROTOCOL_HEADER)
                return event.model_copy(update={"subprotocol": marker}), 1
            return event, 0
        if isinstance(event, ServerClose) and event.reason:
            reason, count = self.redact_text(event.reason)
            if count:
                return event.model_copy(update={"reason": reason}), count
        return event, 0

    def _redact_connect(self, event: ConnectEvent) -> tuple[Event, int]:
        count = 0
        headers = event.headers
        new_headers = []
        for name, value in headers:
            if value and not is_redacted(value):
                if name.lower() == _PROTOCOL_HEADER:
                    entries, found = self._redact_protocols([value])
                    if found:
                        value = entries[0]
                        count += found
                elif (
                    self._secret(name, self._headers)
                    or self._holds_token(value)
                    or self._holds_secret_query(value)
                ):
                    value = redaction_marker("header", name.lower())
                    count += 1
            new_headers.append((name, value))
        if count:
            headers = new_headers
        subprotocols, protocol_count = self._redact_protocols(event.subprotocols)
        query, query_count = self.redact_query_string(event.query_string)
        path, path_count = self._redact_free_text(event.path)
        total = count + protocol_count + query_count + path_count
        if not total:
            return event, 0
        update: dict[str, Any] = {
            "headers": headers,
            "query_string": query,
            "subprotocols": subprotocols,
            "path": path,
        }
        return event.model_copy(update=update), total

    def _redact_protocols(self, entries: list[str]) -> tuple[list[str], int]:
        """Subprotocol entries with the token-like ones replaced: a JWT, a long random
        run, or the entry after a credential name (`access_token`, `Bearer`). An entry
        holding several, comma-separated (as some servers pass the header on), is
        redacted part by part."""
        if not entries:
            return entries, 0
        parts = [[part.strip() for part in entry.split(",")] for entry in entries]
        flat = [part for entry in parts for part in entry]
        redacted, count = self._redact_protocol_list(flat)
        if not count:
            return entries, 0
        result = []
        position = 0
        for entry in parts:
            result.append(", ".join(redacted[position : position + len(entry)]))
            position += len(entry)
        return result, count

    def _redact_protocol_list(self, entries: list[str]) -> tuple[list[str], int]:
        result = []
        count = 0
        after_name = False
        for entry in entries:
            if not entry or is_redacted(entry):
                result.append(entry)
                after_name = False
                continue
            if after_name or looks_like_token(entry) or self._holds_token(entry):
                result.append(redaction_marker("header", _PROTOCOL_HEADER))
                count += 1
                after_name = False
                continue
            result.append(entry)
            after_name = len(entry) <= 40 and self._secret(entry, self._headers)
        return result, count

    def redact_query_string(self, query: str) -> tuple[str, int]:
        """The query string with secret parameters' values replaced, and how many were."""
        if not query or not holds_any(query, self._needles):
            return query, 0
        parts = query.split("&")
        count = 0
        for index, part in enumerate(parts):
            raw_name, sep, value = part.partition("=")
            if not sep or not value or is_redacted(value):
                continue
            name = unquote_plus(raw_name)
            secret = self._secret(name, self._query)
            if not secret:
                decoded = unquote_plus(value)
                secret = self._holds_token(decoded) or (
                    starts_like_json(decoded) and self.redact_text(decoded)[1] > 0
                )
            if secret:
                marker = redaction_marker("query", _query_marker_name(name, raw_name))
                parts[index] = f"{raw_name}={marker}"
                count += 1
        return ("&".join(parts), count) if count else (query, 0)

    # -- text ----------------------------------------------------------------------------

    def redact_text(self, text: str) -> tuple[str, int]:
        """A text frame (or any text) with its secrets replaced, and how many were.

        JSON (a text starting like an object or array): the values of secret keys at any
        depth, JSON documents in strings, tokens in strings. Other text: JWTs and bearer
        tokens. Cheap when there is nothing to do: a text holding none of the names'
        words is not walked. Never raises: a text that cannot be walked is replaced
        whole by `<redacted:text:frame>`.
        """
        if not text or text in self._clean:
            return text, 0
        if text[0] not in "{[ \t\r\n" and "eyJ" not in text and "earer" not in text.lower():
            return text, 0  # the fast path of most text that is not JSON
        try:
            redacted, count = self._redact_text(text, 0)
        except Exception:  # an Unredactable text, or a bug of ours: never let it through
            return _FRAME_MARKER, 1
        if not count and len(text) <= _SHORT_TEXT:
            if len(self._clean) >= 1024:
                self._clean.clear()
            self._clean[text] = None  # signals, pings: the same short frames again and again
        return redacted, count

    redact_json_text = redact_text
    """The former name of `redact_text` (it now redacts any text)."""

    def _redact_text(self, text: str, depth: int) -> tuple[str, int]:
        if not starts_like_json(text):
            return self._redact_free_text(text)
        if not self._may_hold_secrets(text):
            return text, 0
        count = 0
        secret = self._secret
        keys = self._json

        def wants_key(key: str) -> bool:
            return secret(key, keys)

        def on_key(key: str, raw: str) -> str | None:
            nonlocal count
            value = raw.strip()
            if value in _HIDES_NOTHING or (value[0] == '"' and is_redacted(decode_string(value))):
                return None
            count += 1
            return json.dumps(redaction_marker("json", key), ensure_ascii=False)

        def on_value(value: str, literal: str) -> str | None:
            nonlocal count
            new, found = self._redact_string(value, depth)
            if not found:
                return None
            count += found
            return encode_string_like(new, literal)

        redacted = rewrite_json(text, on_value, wants_key, on_key)
        return (redacted, count) if count else (text, 0)

    def _redact_string(self, value: str, depth: int) -> tuple[str, int]:
        """A JSON string value: a JSON document in it redacted, or tokens in its text."""
        if not value or (value[0] == "<" and is_redacted(value)):
            return value, 0
        if starts_like_json(value):
            if depth >= MAX_EMBEDDED_DOCUMENTS:
                if self._may_hold_secrets(value):
                    raise Unredactable("JSON documents nested in strings too deep")
                return value, 0
            return self._redact_text(value, depth + 1)
        return self._redact_free_text(value)

    def _holds_secret_query(self, value: str) -> bool:
        """Whether a header value is a URL whose query carries a secret (`Referer`,
        `X-Original-URL`: `...?token=...`)."""
        _, question, query = value.partition("?")
        return bool(question) and "=" in query and self.redact_query_string(query)[1] > 0

    def _holds_token(self, text: str) -> bool:
        """Whether the text holds a JWT or a bearer token."""
        if "eyJ" in text and JWT.search(text):
            return True
        lowered = text.lower()
        if "bearer" not in lowered:
            return False
        return any(_bearer_token(match.group(2)) for match in BEARER.finditer(text))

    def _redact_free_text(self, text: str) -> tuple[str, int]:
        """JWTs and bearer tokens in text replaced in place."""
        count = 0
        if "eyJ" in text:
            text, count = JWT.subn(redaction_marker("text", "jwt"), text)
        if "bearer" in text.lower():
            found = 0

            def bearer(match: re.Match[str]) -> str:
                nonlocal found
                if not _bearer_token(match.group(2)):
                    return match.group()
                found += 1
                return match.group(1) + redaction_marker("text", "bearer")

            text = BEARER.sub(bearer, text)
            count += found
        return text, count


def _masked_connect(event: ConnectEvent) -> tuple[Event, int]:
    """The connect event with every header value, query value and subprotocol replaced."""
    headers = [(name, redaction_marker("header", name.lower())) for name, _ in event.headers]
    query = "&".join(
        f"{raw}={redaction_marker('query', 'value')}" if sep else raw
        for raw, sep, _ in (part.partition("=") for part in event.query_string.split("&"))
    )
    protocols = [redaction_marker("header", _PROTOCOL_HEADER) for _ in event.subprotocols]
    update = {"headers": headers, "query_string": query, "subprotocols": protocols}
    return event.model_copy(update=update), len(headers) + len(protocols) + query.count("=")


def redaction_markers(text: str) -> list[tuple[str, str]]:
    """`(where, name)` of every redaction marker in a text, in order (none: an empty list)."""
    return _MARKER.findall(text) if "<redacted:" in text else []


def fill_redactions(text: str, value_for: Callable[[str, str], Any]) -> str:
    """The inverse of redaction for a text: each marker replaced by `value_for(where, name)`.

    In JSON text, a marker that is a whole string value becomes the JSON of the value
    (a number stays a number); a marker inside a string (free text, or a JSON document
    carried in a string) becomes the value's text, escaped as that string needs. Any
    depth; the rest of the text is kept byte for byte.
    """
    return _fill(text, value_for, 0)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _fill(text: str, value_for: Callable[[str, str], Any], depth: int) -> str:
    if "<redacted:" not in text:
        return text
    if not starts_like_json(text):
        return _MARKER.sub(lambda m: _as_text(value_for(m.group(1), m.group(2))), text)

    def on_value(value: str, literal: str) -> str | None:
        if "<redacted:" not in value:
            return None
        marker = _MARKER.fullmatch(value)
        if marker is not None:
            supplied = value_for(marker.group(1), marker.group(2))
            return json.dumps(supplied, default=str, ensure_ascii=literal.isascii())
        if depth >= MAX_EMBEDDED_DOCUMENTS:
            return None
        return encode_string_like(_fill(value, value_for, depth + 1), literal)

    try:
        return rewrite_json(text, on_value)
    except Unredactable:
        return text


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
