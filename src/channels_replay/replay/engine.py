"""The replay engine: drive a cassette's connections against the app in-process, collect, diff.

For each step it performs the client action through a WebsocketCommunicator and
collects, per connection, until the recorded signal (the authentication message,
`complete`, `group_complete`), a close, or for apps that send no signals the
recorded number of frames; on the acting connection of such an app it also stops
as soon as the app has handled the action and has nothing more to send. It never
sleeps a fixed time: the collection timeout is only an upper bound for an app
that no longer answers as recorded. Frames that arrive later are caught by the
next collection or the final drain.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from channels_replay.cassettes import Redactor
from channels_replay.cassettes.model import (
    AcceptEvent,
    Cassette,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    ServerClose,
    ServerFrame,
)
from channels_replay.errors import ReplayError
from channels_replay.replay.diff import diff_frames
from channels_replay.replay.noise import NoiseRules
from channels_replay.replay.result import ConnectionOutcome, ReplayResult, StepResult
from channels_replay.replay.steps import (
    Expectation,
    Progress,
    ServerEvent,
    SignalNames,
    Step,
    build_steps,
)
from channels_replay.replay.substitution import Credentials, client_frame, connect_request
from channels_replay.testing.communicator import WebsocketCommunicator

__all__ = ["ReplayOptions", "replay_cassette"]

Pace = Literal["fast", "recorded"]


@dataclass
class ReplayOptions:
    """How to replay: noise rules, ordering, credentials, pace and bounds."""

    rules: NoiseRules = field(default_factory=NoiseRules)
    ordering: Literal["strict", "any"] = "strict"
    credentials: Credentials = field(default_factory=Credentials)
    rewrite_path: Callable[[str, ConnectEvent], str] | None = None
    pace: Pace = "fast"
    timeout: float = 5.0
    """Upper bound of one collection, for an app that no longer answers as recorded."""
    names: SignalNames = field(default_factory=SignalNames)
    redactor: Redactor | None = None
    """Applied to what the app sends, where the cassette was redacted at record time."""
    communicator_class: type[WebsocketCommunicator] = WebsocketCommunicator


# Shared, never mutated: passing the fields-set spares pydantic computing it per frame.
_FRAME_FIELDS = {"seq", "conn", "t", "text", "data"}


def _server_event(conn: str, event: dict[str, Any]) -> ServerEvent | None:
    kind = event.get("type")
    if kind == "websocket.send":
        text = event.get("text")
        if text is not None:
            return ServerFrame.model_construct(
                _FRAME_FIELDS, seq=0, conn=conn, t=0.0, text=text, data=None
            )
        return ServerFrame.model_construct(
            _FRAME_FIELDS, seq=0, conn=conn, t=0.0, text=None, data=event.get("bytes")
        )
    if kind == "websocket.accept":
        return AcceptEvent.model_construct(
            seq=0, conn=conn, t=0.0, subprotocol=event.get("subprotocol")
        )
    if kind == "websocket.close":
        return ServerClose.model_construct(
            seq=0, conn=conn, t=0.0, code=int(event.get("code", 1000)), reason=event.get("reason")
        )
    if kind == "websocket.http.response.start":
        return ServerClose.model_construct(
            seq=0, conn=conn, t=0.0, code=int(event.get("status", 403)), reason="http response"
        )
    return None


class _Session:
    """The live side of one replay: a communicator per recorded connection."""

    def __init__(self, app: Any, options: ReplayOptions) -> None:
        self.app = app
        self.options = options
        self.communicators: dict[str, WebsocketCommunicator] = {}
        self.identities: dict[str, str | None] = {}
        self.closed: set[str] = set()

    async def perform(self, step: Step) -> None:
        action = step.action
        if isinstance(action, ConnectEvent):
            path, headers = connect_request(
                action, self.options.credentials, self.options.rewrite_path
            )
            communicator = self.options.communicator_class(
                self.app, path, headers=headers, subprotocols=list(action.subprotocols)
            )
            if action.client is not None:
                communicator.scope["client"] = list(action.client)
            self.communicators[action.conn] = communicator
            self.identities[action.conn] = action.user
            await communicator.send_input({"type": "websocket.connect"})
            return
        communicator = self._communicator(action.conn, step)
        if isinstance(action, ClientFrame):
            await communicator.send_input(
                client_frame(action, self.options.credentials, self.identities.get(action.conn))
            )
        elif isinstance(action, ClientDisconnect):
            await communicator.send_input({"type": "websocket.disconnect", "code": action.code})
            await communicator.wait_idle(self.options.timeout)

    def _communicator(self, conn: str, step: Step) -> WebsocketCommunicator:
        try:
            return self.communicators[conn]
        except KeyError:
            raise ReplayError(
                f"step {step.index + 1} ({step.describe()}): connection {conn} acts before it "
                "connects; the cassette is inconsistent, record it again"
            ) from None

    async def collect(self, step: Step, conn: str, expectation: Expectation) -> ConnectionOutcome:
        communicator = self.communicators.get(conn)
        actual: list[ServerEvent] = []
        progress = expectation.progress(self.options.names)
        timed_out = None
        if communicator is not None and conn not in self.closed:
            acting = conn == step.conn
            deadline = asyncio.get_running_loop().time() + self.options.timeout
            while not progress.done:
                remaining = deadline - asyncio.get_running_loop().time()
                try:
                    raw = await communicator.receive_event(
                        max(remaining, 0), settle=acting and not expectation.signalled
                    )
                except TimeoutError:
                    timed_out = progress.awaited()
                    break
                if raw is None or not self._take(conn, raw, actual, progress):
                    break
            if acting and timed_out is None and conn not in self.closed:
                # What the app sent on this connection while still handling the action
                # (after the recorded signal, e.g. in another order) belongs here too.
                await self._until_settled(conn, communicator, actual, progress)
        differences = diff_frames(
            expectation.frames,
            actual,
            rules=self.options.rules,
            ordering=self.options.ordering,
            action_key=self.options.names.action_key,
        )
        return ConnectionOutcome(conn, expectation.frames, actual, differences, timed_out)

    async def _until_settled(
        self,
        conn: str,
        communicator: WebsocketCommunicator,
        actual: list[ServerEvent],
        progress: Progress | None = None,
    ) -> None:
        """Take what the app sends on `conn` until it has handled every input and is quiet."""
        with contextlib.suppress(TimeoutError):
            while raw := await communicator.receive_event(self.options.timeout, settle=True):
                if not self._take(conn, raw, actual, progress):
                    return

    def _take(
        self,
        conn: str,
        raw: dict[str, Any],
        actual: list[ServerEvent],
        progress: Progress | None = None,
    ) -> bool:
        """Add one received event; False once the connection is closed."""
        event = self._server_event(conn, raw)
        if event is not None:
            actual.append(event)
            if progress is not None:
                progress.add(event)
        if isinstance(event, ServerClose):
            self.closed.add(conn)
            return False
        return True

    def _server_event(self, conn: str, raw: dict[str, Any]) -> ServerEvent | None:
        event = _server_event(conn, raw)
        redactor = self.options.redactor
        if redactor is not None and isinstance(event, ServerFrame) and event.text is not None:
            redacted = redactor.redact_event(event)
            assert isinstance(redacted, ServerFrame)
            return redacted
        return event

    async def drain(self) -> dict[str, list[ServerEvent]]:
        """Frames still pending after the last step, once every app has settled."""
        leftovers: dict[str, list[ServerEvent]] = {}
        for conn, communicator in self.communicators.items():
            if conn in self.closed:
                continue
            frames: list[ServerEvent] = []
            await self._until_settled(conn, communicator, frames)
            if frames:
                leftovers[conn] = frames
        return leftovers

    async def close(self) -> None:
        for communicator in self.communicators.values():
            await communicator.ensure_disconnected(self.options.timeout)


async def _pace(step: Step, started: float, first_t: float) -> None:
    due = started + (step.action.t - first_t)
    delay = due - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


async def replay_cassette(
    cassette: Cassette,
    app: Any,
    options: ReplayOptions | None = None,
    *,
    path: Path | None = None,
) -> ReplayResult:
    """Replay `cassette` against the websocket `app` in-process; differences go in the result."""
    options = options or ReplayOptions()
    rules = options.rules
    steps = build_steps(cassette.events, options.names)
    session = _Session(app, options)
    results: list[StepResult] = []
    started = time.monotonic()
    first_t = steps[0].action.t if steps else 0.0
    try:
        for step in steps:
            if options.pace == "recorded":
                await _pace(step, started, first_t)
            await session.perform(step)
            outcomes = [
                await session.collect(step, conn, expectation)
                for conn, expectation in _acting_first(step)
            ]
            results.append(StepResult(step, outcomes))
        leftovers = await session.drain()
        if leftovers and results:
            _report_leftovers(results[-1], leftovers, options)
    finally:
        await session.close()
    return ReplayResult(
        cassette=path,
        steps=results,
        rules=list(rules),
        duration=time.monotonic() - started,
        tail_missing=None if cassette.complete else cassette.problem,
    )


def _acting_first(step: Step) -> Iterable[tuple[str, Expectation]]:
    acting = step.expected.get(step.conn)
    if acting is not None:
        yield step.conn, acting
    for conn, expectation in step.expected.items():
        if conn != step.conn:
            yield conn, expectation


def _report_leftovers(
    last: StepResult, leftovers: dict[str, list[ServerEvent]], options: ReplayOptions
) -> None:
    """Frames nobody waited for are extra frames of the last step."""
    by_conn = {outcome.conn: outcome for outcome in last.outcomes}
    for conn, frames in leftovers.items():
        outcome = by_conn.get(conn)
        if outcome is None:
            outcome = ConnectionOutcome(conn, (), [])
            last.outcomes.append(outcome)
        outcome.actual.extend(frames)
        outcome.differences = diff_frames(
            outcome.expected,
            outcome.actual,
            rules=options.rules,
            ordering=options.ordering,
            action_key=options.names.action_key,
        )
