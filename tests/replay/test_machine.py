"""The replay machine: pure, hand-built cassette events, driven by a scripted loop.

No Django, no asyncio, no driver: each test builds a recording, says what the
"app" sends back after each client action, and lets `drive` play the part of
`replay.run` (perform what the machine says; when it collects, feed what the app
has sent, one event at a time, and settle or give up when there is nothing).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from channels_replay.cassettes import (
    AcceptEvent,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    ServerClose,
    ServerFrame,
)
from channels_replay.replay.diff import Difference
from channels_replay.replay.machine import Collect, Command, Finished, Perform, ReplayMachine
from channels_replay.replay.result import ConnectionOutcome, StepResult
from channels_replay.signals import SignalNames

ServerEvent = AcceptEvent | ServerFrame | ServerClose


def message(action: str, payload: Any = None) -> str:
    return json.dumps({"action": action, "payload": payload})


AUTH = message("authentication", {"status_code": 200})
COMPLETE = message("complete")
GROUP_COMPLETE = message("group_complete")


class Recording:
    """Cassette events in global order, as the recorder writes them."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def _add(self, cls: Any, conn: str, **fields: Any) -> Any:
        event = cls(seq=len(self.events), conn=conn, t=len(self.events) / 100, **fields)
        self.events.append(event)
        return event

    def connect(self, conn: str, path: str = "/ws/chat/lobby/") -> None:
        self._add(ConnectEvent, conn, path=path)

    def client(self, conn: str, text: str) -> None:
        self._add(ClientFrame, conn, text=text)

    def disconnect(self, conn: str, code: int = 1000) -> None:
        self._add(ClientDisconnect, conn, code=code)

    def accept(self, conn: str) -> None:
        self._add(AcceptEvent, conn)

    def server(self, conn: str, text: str) -> None:
        self._add(ServerFrame, conn, text=text)

    def close(self, conn: str, code: int = 4000) -> None:
        self._add(ServerClose, conn, code=code)


def accept() -> AcceptEvent:
    return AcceptEvent(seq=0, conn="x", t=0)


def frame(text: str) -> ServerFrame:
    return ServerFrame(seq=0, conn="x", t=0, text=text)


def close(code: int = 4000) -> ServerClose:
    return ServerClose(seq=0, conn="x", t=0, code=code)


Reply = tuple[str, ServerEvent]


@dataclass
class Run:
    """What a scripted replay did: the machine, every command, and a readable log."""

    machine: ReplayMachine
    commands: list[Command] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def results(self, **options: Any) -> list[StepResult]:
        return self.machine.results(**options)

    def outcome(self, step: int, conn: str) -> ConnectionOutcome:
        for outcome in self.results()[step].outcomes:
            if outcome.conn == conn:
                return outcome
        raise AssertionError(f"no outcome for {conn} in step {step}")

    def differences(self, **options: Any) -> list[tuple[int, str, str, str]]:
        """(step, conn, kind, path) of every difference."""
        return [
            (result.step.index, conn, d.kind, d.path)
            for result in self.results(**options)
            for conn, d in result.differences
        ]


def describe(event: ServerEvent) -> str:
    if isinstance(event, AcceptEvent):
        return "accept"
    if isinstance(event, ServerClose):
        return f"close {event.code}"
    assert event.text is not None
    try:
        return str(json.loads(event.text).get("action"))
    except ValueError:
        return event.text


def drive(
    events: Iterable[Any],
    replies: Mapping[int, Sequence[Reply]],
    *,
    burst: bool = False,
    stall: bool = False,
    names: SignalNames | None = None,
) -> Run:
    """Play `replay.run`'s part against a scripted app.

    `replies[i]` is what the app sends after step i's action. On Collect, the
    next sent event is fed (all of them with `burst`); with nothing left the app
    is done (`settle`), or with `stall` the time bound is hit (`give_up`).
    """
    machine = ReplayMachine(events, names)
    run = Run(machine)
    pending: deque[Reply] = deque()
    clock = iter(range(1, 10_000))
    for _ in range(1000):
        command = machine.next_command()
        run.commands.append(command)
        if isinstance(command, Finished):
            run.log.append("finished")
            return run
        if isinstance(command, Perform):
            step = command.step
            skip = " (skipped)" if command.skip else ""
            run.log.append(f"perform {step.index}: {step.describe()}{skip}")
            machine.performed(step, next(clock) / 100)
            if not command.skip:
                pending.extend(replies.get(step.index, ()))
            continue
        assert isinstance(command, Collect)
        if pending:
            while pending:
                conn, event = pending.popleft()
                machine.feed(conn, event, next(clock) / 100)
                run.log.append(f"{conn} <- {describe(event)}")
                if not burst:
                    break
        elif stall:
            machine.give_up("nothing came within 5s")
            run.log.append("give up")
        else:
            machine.settle()
            run.log.append("settle")
    raise AssertionError(f"the machine did not finish: {run.log}")


def as_recorded(events: Sequence[Any]) -> dict[int, list[Reply]]:
    """The replies of an app that sends exactly what was recorded, after the same actions."""
    replies: dict[int, list[Reply]] = {}
    step = -1
    for event in events:
        if isinstance(event, ConnectEvent | ClientFrame | ClientDisconnect):
            step += 1
        else:
            replies.setdefault(step, []).append((event.conn, event))
    return replies


# ---- (a) the race between independent connections ---------------------------------------------


def race_recording() -> Recording:
    """c1's accept came before c2 connected, its authentication message after."""
    r = Recording()
    r.connect("c1")  # step 0
    r.accept("c1")
    r.connect("c2")  # step 1
    r.server("c1", AUTH)
    r.accept("c2")
    r.server("c2", AUTH)
    r.client("c1", message("message", {"text": "hi"}))  # step 2
    r.server("c1", message("ack"))
    r.server("c1", COMPLETE)
    r.disconnect("c1")  # step 3
    r.disconnect("c2")  # step 4
    return r


RACE_REPLIES: dict[int, list[Reply]] = {
    0: [("c1", accept()), ("c1", frame(AUTH))],
    1: [("c2", accept()), ("c2", frame(AUTH))],
    2: [("c1", frame(message("ack"))), ("c1", frame(COMPLETE))],
}


@pytest.mark.parametrize("burst", [True, False], ids=["auth-before-c2", "auth-after-c2"])
def test_the_race_c1s_auth_arriving_before_c2_connects_is_no_difference(burst: bool) -> None:
    run = drive(race_recording().events, RACE_REPLIES, burst=burst)

    assert run.differences() == []
    assert all(result.ok for result in run.results())
    # c2's connect waits for what was recorded before it on c1 (the accept), not more
    connect_c2 = run.log.index("perform 1: c2 connects to /ws/chat/lobby/")
    assert run.log.index("c1 <- accept") < connect_c2
    auth_c1 = run.log.index("c1 <- authentication")
    assert (auth_c1 < connect_c2) is burst
    # the early authentication message is counted in the step it was recorded in
    assert [describe(e) for e in run.outcome(1, "c1").actual] == ["authentication"]
    assert [describe(e) for e in run.outcome(0, "c1").actual] == ["accept"]


def test_the_race_c2_connect_is_not_performed_before_c1s_accept() -> None:
    machine = ReplayMachine(race_recording().events)
    first = machine.next_command()
    assert isinstance(first, Perform)
    assert first.step.describe() == "c1 connects to /ws/chat/lobby/"
    machine.performed(first.step, 0.01)

    waiting = machine.next_command()
    assert waiting == Collect(1)
    assert machine.awaiting() == "c1: 1 more event(s)"
    machine.feed("c1", accept(), 0.02)
    machine.feed("c1", frame(AUTH), 0.03)  # earlier than recorded, relative to c2

    connect_c2 = machine.next_command()
    assert isinstance(connect_c2, Perform)
    assert connect_c2.step.index == 1


def test_the_race_an_early_frame_keeps_its_recorded_step_when_another_differs() -> None:
    """The early authentication message is matched to its step even off the exact path."""
    replies = {**RACE_REPLIES, 2: [("c1", frame(message("ack", 2))), ("c1", frame(COMPLETE))]}
    run = drive(race_recording().events, replies, burst=True)

    assert run.differences() == [(2, "c1", "changed", "payload")]
    assert [describe(e) for e in run.outcome(1, "c1").actual] == ["authentication"]


# ---- (b) waiting for the recorded counts and signals ------------------------------------------


def echo_recording() -> Recording:
    r = Recording()
    r.connect("c1")  # step 0
    r.accept("c1")
    r.server("c1", AUTH)
    r.client("c1", message("echo", {"hello": "world"}))  # step 1
    r.server("c1", message("echo", {"hello": "world"}))
    r.server("c1", COMPLETE)
    r.client("c1", message("ping"))  # step 2
    r.server("c1", message("pong"))
    r.server("c1", COMPLETE)
    r.disconnect("c1")  # step 3
    return r


def perform_next(machine: ReplayMachine, t: float = 0.0) -> Perform:
    command = machine.next_command()
    assert isinstance(command, Perform), command
    machine.performed(command.step, t)
    return command


def test_the_next_action_waits_for_the_recorded_signal_not_just_the_count() -> None:
    machine = ReplayMachine(echo_recording().events)
    perform_next(machine)
    machine.feed("c1", accept())
    assert machine.next_command() == Collect(1)
    assert machine.awaiting() == "c1: 1 authentication"
    machine.feed("c1", frame(AUTH))
    perform_next(machine)  # the echo

    machine.feed("c1", frame(message("notice")))  # an extra frame first
    machine.feed("c1", frame(message("echo", {"hello": "world"})))
    # as many frames as were recorded have come, but not the `complete`
    assert machine.next_command() == Collect(2)
    assert machine.awaiting() == "c1: 1 complete"
    machine.feed("c1", frame(COMPLETE))
    assert perform_next(machine).step.index == 2


def test_the_next_action_waits_for_the_recorded_count_not_just_the_signal() -> None:
    machine = ReplayMachine(echo_recording().events)
    perform_next(machine)
    machine.feed("c1", accept())
    machine.feed("c1", frame(AUTH))
    perform_next(machine)  # the echo

    machine.feed("c1", frame(COMPLETE))  # the signal came, its reply not yet
    assert machine.next_command() == Collect(2)
    assert machine.awaiting() == "c1: 1 more event(s)"
    machine.feed("c1", frame(message("echo", {"hello": "world"})))
    assert perform_next(machine).step.index == 2


def test_every_connection_must_have_what_was_recorded_before_the_action() -> None:
    r = Recording()
    r.connect("c1")  # step 0
    r.accept("c1")
    r.server("c1", AUTH)
    r.connect("c2")  # step 1
    r.accept("c2")
    r.server("c2", AUTH)
    r.client("c1", message("message"))  # step 2
    r.server("c1", COMPLETE)
    r.server("c1", message("chat_message"))
    r.server("c2", message("chat_message"))
    r.server("c1", GROUP_COMPLETE)
    r.server("c2", GROUP_COMPLETE)
    r.disconnect("c2")  # step 3
    machine = ReplayMachine(r.events)
    for conn in ("c1", "c2"):
        perform_next(machine)
        machine.feed(conn, accept())
        machine.feed(conn, frame(AUTH))
    perform_next(machine)  # c1 sends

    for text in (COMPLETE, message("chat_message"), GROUP_COMPLETE):
        machine.feed("c1", frame(text))
    assert machine.next_command() == Collect(3)
    assert machine.awaiting() == "c2: 1 group_complete"
    machine.feed("c2", frame(message("chat_message")))
    assert machine.next_command() == Collect(3)
    assert machine.awaiting() == "c2: 1 group_complete"
    machine.feed("c2", frame(GROUP_COMPLETE))
    assert perform_next(machine).step.describe() == "c2 disconnects (code 1000)"
    assert machine.awaiting() == ""


# ---- (c) settle: the app is done without something --------------------------------------------


def chat_recording() -> Recording:
    r = Recording()
    r.connect("c1")  # step 0
    r.accept("c1")
    r.server("c1", AUTH)
    r.connect("c2")  # step 1
    r.accept("c2")
    r.server("c2", AUTH)
    r.client("c1", message("message", {"text": "hi"}))  # step 2
    r.server("c1", COMPLETE)
    r.server("c1", message("chat_message", {"text": "hi"}))
    r.server("c2", message("chat_message", {"text": "hi"}))
    r.server("c1", GROUP_COMPLETE)
    r.server("c2", GROUP_COMPLETE)
    r.client("c2", message("message", {"text": "yo"}))  # step 3
    r.server("c2", COMPLETE)
    r.disconnect("c2")  # step 4
    r.disconnect("c1")  # step 5
    return r


def test_settle_performs_the_next_action_and_reports_what_is_missing_where_recorded() -> None:
    r = chat_recording()
    replies = as_recorded(r.events)
    replies[2] = [reply for reply in replies[2] if reply != ("c2", r.events[11])]  # no c2 g_c
    assert describe(r.events[11]) == "group_complete"

    run = drive(r.events, replies)

    settle = run.log.index("settle")
    assert (
        run.log[settle + 1]
        == 'perform 3: c2 sends {"action": "message", "payload": {"text": "yo"}}'
    )
    assert run.differences() == [(2, "c2", "missing", "")]
    missing = run.outcome(2, "c2").differences[0]
    assert missing.frame_action == "group_complete"
    assert run.outcome(2, "c2").timed_out is None
    assert all(result.ok for result in run.results() if result.step.index != 2)


def test_settle_while_collecting_is_what_lets_the_action_happen() -> None:
    machine = ReplayMachine(echo_recording().events)
    perform_next(machine)
    machine.feed("c1", accept())
    assert isinstance(machine.next_command(), Collect)
    machine.settle()
    perform = machine.next_command()
    assert isinstance(perform, Perform)
    assert not perform.skip
    machine.performed(perform.step)
    # the next wait is a new one: settle does not carry over
    assert isinstance(machine.next_command(), Collect)
    assert [(d.kind, d.frame_action) for _, d in machine.results()[0].differences] == [
        ("missing", "authentication")
    ]


# ---- (d) give_up: the time bound --------------------------------------------------------------


def test_give_up_notes_what_was_awaited_on_the_step_and_connection() -> None:
    r = chat_recording()
    replies = as_recorded(r.events)
    replies[2] = [reply for reply in replies[2] if reply != ("c2", r.events[11])]

    run = drive(r.events, replies, stall=True)

    outcome = run.outcome(2, "c2")
    assert outcome.timed_out == "1 group_complete (nothing came within 5s)"
    assert [(d.kind, d.frame_action) for d in outcome.differences] == [
        ("missing", "group_complete")
    ]
    notes = [
        (result.step.index, o.conn)
        for result in run.results()
        for o in result.outcomes
        if o.timed_out
    ]
    assert notes[0] == (2, "c2")


def test_a_frame_given_up_on_is_not_awaited_again_before_later_steps() -> None:
    """After the time bound, a frame still missing from step 1 does not hold up step 3.

    Step 2's frames all came: waiting again for step 1's lost echo would cost one
    more full timeout per remaining step (on a live server) and note "gave up
    waiting" on step 2, whose frames are all there.
    """
    r = echo_recording()
    replies = as_recorded(r.events)
    replies[1] = replies[1][1:]  # the complete, never the echo

    run = drive(r.events, replies, stall=True)

    assert run.outcome(1, "c1").timed_out == "1 more event(s) (nothing came within 5s)"
    assert run.differences() == [(1, "c1", "missing", "")]
    assert run.outcome(2, "c1").timed_out is None
    # the end's drain gives up once more (no app to be done); the wait before step 3 must not
    assert run.log.count("give up") == 2, run.log


def test_a_missing_complete_is_reported_in_its_step_though_a_later_complete_came() -> None:
    """The echo's `complete` never came, the ping's did: step 1 misses one, step 2 none.

    Equal frames must not simply pair n-th with n-th across the connection: the
    ping's `complete` arrived after the ping, so it cannot stand for the echo's.
    """
    r = echo_recording()
    replies = as_recorded(r.events)
    replies[1] = replies[1][:1]  # the echo, never its complete

    run = drive(r.events, replies)

    assert run.differences() == [(1, "c1", "missing", "")]
    assert run.outcome(1, "c1").differences[0].frame_action == "complete"
    assert [describe(e) for e in run.outcome(2, "c1").actual] == ["pong", "complete"]


# ---- (e), (f): extra and changed frames -------------------------------------------------------


def test_an_extra_frame_is_reported_in_the_step_of_the_frame_it_followed() -> None:
    r = echo_recording()
    replies = as_recorded(r.events)
    echo, complete = replies[1]
    replies[1] = [echo, ("c1", frame(message("notice"))), complete]

    run = drive(r.events, replies)

    assert run.differences() == [(1, "c1", "extra", "")]
    extra = run.outcome(1, "c1").differences[0]
    assert extra.frame_action == "notice"
    assert extra.actual_index == 1
    assert [describe(e) for e in run.outcome(1, "c1").actual] == ["echo", "notice", "complete"]


def test_an_extra_frame_after_a_steps_last_frame_stays_with_that_step() -> None:
    r = echo_recording()
    replies = as_recorded(r.events)
    replies[1] = [*replies[1], ("c1", frame(message("notice")))]

    run = drive(r.events, replies, burst=True)  # the notice comes before the ping is sent

    assert run.differences() == [(1, "c1", "extra", "")]
    assert run.outcome(1, "c1").differences[0].actual_index == 2


def test_an_extra_frame_that_came_after_the_next_action_is_that_actions() -> None:
    r = echo_recording()
    replies = as_recorded(r.events)
    replies[1] = [*replies[1], ("c1", frame(message("notice")))]

    run = drive(r.events, replies)  # one at a time: the ping is sent before the notice came

    assert run.log.index("c1 <- notice") > run.log.index(
        'perform 2: c1 sends {"action": "ping", "payload": null}'
    )
    assert run.differences() == [(2, "c1", "extra", "")]


def test_a_changed_field_is_reported_with_its_path() -> None:
    r = chat_recording()
    replies = as_recorded(r.events)
    replies[2] = [
        (conn, frame(message("chat_message", {"text": "HI"})))
        if describe(event) == "chat_message"
        else (conn, event)
        for conn, event in replies[2]
    ]

    run = drive(r.events, replies)

    assert run.differences() == [
        (2, "c1", "changed", "payload.text"),
        (2, "c2", "changed", "payload.text"),
    ]
    change: Difference = run.outcome(2, "c2").differences[0]
    assert (change.expected, change.actual) == ("hi", "HI")


# ---- (g), (h): order within a cause, not across causes ----------------------------------------


def reply_and_group_recording() -> Recording:
    r = Recording()
    r.connect("c1")  # step 0
    r.accept("c1")
    r.server("c1", AUTH)
    r.client("c1", message("message", {"text": "hi"}))  # step 1
    r.server("c1", message("ack"))
    r.server("c1", COMPLETE)
    r.server("c1", message("chat_message", {"text": "hi"}))
    r.server("c1", GROUP_COMPLETE)
    r.disconnect("c1")  # step 2
    return r


@pytest.mark.parametrize(
    "order",
    [
        ["chat_message", "group_complete", "ack", "complete"],
        ["chat_message", "ack", "group_complete", "complete"],
        ["ack", "chat_message", "complete", "group_complete"],
    ],
)
def test_a_reply_and_a_group_delivery_may_interleave_either_way(order: list[str]) -> None:
    r = reply_and_group_recording()
    by_action = {describe(event): (conn, event) for conn, event in as_recorded(r.events)[1]}
    replies = {**as_recorded(r.events), 1: [by_action[action] for action in order]}

    run = drive(r.events, replies)

    assert run.differences() == []
    assert [describe(e) for e in run.outcome(1, "c1").actual] == [
        "ack",
        "complete",
        "chat_message",
        "group_complete",
    ]


def test_a_reply_after_its_complete_is_an_order_difference() -> None:
    r = echo_recording()
    replies = as_recorded(r.events)
    replies[1] = list(reversed(replies[1]))  # complete, then the echo

    run = drive(r.events, replies)

    assert "order" in {kind for _, _, kind, _ in run.differences()}, run.differences()
    assert {step for step, _, _, _ in run.differences()} == {1}
    assert run.differences(ordering="any") == []


def test_two_replies_swapped_are_an_order_difference() -> None:
    r = Recording()
    r.connect("c1")
    r.accept("c1")
    r.client("c1", message("go"))
    r.server("c1", message("first"))
    r.server("c1", message("second"))
    r.server("c1", COMPLETE)
    replies = as_recorded(r.events)
    first, second, complete = replies[1]
    replies[1] = [second, first, complete]

    run = drive(r.events, replies)

    kinds = [kind for _, _, kind, _ in run.differences()]
    assert "order" in kinds
    assert set(kinds) == {"order"}
    assert run.differences(ordering="any") == []


# ---- (i) a server close -----------------------------------------------------------------------


def test_after_a_server_close_later_actions_on_that_connection_are_skipped() -> None:
    r = Recording()
    r.connect("c1")  # step 0
    r.accept("c1")
    r.server("c1", AUTH)
    r.connect("c2")  # step 1
    r.accept("c2")
    r.server("c2", AUTH)
    r.client("c1", message("bye"))  # step 2
    r.server("c1", message("bye"))
    r.server("c1", COMPLETE)
    r.client("c1", message("again"))  # step 3
    r.server("c1", COMPLETE)
    r.client("c2", message("ping"))  # step 4
    r.server("c2", message("pong"))
    r.server("c2", COMPLETE)
    r.disconnect("c1")  # step 5
    r.disconnect("c2")  # step 6
    replies = as_recorded(r.events)
    replies[2] = [("c1", close(4000))]  # the app now closes instead of answering

    run = drive(r.events, replies)

    skips = {
        command.step.index: command.skip for command in run.commands if isinstance(command, Perform)
    }
    assert skips == {0: False, 1: False, 2: False, 3: True, 4: False, 5: True, 6: False}
    # a closed connection is not waited for: no settle was needed to go on
    assert run.log.count("settle") == 1  # the end of the replay only
    assert [(d.kind, d.frame_action) for d in run.outcome(3, "c1").differences] == [
        ("missing", "complete")
    ]
    assert run.results()[4].ok


def test_a_close_instead_of_the_replies_is_reported_in_the_step_that_caused_it() -> None:
    """The close came after c1 sent `bye` (step 2): it is that step's extra, not step 0's."""
    r = Recording()
    r.connect("c1")  # step 0
    r.accept("c1")
    r.server("c1", AUTH)
    r.client("c1", message("bye"))  # step 1
    r.server("c1", message("bye"))
    r.server("c1", COMPLETE)
    r.disconnect("c1")  # step 2
    replies = as_recorded(r.events)
    replies[1] = [("c1", close(4000))]

    run = drive(r.events, replies)

    assert run.outcome(0, "c1").differences == []
    assert [describe(e) for e in run.outcome(1, "c1").actual] == ["close 4000"]
    assert sorted(kind for step, _, kind, _ in run.differences() if step == 1) == [
        "extra",
        "missing",
        "missing",
    ]


def test_a_recorded_server_close_is_awaited_like_any_event() -> None:
    r = Recording()
    r.connect("c1")
    r.accept("c1")
    r.client("c1", message("quit"))
    r.close("c1", 4001)
    r.disconnect("c1")  # a client action after the recorded close
    run = drive(r.events, as_recorded(r.events))

    assert run.differences() == []
    last = [c for c in run.commands if isinstance(c, Perform)][-1]
    assert last.skip


# ---- (j) the end ------------------------------------------------------------------------------


def test_after_the_last_step_the_machine_drains_until_settled_then_finishes() -> None:
    r = echo_recording()
    r.events.pop()  # no disconnect: the ping is the last step
    machine = ReplayMachine(r.events)
    responses = as_recorded(r.events)
    for index in range(3):
        perform_next(machine)
        for conn, event in responses.get(index, ()):
            machine.feed(conn, event)
    drain = machine.next_command()
    assert drain == Collect(3, drain=True)
    machine.feed("c1", frame(message("late")))  # more comes while draining
    assert machine.next_command() == drain
    machine.settle()
    assert machine.next_command() == Finished()
    assert machine.next_command() == Finished()
    assert [(r.step.index, d.kind) for r in machine.results() for _, d in r.differences] == [
        (2, "extra")
    ]


def test_the_end_waits_for_the_last_steps_frames_before_draining() -> None:
    r = echo_recording()
    r.events.pop()  # no disconnect: the ping is the last step
    machine = ReplayMachine(r.events)
    replies = as_recorded(r.events)
    for index in range(3):
        perform_next(machine)
        if index < 2:
            for conn, event in replies[index]:
                machine.feed(conn, event)
    assert machine.next_command() == Collect(3)
    assert machine.awaiting() == "c1: 1 complete"
    machine.feed("c1", frame(message("pong")))
    machine.feed("c1", frame(COMPLETE))
    assert machine.next_command() == Collect(3, drain=True)


def test_an_empty_cassette_finishes_after_draining() -> None:
    machine = ReplayMachine([])
    assert machine.next_command() == Collect(0, drain=True)
    machine.settle()
    assert machine.next_command() == Finished()
    assert machine.results() == []


def test_performing_out_of_turn_is_refused() -> None:
    machine = ReplayMachine(echo_recording().events)
    with pytest.raises(ValueError, match="step 1 performed, but step 0 is next"):
        machine.performed(machine.steps[1])


# ---- (k) the timeline -------------------------------------------------------------------------


def test_the_timeline_holds_actions_and_arrivals_in_time_order() -> None:
    r = race_recording()
    run = drive(r.events, RACE_REPLIES)
    timeline = run.machine.timeline()

    assert [t for _, _, t in timeline] == sorted(t for _, _, t in timeline)
    shown = [(conn, getattr(event, "kind", "")) for event, conn, _ in timeline]
    assert shown == [
        ("c1", "connect"),
        ("c1", "accept"),
        ("c2", "connect"),
        ("c1", "server_frame"),
        ("c2", "accept"),
        ("c2", "server_frame"),
        ("c1", "client_frame"),
        ("c1", "server_frame"),
        ("c1", "server_frame"),
        ("c1", "client_disconnect"),
        ("c2", "client_disconnect"),
    ]
    # nothing on a connection after its disconnect when the app sends nothing more
    for conn in ("c1", "c2"):
        kinds = [event.kind for event, c, _ in timeline if c == conn]
        assert kinds[-1] == "client_disconnect"


def test_the_timeline_keeps_the_times_it_was_given() -> None:
    machine = ReplayMachine(echo_recording().events)
    perform_next(machine, t=0.1)
    machine.feed("c1", accept(), 0.2)
    machine.feed("c1", frame(AUTH), 0.25)
    perform_next(machine, t=0.3)
    events = [(conn, event.kind, t) for event, conn, t in machine.timeline()]
    assert events == [
        ("c1", "connect", 0.1),
        ("c1", "accept", 0.2),
        ("c1", "server_frame", 0.25),
        ("c1", "client_frame", 0.3),
    ]


def test_the_timeline_leaves_out_actions_skipped_after_a_server_close() -> None:
    """A skipped action did not happen: after the server's close, nothing more on c1.

    (`replay.run` calls `performed` for skipped steps too, as the machine asks; the
    timeline feeds `--update`, and a cassette never holds events after a connection's end.)
    """
    r = Recording()
    r.connect("c1")
    r.accept("c1")
    r.client("c1", message("bye"))
    r.close("c1", 4000)
    r.disconnect("c1")
    run = drive(r.events, as_recorded(r.events))
    assert [c.skip for c in run.commands if isinstance(c, Perform)] == [False, False, True]

    kinds = [(conn, event.kind) for event, conn, _ in run.machine.timeline()]

    assert kinds == [
        ("c1", "connect"),
        ("c1", "accept"),
        ("c1", "client_frame"),
        ("c1", "server_close"),
    ]


# ---- (l) cassettes without signals ------------------------------------------------------------


def plain_recording() -> Recording:
    r = Recording()
    r.connect("c1", "/ws/plain/")  # step 0
    r.accept("c1")
    r.client("c1", '{"n": 1}')  # step 1
    r.server("c1", '{"echo": {"n": 1}}')
    r.server("c1", '{"echo": {"n": 1}, "again": true}')
    r.client("c1", "shout")  # step 2
    r.server("c1", "SHOUT")
    r.disconnect("c1")  # step 3
    return r


def test_without_signals_the_machine_waits_for_the_recorded_counts() -> None:
    machine = ReplayMachine(plain_recording().events)
    assert machine.signalled is False
    perform_next(machine)
    assert machine.next_command() == Collect(1)
    assert machine.awaiting() == "c1: 1 more event(s)"
    machine.feed("c1", accept())
    perform_next(machine)
    assert machine.next_command() == Collect(2)
    assert machine.awaiting() == "c1: 2 more event(s)"
    machine.feed("c1", frame("anything"))  # counts are counts, whatever came
    assert machine.next_command() == Collect(2)
    assert machine.awaiting() == "c1: 1 more event(s)"
    machine.feed("c1", frame('{"echo": {"n": 1}, "again": true}'))
    assert perform_next(machine).step.index == 2


def test_without_signals_a_replay_that_agrees_has_no_difference() -> None:
    r = plain_recording()
    run = drive(r.events, as_recorded(r.events))
    assert run.machine.signalled is False
    assert run.differences() == []
    assert run.log.count("settle") == 1


def test_a_cassette_with_any_signal_is_signalled() -> None:
    assert ReplayMachine(echo_recording().events).signalled is True


def test_signal_names_come_from_the_caller() -> None:
    r = Recording()
    r.connect("c1")
    r.accept("c1")
    r.client("c1", '{"type": "go"}')
    r.server("c1", '{"type": "reply"}')
    r.server("c1", '{"type": "done"}')
    r.disconnect("c1")
    names = SignalNames(action_key="type", complete="done")
    machine = ReplayMachine(r.events, names)
    assert machine.signalled
    assert ReplayMachine(r.events).signalled is False
    perform_next(machine)
    machine.feed("c1", accept())
    perform_next(machine)
    machine.feed("c1", frame('{"type": "other"}'))
    machine.feed("c1", frame('{"type": "reply"}'))
    assert machine.next_command() == Collect(2)
    assert machine.awaiting() == "c1: 1 complete"
