"""Steps: a cassette cut into exchanges, each one client action and what it caused.

A step is one client action (connect, a frame, a disconnect) and, per connection
of the session, the server frames recorded after it up to the next client action,
with the rule that says when their collection at replay is over: the signals
recorded there (the authentication message, `complete`, `group_complete`), a
close, or for apps that send no signals the recorded number of frames.

Pure: plain functions over cassette events, no Django, no sockets.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from channels_replay.cassettes.model import (
    AcceptEvent,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerClose,
    ServerFrame,
)

__all__ = [
    "ClientAction",
    "Expectation",
    "Progress",
    "ServerEvent",
    "SignalNames",
    "Step",
    "build_steps",
    "frame_action",
]

ClientAction = ConnectEvent | ClientFrame | ClientDisconnect
ServerEvent = AcceptEvent | ServerFrame | ServerClose


@dataclass(frozen=True)
class SignalNames:
    """The action key and the names of the signals that end an exchange."""

    action_key: str = "action"
    authentication: str = "authentication"
    complete: str = "complete"
    group_complete: str = "group_complete"

    @property
    def all(self) -> frozenset[str]:
        return frozenset((self.authentication, self.complete, self.group_complete))


def frame_action(event: ServerEvent | ClientFrame, action_key: str = "action") -> Any:
    """The JSON action of a text frame, or None (bytes, not JSON, no action, not a frame)."""
    text = getattr(event, "text", None)
    if text is None or not text.startswith("{"):
        return None
    try:
        message = json.loads(text)
    except ValueError:
        return None
    return message.get(action_key) if isinstance(message, dict) else None


@dataclass(frozen=True)
class Expectation:
    """What one connection should receive in one step, and when its collection ends.

    `signals` counts the signal actions recorded; collection ends once as many of
    each have arrived and, past the last recorded signal, as many frames as were
    recorded after it. Without signals it ends at the recorded frame count. A
    close ends it in every case: nothing can follow.
    """

    conn: str
    frames: tuple[ServerEvent, ...]
    signals: Counter[str] = field(default_factory=Counter)
    frames_after_last_signal: int = 0

    @property
    def signalled(self) -> bool:
        return bool(self.signals)

    def progress(self, names: SignalNames) -> Progress:
        """A fresh tracker of what has arrived against this expectation."""
        return Progress(self, names)

    def is_satisfied(self, received: Sequence[ServerEvent], names: SignalNames) -> bool:
        """Whether `received` completes this expectation (so collection can stop)."""
        progress = self.progress(names)
        for event in received:
            progress.add(event)
        return progress.done


class Progress:
    """Tracks frames as they arrive, in O(1) per frame, and says when collection is over."""

    __slots__ = (
        "_after_last_signal",
        "_closed",
        "_count",
        "_expectation",
        "_missing",
        "_names",
        "_seen",
    )

    def __init__(self, expectation: Expectation, names: SignalNames) -> None:
        self._expectation = expectation
        self._names = names
        self._missing = sum(expectation.signals.values())
        self._seen: Counter[str] = Counter()
        self._count = 0
        self._after_last_signal = 0
        self._closed = False

    def add(self, event: ServerEvent) -> None:
        self._count += 1
        if isinstance(event, ServerClose):
            self._closed = True
            return
        signals = self._expectation.signals
        if not signals:
            return
        text = getattr(event, "text", None)
        # Parse only frames that can be a signal: most frames name none of them.
        maybe_signal = text is not None and any(f'"{name}"' in text for name in signals)
        action = frame_action(event, self._names.action_key) if maybe_signal else None
        if isinstance(action, str) and action in signals:
            self._seen[action] += 1
            if self._seen[action] <= signals[action]:
                self._missing -= 1
            self._after_last_signal = 0
        else:
            self._after_last_signal += 1

    @property
    def done(self) -> bool:
        if self._closed:
            return True
        expectation = self._expectation
        if not expectation.signals:
            return self._count >= len(expectation.frames)
        return (
            self._missing == 0 and self._after_last_signal >= expectation.frames_after_last_signal
        )

    def awaited(self) -> str:
        """What is still awaited, for a report: e.g. `'complete'` or `2 more frame(s)`."""
        expectation = self._expectation
        if expectation.signals:
            missing = [
                action
                for action, count in expectation.signals.items()
                if self._seen[action] < count
            ]
            if missing:
                return " and ".join(repr(action) for action in missing)
            return f"{expectation.frames_after_last_signal - self._after_last_signal} more frame(s)"
        return f"{len(expectation.frames) - self._count} more frame(s)"


@dataclass(frozen=True)
class Step:
    """One client action and, per connection, what the server answered before the next."""

    index: int
    action: ClientAction
    expected: dict[str, Expectation]

    @property
    def conn(self) -> str:
        """The connection that acted."""
        return self.action.conn

    def describe(self) -> str:
        """One line naming the action, as a report shows it."""
        action = self.action
        if isinstance(action, ConnectEvent):
            query = f"?{action.query_string}" if action.query_string else ""
            who = f" as {action.user}" if action.user else ""
            return f"{action.conn} connects to {action.path}{query}{who}"
        if isinstance(action, ClientDisconnect):
            return f"{action.conn} disconnects (code {action.code})"
        if action.text is not None:
            return f"{action.conn} sends {_abbreviate(action.text)}"
        assert action.data is not None
        return f"{action.conn} sends {len(action.data)} bytes {action.data[:16].hex()}"


def _abbreviate(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _expectation(conn: str, frames: list[ServerEvent], names: SignalNames) -> Expectation:
    signals: Counter[str] = Counter()
    after_last = 0
    for event in frames:
        action = frame_action(event, names.action_key)
        if action in names.all:
            signals[action] += 1
            after_last = 0
        else:
            after_last += 1
    return Expectation(conn, tuple(frames), signals, after_last if signals else 0)


def build_steps(events: Iterable[Event], names: SignalNames | None = None) -> list[Step]:
    """Cut a cassette's events (in `seq` order) into steps.

    Server events before the first client action cannot happen in a well-formed
    recording and are ignored. Every connection that has connected so far and not
    yet disconnected gets an Expectation in each step (empty when nothing was
    recorded for it), so that replay knows who to watch.
    """
    names = names or SignalNames()
    steps: list[Step] = []
    action: ClientAction | None = None
    frames: dict[str, list[ServerEvent]] = {}
    open_conns: list[str] = []

    def finish() -> None:
        if action is None:
            return
        expected = {
            conn: _expectation(conn, frames.get(conn, []), names)
            for conn in dict.fromkeys([*open_conns, *frames])
        }
        steps.append(Step(len(steps), action, expected))

    for event in sorted(events, key=lambda e: e.seq):
        if isinstance(event, ConnectEvent | ClientFrame | ClientDisconnect):
            finish()
            action, frames = event, {}
            if isinstance(event, ConnectEvent) and event.conn not in open_conns:
                open_conns.append(event.conn)
            elif isinstance(event, ClientDisconnect) and event.conn in open_conns:
                open_conns.remove(event.conn)
        elif action is not None:
            frames.setdefault(event.conn, []).append(event)
    finish()
    return steps
