"""The JSON report: every result as one document, for CI and tools."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from channels_replay.replay.result import ReplayResult
from channels_replay.replay.steps import ServerEvent

__all__ = ["render_json", "result_to_dict"]


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
        "driver": result.driver,
        "signalled": result.signalled,
        "app_errors": list(result.app_errors),
        "blocked": result.blocked,
        "notes": list(result.notes),
        "rules": [rule.describe() for rule in result.rules],
        "failures": [
            {
                "step": step.step.index + 1,
                "action": step.step.describe(),
                "logged": list(step.logged),
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
