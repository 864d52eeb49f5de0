"""Rewriting a cassette from a replay: the snapshot-update workflow.

The client actions stay as recorded (redaction markers included); the server
frames after each become what the current app sent. Used by `replay --update`,
`--update-cassettes` and `--record-mode=all` after a reviewed change.
"""

from __future__ import annotations

import os
from pathlib import Path

from channels_replay.cassettes import Cassette, load_cassette, save_cassette
from channels_replay.cassettes.model import Event
from channels_replay.replay.result import ReplayResult

__all__ = ["rerecorded", "rewrite_cassette"]


def rerecorded(cassette: Cassette, result: ReplayResult) -> Cassette:
    """A copy of `cassette` whose server frames are the ones `result` received."""
    events: list[Event] = []
    for step_result in result.steps:
        action = step_result.step.action
        events.append(action.model_copy(update={"seq": len(events)}))
        for outcome in step_result.outcomes:
            for frame in outcome.actual:
                events.append(
                    frame.model_copy(
                        update={"seq": len(events), "conn": outcome.conn, "t": action.t}
                    )
                )
    return Cassette(header=cassette.header, events=events)


def rewrite_cassette(path: str | os.PathLike[str], result: ReplayResult) -> Path:
    """Rewrite the cassette at `path` from `result`, in its own form, atomically."""
    path = Path(path)
    cassette = load_cassette(path)
    save_cassette(rerecorded(cassette, result), path)
    return path
