"""learn-noise: replay against the unchanged app and propose rules for what differs.

The cassette is replayed two or more times. Noise (timestamps, random ids) is
what differs between those replays themselves, in frames that line up; a value
that is the same in every replay but not as recorded is a real change and gets
no rule. The rules proposed are scoped to the frame's action and stored in the
cassette's header, where every later replay applies them. See
`channels_replay.replay.noise.NoiseLearner` for how frames are paired.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from channels_replay.cassettes import load_cassette, save_cassette
from channels_replay.errors import ConfigurationError
from channels_replay.replay.noise import NoiseRule, NoiseRules
from channels_replay.replay.proposals import MIN_RUNS, NoiseLearner, NoiseProposals, ProposedRule
from channels_replay.replay.result import ReplayResult

if TYPE_CHECKING:
    from channels_replay.replay.runner import ReplayConfig

__all__ = [
    "DEFAULT_RUNS",
    "learn_proposals",
    "learn_rules",
    "proposals_from_runs",
    "rules_from_runs",
    "store_rules",
]

DEFAULT_RUNS = 3
"""How many times learn-noise replays a cassette unless told otherwise."""


def proposals_from_runs(
    runs: Sequence[ReplayResult], known: Iterable[NoiseRule] = (), action_key: str = "action"
) -> NoiseProposals:
    """Proposals from two or more replays of one cassette, leaving alone what `known` covers.

    Steps are matched by position and connections by name; a replay that lacks a
    step or a connection there got none of its frames.
    """
    learner = NoiseLearner(len(runs), action_key=action_key, known=known)
    longest = max(runs, key=lambda run: len(run.steps))
    for index, step in enumerate(longest.steps):
        for outcome in step.outcomes:
            replays = []
            for run in runs:
                found = None
                if index < len(run.steps):
                    found = next(
                        (o for o in run.steps[index].outcomes if o.conn == outcome.conn), None
                    )
                replays.append(None if found is None else found.actual)
            learner.add(outcome.expected, replays, step=index, conn=outcome.conn)
    return learner.proposals()


def rules_from_runs(
    runs: Sequence[ReplayResult], known: Iterable[NoiseRule] = (), action_key: str = "action"
) -> list[NoiseRule]:
    """The rules `proposals_from_runs` proposes, without what they hide."""
    return proposals_from_runs(runs, known, action_key).rules


async def learn_proposals(
    path: str | os.PathLike[str],
    app: Any,
    config: ReplayConfig,
    runs: int = DEFAULT_RUNS,
    before_each: Callable[[], None] | None = None,
) -> NoiseProposals:
    """Replay the cassette `runs` times (at least 2) and propose rules for what differs.

    `before_each` prepares the app before each replay (e.g. flushes the database).
    Paths covered by the rules in force (the cassette's, the settings', the
    config's) are left alone.
    """
    from asgiref.sync import sync_to_async

    from channels_replay.replay.runner import replay_file

    if runs < MIN_RUNS:
        raise ConfigurationError(
            f"learn-noise needs at least {MIN_RUNS} replays, not {runs}: noise is what differs "
            "between replays of the unchanged app"
        )
    cassette = load_cassette(path)
    results = []
    for _ in range(runs):
        if before_each is not None:
            await sync_to_async(before_each)()
        results.append(await replay_file(path, app, config))
    known = NoiseRules.from_dicts(cassette.header.noise).merged(results[0].rules)
    return proposals_from_runs(results, known, cassette.signal_names().action_key)


async def learn_rules(
    path: str | os.PathLike[str],
    app: Any,
    config: ReplayConfig,
    runs: int = DEFAULT_RUNS,
    before_each: Callable[[], None] | None = None,
) -> list[NoiseRule]:
    """The rules `learn_proposals` proposes, without what they hide."""
    return (await learn_proposals(path, app, config, runs, before_each)).rules


def store_rules(path: str | os.PathLike[str], rules: Iterable[NoiseRule | ProposedRule]) -> Path:
    """Add `rules` to the cassette's stored noise rules (rewriting it in its own form)."""
    path = Path(path)
    cassette = load_cassette(path)
    adding = [rule.rule if isinstance(rule, ProposedRule) else rule for rule in rules]
    merged = NoiseRules.from_dicts(cassette.header.noise).merged(adding)
    header = cassette.header.model_copy(update={"noise": merged.to_dicts()})
    save_cassette(cassette.model_copy(update={"header": header}), path)
    return path
