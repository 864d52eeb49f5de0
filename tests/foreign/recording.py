"""Record a scenario with the real `channels-replay record` dev server (uvicorn + recorder).

`record(scenario, out, database=...)` starts

    python -m channels_replay.cli record --app tests.foreign.project.asgi:application \
        --out OUT --host 127.0.0.1 --port PORT

in a subprocess (cwd: the repository root, DJANGO_SETTINGS_MODULE: the foreign project's
settings, FOREIGN_DB: a database of its own), waits until the port accepts connections,
runs the scenario's real `websockets` clients against `ws://127.0.0.1:PORT`, then stops the
server with SIGINT (the record command's Ctrl-C) and waits, bounded, for it to exit.
Nothing is mocked; every wait has an upper bound.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.foreign.scenarios import RECORD_OPTIONS, SCENARIOS, Frames, RaceLost, Scenario
from tests.servers import HOST, running_server

REPO = Path(__file__).resolve().parents[2]
APP = "tests.foreign.project.asgi:application"
SETTINGS = "tests.foreign.project.settings"

READY_TIMEOUT = 30.0
SCENARIO_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
MANAGE_TIMEOUT = 60.0


class RecordingError(RuntimeError):
    """The server or the scenario failed; the message carries the server's output."""


def library_src() -> Path:
    """Where the subprocesses import channels_replay from: `src/`, or FOREIGN_LIBRARY_SRC.

    FOREIGN_LIBRARY_SRC lets the harness run against another checkout of the library
    (e.g. `git archive HEAD src | tar -x -C /tmp/head` while `src/` is being edited).
    """
    return Path(os.environ.get("FOREIGN_LIBRARY_SRC") or REPO / "src")


def project_env(database: Path | None = None, regression: str | None = None) -> dict[str, str]:
    """The environment of a subprocess running the foreign project.

    The repository and the library (`library_src()`) importable, the project's settings,
    its database, and the regression switch set (or explicitly off, so a developer's shell
    cannot leak one in).
    """
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), str(library_src())]),
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "FOREIGN_REGRESSION": regression or "",
        "PYTHONUNBUFFERED": "1",
    }
    if database is not None:
        env["FOREIGN_DB"] = str(database)
    return env


def prepare_database(path: Path) -> Path:
    """Migrate a fresh SQLite database at `path` and create the users and rooms."""
    path.unlink(missing_ok=True)
    for command in (["migrate", "--verbosity", "0"], ["make_foreign_users"]):
        completed = subprocess.run(
            [sys.executable, "-m", "django", *command],
            cwd=REPO,
            env=project_env(path),
            capture_output=True,
            text=True,
            timeout=MANAGE_TIMEOUT,
            check=False,
        )
        if completed.returncode != 0:
            raise RecordingError(
                f"django {' '.join(command)} failed ({completed.returncode}):\n"
                f"{completed.stdout}\n{completed.stderr}"
            )
    return path


def copy_database(template: Path, path: Path) -> Path:
    """A fresh copy of a prepared database (cheaper than migrating again)."""
    shutil.copyfile(template, path)
    return path


def record_argv(out: Path, extra: Sequence[str] = ()) -> Callable[[int], list[str]]:
    """The record command for a port (see tests/servers.running_server)."""

    def argv(port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "channels_replay.cli",
            "record",
            "--app",
            APP,
            "--out",
            str(out),
            "--host",
            HOST,
            "--port",
            str(port),
            *extra,
        ]

    return argv


@dataclass
class Recording:
    """A finished recording: the cassette, what the clients received, the server's output."""

    cassette: Path
    frames: Frames
    output: str
    duration: float


def record(scenario: Scenario, out: Path, *, database: Path) -> Recording:
    """Record `scenario` into the cassette `out` against the project on `database`.

    RecordingError when the server does not start, the scenario fails (its exception is
    chained), the server does not exit within STOP_TIMEOUT of SIGINT, exits with an error,
    or leaves no cassette.
    """
    started = time.monotonic()
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with running_server(
            record_argv(out, RECORD_OPTIONS.get(scenario.__name__, ())),
            env=project_env(database),
            cwd=REPO,
            ready_timeout=READY_TIMEOUT,
        ) as server:
            base = f"ws://{server.host}:{server.port}"
            try:
                frames = asyncio.run(_bounded(scenario, base))
            except Exception as exc:
                server.stop(signal.SIGINT, timeout=STOP_TIMEOUT)
                raise RecordingError(
                    f"scenario {scenario.__name__} failed: {exc!r}\n{server.output()}"
                ) from exc
            code = _stop(server.process, STOP_TIMEOUT)
            server.stop()
            output = server.output()
    except RuntimeError as exc:
        if isinstance(exc, RecordingError):
            raise
        raise RecordingError(str(exc)) from exc
    if code != 0:
        raise RecordingError(f"the record command exited with {code} after SIGINT:\n{output}")
    if not out.is_file():
        raise RecordingError(f"the record command left no cassette at {out}:\n{output}")
    return Recording(out, frames, output, time.monotonic() - started)


async def _bounded(scenario: Scenario, base: str) -> Frames:
    async with asyncio.timeout(SCENARIO_TIMEOUT):
        return await scenario(base)


def _stop(process: subprocess.Popen[bytes], timeout: float) -> int | None:
    """SIGINT, as Ctrl-C; the exit code, or None when it had to be killed after `timeout`."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return None
    return process.returncode


def race_lost(error: BaseException) -> bool:
    """Whether a recording failed because the app's own race went the other way."""
    return isinstance(error, RaceLost) or isinstance(error.__cause__, RaceLost)


class Recordings:
    """Scenario name -> its recording in `directory`, made on first access, kept after.

    Each recording gets a database of its own, a copy of one migrated template. A
    scenario whose app-side race went the other way (RaceLost: a member joined the room
    after the broadcast) is recorded again, up to `attempts` times in all; `lost_races`
    counts those. A recording that failed raises the same error on every access,
    without recording again.
    """

    def __init__(self, directory: Path, attempts: int = 6) -> None:
        self.directory = directory
        self.attempts = attempts
        self.lost_races: dict[str, int] = {}
        self._template: Path | None = None
        self._done: dict[str, Recording | Exception] = {}

    def template(self) -> Path:
        if self._template is None:
            self._template = prepare_database(self.directory / "template.sqlite3")
        return self._template

    def __getitem__(self, name: str) -> Recording:
        if name not in self._done:
            self._done[name] = self._record(name)
        done = self._done[name]
        if isinstance(done, Exception):
            raise done
        return done

    def _record(self, name: str) -> Recording | Exception:
        for _ in range(self.attempts):
            database = copy_database(self.template(), self.directory / f"{name}.sqlite3")
            cassette = self.directory / f"{name}.cassette"
            cassette.unlink(missing_ok=True)
            try:
                return record(SCENARIOS[name], cassette, database=database)
            except RecordingError as exc:
                if not race_lost(exc):
                    return exc
                self.lost_races[name] = self.lost_races.get(name, 0) + 1
        return RecordingError(f"{name}: the app's race was lost {self.attempts} times in a row")
