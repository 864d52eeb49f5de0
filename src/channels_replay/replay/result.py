"""What a replay found: per step and connection, the frames that came and how they differ."""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from channels_replay.cassettes.model import Event
from channels_replay.replay.diff import Difference
from channels_replay.replay.noise import NoiseRule
from channels_replay.replay.steps import ServerEvent, Step
from channels_replay.signals import SignalNames

__all__ = ["AppFailure", "ConnectionOutcome", "ReplayResult", "StepResult", "app_frames"]

LIBRARY_PACKAGES = ("channels_replay", "asyncio", "channels", "asgiref")
"""Packages whose frames an app's traceback leaves out: the app's own code is what to fix."""


def _library_roots() -> tuple[str, ...]:
    import importlib

    roots = []
    for name in LIBRARY_PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # pragma: no cover - all are dependencies
            continue
        if module.__file__:
            roots.append(str(Path(module.__file__).resolve().parent) + os.sep)
    return tuple(roots)


def app_frames(exc: BaseException) -> tuple[list[str], int]:
    """The exception's traceback without library frames, as formatted lines; how many hidden."""
    roots = _library_roots()
    shown = []
    hidden = 0
    for frame in traceback.extract_tb(exc.__traceback__):
        if str(Path(frame.filename).resolve()).startswith(roots):
            hidden += 1
        else:
            shown.append(frame)
    lines = [
        line for text in traceback.format_list(shown) for line in text.rstrip("\n").splitlines()
    ]
    return lines, hidden


@dataclass
class AppFailure:
    """An exception the app raised during a replay, with where in the replay it came."""

    conn: str
    error: str
    """`ExcType: message`."""
    step: int | None = None
    """The index of the last step performed before it was raised."""
    action: str | None = None
    """That step's action, as a report shows it."""
    traceback: list[str] = field(default_factory=list)
    """The app's own frames, formatted (library frames left out)."""
    hidden_frames: int = 0

    @classmethod
    def from_exception(cls, conn: str, exc: BaseException, step: Step | None = None) -> AppFailure:
        lines, hidden = app_frames(exc)
        return cls(
            conn=conn,
            error=f"{type(exc).__name__}: {exc}",
            step=None if step is None else step.index,
            action=None if step is None else step.describe(),
            traceback=lines,
            hidden_frames=hidden,
        )

    def describe(self) -> str:
        """One line: the connection, the step and action after which, the exception."""
        where = "" if self.step is None else f" at step {self.step + 1}, after {self.action}"
        return f"{self.conn}{where}: {self.error}"


@dataclass
class ConnectionOutcome:
    """One connection in one step: expected and actual frames, their differences."""

    conn: str
    expected: tuple[ServerEvent, ...]
    actual: list[ServerEvent]
    differences: list[Difference] = field(default_factory=list)
    timed_out: str | None = None
    """What was still awaited when the collection's time bound ran out, if it did."""


@dataclass
class StepResult:
    """One step: the client action and each connection's outcome."""

    step: Step
    outcomes: list[ConnectionOutcome]
    logged: list[str] = field(default_factory=list)
    """Warnings and errors the app logged after this step's action (in-process), e.g. why
    it refused a handshake."""

    @property
    def ok(self) -> bool:
        return all(not outcome.differences for outcome in self.outcomes)

    @property
    def differences(self) -> list[tuple[str, Difference]]:
        return [(o.conn, d) for o in self.outcomes for d in o.differences]


@dataclass
class ReplayResult:
    """A whole cassette's replay; `assert_ok()` fails with the report when anything differs."""

    cassette: Path | None
    steps: list[StepResult]
    rules: list[NoiseRule]
    duration: float = 0.0
    tail_missing: str | None = None
    """The cassette reader's note when the recording was cut (the replay covers what is there)."""
    timeline: list[Event] = field(default_factory=list)
    """What the replay did and received, in order, as cassette events (for `--update`)."""
    signalled: bool = True
    """Whether the recording holds signals; without, replay went by frame counts and "done"."""
    driver: Literal["in-process", "live"] = "in-process"
    notes: list[str] = field(default_factory=list)
    """How the replay went where it could not go as designed (e.g. an app never done)."""
    app_errors: list[str] = field(default_factory=list)
    """Exceptions the app raised during the replay, one line each, by connection."""
    app_failures: list[AppFailure] = field(default_factory=list)
    """The same exceptions with the step they came after and the app's traceback."""
    blocked: str | None = None
    """In-process: where the app blocked the event loop past the timeout (a failure)."""
    signals: SignalNames = field(default_factory=SignalNames)
    """The signal convention the replay went by (the cassette's), for reports."""

    @property
    def ok(self) -> bool:
        return not self.app_errors and not self.blocked and all(step.ok for step in self.steps)

    @property
    def failed_steps(self) -> list[StepResult]:
        return [step for step in self.steps if not step.ok]

    @property
    def difference_count(self) -> int:
        return sum(len(step.differences) for step in self.steps)

    @property
    def name(self) -> str:
        return self.cassette.name if self.cassette is not None else "<cassette>"

    def changes(self) -> str:
        """What differs, counted by frame: "2 frames changed, 1 frame added".

        A frame with several changed fields counts once; "added" and "missing" are whole
        frames, "moved" frames that came in another order; app exceptions are counted too.
        What `--update` says it rewrote.
        """
        changed: set[tuple[int, str, int | None]] = set()
        counts = {"added": 0, "missing": 0, "moved": 0}
        for step in self.steps:
            for conn, difference in step.differences:
                if difference.kind == "order":
                    counts["moved"] += 1
                elif not difference.path and difference.kind == "extra":
                    counts["added"] += 1
                elif not difference.path and difference.kind == "missing":
                    counts["missing"] += 1
                else:
                    changed.add((step.step.index, conn, difference.expected_index))
        parts = [f"{_frames(len(changed))} changed"] if changed else []
        parts.extend(f"{_frames(count)} {what}" for what, count in counts.items() if count)
        if self.app_errors:
            parts.append(f"{len(self.app_errors)} app exception(s)")
        return ", ".join(parts) or "no change"

    def explain(self) -> str:
        """Every difference, one line each with its step and connection (no frames listed).

        The full report, with the expected and actual frames, is `reports.render_text`.
        """
        lines = [f"{self.name}: {self.difference_count} difference(s)"]
        lines.extend(f"  the app raised on {error}" for error in self.app_errors)
        if self.blocked:
            lines.append(f"  {self.blocked}")
        for step in self.failed_steps:
            lines.append(f"  step {step.step.index + 1}: {step.step.describe()}")
            for outcome in step.outcomes:
                for difference in outcome.differences:
                    lines.append(f"    on {outcome.conn}: {difference.describe()}")
                if outcome.timed_out and outcome.differences:
                    lines.append(f"    on {outcome.conn}: gave up waiting for {outcome.timed_out}")
        return "\n".join(lines)

    def assert_ok(self) -> None:
        """Raise AssertionError listing every difference if any step differs."""
        if not self.ok:
            raise AssertionError(self.explain())


def _frames(count: int) -> str:
    return f"{count} frame" if count == 1 else f"{count} frames"
