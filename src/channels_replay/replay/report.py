"""Reports of replay results: a terminal text a person can act on, JSON, JUnit XML."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any
from xml.etree import ElementTree

from channels_replay.cassettes.model import AcceptEvent, ServerClose, ServerFrame
from channels_replay.replay.result import ReplayResult, StepResult
from channels_replay.replay.steps import ServerEvent

__all__ = ["render_json", "render_junit", "render_summary", "render_text", "result_to_dict"]

Style = Callable[..., str]


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
    if result.rules:
        lines.append("  noise rules applied: " + "; ".join(r.describe() for r in result.rules))
    for step in result.failed_steps:
        lines.extend(_step_lines(step, style))
    return "\n".join(lines)


def _event_dict(event: ServerEvent) -> dict[str, Any]:
    data = event.model_dump(mode="json", exclude={"seq", "t"}, exclude_none=True)
    return data


def result_to_dict(result: ReplayResult) -> dict[str, Any]:
    """A JSON-ready view of one result."""
    return {
        "cassette": str(result.cassette) if result.cassette else None,
        "ok": result.ok,
        "steps": len(result.steps),
        "duration_s": round(result.duration, 6),
        "tail_missing": result.tail_missing,
        "rules": [rule.describe() for rule in result.rules],
        "failures": [
            {
                "step": step.step.index + 1,
                "action": step.step.describe(),
                "connections": [
                    {
                        "conn": outcome.conn,
                        "timed_out": outcome.timed_out,
                        "differences": [
                            {
                                "kind": d.kind,
                                "path": d.path,
                                "expected": d.expected,
                                "actual": d.actual,
                                "description": d.describe(),
                            }
                            for d in outcome.differences
                        ],
                        "expected": [_event_dict(e) for e in outcome.expected],
                        "actual": [_event_dict(e) for e in outcome.actual],
                    }
                    for outcome in step.outcomes
                    if outcome.differences
                ],
            }
            for step in result.failed_steps
        ],
    }


def render_json(results: Sequence[ReplayResult]) -> str:
    """Every result as one JSON document."""
    payload = {
        "ok": all(r.ok for r in results),
        "cassettes": [result_to_dict(r) for r in results],
    }
    return json.dumps(payload, indent=2, default=repr)


def render_junit(results: Sequence[ReplayResult]) -> str:
    """JUnit XML: one testcase per cassette, the text report as the failure's body."""
    suite = ElementTree.Element(
        "testsuite",
        name="channels-replay",
        tests=str(len(results)),
        failures=str(sum(not r.ok for r in results)),
        errors="0",
        time=f"{sum(r.duration for r in results):.6f}",
    )
    for result in results:
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname="channels_replay",
            name=str(result.cassette or result.name),
            time=f"{result.duration:.6f}",
        )
        if not result.ok:
            failure = ElementTree.SubElement(
                case, "failure", message=render_summary(result), type="ReplayDifference"
            )
            failure.text = render_text(result)
    ElementTree.indent(suite)
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True)
