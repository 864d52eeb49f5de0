"""The replay machine: what to do next, fed with what the server sends. No I/O.

Behaviour is what each connection receives, in its order, and what the recorded
client had seen before each of its actions. The global interleaving of
independent connections is an accident of timing. So the machine keeps one
expected stream per connection and, before it lets a client action happen,
waits until every server event recorded before that action, on every
connection, has arrived: as many events as were recorded there, and as many of
each signal. It stops waiting early when the driver says the app is done (or the
time bound is hit): what is still missing is then reported, without waiting
for anything more.

At the end, each connection's arrivals are matched to its expected stream
(equal frames first, then frames of the same kind and action), each arrival is
given the step of the recorded event it matched, and each step's frames on each
connection are diffed. Order is compared within a run of one cause: the frames
of a step up to and including the signal that ends them (replies and their
`complete`, a group delivery and its `group_complete`, the authentication
message). Runs of different causes on one connection may interleave either
way. See docs/architecture.md.

Drive it with `replay.run`, or by hand in tests:

    machine = ReplayMachine(cassette.events, names)
    while not isinstance(command := machine.next_command(), Finished):
        ...  # Perform: do the action, then machine.performed(...)
             # Collect: machine.feed(...), machine.settle() or machine.give_up(...)
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from channels_replay.cassettes.model import ClientDisconnect, Event, ServerClose, ServerFrame
from channels_replay.replay.diff import (
    Difference,
    Ordering,
    alignment_keys,
    diff_frames,
    same_frames,
)
from channels_replay.replay.noise import NoiseRules
from channels_replay.replay.result import ConnectionOutcome, StepResult
from channels_replay.replay.steps import ClientAction, ServerEvent, Step, build_timeline
from channels_replay.signals import SignalKind, SignalNames

__all__ = ["Collect", "Command", "Finished", "Perform", "ReplayMachine"]


@dataclass(frozen=True, slots=True)
class Perform:
    """Do this step's client action (`skip`: its connection is closed, only count it)."""

    step: Step
    skip: bool = False


@dataclass(frozen=True, slots=True)
class Collect:
    """Wait for the next server event, the app being done, or the time bound.

    `drain` is the end of the replay: everything recorded has arrived, and what
    remains is to see that nothing more comes (until the app is done, or for a
    live server, a quiet grace window).
    """

    before: int
    """The index of the step the wait is for (`len(steps)`: the end)."""
    drain: bool = False
    """See `ReplayMachine.awaiting()` for what is awaited, in words."""


@dataclass(frozen=True, slots=True)
class Finished:
    """Every step is performed and collected."""


Command = Perform | Collect | Finished


class _Stream:
    """One connection: what was recorded, what has arrived, and what is needed when."""

    __slots__ = (
        "arrivals",
        "closed",
        "conn",
        "count",
        "event_steps",
        "expected",
        "forgiven",
        "forgiven_events",
        "signal_steps",
        "signals",
    )

    def __init__(
        self, conn: str, expected: list[tuple[int, ServerEvent]], names: SignalNames
    ) -> None:
        self.conn = conn
        self.expected = expected
        self.event_steps = [step for step, _ in expected]
        self.signal_steps: dict[SignalKind, list[int]] = {}
        for step, event in expected:
            kind = names.kind_of(event.text) if isinstance(event, ServerFrame) else None
            if kind is not None:
                self.signal_steps.setdefault(kind, []).append(step)
        self.arrivals: list[tuple[int, ServerEvent, float]] = []
        self.count = 0
        self.signals: Counter[SignalKind] = Counter()
        self.forgiven: Counter[SignalKind] = Counter()
        self.forgiven_events = 0
        self.closed = False
        """Whether nothing more can arrive (the server closed, or the client disconnected)."""

    def _short(self, before: int) -> tuple[int, Counter[SignalKind]]:
        """How many events, and signals of each kind, recorded before `before` are missing
        (what was forgiven counts as there)."""
        events = bisect_left(self.event_steps, before) - self.count - self.forgiven_events
        signals: Counter[SignalKind] = Counter()
        for kind, steps in self.signal_steps.items():
            missing = bisect_left(steps, before) - self.signals[kind] - self.forgiven[kind]
            if missing > 0:
                signals[kind] = missing
        return max(events, 0), signals

    def satisfied(self, before: int) -> bool:
        """Whether what was recorded before step `before` has arrived (or cannot any more)."""
        if self.closed:
            return True
        events, signals = self._short(before)
        return not events and not signals

    def forgive(self, before: int) -> None:
        """Stop waiting for what is missing now: later waits do not count it again."""
        events, signals = self._short(before)
        self.forgiven_events += events
        self.forgiven.update(signals)

    def arrived(self, kind: SignalKind | None) -> None:
        """One more event (of signal `kind`).

        A forgiven event that arrives late after all is counted too, so a later wait
        may end one event early: in a replay that has already reported a difference.
        The other way (a late event pays off what was forgiven) would make every later
        step wait again whenever the forgiven event never comes, the common case.
        """
        self.count += 1
        if kind is not None:
            self.signals[kind] += 1

    def awaiting(self, before: int) -> str:
        events, signals = self._short(before)
        if signals:
            return ", ".join(f"{count} {kind}" for kind, count in signals.items())
        return f"{events} more event(s)"


class ReplayMachine:
    """The state of one replay: which step is next, what has arrived, what is missing."""

    def __init__(self, events: Iterable[Event], names: SignalNames | None = None) -> None:
        self.names = names or SignalNames()
        timeline = build_timeline(events)
        self.steps = timeline.steps
        self._streams = {
            conn: _Stream(conn, expected, self.names) for conn, expected in timeline.streams.items()
        }
        self._next = 0
        self._target = -1
        self._blocking: set[str] = set()
        self._settled = False
        self._happened: list[tuple[ClientAction | ServerEvent, str, float]] = []
        self._notes: dict[tuple[int, str], str] = {}
        self.signalled = any(stream.signal_steps for stream in self._streams.values())
        """Whether the recording holds any signal (else replay goes by counts and "done")."""

    # -- driving ----------------------------------------------------------------------

    def next_command(self) -> Command:
        """What to do now."""
        before = self._next
        if self._target != before:
            self._target = before
            self._settled = False
            self._blocking = {
                conn for conn, stream in self._streams.items() if not stream.satisfied(before)
            }
        if before < len(self.steps):
            if self._settled or not self._blocking:
                step = self.steps[before]
                stream = self._streams.get(step.conn)
                return Perform(step, skip=stream is not None and stream.closed)
            return Collect(before)
        if self._settled:
            return Finished()
        if not self._blocking:
            return Collect(before, drain=True)
        return Collect(before)

    @property
    def last_performed(self) -> Step | None:
        """The step performed last, if any (what an event arriving now comes after)."""
        return self.steps[self._next - 1] if self._next else None

    def awaiting(self) -> str:
        """What the current wait is for, per connection, e.g. `c2: 1 complete`."""
        return "; ".join(
            f"{conn}: {self._streams[conn].awaiting(self._target)}"
            for conn in sorted(self._blocking)
        )

    def performed(self, step: Step, t: float = 0.0) -> None:
        """The step's action was done at time `t` (or skipped, as `Perform.skip` said).

        Call it only after feeding every event that had already arrived: an event's
        step is the last action performed before it came.
        """
        if step.index != self._next:
            raise ValueError(f"step {step.index} performed, but step {self._next} is next")
        stream = self._streams.get(step.conn)
        skipped = stream is not None and stream.closed
        if not skipped:
            self._happened.append((step.action, step.conn, t))
        if isinstance(step.action, ClientDisconnect) and stream is not None:
            stream.closed = True
        self._next += 1

    def feed(self, conn: str, event: ServerEvent, t: float = 0.0) -> None:
        """A server event arrived on `conn` at time `t`."""
        stream = self._streams.get(conn)
        if stream is None:
            stream = self._streams[conn] = _Stream(conn, [], self.names)
        stream.arrivals.append((max(self._next - 1, 0), event, t))
        self._happened.append((event, conn, t))
        kind = self.names.kind_of(event.text) if isinstance(event, ServerFrame) else None
        stream.arrived(kind)
        if isinstance(event, ServerClose):
            stream.closed = True
        if conn in self._blocking and stream.satisfied(self._target):
            self._blocking.discard(conn)

    def settle(self) -> None:
        """The app is done (or, live, quiet): stop waiting; what is missing stays missing.

        It is not awaited again before later actions: it is reported, once.
        """
        for conn in self._blocking:
            self._streams[conn].forgive(self._target)
        self._settled = True

    def give_up(self, why: str) -> None:
        """The time bound was hit: note what was still awaited, then stop waiting."""
        step = max(self._target - 1, 0)
        for conn in self._blocking:
            self._notes[(step, conn)] = f"{self._streams[conn].awaiting(self._target)} ({why})"
        self.settle()

    # -- results ------------------------------------------------------------------------

    def timeline(self) -> list[tuple[ClientAction | ServerEvent, str, float]]:
        """What happened, in order: each action done and each arrival, with its connection
        and time (skipped actions left out)."""
        return list(self._happened)

    def results(
        self,
        rules: NoiseRules | None = None,
        ordering: Ordering = "strict",
    ) -> list[StepResult]:
        """Per step (performed so far) and connection: expected, actual, differences."""
        count = self._next
        diff = _Differ(rules, ordering, self.names.action_key)
        assigned: dict[int, dict[str, tuple[list[ServerEvent], list[Difference]]]] = {}
        for conn, stream in self._streams.items():
            for index, found in _assign(stream, diff, self.names, self.steps, count).items():
                assigned.setdefault(index, {})[conn] = found
        results: list[StepResult] = []
        for step in self.steps[:count]:
            by_conn = assigned.get(step.index, {})
            outcomes = []
            for conn in dict.fromkeys([step.conn, *step.expected, *by_conn]):
                expected = step.expected.get(conn, ())
                actual, differences = by_conn.get(conn) or ([], diff(expected, []))
                note = self._notes.get((step.index, conn))
                outcomes.append(ConnectionOutcome(conn, expected, actual, differences, note))
            results.append(StepResult(step, outcomes))
        return results


class _Differ:
    """`diff_frames` with the replay's rules and ordering."""

    def __init__(self, rules: NoiseRules | None, ordering: Ordering, action_key: str) -> None:
        self.rules = rules
        self.ordering: Ordering = ordering
        self.action_key = action_key

    def __call__(
        self, expected: Sequence[ServerEvent], actual: Sequence[ServerEvent]
    ) -> list[Difference]:
        return diff_frames(
            expected, actual, rules=self.rules, ordering=self.ordering, action_key=self.action_key
        )


def _assign(
    stream: _Stream,
    diff: _Differ,
    names: SignalNames,
    steps: Sequence[Step],
    step_count: int,
) -> dict[int, tuple[list[ServerEvent], list[Difference]]]:
    """Each step's arrivals on one connection, and their differences from the recording.

    The common case first: as many arrivals as recorded events, each where it was
    recorded, and no difference. Otherwise the arrivals are matched to the
    recording (see `_match`) and each step's share is laid out for the diff.
    """
    expected = stream.expected
    arrivals = stream.arrivals

    def recorded(step: int) -> tuple[ServerEvent, ...]:
        return steps[step].expected.get(stream.conn, ())

    if len(arrivals) == len(expected):
        positional: dict[int, list[ServerEvent]] = {}
        for (step, _), (_, event, _) in zip(expected, arrivals, strict=True):
            positional.setdefault(step, []).append(event)
        if all(
            same_frames(recorded(step), frames) or not diff(recorded(step), frames)
            for step, frames in positional.items()
        ):
            return {step: (frames, []) for step, frames in positional.items()}
    last_step = max(step_count - 1, 0)
    matches = _match(expected, arrivals, diff.rules, names)
    chunks: dict[int, list[tuple[int, int | None]]] = {}
    previous_step: int | None = None
    for index, (arrival_step, _, _) in enumerate(arrivals):
        matched = matches[index]
        if matched is not None:
            step = expected[matched][0]
        else:  # an extra: no earlier than the arrival before it, nor than its own arrival
            step = max(previous_step or 0, arrival_step)
        step = min(step, last_step)
        previous_step = step
        chunks.setdefault(step, []).append((index, matched))
    causes = _causes(expected, names)
    events = [event for _, event, _ in arrivals]
    assigned: dict[int, tuple[list[ServerEvent], list[Difference]]] = {}
    for step, chunk in chunks.items():
        frames = _canonical(chunk, causes, events)
        assigned[step] = (frames, diff(recorded(step), frames))
    for step, _ in expected:
        if step not in assigned and step < step_count:
            assigned[step] = ([], diff(recorded(step), []))
    return assigned


def _match(
    expected: Sequence[tuple[int, ServerEvent]],
    arrivals: Sequence[tuple[int, ServerEvent, float]],
    rules: NoiseRules | None,
    names: SignalNames,
) -> list[int | None]:
    """For each arrival, the index of the expected event it stands for, or None (extra).

    First within the step the arrival came in (equal frames, noise masked, then
    frames of the same kind and action), so that a changed value is a change even
    where the new value was recorded elsewhere; then across steps, where an arrival
    takes the first candidate recorded in its own step or later (an event arrives
    after the action that caused it, and may come early relative to other
    connections), failing that the last one before (it came late).
    """
    exp_keys = alignment_keys([e for _, e in expected], rules=rules, action_key=names.action_key)
    act_keys = alignment_keys([e for _, e, _ in arrivals], rules=rules, action_key=names.action_key)
    matches: list[int | None] = [None] * len(arrivals)
    taken = [False] * len(expected)
    for same_step, level in ((True, 0), (True, 1), (False, 0), (False, 1)):
        candidates: dict[Hashable, list[int]] = {}
        for index, keys in enumerate(exp_keys):
            if not taken[index]:
                key = (expected[index][0], keys[level]) if same_step else keys[level]
                candidates.setdefault(key, []).append(index)
        for index, keys in enumerate(act_keys):
            if matches[index] is not None:
                continue
            arrival_step = arrivals[index][0]
            found = candidates.get((arrival_step, keys[level]) if same_step else keys[level])
            if not found:
                continue
            at = bisect_left(found, arrival_step, key=lambda i: expected[i][0])
            chosen = found.pop(at if at < len(found) else len(found) - 1)
            matches[index] = chosen
            taken[chosen] = True
    return matches


def _causes(expected: Sequence[tuple[int, ServerEvent]], names: SignalNames) -> list[str]:
    """Per expected event, its cause class: the kind of the signal that ends its run.

    A run is the frames of one step up to and including a signal: the replies to a
    client frame end with `complete`, a group delivery with `group_complete`, the
    connect's frames with the authentication message. Frames after the step's last
    signal form a run of their own ("").
    """
    causes = [""] * len(expected)
    following = ""
    current_step = -1
    for index in range(len(expected) - 1, -1, -1):
        step, event = expected[index]
        if step != current_step:
            current_step, following = step, ""
        kind = names.kind_of(event.text) if isinstance(event, ServerFrame) else None
        if kind is not None:
            following = kind
        causes[index] = following
    return causes


def _canonical(
    chunk: list[tuple[int, int | None]], causes: list[str], actual: Sequence[ServerEvent]
) -> list[ServerEvent]:
    """One step's arrivals in the order the diff compares them.

    Matched arrivals are laid out on the recorded positions of their cause class,
    in their order of arrival within the class: so runs of different causes may
    interleave freely, while an order change inside one run (a reply after its
    `complete`, two replies swapped) is still seen. An extra frame follows the
    arrival it came after.
    """
    by_class: dict[str, deque[int]] = {}
    recorded: list[int] = []
    extras_after: dict[int | None, list[int]] = {}
    previous: int | None = None
    for index, matched in chunk:
        if matched is None:
            extras_after.setdefault(previous, []).append(index)
            continue
        recorded.append(matched)
        by_class.setdefault(causes[matched], deque()).append(index)
        previous = index
    order: list[int] = list(extras_after.get(None, ()))
    for matched in sorted(recorded):
        index = by_class[causes[matched]].popleft()
        order.append(index)
        order.extend(extras_after.get(index, ()))
    return [actual[index] for index in order]
