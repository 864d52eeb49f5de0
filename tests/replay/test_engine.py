"""The engine's options on the committed cassettes: pace, ordering, path rewriting, timeouts."""

import time
from pathlib import Path
from typing import Any

import pytest

from channels_replay.cassettes import ConnectEvent, load_cassette
from channels_replay.errors import ReplayError
from channels_replay.replay import render_text
from channels_replay.testing import ReplayTestCase
from example.management.commands.seed_demo import DEMO_USERS, seed_demo_users

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


class EngineTests(ReplayTestCase):
    def setUp(self) -> None:
        super().setUp()
        seed_demo_users()

    def get_replay_headers(self, identity: str | None) -> dict[str, str]:
        return {"authorization": f"Token {DEMO_USERS.get(identity or '', 'wrong-token')}"}

    def get_replay_query(self, identity: str | None) -> dict[str, str]:
        return {"token": DEMO_USERS[identity]} if identity in DEMO_USERS else {}

    def test_recorded_pace_waits_for_each_actions_recorded_offset(self) -> None:
        cassette = load_cassette(CASSETTES / "chat.cassette")
        recorded_span = cassette.events[-1].t - cassette.events[0].t
        assert recorded_span > 0
        started = time.monotonic()
        result = self.replay(CASSETTES / "chat.cassette", pace="recorded")
        # a lower bound only: the recorded pace cannot be faster than the recording
        assert time.monotonic() - started >= recorded_span
        assert result.ok

    def test_rewrite_path_hook_sends_connections_elsewhere(self) -> None:
        seen: list[str] = []

        class ElsewhereReplay(EngineTests):
            def rewrite_path(self, path: str, connect: ConnectEvent) -> str:
                seen.append(path)
                return path.replace("/lobby/", "/ci-room/")

        case = ElsewhereReplay("test_rewrite_path_hook_sends_connections_elsewhere")
        case.router, case.ws_headers, case.subprotocols = self.router, [], []
        result = case.replay(CASSETTES / "chat.cassette")
        # the room is in every frame the chat sends: the rewrite is visible in the diff
        assert seen == ["/ws/chat/lobby/", "/ws/chat/lobby/"]
        assert not result.ok
        assert {d.path for step in result.failed_steps for _, d in step.differences} == {
            "payload.room"
        }
        assert result.failed_steps[0].differences[0][1].actual == "ci-room"

    def test_path_map_option_does_the_same_from_the_command_line(self) -> None:
        result = self.replay(CASSETTES / "chat.cassette", path_map=["/ws/chat/lobby/=/ws/chat/x/"])
        assert {d.actual for step in result.failed_steps for _, d in step.differences} == {"x"}

    def test_ordering_any_accepts_frames_of_a_step_in_another_order(self) -> None:
        from tests.replay import regressions

        self.router = regressions.SWAPPED_ORDER
        assert not self.replay(CASSETTES / "validation_error.cassette").ok
        assert self.replay(CASSETTES / "validation_error.cassette", ordering="any").ok

    def test_an_app_that_stops_answering_is_reported_after_the_timeout(self) -> None:
        from tests.replay import regressions

        self.router = regressions.NEVER_COMPLETES
        result = self.replay(CASSETTES / "echo.cassette", timeout=0.2)
        outcomes = [o for step in result.failed_steps for o in step.outcomes if o.differences]
        assert [o.timed_out for o in outcomes] == ["'complete'", "'complete'"]
        assert [(d.kind, d.frame_action) for o in outcomes for d in o.differences] == [
            ("missing", "complete"),
            ("missing", "complete"),
        ]
        assert "(gave up waiting for 'complete')" in render_text(result)

    def test_a_missing_credential_raises_before_anything_is_sent(self) -> None:
        class NoCredentials(EngineTests):
            def get_replay_headers(self, identity: str | None) -> dict[str, str]:
                return {}

        case = NoCredentials("test_a_missing_credential_raises_before_anything_is_sent")
        case.router, case.ws_headers, case.subprotocols = self.router, [], []
        with pytest.raises(
            ReplayError, match="connection c1 \\(identity alice\\) needs the header"
        ):
            case.replay(CASSETTES / "chat.cassette")


def test_a_cassettes_pattern_that_matches_nothing_is_a_failing_test() -> None:
    class Nothing(ReplayTestCase):
        cassettes = "no/such/*.cassette"

    test: Any = Nothing.test_cassettes_found  # type: ignore[attr-defined]
    with pytest.raises(AssertionError, match="matches no file"):
        test(Nothing("test_cassettes_found"))
