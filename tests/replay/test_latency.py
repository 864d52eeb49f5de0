"""Per-step latency: from a client action to its recorded answer's arrival; pure."""

from __future__ import annotations

import json
from typing import Any

from channels_replay.cassettes import (
    AcceptEvent,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    ServerFrame,
)
from channels_replay.replay.latency import step_label, step_latencies
from channels_replay.replay.steps import build_steps
from channels_replay.signals import SignalNames


class Timeline:
    """Events in order with the times given: a recording, or what a replay saw."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def add(self, t: float, cls: Any, conn: str, **fields: Any) -> None:
        self.events.append(cls(seq=len(self.events), conn=conn, t=t, **fields))

    def server(self, t: float, conn: str, action: str) -> None:
        self.add(t, ServerFrame, conn, text=json.dumps({"action": action, "payload": None}))

    def client(self, t: float, conn: str, action: str) -> None:
        self.add(t, ClientFrame, conn, text=json.dumps({"action": action}))


def chat(times: dict[str, float], *, drop_complete: bool = False) -> list[Any]:
    s = Timeline()
    s.add(0.0, ConnectEvent, "c1", path="/ws/chat/lobby/")
    s.add(times["accept"], AcceptEvent, "c1")
    s.server(times["auth"], "c1", "authentication")
    s.client(1.0, "c1", "message")
    if not drop_complete:
        s.server(times["complete"], "c1", "complete")
    s.server(times["chat"], "c1", "chat_message")
    s.server(times["group_complete"], "c1", "group_complete")
    s.server(times["trailing"], "c1", "chat_message")  # after the last signal: not waited for
    s.add(2.0, ClientDisconnect, "c1", code=1000)
    return s.events


RECORDED = {
    "accept": 0.001,
    "auth": 0.002,
    "complete": 1.001,
    "chat": 1.002,
    "group_complete": 1.003,
    "trailing": 1.004,
}


def test_a_latency_runs_from_the_action_to_the_answers_last_signal() -> None:
    steps = build_steps(chat(RECORDED))
    replayed = chat({**RECORDED, "auth": 0.030, "group_complete": 1.050, "trailing": 1.060})

    found = step_latencies(steps, replayed, SignalNames())

    assert [(step_label(f.step), round(f.seconds or 0, 3)) for f in found] == [
        ("c1 connect /ws/chat/lobby/", 0.030),
        ("c1 message", 0.050),
    ]


def test_an_answer_that_did_not_all_come_has_no_latency_but_a_wait() -> None:
    steps = build_steps(chat(RECORDED))
    # `complete` never came: two of the three events of the answer arrived, then the
    # trailing frame was lost too, and the replay moved on at the disconnect.
    replayed = [
        e
        for e in chat(RECORDED, drop_complete=True)
        if not (isinstance(e, ServerFrame) and e.t == RECORDED["trailing"])
    ]

    found = step_latencies(steps, replayed, SignalNames())

    assert found[1].seconds is None
    assert found[1].waited == 1.0  # until the disconnect, the next action
