"""Which names are secret: normalizing a name, the default patterns, and the needles.

A name is compared normalized (percent-decoded, camelCase split, lowercase, every run
of separators read as `_`), against exact names and regular expressions. The needles
are the few lowercase words one of which every text holding a secret name contains:
the recorder looks for them before it looks any closer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from channels_replay.cassettes._secret_scan import decode_percent

__all__ = [
    "DEFAULT_PATTERNS",
    "holds_any",
    "name_set",
    "needles_for",
    "normalize_name",
    "pattern_set",
]

DEFAULT_PATTERNS: tuple[str, ...] = (
    r"auth(?!or(?:s|ed|ing|ship|ity|ities)?(?:_|$))",
    r"token",
    r"secret",
    r"passw|pass_?(?:phrase|code)|(?:^|_)pass(?:_|$)|pwd",
    r"session",
    r"cookie",
    r"(?:api|private|priv|access|secret|signing|encryption|client|master)_?key",
    r"jwt",
    r"bearer",
    r"refresh",
    r"credential",
    r"signature|(?:^|_)sig(?:_|$)",
    r"csrf|xsrf",
    r"(?:^|_)[th]?otp(?:_|$)",
)
"""Regular expressions searched in every normalized name (lowercase, words joined by `_`,
e.g. `x_auth_token`): a name where one is found is secret, in headers, query and JSON."""
_DEFAULT_PATTERN_NEEDLES = (
    "auth",
    "token",
    "secret",
    "pass",
    "pwd",
    "session",
    "cookie",
    "key",
    "jwt",
    "bearer",
    "refresh",
    "credential",
    "sig",
    "csrf",
    "xsrf",
    "otp",
)
# Text holding none of the needles has no secret name and no JWT or bearer token...
# unless a name is escaped: `\u0074oken` in JSON, `%74oken` in a query or a key.
_ALWAYS_NEEDLES = ("eyj", "bearer", "\\u", "%")

_CAMEL_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_CAMEL_2 = re.compile(r"([a-z0-9])([A-Z])")
_SEPARATORS = re.compile(r"[^a-z0-9]+")
_PLAIN_PATTERN = re.compile(r"[a-z0-9_]+")


@functools.lru_cache(maxsize=8192)
def normalize_name(name: str) -> str:
    """`accessToken`, `Access-Token`, `ACCESS TOKEN`, `access%5Ftoken` -> `access_token`."""
    name = decode_percent(name)
    name = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", name))
    return _SEPARATORS.sub("_", name.lower()).strip("_")


def name_set(names: Iterable[str], what: str) -> frozenset[str]:
    if isinstance(names, str):
        raise TypeError(f"{what} is a collection of names, not one string")
    result = set()
    for name in names:
        normalized = normalize_name(name) if isinstance(name, str) else ""
        if not normalized:
            raise ValueError(f"{what}: {name!r} is not a name (it has no letter or digit)")
        result.add(normalized)
    return frozenset(result)


def pattern_set(patterns: Iterable[str]) -> tuple[tuple[str, ...], re.Pattern[str] | None]:
    if isinstance(patterns, str):
        raise TypeError("patterns is a collection of regular expressions, not one string")
    texts = tuple(dict.fromkeys(patterns))
    for text in texts:
        if not isinstance(text, str) or not text:
            raise ValueError(f"patterns: {text!r} is not a regular expression")
        try:
            re.compile(text)
        except re.error as exc:
            raise ValueError(f"patterns: {text!r} is not a regular expression ({exc})") from None
    if not texts:
        return texts, None
    return texts, re.compile("|".join(f"(?:{text})" for text in texts))


def _needles(names: frozenset[str]) -> tuple[str, ...]:
    """Few lowercase words such that every spelling of every name contains one of them.

    Each word of a (normalized) name occurs, lowercased, in every spelling of it, and so
    does any part of a word. Greedily pick the words that cover most names (`token` covers
    `access_token` and `id_token`), so the pre-check runs few substring searches.
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


def _pattern_needles(patterns: tuple[str, ...]) -> tuple[str, ...] | None:
    """Needles for the patterns: their own for the defaults, the longest word of a plain
    one (`pin`, `^pass_code$`), None (no pre-check) when a pattern is a real expression."""
    needles: list[str] = []
    for pattern in patterns:
        if pattern in DEFAULT_PATTERNS:
            continue
        core = pattern.removeprefix("^").removesuffix("$")
        if not _PLAIN_PATTERN.fullmatch(core):
            return None
        needles.append(max(core.split("_"), key=len))
    if any(pattern in DEFAULT_PATTERNS for pattern in patterns):
        needles.extend(_DEFAULT_PATTERN_NEEDLES)
    return tuple(needles)


def holds_any(text: str, needles: tuple[str, ...] | None) -> bool:
    """Whether the lowercased text contains one of the needles (a plain loop: fastest)."""
    if needles is None:
        return True
    lowered = text.lower()
    for needle in needles:  # noqa: SIM110 (any() over a generator takes twice as long)
        if needle in lowered:
            return True
    return False


def needles_for(names: frozenset[str], patterns: tuple[str, ...]) -> tuple[str, ...] | None:
    """Lowercase words one of which every text holding a secret contains (None: no such
    set, every text must be looked at): the names' and patterns' words, and what a token
    or an escaped name starts with. A needle containing another is left out."""
    pattern_needles = _pattern_needles(patterns)
    if pattern_needles is None:
        return None
    found = dict.fromkeys(_needles(names) + pattern_needles + _ALWAYS_NEEDLES)
    return tuple(n for n in found if not any(o != n and o in n for o in found))
