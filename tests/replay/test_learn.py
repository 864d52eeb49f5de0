"""learn-noise's library side: proposals from hand-built replay results, storing rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from channels_replay.cassettes import load_cassette
from channels_replay.cassettes.model import ClientFrame, ServerFrame
from channels_replay.errors import ConfigurationError
from channels_replay.replay.learn import (
    learn_proposals,
    proposals_from_runs,
    rules_from_runs,
    store_rules,
)
from channels_replay.replay.noise import NoiseRule, NoiseRules
from channels_replay.replay.proposals import ProposedRule
from channels_replay.replay.result import ConnectionOutcome, ReplayResult, StepResult
from channels_replay.replay.steps import ServerEvent, Step

REPO = Path(__file__).resolve().parents[2]
T0, T1, T2 = "2024-01-01T10:00:00Z", "2024-05-01T08:00:01Z", "2024-05-01T08:00:02Z"
ID0 = "fd7d211c414a49d2aab4c9c2ebe40f9a"
ID1 = "4b373e66abac44d88bf0c5651d22c18f"
ID2 = "2eef6ed741364c93b9205894b831a779"
TS_RULE = NoiseRule("payload.ts", "datetime", "chat_message")
ID_RULE = NoiseRule("payload.id", "uuid", "chat_message")

Frames = dict[str, list[ServerEvent]]
"""One step: per connection, its frames."""


def frame(obj: Any) -> ServerFrame:
    return ServerFrame(seq=0, conn="c1", t=0.0, text=json.dumps(obj))


def chat(text: str, ts: str, uid: str) -> ServerFrame:
    return frame({"action": "chat_message", "payload": {"id": uid, "text": text, "ts": ts}})


def replay(recorded: list[Frames], got: list[Frames]) -> ReplayResult:
    """A replay result: per step, each connection's recorded frames and what came."""
    steps = []
    for index, (expected, actual) in enumerate(zip(recorded, got, strict=False)):
        action = ClientFrame(seq=index, conn="c1", t=0.0, text='{"action":"message"}')
        outcomes = [
            ConnectionOutcome(conn, tuple(frames), list(actual[conn]))
            for conn, frames in expected.items()
            if conn in actual
        ]
        step = Step(index, action, {conn: tuple(f) for conn, f in expected.items()})
        steps.append(StepResult(step, outcomes))
    return ReplayResult(None, steps, [])


def chat_session(ts: str, uid: str, text: str = "hi") -> list[Frames]:
    """Two steps: c1 says something, then c2; both connections get both broadcasts."""
    return [
        {conn: [frame({"action": "complete"}), chat(text, ts, uid)] for conn in ("c1", "c2")},
        {conn: [chat(text + "!", ts, uid[::-1])] for conn in ("c1", "c2")},
    ]


RECORDED = chat_session(T0, ID0)


def test_rules_are_proposed_from_every_step_and_connection() -> None:
    runs = [replay(RECORDED, chat_session(T1, ID1)), replay(RECORDED, chat_session(T2, ID2))]

    found = proposals_from_runs(runs)

    assert found.rules == [ID_RULE, TS_RULE] == rules_from_runs(runs)
    assert [(p.frames, p.steps, p.seen) for p in found.proposed] == [(4, 2, 4), (4, 2, 4)]
    assert found.proposed[0].examples == ((ID0, ID1, ID2), (ID0[::-1], ID1[::-1], ID2[::-1]))
    assert found.notes() == []


def test_rules_in_force_are_not_proposed_again() -> None:
    runs = [replay(RECORDED, chat_session(T1, ID1)), replay(RECORDED, chat_session(T2, ID2))]

    assert rules_from_runs(runs, NoiseRules([ID_RULE])) == [TS_RULE]
    assert rules_from_runs(runs, [ID_RULE, NoiseRule("**.ts")]) == []


def test_a_message_changed_in_every_run_proposes_nothing_and_is_reported() -> None:
    runs = [
        replay(RECORDED, chat_session(T0, ID0, text="hello")),
        replay(RECORDED, chat_session(T0, ID0, text="hello")),
    ]

    found = proposals_from_runs(runs)

    assert found.proposed == ()
    assert [(s.path, s.recorded, s.actual, s.frames, s.steps) for s in found.stable] == [
        ("payload.text", "hi", "hello", 4, 2)
    ]


def test_a_step_or_connection_a_replay_lacks_is_not_learned_from() -> None:
    short = chat_session(T2, ID2)
    del short[1]["c2"]
    runs = [replay(RECORDED, chat_session(T1, ID1)), replay(RECORDED[:1], short[:1])]

    found = proposals_from_runs(runs)

    assert found.rules == [ID_RULE, TS_RULE]
    assert [(p.frames, p.seen) for p in found.proposed] == [(4, 2), (4, 2)]
    assert found.unaligned == 2


def test_a_broadcast_that_came_in_the_next_step_is_not_learned_from() -> None:
    late = chat_session(T2, ID2)
    late[0]["c2"].pop()  # c2 got c1's message only in the next step
    late[1]["c2"].insert(0, chat("hi", T2, ID2))
    runs = [replay(RECORDED, chat_session(T1, ID1)), replay(RECORDED, late)]

    found = proposals_from_runs(runs)

    assert [(p.rule, p.seen) for p in found.proposed] == [(ID_RULE, 2), (TS_RULE, 2)]
    assert found.unaligned == 3  # c2: one frame missing in step 0, one extra in step 1
    assert "could not be learned because the frames are not aligned" in found.notes()[0]


def test_learning_needs_two_runs() -> None:
    with pytest.raises(ConfigurationError, match="at least 2"):
        proposals_from_runs([replay(RECORDED, RECORDED)])


async def test_learn_proposals_refuses_fewer_than_two_runs_before_replaying() -> None:
    from channels_replay.replay.runner import ReplayConfig

    with pytest.raises(ConfigurationError) as caught:
        await learn_proposals(REPO / "cassettes" / "chat.cassette", None, ReplayConfig(), runs=1)

    assert str(caught.value) == (
        "learn-noise needs at least 2 replays, not 1: noise is what differs between replays "
        "of the unchanged app"
    )


def test_store_rules_adds_proposals_after_the_stored_rules(tmp_path: Path) -> None:
    path = tmp_path / "chat.cassette"
    shutil.copy(REPO / "cassettes" / "chat.cassette", path)
    stored = NoiseRules.from_dicts(load_cassette(path).header.noise)
    new = NoiseRule("payload.room", "type", "chat_message")

    store_rules(path, [ProposedRule(new, (("lobby", "a", "b"),), 4, 2, 4), *stored])

    assert NoiseRules.from_dicts(load_cassette(path).header.noise) == stored.merged([new])
