"""The locustfile that `channels-replay load` runs: one CassetteUser from the command line.

The settings come from the `CHANNELS_REPLAY_LOAD` environment variable (set by the
command, in each Locust process it starts). The process that holds the stats (a
standalone run or the master) prints one progress line every `PROGRESS_EVERY` seconds.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import gevent
from locust import constant, events
from locust.env import Environment
from locust.runners import WorkerRunner
from locust.stats import StatsEntry

from channels_replay.load.settings import LoadSettings
from channels_replay.load.user import CassetteUser

PROGRESS_EVERY = 2.0

_SETTINGS = LoadSettings.from_environment()
if _SETTINGS.settings:  # for the project's noise rules and redaction lists
    os.environ["DJANGO_SETTINGS_MODULE"] = _SETTINGS.settings
    import django

    django.setup()


class ReplayUser(CassetteUser):
    """The cassettes and options given to `channels-replay load`."""

    host = _SETTINGS.target
    wait_time = constant(_SETTINGS.wait)

    def make_settings(self) -> LoadSettings:
        return LoadSettings.from_json(_SETTINGS.to_json())


def progress_line(environment: Environment, elapsed: float) -> str:
    """Users, sessions, diffed sessions with differences, action latency percentiles."""
    stats = environment.stats
    sessions = diffed = failed = 0
    actions = StatsEntry(stats, "actions", "WS", use_response_times_cache=False)
    for entry in stats.entries.values():
        if entry.method in ("session", "diffed"):
            sessions += entry.num_requests
            failed += entry.num_failures
            diffed += entry.num_requests if entry.method == "diffed" else 0
        elif entry.method == "WS":
            actions.extend(entry)
    users = environment.runner.user_count if environment.runner is not None else 0
    line = (
        f"load: {elapsed:5.1f}s {users} users, {sessions} sessions, {diffed} diffed, "
        f"{failed} failed"
    )
    if actions.num_requests:
        p50 = actions.get_response_time_percentile(0.5)
        p95 = actions.get_response_time_percentile(0.95)
        p99 = actions.get_response_time_percentile(0.99)
        line += f"; actions {actions.num_requests}, p50 {p50:g} ms, p95 {p95:g} ms, p99 {p99:g} ms"
    return line


def _start_progress(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    started = time.monotonic()

    def report() -> None:
        while True:
            gevent.sleep(PROGRESS_EVERY)
            print(progress_line(environment, time.monotonic() - started), file=sys.stderr)

    gevent.spawn(report)


events.init.add_listener(_start_progress)  # type: ignore[no-untyped-call]
