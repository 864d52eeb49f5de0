"""The signal convention: how an app says where an exchange ends.

An app that follows it sends, as JSON text frames with an action key, an
authentication message after connect, `complete` after handling each client
frame, and `group_complete` after handling each group event. The names are the
app's (settings), so a cassette stores the ones in force when it was recorded
and replay reads them from there, not from the replaying project.

This is the one place that says whether a frame is a signal. Pure: no Django,
no I/O.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from channels_replay._json import loads_bounded

__all__ = ["SignalKind", "SignalNames", "action_of", "count_signals"]

SignalKind = Literal["authentication", "complete", "group_complete"]


def action_of(text: str | None, action_key: str = "action") -> Any:
    """The JSON action of a text frame, or None (bytes, not JSON, not an object, no action)."""
    if text is None or not text.lstrip().startswith("{"):
        return None
    try:
        message = loads_bounded(text)
    except ValueError:
        return None
    return message.get(action_key) if isinstance(message, dict) else None


@dataclass(frozen=True)
class SignalNames:
    """The action key and the names of the three signals."""

    action_key: str = "action"
    authentication: str = "authentication"
    complete: str = "complete"
    group_complete: str = "group_complete"

    @property
    def all(self) -> frozenset[str]:
        """The three signal names."""
        return frozenset((self.authentication, self.complete, self.group_complete))

    @functools.cached_property
    def _needles(self) -> tuple[str, ...]:
        """The names as they appear quoted in a frame: what a frame must hold to be one."""
        return tuple(f'"{name}"' for name in self.all)

    def kind_of_action(self, action: Any) -> SignalKind | None:
        """Which signal an action names, or None."""
        if action == self.authentication:
            return "authentication"
        if action == self.complete:
            return "complete"
        if action == self.group_complete:
            return "group_complete"
        return None

    def kind_of(self, text: str | None) -> SignalKind | None:
        """Which signal a text frame is, or None; parses only frames that can be one.

        Signal frames repeat to the letter, so short ones are remembered.
        """
        if text is None or not any(needle in text for needle in self._needles):
            return None
        cache = _KIND_CACHE.setdefault(self, {})
        try:
            return cache[text]
        except KeyError:
            kind = self.kind_of_action(action_of(text, self.action_key))
            if len(text) <= _CACHED_TEXT and len(cache) < _CACHED_TEXTS:
                cache[text] = kind
            return kind

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SignalNames:
        """From a mapping with any of the four fields (strings); missing ones default."""
        known = {key: str(data[key]) for key in cls.__dataclass_fields__ if key in data}
        return cls(**known)


_CACHED_TEXT = 256
_CACHED_TEXTS = 1024
_KIND_CACHE: dict[SignalNames, dict[str, SignalKind | None]] = {}


def count_signals(texts: Iterable[str | None], names: SignalNames) -> Counter[SignalKind]:
    """How many frames of each signal kind the texts hold (empty: the app sends none)."""
    counts: Counter[SignalKind] = Counter()
    for text in texts:
        kind = names.kind_of(text)
        if kind is not None:
            counts[kind] += 1
    return counts
