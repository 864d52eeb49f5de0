"""Running the command line on one hostile cassette and judging what it did.

Shared by the fuzz tests and `run_fuzz.py`. A run is good when it exits 2 with one
`error:` line naming the file and a place in it, or reads the file faithfully (exit 0,
or 1 for a replay that differs). Bad outcomes are counted by kind: a traceback, a hang,
a wrong exit code, an internal error ("please report it").
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from channels_replay.cli import main
from example.demo import APP

REPO = Path(__file__).resolve().parents[2]
HANG_SECONDS = 30.0
"""A run taking longer than this is a hang (the slowest good run takes about 3 s)."""

COMMANDS: dict[str, Sequence[str]] = {
    "show": ("show", "{path}"),
    "show-json": ("show", "--json", "{path}"),
    "convert": ("convert", "{path}", "{out}"),
    "redact": ("redact", "{path}", "{out}"),
    "replay": ("replay", "{path}", "--app", "example.asgi:application", "--timeout", "5"),
    "learn-noise": ("learn-noise", "{path}", *APP[:2], "--runs", "2", "--timeout", "5"),
}
"""Every command that reads a cassette, with the arguments it is fuzzed with."""

PLACE = re.compile(r"(record \d+|line \d+|byte offset \d+|byte \d+)")


@dataclass
class Outcome:
    """What one command did with one file."""

    command: str
    exit_code: int | None
    output: str
    verdict: str  # "ok", "traceback", "hang", "wrong-exit", "internal", "unlocated"


@dataclass
class Tally:
    """Counts over many runs, as the fuzz script prints them."""

    cases: int = 0
    runs: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    bad: list[tuple[str, Outcome]] = field(default_factory=list)

    def add(self, case: str, outcome: Outcome) -> None:
        self.runs += 1
        self.verdicts[outcome.verdict] += 1
        if outcome.verdict != "ok":
            self.bad.append((case, outcome))


def run_cli(args: Sequence[str], timeout: float = HANG_SECONDS) -> tuple[int | None, str, bool]:
    """(exit code, stdout+stderr, whether a traceback escaped); exit None when it hung."""
    result: dict[str, object] = {}

    def invoke() -> None:
        runner = CliRunner()
        outcome = runner.invoke(main, list(args), catch_exceptions=True)
        result["outcome"] = outcome

    thread = threading.Thread(target=invoke, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return None, "", False
    outcome = result["outcome"]
    output = outcome.output  # type: ignore[attr-defined]
    stderr = getattr(outcome, "stderr", "") if _has_stderr(outcome) else ""
    escaped = outcome.exception is not None and not isinstance(  # type: ignore[attr-defined]
        outcome.exception,  # type: ignore[attr-defined]
        SystemExit,
    )
    return outcome.exit_code, output + stderr, escaped  # type: ignore[attr-defined]


def _has_stderr(outcome: object) -> bool:
    try:
        getattr(outcome, "stderr")  # noqa: B009 (raises ValueError on old click when mixed)
    except ValueError:
        return False
    return True


def run_subprocess(
    args: Sequence[str], timeout: float = HANG_SECONDS
) -> tuple[int | None, str, bool]:
    """`run_cli` in a real process: for runs that set up Django's test environment."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "channels_replay.cli", *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{REPO}:{REPO / 'src'}"},
        )
    except subprocess.TimeoutExpired:
        return None, "", False
    return done.returncode, done.stdout + done.stderr, False


def judge(
    command: str,
    args: Sequence[str],
    path: Path,
    *,
    valid: bool | None = None,
    in_subprocess: bool = False,
) -> Outcome:
    """Run one command and judge it; `valid` says which side of exit 2 is right (None: any)."""
    code, output, escaped = (run_subprocess if in_subprocess else run_cli)(args)
    if code is None:
        return Outcome(command, None, output, "hang")
    if escaped or "Traceback" in output:
        return Outcome(command, code, output, "traceback")
    if "please report it" in output:
        return Outcome(command, code, output, "internal")
    if code == 2:
        errors = sorted({line for line in output.splitlines() if line.startswith("error:")})
        if valid is True:
            return Outcome(command, code, output, "wrong-exit")
        if len(errors) != 1 or str(path) not in errors[0]:
            return Outcome(command, code, output, "unlocated")
        return Outcome(command, code, output, "ok")
    if valid is False or code not in (0, 1) or (code == 1 and not command.startswith("replay")):
        return Outcome(command, code, output, "wrong-exit")
    return Outcome(command, code, output, "ok")


def run_commands(
    path: Path,
    out_dir: Path,
    commands: Sequence[str],
    *,
    valid: bool | None = None,
    in_subprocess: Sequence[str] = (),
) -> list[Outcome]:
    """Every named command on one file (those in `in_subprocess` in a real process)."""
    outcomes = []
    for name in commands:
        out = out_dir / f"out-{name}{path.suffix}"
        args = [part.format(path=path, out=out) for part in COMMANDS[name]]
        outcomes.append(judge(name, args, path, valid=valid, in_subprocess=name in in_subprocess))
    return outcomes
