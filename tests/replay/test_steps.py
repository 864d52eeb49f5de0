"""Steps and per-connection streams: pure, over model events, no Django or sockets."""

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
from channels_replay.replay.steps import build_steps, build_timeline, frame_action


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


def actions(events: tuple[Any, ...]) -> list[Any]:
    return [
        frame_action(event) if isinstance(event, ServerFrame) else event.kind for event in events
    ]


def test_each_client_action_starts_a_step_with_what_followed_it_per_connection() -> None:
    steps = build_steps(chat_script().events)

    assert [step.describe() for step in steps] == [
        "c1 connects to /ws/chat/lobby/ as alice",
        "c2 connects to /ws/chat/lobby/ as bob",
        'c1 sends {"action": "message"}',
        "c2 disconnects (code 1000)",
        "c1 disconnects (code 1000)",
    ]
    assert [step.index for step in steps] == [0, 1, 2, 3, 4]
    assert [step.conn for step in steps] == ["c1", "c2", "c1", "c2", "c1"]
    message = steps[2]
    assert list(message.expected) == ["c1", "c2"]
    assert actions(message.expected["c1"]) == ["complete", "chat_message", "group_complete"]
    assert actions(message.expected["c2"]) == ["chat_message", "group_complete"]
    assert actions(steps[0].expected["c1"]) == ["accept", "authentication"]


def test_a_step_holds_only_the_connections_something_was_recorded_on() -> None:
    steps = build_steps(chat_script().events)
    assert list(steps[1].expected) == ["c2"]
    assert steps[3].expected == {}
    assert steps[4].expected == {}


def test_the_timeline_keeps_each_connections_stream_tagged_with_its_step() -> None:
    timeline = build_timeline(chat_script().events)

    assert [(step, actions((event,))[0]) for step, event in timeline.streams["c1"]] == [
        (0, "accept"),
        (0, "authentication"),
        (2, "complete"),
        (2, "chat_message"),
        (2, "group_complete"),
    ]
    assert [step for step, _ in timeline.streams["c2"]] == [1, 1, 2, 2]
    assert [step.describe() for step in timeline.steps] == [
        step.describe() for step in build_steps(chat_script().events)
    ]


def test_a_connection_without_server_events_still_has_a_stream() -> None:
    s = Script()
    s.add(ConnectEvent, "c1", path="/x/")
    s.add(ClientDisconnect, "c1", code=1000)
    timeline = build_timeline(s.events)
    assert timeline.streams == {"c1": []}
    assert [step.expected for step in timeline.steps] == [{}, {}]


def test_events_are_taken_in_seq_order_whatever_order_they_come_in() -> None:
    events = chat_script().events
    assert [s.describe() for s in build_steps(reversed(events))] == [
        s.describe() for s in build_steps(events)
    ]
    assert build_timeline(reversed(events)).streams == build_timeline(events).streams


def test_server_events_before_any_client_action_are_ignored() -> None:
    s = Script()
    s.server("c1", "stray")
    s.add(ConnectEvent, "c1", path="/x/")
    s.add(AcceptEvent, "c1")
    timeline = build_timeline(s.events)
    assert [actions(step.expected.get("c1", ())) for step in timeline.steps] == [["accept"]]
    assert len(timeline.streams["c1"]) == 1


def test_closes_and_bytes_belong_to_their_step() -> None:
    s = Script()
    s.add(ConnectEvent, "c1", path="/ws/plain/")
    s.add(AcceptEvent, "c1")
    s.add(ClientFrame, "c1", data=b"\x01\x02")
    s.add(ServerFrame, "c1", data=b"\x02\x01")
    s.add(ServerClose, "c1", code=4000, reason="bye")
    steps = build_steps(s.events)
    assert steps[1].describe() == "c1 sends 2 bytes 0102"
    assert [type(event).__name__ for event in steps[1].expected["c1"]] == [
        "ServerFrame",
        "ServerClose",
    ]


def test_describe_abbreviates_long_frames_and_shows_query_strings() -> None:
    s = Script()
    s.add(ConnectEvent, "c1", path="/ws/echo/", query_string="token=x")
    s.add(ClientFrame, "c1", text="x" * 300)
    steps = build_steps(s.events)
    assert steps[0].describe() == "c1 connects to /ws/echo/?token=x"
    assert steps[1].describe() == f"c1 sends {'x' * 97}..."


def test_frame_action_reads_the_action_key_of_json_text_frames_only() -> None:
    frame = ServerFrame(seq=0, conn="c", t=0, text='{"type": "done"}')
    assert frame_action(frame, "type") == "done"
    assert frame_action(frame) is None
    assert frame_action(ServerFrame(seq=0, conn="c", t=0, text="not json")) is None
    assert frame_action(ServerFrame(seq=0, conn="c", t=0, data=b"{}")) is None
    assert frame_action(ServerClose(seq=0, conn="c", t=0)) is None
