"""Replay cassettes of the foreign project with the real `channels-replay replay` command.

`replay_cli(cassettes, regression=...)` runs, in a subprocess from the repository root,

    python -m channels_replay.cli replay CASSETTE... --json \
        --app tests.foreign.project.asgi:application \
        --settings tests.foreign.project.settings --command make_foreign_users \
        --header alice:authorization=Token ... --query bob:token=... (both users, both ways)

with FOREIGN_REGRESSION set as asked (empty: the unchanged app). The replay runs
in-process in that subprocess, on a fresh test database prepared by the command before
each cassette. A subprocess keeps the foreign project's settings (and chanx) out of the
pytest process, whose settings are the example project's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.foreign.recording import APP, REPO, SETTINGS, project_env

DEFAULT_TIMEOUT = 1.5
"""--timeout of the replay: the bound of one collection when the app stopped answering."""
PROCESS_TIMEOUT = 100.0


CREDENTIALS = Path(__file__).with_name("replay.toml")
"""What was redacted at record time, per user, minted in the replay's database."""


def replay_argv(
    cassettes: Sequence[Path], *, timeout: float = DEFAULT_TIMEOUT, extra: Sequence[str] = ()
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "channels_replay.cli",
        "replay",
        *(str(path) for path in cassettes),
        "--json",
        "--app",
        APP,
        "--settings",
        SETTINGS,
        "--command",
        "make_foreign_users",
        "--timeout",
        str(timeout),
        "--credentials",
        str(CREDENTIALS),
        *extra,
    ]


@dataclass
class CassetteReport:
    """One cassette's entry of the `--json` report."""

    data: dict[str, Any]

    @property
    def name(self) -> str:
        return Path(str(self.data.get("cassette"))).name

    @property
    def ok(self) -> bool:
        return bool(self.data.get("ok"))

    def differences(self) -> list[str]:
        """Every difference as `step N (ACTION) on CONN: DESCRIPTION`, in report order."""
        lines = []
        for failure in self.data.get("failures", []):
            for connection in failure["connections"]:
                for difference in connection["differences"]:
                    lines.append(
                        f"step {failure['step']} ({failure['action']}) on {connection['conn']}: "
                        f"{difference['description']}"
                    )
        return lines

    def first_difference(self) -> str | None:
        differences = self.differences()
        return differences[0] if differences else None

    def describe(self) -> str:
        verdict = "PASS" if self.ok else "FAIL"
        return "\n".join([f"{verdict} {self.name}", *(f"  {d}" for d in self.differences())])


@dataclass
class ReplayRun:
    """What one `channels-replay replay` process did."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    duration: float
    regression: str | None

    def report(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.stdout)
        except ValueError:
            raise AssertionError(f"the replay printed no JSON report:\n{self.output()}") from None
        return data

    def cassettes(self) -> list[CassetteReport]:
        return [CassetteReport(entry) for entry in self.report()["cassettes"]]

    def cassette(self, name: str) -> CassetteReport:
        for entry in self.cassettes():
            if entry.name == name or Path(entry.name).stem == name:
                return entry
        raise AssertionError(f"{name} is not in the report:\n{self.output()}")

    def describe(self) -> str:
        """The per-cassette verdicts and differences, for assertion messages."""
        try:
            body = "\n".join(entry.describe() for entry in self.cassettes())
        except AssertionError:
            body = self.output()
        switch = f"FOREIGN_REGRESSION={self.regression}" if self.regression else "unchanged app"
        return f"[{switch}; exit {self.returncode}; {self.duration:.1f}s]\n{body}"

    def output(self) -> str:
        return (
            f"$ {' '.join(self.argv)}\nexit {self.returncode}\n--- stdout ---\n{self.stdout}\n"
            f"--- stderr ---\n{self.stderr}"
        )


def replay_cli(
    cassettes: Sequence[Path],
    *,
    regression: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    process_timeout: float = PROCESS_TIMEOUT,
    extra: Sequence[str] = (),
) -> ReplayRun:
    """Replay `cassettes` with the CLI against the app (with `regression` switched on)."""
    argv = replay_argv(cassettes, timeout=timeout, extra=extra)
    started = time.monotonic()
    completed = subprocess.run(
        argv,
        cwd=REPO,
        env=project_env(regression=regression),
        capture_output=True,
        text=True,
        timeout=process_timeout,
        check=False,
    )
    return ReplayRun(
        argv,
        completed.returncode,
        completed.stdout,
        completed.stderr,
        time.monotonic() - started,
        regression,
    )
