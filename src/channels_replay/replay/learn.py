"""learn-noise: replay against the unchanged app and propose rules for what differs.

Every difference between a recording and a replay against the same app is noise
(timestamps, random ids). The rules proposed are scoped to the frame's action
and stored in the cassette's header, where every later replay applies them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from channels_replay.cassettes import load_cassette, save_cassette
from channels_replay.replay.noise import NoiseRule, NoiseRules, propose_rules
from channels_replay.replay.result import ReplayResult
from channels_replay.replay.runner import ReplayConfig, replay_file

__all__ = ["learn_rules", "rules_from_runs", "store_rules"]


def rules_from_runs(
    runs: list[ReplayResult], known: NoiseRules, action_key: str
) -> list[NoiseRule]:
    """Rules for the differences seen in `runs` of one cassette that `known` does not cover."""
    proposed: dict[NoiseRule, None] = {}
    if not runs:
        return []
    for index, step in enumerate(runs[0].steps):
        for outcome in step.outcomes:
            actual_runs = []
            for run in runs:
                if index >= len(run.steps):
                    continue
                match = next((o for o in run.steps[index].outcomes if o.conn == outcome.conn), None)
                if match is not None:
                    actual_runs.append(match.actual)
            for rule in propose_rules(outcome.expected, actual_runs, action_key=action_key):
                if rule not in known:
                    proposed.setdefault(rule, None)
    return list(proposed)


async def learn_rules(
    path: str | os.PathLike[str],
    app: Any,
    config: ReplayConfig,
    runs: int = 2,
    before_each: Callable[[], None] | None = None,
) -> list[NoiseRule]:
    """Replay the cassette `runs` times (without its stored rules) and propose rules."""
    from asgiref.sync import sync_to_async

    cassette = load_cassette(path)
    known = NoiseRules.from_dicts(cassette.header.noise)
    results = []
    for _ in range(runs):
        if before_each is not None:
            await sync_to_async(before_each)()
        results.append(await replay_file(path, app, config))
    from channels_replay.replay.runner import signal_names

    return rules_from_runs(results, known, signal_names().action_key)


def store_rules(path: str | os.PathLike[str], rules: list[NoiseRule]) -> Path:
    """Add `rules` to the cassette's stored noise rules (rewriting it in its own form)."""
    path = Path(path)
    cassette = load_cassette(path)
    merged = NoiseRules.from_dicts(cassette.header.noise).merged(rules)
    header = cassette.header.model_copy(update={"noise": merged.to_dicts()})
    save_cassette(cassette.model_copy(update={"header": header}), path)
    return path
