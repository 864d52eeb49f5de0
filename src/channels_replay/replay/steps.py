"""Steps: a cassette cut at its client actions, and each connection's expected stream.

A step is one client action (connect, a frame, a disconnect) and, per connection,
the server events recorded after it up to the next client action. Steps are how
differences are reported ("step 4, c2 sends ...: on c1 ..."). What replay waits
for is the per-connection stream: each server event tagged with the step it was
recorded in (see `replay.machine`).

Pure: plain functions over cassette events, no Django, no sockets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from channels_replay.cassettes.model import (
    AcceptEvent,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerClose,
    ServerFrame,
)
from channels_replay.signals import SignalNames, action_of

__all__ = [
    "ClientAction",
    "ServerEvent",
    "SignalNames",
    "Step",
    "Timeline",
    "build_steps",
    "build_timeline",
    "frame_action",
]

ClientAction = ConnectEvent | ClientFrame | ClientDisconnect
ServerEvent = AcceptEvent | ServerFrame | ServerClose


def frame_action(event: ServerEvent | ClientFrame, action_key: str = "action") -> object:
    """The JSON action of a text frame, or None (bytes, not JSON, no action, not a frame)."""
    return action_of(getattr(event, "text", None), action_key)


@dataclass(frozen=True)
class Step:
    """One client action and, per connection, what the server sent before the next one."""

    index: int
    action: ClientAction
    expected: dict[str, tuple[ServerEvent, ...]]

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


@dataclass(frozen=True)
class Timeline:
    """A cassette as replay sees it: the steps, and per connection its expected stream.

    `streams[conn]` holds `(step index, event)` for every server event of that
    connection, in recorded order.
    """

    steps: list[Step]
    streams: dict[str, list[tuple[int, ServerEvent]]]


def build_timeline(events: Iterable[Event]) -> Timeline:
    """Cut a cassette's events (ordered by `seq`) into steps and per-connection streams.

    Server events before the first client action cannot happen in a well-formed
    recording and are ignored.
    """
    actions: list[ClientAction] = []
    streams: dict[str, list[tuple[int, ServerEvent]]] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if isinstance(event, ConnectEvent | ClientFrame | ClientDisconnect):
            actions.append(event)
            streams.setdefault(event.conn, [])
        elif actions:
            streams.setdefault(event.conn, []).append((len(actions) - 1, event))
    per_step: list[dict[str, list[ServerEvent]]] = [{} for _ in actions]
    for conn, stream in streams.items():
        for index, event in stream:
            per_step[index].setdefault(conn, []).append(event)
    steps = [
        Step(index, action, {conn: tuple(found) for conn, found in per_step[index].items()})
        for index, action in enumerate(actions)
    ]
    return Timeline(steps, streams)


def build_steps(events: Iterable[Event]) -> list[Step]:
    """The steps of a cassette's events (see `build_timeline`)."""
    return build_timeline(events).steps
