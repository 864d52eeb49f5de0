"""Step grouping: pure, over model events, no Django or sockets."""

import json
from typing import Any

from channels_replay.cassettes import (
    AcceptEvent,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    ServerClose,
    ServerFrame,
)
from channels_replay.replay.steps import SignalNames, build_steps, frame_action


class Script:
    """Builds events in global order, as the recorder would."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def add(self, cls: Any, conn: str, **fields: Any) -> None:
        self.events.append(cls(seq=len(self.events), conn=conn, t=len(self.events) / 100, **fields))

    def server(self, conn: str, action: str, **payload: Any) -> None:
        self.add(ServerFrame, conn, text=json.dumps({"action": action, "payload": payload or None}))

    def client(self, conn: str, action: str) -> None:
        self.add(ClientFrame, conn, text=json.dumps({"action": action}))


def chat_script() -> Script:
    s = Script()
    s.add(ConnectEvent, "c1", path="/ws/chat/lobby/", user="alice")
    s.add(AcceptEvent, "c1")
    s.server("c1", "authentication", status_code=200)
    s.add(ConnectEvent, "c2", path="/ws/chat/lobby/", user="bob")
    s.add(AcceptEvent, "c2")
    s.server("c2", "authentication", status_code=200)
    s.client("c1", "message")
    s.server("c1", "complete")
    s.server("c1", "chat_message", text="hi")
    s.server("c2", "chat_message", text="hi")
    s.server("c1", "group_complete")
    s.server("c2", "group_complete")
    s.add(ClientDisconnect, "c2", code=1000)
    s.add(ClientDisconnect, "c1", code=1000)
    return s


def test_each_client_action_starts_a_step_with_what_followed_it_per_connection() -> None:
    steps = build_steps(chat_script().events)

    assert [step.describe() for step in steps] == [
        "c1 connects to /ws/chat/lobby/ as alice",
        "c2 connects to /ws/chat/lobby/ as bob",
        'c1 sends {"action": "message"}',
        "c2 disconnects (code 1000)",
        "c1 disconnects (code 1000)",
    ]
    message = steps[2]
    assert [frame_action(f) for f in message.expected["c1"].frames] == [
        "complete",
        "chat_message",
        "group_complete",
    ]
    assert [frame_action(f) for f in message.expected["c2"].frames] == [
        "chat_message",
        "group_complete",
    ]
    assert dict(message.expected["c1"].signals) == {"complete": 1, "group_complete": 1}
    assert dict(message.expected["c2"].signals) == {"group_complete": 1}


def test_every_open_connection_is_watched_even_when_nothing_was_recorded_for_it() -> None:
    steps = build_steps(chat_script().events)
    assert list(steps[1].expected) == ["c1", "c2"]
    assert steps[1].expected["c1"].frames == ()
    assert list(steps[3].expected) == ["c1"]
    assert list(steps[4].expected) == []


def test_events_are_taken_in_seq_order_whatever_order_they_come_in() -> None:
    events = chat_script().events
    assert [s.describe() for s in build_steps(reversed(events))] == [
        s.describe() for s in build_steps(events)
    ]


def test_collection_ends_at_the_recorded_signals() -> None:
    names = SignalNames()
    expectation = build_steps(chat_script().events)[2].expected["c1"]
    frames = list(expectation.frames)

    assert not expectation.is_satisfied(frames[:1], names)  # complete, no group_complete yet
    assert not expectation.is_satisfied(frames[:2], names)
    assert expectation.is_satisfied(frames, names)
    # the signals end it even when the frames between them changed
    assert expectation.is_satisfied([frames[0], frames[2]], names)
    progress = expectation.progress(names)
    progress.add(frames[0])
    assert progress.awaited() == "'group_complete'"


def test_without_signals_collection_ends_at_the_recorded_count_or_a_close() -> None:
    s = Script()
    s.add(ConnectEvent, "c1", path="/ws/plain/")
    s.add(AcceptEvent, "c1")
    s.add(ClientFrame, "c1", text='{"n": 1}')
    s.add(ServerFrame, "c1", text='{"echo": 1}')
    s.add(ServerFrame, "c1", data=b"\x01")
    names = SignalNames()
    expectation = build_steps(s.events)[1].expected["c1"]

    assert not expectation.signalled
    assert not expectation.is_satisfied(list(expectation.frames[:1]), names)
    assert expectation.is_satisfied(list(expectation.frames), names)
    close = ServerClose(seq=0, conn="c1", t=0, code=4000)
    assert expectation.is_satisfied([close], names)
    progress = expectation.progress(names)
    assert progress.awaited() == "2 more frame(s)"


def test_frames_after_the_last_signal_are_awaited_by_count() -> None:
    s = Script()
    s.add(ConnectEvent, "c1", path="/x/")
    s.add(AcceptEvent, "c1")
    s.client("c1", "go")
    s.server("c1", "complete")
    s.server("c1", "late")
    names = SignalNames()
    expectation = build_steps(s.events)[1].expected["c1"]
    assert expectation.frames_after_last_signal == 1
    assert not expectation.is_satisfied(list(expectation.frames[:1]), names)
    assert expectation.is_satisfied(list(expectation.frames), names)


def test_signal_names_and_action_key_are_configurable() -> None:
    s = Script()
    s.add(ConnectEvent, "c1", path="/x/")
    s.add(ClientFrame, "c1", text='{"type": "go"}')
    s.add(ServerFrame, "c1", text='{"type": "done"}')
    names = SignalNames(action_key="type", complete="done")
    expectation = build_steps(s.events, names)[1].expected["c1"]
    assert dict(expectation.signals) == {"done": 1}
    assert frame_action(expectation.frames[0], "type") == "done"
    assert frame_action(ServerFrame(seq=0, conn="c", t=0, text="not json")) is None
    assert frame_action(ServerFrame(seq=0, conn="c", t=0, data=b"{}")) is None
