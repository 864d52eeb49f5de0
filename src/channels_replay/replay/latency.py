"""Per-step latency of a replay: from a client action to the recorded answer's arrival.

For each connect and client frame, the answer is what its own connection received
in that step of the recording, up to its last signal (the `complete` of a reply,
the authentication message of a connect), or all of it where no signal was
recorded. Its latency is the time from the action to the arrival of as many
events on that connection as the answer holds. Pure: steps and a replay's
timeline in, figures out; load replay reports them as request times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from channels_replay.cassettes.model import (
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Event,
)
from channels_replay.replay.steps import Step, frame_action
from channels_replay.signals import SignalNames

__all__ = ["StepLatency", "step_label", "step_latencies"]


@dataclass(frozen=True)
class StepLatency:
    """One action's latency; `seconds` is None when its answer did not all come."""

    step: Step
    seconds: float | None
    waited: float
    """How long the replay waited on that connection before the next action (or the end)."""


def step_label(step: Step, action_key: str = "action") -> str:
    """A short name for the step, the same in every session: `c1 connect /ws/x/`, `c2 message`."""
    action = step.action
    if isinstance(action, ConnectEvent):
        return f"{action.conn} connect {action.path}"
    if isinstance(action, ClientDisconnect):
        return f"{action.conn} disconnect"
    name = frame_action(action, action_key)
    if isinstance(name, str):
        return f"{action.conn} {name}"
    return f"{action.conn} {'text' if action.text is not None else 'bytes'} frame"


def _answer_length(step: Step, names: SignalNames) -> int:
    """How many events on the acting connection make the recorded answer to `step`."""
    expected = step.expected.get(step.conn, ())
    signals = set(names.all)
    last_signal = 0
    for index, event in enumerate(expected, 1):
        if frame_action(event, names.action_key) in signals:
            last_signal = index
    return last_signal or len(expected)


def step_latencies(
    steps: Sequence[Step], timeline: Sequence[Event], names: SignalNames
) -> list[StepLatency]:
    """The latency of every connect and client frame with a recorded answer.

    `timeline` is what the replay did and received, in order, with times
    (`ReplayResult.timeline`); its client actions are the steps', in order.
    """
    actions = [
        index
        for index, event in enumerate(timeline)
        if isinstance(event, ConnectEvent | ClientFrame | ClientDisconnect)
    ]
    found: list[StepLatency] = []
    for number, position in enumerate(actions):
        if number >= len(steps):
            break
        step = steps[number]
        wanted = _answer_length(step, names)
        if wanted == 0 or isinstance(step.action, ClientDisconnect):
            continue
        start = timeline[position].t
        end = actions[number + 1] if number + 1 < len(actions) else len(timeline)
        seen = 0
        seconds: float | None = None
        last = start
        for event in timeline[position + 1 : end]:
            last = event.t
            if event.conn != step.conn:
                continue
            seen += 1
            if seen == wanted:
                seconds = event.t - start
                break
        if seconds is None and end < len(timeline):
            last = timeline[end].t
        found.append(StepLatency(step, seconds, max(last - start, 0.0)))
    return found
