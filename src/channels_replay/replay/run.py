"""The one async loop between the replay machine and a driver.

The machine says what to do; this loop does it through the driver (filling in
credentials, rewriting paths, pacing), feeds back what the driver reports, and
bounds every wait: a collection ends at the latest `timeout` seconds after it
began, and on a live server the end of the replay is a quiet `grace` window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from channels_replay.cassettes import Cassette, Redactor
from channels_replay.cassettes.model import (
    AcceptEvent,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerClose,
    ServerFrame,
)
from channels_replay.drivers.base import AppDone, Arrival, Driver, ServerEvent
from channels_replay.replay._watchdog import LoopWatchdog
from channels_replay.replay.diff import Ordering
from channels_replay.replay.machine import Collect, Finished, Perform, ReplayMachine
from channels_replay.replay.noise import NoiseRules
from channels_replay.replay.result import AppFailure, ReplayResult
from channels_replay.replay.steps import Step
from channels_replay.replay.substitution import Credentials, client_frame, connect_request
from channels_replay.signals import SignalNames

__all__ = [
    "DEFAULT_CASSETTE_TIMEOUT",
    "DEFAULT_GRACE",
    "DEFAULT_SETTLE",
    "DEFAULT_TIMEOUT",
    "Pace",
    "ReplayOptions",
    "run_replay",
]

Pace = Literal["fast", "recorded"]

DEFAULT_TIMEOUT = 5.0
DEFAULT_GRACE = 0.25
DEFAULT_SETTLE = 1.0
DEFAULT_CASSETTE_TIMEOUT = 300.0
MIN_STALL = 2.0
"""In-process, the app blocking the event loop for longer than `timeout`, and at least
this long (a loaded machine may hold a loop back for a moment), fails the replay."""
MAX_PACE_DELAY = 60.0
"""With `pace="recorded"`, the longest pause between two actions, whatever was recorded
(and never longer than `timeout`)."""


@dataclass
class ReplayOptions:
    """How to replay: noise rules, ordering, credentials, pace and bounds."""

    rules: NoiseRules = field(default_factory=NoiseRules)
    ordering: Ordering = "strict"
    credentials: Credentials = field(default_factory=Credentials)
    rewrite_path: Callable[[str, ConnectEvent], str] | None = None
    pace: Pace = "fast"
    timeout: float = DEFAULT_TIMEOUT
    """Upper bound of one collection, for an app that no longer answers as recorded."""
    cassette_timeout: float = DEFAULT_CASSETTE_TIMEOUT
    """Upper bound of the whole replay: past it, what is still awaited is given up at once
    (the remaining steps are performed without waiting, so their events are reported
    missing)."""
    grace: float = DEFAULT_GRACE
    """Live servers: how long the end of a replay stays quiet before it counts as over."""
    settle: float = DEFAULT_SETTLE
    """In-process: how long to wait for the app to be done before an action, at most."""
    names: SignalNames | None = None
    """The signal convention; None: the cassette's own (else the defaults)."""
    redactor: Redactor | None = None
    """Applied to what the app sends, where the cassette was redacted at record time."""
    on_blocked: Callable[[str], None] | None = None
    """In-process: called, from another thread, with what the replay was doing when the app
    has blocked the event loop for longer than `timeout` (at least `MIN_STALL`; the command
    line reports it and
    ends the process: the app's code cannot be interrupted). Either way the result fails
    with `blocked` once the loop runs again."""
    diff: bool = True
    """False: skip matching and diffing (the result has no steps); load replay's unsampled
    sessions only need the timeline."""


async def run_replay(
    cassette: Cassette,
    driver: Driver,
    options: ReplayOptions | None = None,
    *,
    path: Path | None = None,
) -> ReplayResult:
    """Replay `cassette` through `driver`; the differences are in the result."""
    options = options or ReplayOptions()
    names = options.names or cassette.signal_names()
    machine = ReplayMachine(cassette.events, names)
    loop = _Loop(machine, driver, options)
    started = time.monotonic()
    watchdog = None
    if driver.can_tell_done:  # in-process: the app shares this event loop
        limit = max(options.timeout, MIN_STALL)
        watchdog = LoopWatchdog(asyncio.get_running_loop(), limit, loop.blocked)
        watchdog.start()
    app_log = _AppLog(machine) if driver.can_tell_done else None
    try:
        with app_log or contextlib.nullcontext():
            await loop.run()
    finally:
        try:
            await driver.aclose()
        finally:
            if watchdog is not None:
                watchdog.stop()
    loop.note_failures()
    steps = machine.results(options.rules, options.ordering) if options.diff else []
    if app_log is not None:
        for step in steps:
            step.logged = app_log.lines.get(step.step.index, [])
    failures = [
        AppFailure.from_exception(conn, exc, step)
        for (conn, exc), step in zip(loop.failures(), loop.failure_steps, strict=True)
    ]
    return ReplayResult(
        cassette=path,
        steps=steps,
        rules=list(options.rules),
        duration=time.monotonic() - started,
        tail_missing=None if cassette.complete else cassette.problem,
        timeline=_timeline(machine),
        signalled=machine.signalled,
        driver="in-process" if driver.can_tell_done else "live",
        notes=loop.notes,
        app_errors=[failure.describe() for failure in failures],
        app_failures=failures,
        blocked=loop.stall,
        signals=names,
    )


def _timeline(machine: ReplayMachine) -> list[Event]:
    """What the replay saw, as cassette events in order (for `--update`)."""
    events: list[Event] = []
    for event, conn, t in machine.timeline():
        events.append(event.model_copy(update={"seq": len(events), "conn": conn, "t": t}))
    return events


class _AppLog(logging.Handler):
    """Warnings and errors the app logs during an in-process replay, by the step performed
    last (what the app says about a refused handshake, a rejected frame); while in use,
    a handler of the root logger. The library's own loggers are left out."""

    MAX_PER_STEP = 5

    def __init__(self, machine: ReplayMachine) -> None:
        super().__init__(logging.WARNING)
        self.machine = machine
        self.lines: dict[int, list[str]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("channels_replay"):
            return
        step = self.machine.last_performed
        lines = self.lines.setdefault(step.index if step is not None else 0, [])
        if len(lines) < self.MAX_PER_STEP:
            try:
                message = record.getMessage()
            except Exception:  # a record whose arguments do not fit its format
                message = str(record.msg)
            lines.append(f"{record.levelname} {record.name}: {message}"[:300])

    def __enter__(self) -> _AppLog:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        logging.getLogger().removeHandler(self)


class _Loop:
    def __init__(self, machine: ReplayMachine, driver: Driver, options: ReplayOptions) -> None:
        self.machine = machine
        self.driver = driver
        self.options = options
        self.identities: dict[str, str | None] = {}
        self.started = time.monotonic()
        self.settling = True
        """Whether actions wait for the app to be done (in-process, until it never is)."""
        self.notes: list[str] = []
        self.cassette_deadline = self.started + options.cassette_timeout
        self.out_of_time = False
        self.stall: str | None = None
        """What the app was doing when it blocked the event loop past the timeout."""
        self.failure_steps: list[Step | None] = []
        """For each exception the driver saw the app raise, the step performed before it."""

    def failures(self) -> list[tuple[str, BaseException]]:
        """The exceptions the app raised, by connection (drivers that can see them)."""
        return list(self.driver.failures)

    def note_failures(self) -> None:
        """Tie each exception the app raised since the last look to the last step done."""
        for _ in range(len(self.failures()) - len(self.failure_steps)):
            self.failure_steps.append(self.machine.last_performed)

    def _now(self) -> float:
        return time.monotonic() - self.started

    async def run(self) -> None:
        machine, driver, options = self.machine, self.driver, self.options
        first_t = machine.steps[0].action.t if machine.steps else 0.0
        deadline: float | None = None
        while True:
            self.note_failures()
            command = machine.next_command()
            if isinstance(command, Finished):
                return
            if isinstance(command, Perform):
                if time.monotonic() >= self.cassette_deadline:
                    self._out_of_time()
                elif options.pace == "recorded":
                    await self._pace(command.step, first_t)
                arrived = driver.arrived()
                if arrived:  # what came before the action belongs before it
                    for arrival in arrived:
                        machine.feed(arrival.conn, self._redacted(arrival.event), self._now())
                    continue
                if not command.skip:
                    await self._quiescent(command.step)
                    self.note_failures()
                    await self._perform(command.step)
                machine.performed(command.step, self._now())
                deadline = None
                continue
            assert isinstance(command, Collect)
            now = time.monotonic()
            if deadline is None:
                deadline = min(now + options.timeout, self.cassette_deadline)
            remaining = max(deadline - now, 0.0)
            draining_live = command.drain and not driver.can_tell_done
            wait = min(remaining, options.grace) if draining_live else remaining
            event = await driver.next_event(wait)
            if isinstance(event, Arrival):
                machine.feed(event.conn, self._redacted(event.event), self._now())
            elif isinstance(event, AppDone) or (draining_live and wait < remaining):
                machine.settle()
                deadline = None
            elif deadline >= self.cassette_deadline:
                machine.give_up(self._out_of_time())
                deadline = None
            else:
                machine.give_up(f"nothing came within {options.timeout:g}s")
                deadline = None

    async def _quiescent(self, step: Step) -> None:
        """In-process, let the app finish before the next action, feeding what arrives.

        The recording shows what other connections had reached when the client acted
        (a member of a room had joined its group before a broadcast reached it), but
        not when their app-side work ended: with every action taken on an app that is
        done, no action overtakes work the recording had seen finished. The wait is
        bounded by `settle` for the step, whatever arrives meanwhile; an app that is
        never done (a ticker, a timer that never stops) is then replayed by the
        recorded counts alone, and the report says so.
        """
        if not (self.driver.can_tell_done and self.settling):
            return
        deadline = time.monotonic() + self.options.settle
        while True:
            event = await self.driver.next_event(max(deadline - time.monotonic(), 0.0))
            if isinstance(event, Arrival):
                self.machine.feed(event.conn, self._redacted(event.event), self._now())
                continue
            if isinstance(event, AppDone):
                return
            self.settling = False
            self.notes.append(
                f"the app was still busy {self.options.settle:g}s before step {step.index + 1} "
                "(a timer or a socket it waits on): from there on, actions followed the "
                "recorded counts without waiting for it to finish"
            )
            return

    async def _perform(self, step: Step) -> None:
        action = step.action
        options = self.options
        if isinstance(action, ConnectEvent):
            self.identities[action.conn] = action.user
            request = connect_request(action, options.credentials, options.rewrite_path)
            await self.driver.open(action.conn, request)
        elif isinstance(action, ClientFrame):
            identity = self.identities.get(action.conn)
            text, data = client_frame(action, options.credentials, identity)
            await self.driver.send(action.conn, text, data)
        elif isinstance(action, ClientDisconnect):
            await self.driver.disconnect(action.conn, action.code)

    def blocked(self, seconds: float) -> None:
        """The watchdog saw the app block the event loop (called from its thread)."""
        step = self.machine.last_performed
        at = f"after step {step.index + 1} ({step.describe()})" if step else "before step 1"
        self.stall = (
            f"the app blocked the event loop for more than {seconds:.1f}s {at} "
            "(a blocking call in async code: time.sleep, a synchronous socket or database "
            "call); the replay gave up on it"
        )
        if self.options.on_blocked is not None:
            self.options.on_blocked(self.stall)

    def _out_of_time(self) -> str:
        """Past the whole-cassette bound: stop waiting for anything (said once in the notes)."""
        why = f"the whole replay took longer than {self.options.cassette_timeout:g}s"
        if not self.out_of_time:
            self.out_of_time = True
            self.settling = False
            step = self.machine.last_performed
            at = f" after step {step.index + 1}" if step is not None else ""
            self.notes.append(
                f"{why} (--cassette-timeout){at}: nothing more was awaited, so what the "
                "remaining steps expected is reported missing"
            )
        return why

    async def _pace(self, step: Step, first_t: float) -> None:
        cap = min(MAX_PACE_DELAY, self.options.timeout)
        due = min(step.action.t - first_t, self._now() + cap)
        delay = due - self._now()
        if delay > 0:
            await asyncio.sleep(delay)

    def _redacted(self, event: ServerEvent) -> ServerEvent:
        redactor = self.options.redactor
        if redactor is None:
            return event
        redacted = redactor.redact_event(event)
        assert isinstance(redacted, AcceptEvent | ServerFrame | ServerClose)
        return redacted
