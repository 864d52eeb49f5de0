"""CassetteUser: a Locust user that replays recorded sessions against a live server.

Each task is one session: a cassette (taken in turn) replayed through the live
driver with this user's credentials and path rewrites. Every connect and client
frame with a recorded answer is reported to Locust as a request (type `WS`, its
time from the action to the answer's last signal, see `replay.latency`); the
session itself as a request of type `diffed`, or `session` when it was only
timed. A sample of sessions is diffed against the recording and a session with
differences is a Locust failure, so a server that answers wrongly under load shows
in the failures, not only in the times.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Literal

from locust import User, constant, task
from locust.env import Environment

from channels_replay.cassettes import Cassette
from channels_replay.errors import ChannelsReplayError
from channels_replay.load._hub import run_on_loop
from channels_replay.load.settings import Identity, LoadSettings
from channels_replay.replay.engine import replay_cassette
from channels_replay.replay.latency import step_label, step_latencies
from channels_replay.replay.result import ReplayResult
from channels_replay.replay.run import ReplayOptions
from channels_replay.replay.steps import Step, build_steps

__all__ = ["CassetteUser", "DifferencesFound", "NoAnswer"]

_CHECKED: dict[type, tuple[LoadSettings, list[tuple[Path, Cassette]]]] = {}


def _steps_of(path: Path, cassette: Cassette) -> list[Step]:
    """The steps of a cassette, cut once per process (every session reports against them)."""
    if path not in _STEPS:
        _STEPS[path] = build_steps(cassette.events)
    return _STEPS[path]


_STEPS: dict[Path, list[Step]] = {}


def _summary(result: ReplayResult) -> str:
    """The differences by step, connection, kind and path, without the values.

    Locust groups failures by their message: values (fresh ids, timestamps) would
    make every failing session a row of its own. `channels-replay replay --target`
    on the same cassette shows the values.
    """
    parts = [f"the app raised on {error}" for error in result.app_errors]
    for step in result.failed_steps:
        for conn, difference in step.differences:
            what = " ".join(
                part for part in (difference.kind, difference.frame_action, difference.path) if part
            )
            parts.append(f"step {step.step.index + 1} on {conn}: {what}")
    count = result.difference_count
    return f"{result.name}: {count} difference(s): " + "; ".join(dict.fromkeys(parts))


class DifferencesFound(Exception):
    """A diffed session did not answer as recorded; the message lists the differences."""


class NoAnswer(Exception):
    """An action's recorded answer did not all come before the replay moved on."""


class CassetteUser(User):
    """Replays cassettes against `host` (a `ws://HOST:PORT` address), one session per task.

    Set `cassettes` (files, directories or globs) and, as needed, the options of
    `channels-replay replay` as class attributes; strings may hold `{user}` (this
    user's number). Override `replay_options` to mint credentials or rewrite paths
    in code.
    """

    abstract = True
    wait_time = constant(0)

    cassettes: ClassVar[Sequence[str]] = ()
    ignore: ClassVar[Sequence[str]] = ()
    ordering: ClassVar[Literal["strict", "any"]] = "strict"
    pace: ClassVar[Literal["fast", "recorded"]] = "fast"
    timeout: ClassVar[float] = 5.0
    grace: ClassVar[float] = 0.25
    headers: ClassVar[Sequence[str]] = ()
    query: ClassVar[Sequence[str]] = ()
    json_values: ClassVar[Sequence[str]] = ()
    path_map: ClassVar[Sequence[str]] = ()
    pool: ClassVar[Sequence[Identity]] = ()
    """Identities handed out in turn: user N takes `pool[N % len(pool)]`."""
    diff_sample: ClassVar[float] = 1.0
    """The share of sessions diffed against the recording; every session is timed."""

    _numbers: ClassVar[itertools.count[int]] = itertools.count()

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self.user_number = next(CassetteUser._numbers)
        cls = type(self)
        if cls not in _CHECKED:  # once per class and process: read the cassettes, parse options
            settings = self.make_settings()
            settings.check()
            paths = settings.cassette_paths()
            _CHECKED[cls] = settings, list(zip(paths, settings.cassette_objects(), strict=True))
        self.load_settings, self._cassettes = _CHECKED[cls]
        self._options: dict[Path, ReplayOptions] = {}
        self._turn = self.user_number

    def make_settings(self) -> LoadSettings:
        """The settings from the class attributes (the command line's locustfile passes its own)."""
        if not self.host:
            raise ChannelsReplayError(
                f"{type(self).__name__} has no host: run Locust with --host ws://HOST:PORT "
                "or set `host` on the class"
            )
        return LoadSettings(
            cassettes=list(self.cassettes),
            target=self.host,
            ignore=self.ignore,
            ordering=self.ordering,
            pace=self.pace,
            timeout=self.timeout,
            grace=self.grace,
            headers=self.headers,
            query=self.query,
            json=self.json_values,
            path_map=self.path_map,
            pool=self.pool,
            diff_sample=self.diff_sample,
        )

    def replay_options(self, path: Path, cassette: Cassette) -> ReplayOptions:
        """This user's options for `cassette`: override to mint credentials or rewrite paths
        (`options.credentials.add(...)`, `options.rewrite_path = ...`)."""
        return self.load_settings.config_for(self.user_number).options_for(cassette)

    def _options_for(self, path: Path, cassette: Cassette) -> ReplayOptions:
        if path not in self._options:
            self._options[path] = self.replay_options(path, cassette)
        return self._options[path]

    @task
    def replay_session(self) -> None:
        """Replay the next cassette once and report it to Locust."""
        path, cassette = self._cassettes[self._turn % len(self._cassettes)]
        self._turn += 1
        diffed = random.random() < self.load_settings.diff_sample
        options = self._options_for(path, cassette)
        options.diff = diffed
        started = time.monotonic()
        try:
            result = run_on_loop(
                replay_cassette(cassette, options=options, path=path, target=self.host)
            )
        except ChannelsReplayError as exc:
            self._fire("session", path.stem, time.monotonic() - started, exc)
            return
        self._report(path, cassette, result, diffed)

    def _report(self, path: Path, cassette: Cassette, result: ReplayResult, diffed: bool) -> None:
        names = cassette.signal_names()
        steps = _steps_of(path, cassette)
        for latency in step_latencies(steps, result.timeline, names):
            label = step_label(latency.step, names.action_key)
            name = f"{path.stem} {latency.step.index + 1}: {label}"
            if latency.seconds is None:
                problem = NoAnswer(
                    f"no complete answer to step {latency.step.index + 1} "
                    f"({latency.step.describe()}) on {latency.step.conn}"
                )
                self._fire("WS", name, latency.waited, problem)
            else:
                self._fire("WS", name, latency.seconds, None)
        failure: Exception | None = None
        if diffed and not result.ok:
            failure = DifferencesFound(_summary(result))
        self._fire("diffed" if diffed else "session", path.stem, result.duration, failure)

    def _fire(
        self,
        kind: str,
        name: str,
        seconds: float,
        exception: BaseException | None,
        **context: Any,
    ) -> None:
        self.environment.events.request.fire(
            request_type=kind,
            name=name,
            response_time=seconds * 1000.0,
            response_length=0,
            exception=exception,
            context={"user": self.user_number, **context},
        )
