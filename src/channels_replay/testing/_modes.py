"""The record mode in force (set by the pytest plugin) and what a replay test does with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync

from channels_replay.replay.result import ReplayResult
from channels_replay.replay.runner import ReplayConfig, replay_file
from channels_replay.replay.update import rewrite_cassette
from channels_replay.reports import render_text

__all__ = [
    "ReplayFailed",
    "apply_record_mode",
    "keep_results",
    "record_mode",
    "run_replay_test",
    "set_record_mode",
    "updated_cassettes",
]

_mode = "none"
_updated: list[tuple[Path, str]] = []
_kept: list[ReplayResult] | None = None


class ReplayFailed(AssertionError):
    """A cassette's replay differs from the recording; the message is the report."""


def set_record_mode(mode: str) -> None:
    global _mode
    _mode = mode


def record_mode() -> str:
    return _mode


def updated_cassettes() -> list[tuple[Path, str]]:
    """The cassettes the record mode rewrote in this process, each with what changed."""
    return list(_updated)


def keep_results(kept: list[ReplayResult] | None) -> None:
    """Append every replay test's result to `kept` from now on (None: stop); for reports."""
    global _kept
    _kept = kept


def apply_record_mode(path: Path, result: ReplayResult) -> None:
    """Pass, update the cassette, or raise ReplayFailed, as the record mode says."""
    if result.ok:
        return
    if _mode == "all":
        rewrite_cassette(path, result)
        _updated.append((path, result.changes()))
        return
    only_new_frames = all(
        difference.kind == "extra"
        for _, difference in (d for s in result.steps for d in s.differences)
    )
    if _mode == "new_episodes" and only_new_frames:
        rewrite_cassette(path, result)
        _updated.append((path, result.changes()))
        return
    raise ReplayFailed(render_text(result))


def run_replay_test(path: Path, app: Any, config: dict[str, Any]) -> ReplayResult:
    """Replay the cassette at `path` as a test under the record mode in force."""
    result = async_to_sync(replay_file)(path, app, ReplayConfig(**config))
    if _kept is not None:
        _kept.append(result)
    apply_record_mode(path, result)
    return result
