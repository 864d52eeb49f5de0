"""The text report: one cassette's replay as a terminal text a person can act on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels_replay.cassettes.model import AcceptEvent, ServerClose, ServerFrame
from channels_replay.replay.result import AppFailure, ReplayResult, StepResult
from channels_replay.replay.steps import ServerEvent

__all__ = ["Style", "render_summary", "render_text"]

Style = Callable[..., str]
"""How to style a piece of text (click.style's signature); plain by default."""


def _plain(text: str, **_: Any) -> str:
    return text


def _frame_text(event: ServerEvent, limit: int = 140) -> str:
    if isinstance(event, ServerFrame):
        if event.text is not None:
            text = event.text
        else:
            data = event.data or b""
            text = f"<{len(data)} bytes {data[:24].hex()}>"
    elif isinstance(event, ServerClose):
        text = f"<close {event.code}{f' {event.reason!r}' if event.reason else ''}>"
    elif isinstance(event, AcceptEvent):
        text = f"<accept{f' {event.subprotocol}' if event.subprotocol else ''}>"
    else:  # pragma: no cover - ServerEvent is closed
        text = repr(event)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _step_lines(step: StepResult, style: Style) -> list[str]:
    lines = [style(f"  step {step.step.index + 1}: {step.step.describe()}", bold=True)]
    for outcome in step.outcomes:
        if not outcome.differences:
            continue
        lines.append(f"    on {outcome.conn}:")
        for difference in outcome.differences:
            lines.append("      " + style(difference.describe(), fg="red"))
        if outcome.timed_out:
            lines.append(
                "      " + style(f"(gave up waiting for {outcome.timed_out})", fg="yellow")
            )
        lines.append("      expected:")
        lines.extend(f"        {_frame_text(e)}" for e in outcome.expected)
        if not outcome.expected:
            lines.append("        (nothing)")
        lines.append("      actual:")
        lines.extend(f"        {_frame_text(e)}" for e in outcome.actual)
        if not outcome.actual:
            lines.append("        (nothing)")
    if step.logged:
        lines.append("    the app logged:")
        lines.extend("      " + style(line, fg="yellow") for line in step.logged)
    return lines


def _failure_lines(failure: AppFailure, style: Style) -> list[str]:
    lines = [style(f"  the app raised on {failure.describe()}", fg="red")]
    if failure.traceback or failure.hidden_frames:
        hidden = (
            f"; {failure.hidden_frames} frames of channels-replay, asyncio, channels, asgiref "
            "hidden"
            if failure.hidden_frames
            else ""
        )
        lines.append(f"    traceback (most recent call last{hidden}):")
        lines.extend(f"    {line}" for line in failure.traceback)
        lines.append(f"    {failure.error}")
    return lines


def render_summary(result: ReplayResult, style: Style = _plain) -> str:
    """One line: the cassette, pass/fail, counts."""
    if result.ok:
        verdict = style("PASS", fg="green", bold=True)
        detail = f"{len(result.steps)} steps"
    else:
        verdict = style("FAIL", fg="red", bold=True)
        detail = (
            f"{result.difference_count} difference(s) in {len(result.failed_steps)} of "
            f"{len(result.steps)} steps"
        )
    return f"{verdict} {result.name}: {detail} ({result.duration * 1000:.0f} ms)"


def render_text(result: ReplayResult, style: Style = _plain) -> str:
    """The full report of one cassette: summary, rules applied, each failing step."""
    lines = [render_summary(result, style)]
    if result.tail_missing:
        lines.append(style(f"  note: the recording was cut: {result.tail_missing}", fg="yellow"))
    if not result.signalled:
        how = "the app being done" if result.driver == "in-process" else "a quiet grace window"
        lines.append(
            style(
                "  note: the recording holds no signals (authentication, complete, "
                f"group_complete): replayed by recorded frame counts and {how}",
                fg="yellow",
            )
        )
    for note in result.notes:
        lines.append(style(f"  note: {note}", fg="yellow"))
    if result.blocked:
        lines.append(style(f"  {result.blocked}", fg="red"))
    if result.app_failures:
        for failure in result.app_failures:
            lines.extend(_failure_lines(failure, style))
    else:
        for error in result.app_errors:
            lines.append(style(f"  the app raised on {error}", fg="red"))
    if result.rules:
        lines.append("  noise rules applied: " + "; ".join(r.describe() for r in result.rules))
    for step in result.failed_steps:
        lines.extend(_step_lines(step, style))
    return "\n".join(lines)
