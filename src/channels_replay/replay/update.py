"""Rewriting a cassette from a replay: the snapshot-update workflow.

The new cassette is the replay's own timeline: the client actions as recorded
(redaction markers included) and the server events in the order they arrived,
with the replay's times. It is a valid recording: nothing on a connection after
its close or disconnect (the drivers translate nothing past a connection's end).
Used by `replay --update`, `--update-cassettes` and `--record-mode=all` after a
reviewed change.
"""

from __future__ import annotations

import os
from pathlib import Path

from channels_replay.cassettes import Cassette, load_cassette, save_cassette
from channels_replay.cassettes.model import Event
from channels_replay.replay.result import ReplayResult

__all__ = ["rerecorded", "rewrite_cassette"]


def rerecorded(cassette: Cassette, result: ReplayResult) -> Cassette:
    """A copy of `cassette` whose events are what `result`'s replay did and received."""
    events: list[Event] = list(result.timeline)
    return Cassette(header=cassette.header, events=events)


def rewrite_cassette(path: str | os.PathLike[str], result: ReplayResult) -> Path:
    """Rewrite the cassette at `path` from `result`, in its own form, atomically."""
    path = Path(path)
    cassette = load_cassette(path)
    save_cassette(rerecorded(cassette, result), path)
    return path
