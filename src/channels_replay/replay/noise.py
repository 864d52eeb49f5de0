"""Noise rules: which values in server frames the diff does not compare exactly.

Timestamps, random ids and counters change on every run. A rule names a path
pattern inside JSON frames, a matcher that replaces equality there, and
optionally the action of the frames it applies to. Rules are written on the
command line as `[ACTION:]PATH[=MATCHER]` and stored in a cassette header as
dicts `{"path", "matcher", "action"}`; both forms round-trip. Patterns and
regexes are compiled when a rule is made, never during a comparison.

Rules are proposed (`NoiseLearner`, `propose_noise`) from two or more replays
of a recording against the unchanged app: only where the values differ between
the replays themselves, in frames that line up.
See docs/diff-and-noise.md for the grammar and how rules are learned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from channels_replay.errors import ConfigurationError
from channels_replay.replay._paths import (
    JsonPath,
    PathPart,
    PathPattern,
    PatternError,
)
from channels_replay.replay._values import json_type

__all__ = [
    "MATCHERS",
    "NoiseRule",
    "NoiseRules",
    "can_scope_to",
    "is_datetime",
    "is_uuid",
]

MATCHERS: Final = ("ignore", "any", "type", "uuid", "datetime", "regex:<pattern>")
"""The matcher names a rule may use, as shown in error messages and docs."""

_REGEX_PREFIX: Final = "regex:"
_RULE_EXAMPLE: Final = "chat_message:payload.items[*].id=uuid"
_DICT_EXAMPLE: Final = {"path": "payload.ts", "matcher": "datetime", "action": "chat_message"}
_DICT_KEYS: Final = frozenset({"path", "matcher", "action"})
_ACTION_FORBIDDEN: Final = frozenset(':="')
_UUID_RE: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9a-fA-F]{32}"
)

_Check = Callable[[Any, Any], bool]


class _Problem(ValueError):
    """What is wrong with one rule; turned into a ConfigurationError naming the rule."""


def is_uuid(value: Any) -> bool:
    """Whether `value` is a UUID string: 32 hex digits, with or without the four dashes."""
    return isinstance(value, str) and _UUID_RE.fullmatch(value) is not None


def is_datetime(value: Any) -> bool:
    """Whether `value` is an ISO 8601 date-time string (a time part required, `Z` accepted).

    A date alone (`2024-05-01`) is not a date-time; a rule for it uses `type` or a regex.
    """
    if not isinstance(value, str):
        return False
    text = value[:-1] + "+00:00" if value[-1:] in ("Z", "z") else value
    try:
        date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class NoiseRule:
    """One noise rule: at paths matching `path`, check `matcher` instead of equality.

    `action` scopes the rule to frames whose action equals it (None: every JSON
    frame). `path` and `matcher` are stored in canonical form, so equal rules
    compare equal however they were written. A bad rule raises ConfigurationError.
    """

    path: str
    matcher: str = "ignore"
    action: str | None = None
    _pattern: PathPattern = field(init=False, repr=False, compare=False)
    _check: _Check = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            pattern, matcher, check = _compile(self.path, self.matcher, self.action)
        except _Problem as problem:
            raise _bad_rule(_rule_text(self.path, self.matcher, self.action), problem) from None
        object.__setattr__(self, "path", pattern.text)
        object.__setattr__(self, "matcher", matcher)
        object.__setattr__(self, "_pattern", pattern)
        object.__setattr__(self, "_check", check)

    @classmethod
    def parse(cls, text: str) -> NoiseRule:
        """Parse `[ACTION:]PATH[=MATCHER]` as given on a command line (no matcher: ignore)."""
        try:
            path, matcher, action = _split_rule(text)
            _compile(path, matcher, action)
        except _Problem as problem:
            raise _bad_rule(text, problem) from None
        return cls(path, matcher, action)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NoiseRule:
        """Read a rule stored in a cassette header: `{"path", "matcher"?, "action"?}`."""
        try:
            path, matcher, action = _read_dict(data)
            _compile(path, matcher, action)
        except _Problem as problem:
            raise ConfigurationError(
                f"bad noise rule {data!r}: {problem}; a good rule looks like {_DICT_EXAMPLE!r}"
            ) from None
        return cls(path, matcher, action)

    @property
    def is_ignore(self) -> bool:
        """Whether the path is not compared at all (its absence or presence included)."""
        return self.matcher == "ignore"

    def applies_to(self, action: str | None) -> bool:
        """Whether the rule is in force for a frame with this action."""
        return self.action is None or self.action == action

    def matches_path(self, parts: JsonPath) -> bool:
        """Whether the concrete path `parts` is covered by the rule's pattern."""
        return self._pattern.matches(parts)

    def accepts(self, expected: Any, actual: Any) -> bool:
        """Whether `actual` passes the matcher (`expected` matters only for `type`)."""
        return self._check(expected, actual)

    def expectation(self, expected: Any) -> str:
        """What the matcher wants, for a failure line: 'a UUID', 'a string', ..."""
        if self.matcher == "type":
            return f"a {json_type(expected)}"
        if self.matcher.startswith(_REGEX_PREFIX):
            return f"a string matching /{self.matcher[len(_REGEX_PREFIX) :]}/"
        return {"uuid": "a UUID", "datetime": "a datetime"}.get(self.matcher, "any value")

    def to_string(self) -> str:
        """The command-line form, `[ACTION:]PATH=MATCHER`; `NoiseRule.parse` reads it back."""
        return _rule_text(self.path, self.matcher, self.action)

    def to_dict(self) -> dict[str, Any]:
        """The cassette-header form; `action` only when scoped. `from_dict` reads it back."""
        data: dict[str, Any] = {"path": self.path, "matcher": self.matcher}
        if self.action is not None:
            data["action"] = self.action
        return data

    def describe(self) -> str:
        """One line for reports: the rule and what it does."""
        scope = "every frame" if self.action is None else f'frames with action "{self.action}"'
        return f"{self.to_string()}: {self._what()} ({scope})"

    def __str__(self) -> str:
        return self.to_string()

    def __reduce__(self) -> tuple[type[NoiseRule], tuple[str, str, str | None]]:
        """Pickle and copy by the three fields; the compiled parts are rebuilt."""
        return (NoiseRule, (self.path, self.matcher, self.action))

    def _what(self) -> str:
        if self.matcher == "ignore":
            return f"{self.path} is not compared"
        if self.matcher == "any":
            return f"{self.path} must be present, any value"
        if self.matcher == "type":
            return f"{self.path} must keep its JSON type"
        return f"{self.path} must be {self.expectation(None)}"


_MATCH_CACHE_SIZE = 65536
"""Paths remembered per NoiseRules: bounded, so a replay of odd, ever-new paths stays small."""


class NoiseRules:
    """An ordered, de-duplicated set of rules; the first rule that matches a path wins.

    Immutable. The rules in force for an action are worked out once per action
    and cached, since the diff asks at every JSON node it visits.
    """

    __slots__ = ("_matches", "_rules", "_scoped")

    def __init__(self, rules: Iterable[NoiseRule] = ()) -> None:
        items = tuple(dict.fromkeys(rules))
        for rule in items:
            if not isinstance(rule, NoiseRule):
                raise TypeError(
                    f"NoiseRules holds NoiseRule objects, got {rule!r}; "
                    "use NoiseRules.parse for strings or NoiseRules.from_dicts for dicts"
                )
        self._rules: tuple[NoiseRule, ...] = items
        self._scoped: dict[str | None, tuple[NoiseRule, ...]] = {}
        self._matches: dict[tuple[str | None, JsonPath], NoiseRule | None] = {}

    @classmethod
    def parse(cls, texts: Iterable[str]) -> NoiseRules:
        """Rules from command-line strings, `[ACTION:]PATH[=MATCHER]` each."""
        return cls(NoiseRule.parse(text) for text in texts)

    @classmethod
    def from_dicts(cls, items: Iterable[Mapping[str, Any]]) -> NoiseRules:
        """Rules from a cassette header's `noise` list."""
        return cls(NoiseRule.from_dict(item) for item in items)

    def to_strings(self) -> list[str]:
        """The rules in command-line form."""
        return [rule.to_string() for rule in self._rules]

    def to_dicts(self) -> list[dict[str, Any]]:
        """The rules in cassette-header form."""
        return [rule.to_dict() for rule in self._rules]

    def describe(self) -> list[str]:
        """One line per rule, for the 'rules applied' part of a report."""
        return [rule.describe() for rule in self._rules]

    def merged(self, other: Iterable[NoiseRule]) -> NoiseRules:
        """These rules followed by `other`'s (e.g. the cassette's, then the command line's)."""
        return NoiseRules((*self._rules, *other))

    def for_action(self, action: str | None) -> tuple[NoiseRule, ...]:
        """The rules in force for frames with this action, in order."""
        scoped = self._scoped.get(action)
        if scoped is None:
            scoped = tuple(rule for rule in self._rules if rule.applies_to(action))
            self._scoped[action] = scoped
        return scoped

    def match(self, path_parts: Sequence[PathPart], action: str | None = None) -> NoiseRule | None:
        """The first rule in force for `action` whose pattern covers `path_parts`, if any.

        Remembered per (action, path): a replay asks the same few paths for every frame.
        """
        parts = tuple(path_parts)
        key = (action, parts)
        try:
            return self._matches[key]
        except KeyError:
            pass
        found = next((rule for rule in self.for_action(action) if rule.matches_path(parts)), None)
        if len(self._matches) < _MATCH_CACHE_SIZE:
            self._matches[key] = found
        return found

    def __iter__(self) -> Iterator[NoiseRule]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __bool__(self) -> bool:
        return bool(self._rules)

    def __contains__(self, rule: object) -> bool:
        return rule in self._rules

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoiseRules) and self._rules == other._rules

    def __hash__(self) -> int:
        return hash(self._rules)

    def __repr__(self) -> str:
        return f"NoiseRules({self.to_strings()!r})"


# ---- building and parsing rules ------------------------------------------------------------


def _compile(path: Any, matcher: Any, action: Any) -> tuple[PathPattern, str, _Check]:
    """Validate the three parts of a rule; return the compiled pattern and matcher."""
    if not isinstance(path, str):
        raise _Problem(f"the path must be a string, not {path!r}")
    try:
        pattern = PathPattern.compile(path)
    except PatternError as error:
        raise _Problem(str(error)) from None
    name, check = _compile_matcher(matcher)
    _check_action(action)
    return pattern, name, check


def _compile_matcher(matcher: Any) -> tuple[str, _Check]:
    if not isinstance(matcher, str):
        raise _Problem(f"the matcher must be a string, not {matcher!r}")
    name = matcher.strip()
    if name[: len(_REGEX_PREFIX)].lower() == _REGEX_PREFIX:
        return _compile_regex(name[len(_REGEX_PREFIX) :])
    name = name.lower()
    checks: dict[str, _Check] = {
        "ignore": _accept_anything,
        "any": _accept_anything,
        "type": _same_type,
        "uuid": _actual_is_uuid,
        "datetime": _actual_is_datetime,
    }
    if name not in checks:
        raise _Problem(f"unknown matcher {matcher!r}; use one of {', '.join(MATCHERS)}")
    return name, checks[name]


def _compile_regex(source: str) -> tuple[str, _Check]:
    if not source:
        raise _Problem("'regex:' needs a pattern after it, e.g. regex:[0-9a-f]{8}")
    try:
        compiled = re.compile(source)
    except re.error as error:
        raise _Problem(f"the regex {source!r} does not compile: {error}") from None

    def check(_expected: Any, actual: Any) -> bool:
        return isinstance(actual, str) and compiled.fullmatch(actual) is not None

    return _REGEX_PREFIX + source, check


def can_scope_to(action: Any) -> bool:
    """Whether a rule can be scoped to this action (a string without `:`, `=` or `"`)."""
    try:
        _check_action(action)
    except _Problem:
        return False
    return True


def _check_action(action: Any) -> None:
    if action is None:
        return
    if not isinstance(action, str) or not action.strip():
        raise _Problem(f"the action must be a non-empty string, not {action!r}")
    bad = sorted(_ACTION_FORBIDDEN.intersection(action))
    if bad:
        raise _Problem(f"the action {action!r} holds {''.join(bad)!r}; a rule's action cannot")


def _accept_anything(_expected: Any, _actual: Any) -> bool:
    return True


def _same_type(expected: Any, actual: Any) -> bool:
    return json_type(expected) == json_type(actual)


def _actual_is_uuid(_expected: Any, actual: Any) -> bool:
    return is_uuid(actual)


def _actual_is_datetime(_expected: Any, actual: Any) -> bool:
    return is_datetime(actual)


def _split_rule(text: Any) -> tuple[str, str, str | None]:
    """Split `[ACTION:]PATH[=MATCHER]` at the first `:` and `=` outside quoted keys."""
    if not isinstance(text, str):
        raise _Problem(f"a rule is a string, not {type(text).__name__}")
    rule = text.strip()
    if not rule:
        raise _Problem("the rule is empty")
    equals = _find_unquoted(rule, "=")
    head, matcher = (rule, "ignore") if equals < 0 else (rule[:equals], rule[equals + 1 :])
    if not matcher.strip():
        raise _Problem(f"nothing after '='; name a matcher: {', '.join(MATCHERS)}")
    colon = _find_unquoted(head, ":")
    if colon < 0:
        return head.strip(), matcher, None
    action, path = head[:colon].strip(), head[colon + 1 :].strip()
    if not action:
        raise _Problem("nothing before ':'; write the action there, or leave out the ':'")
    return path, matcher, action


def _find_unquoted(text: str, char: str) -> int:
    """The index of the first `char` outside double quotes (with backslash escapes), or -1."""
    quoted = escaped = False
    for index, current in enumerate(text):
        if escaped:
            escaped = False
        elif quoted and current == "\\":
            escaped = True
        elif current == '"':
            quoted = not quoted
        elif current == char and not quoted:
            return index
    return -1


def _read_dict(data: Any) -> tuple[Any, Any, Any]:
    if not isinstance(data, Mapping):
        raise _Problem(f"a stored rule is a dict, not {type(data).__name__}")
    unknown = sorted(str(key) for key in data if key not in _DICT_KEYS)
    if unknown:
        raise _Problem(f"unknown key(s) {', '.join(unknown)}; a rule has path, matcher, action")
    if "path" not in data:
        raise _Problem("'path' is missing")
    return data["path"], data.get("matcher", "ignore"), data.get("action")


def _rule_text(path: Any, matcher: Any, action: Any) -> str:
    prefix = "" if action is None else f"{action}:"
    return f"{prefix}{path}={matcher}"


def _bad_rule(text: Any, problem: _Problem) -> ConfigurationError:
    return ConfigurationError(
        f"bad noise rule {text!r}: {problem}; a good rule looks like {_RULE_EXAMPLE!r}"
    )
