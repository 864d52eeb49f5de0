"""The engine's options on the committed cassettes: pace, ordering, path rewriting, timeouts."""

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from channels_replay.cassettes import ConnectEvent, load_cassette
from channels_replay.errors import ReplayError
from channels_replay.reports import render_text
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

    def test_an_app_that_is_done_without_complete_is_reported_at_once(self) -> None:
        """The app is done (nothing runs, nothing pending) without its `complete`: no waiting.

        The bound below is the timeout itself: a replay that reached it waited for an app
        that could send nothing more, which is wrong at any speed.
        """
        from tests.replay import regressions

        self.router = regressions.NEVER_COMPLETES
        timeout = 5.0
        started = time.monotonic()
        result = self.replay(CASSETTES / "echo.cassette", timeout=timeout)
        elapsed = time.monotonic() - started

        assert elapsed < timeout
        outcomes = [o for step in result.failed_steps for o in step.outcomes if o.differences]
        assert [(o.conn, o.timed_out) for o in outcomes] == [("c1", None), ("c1", None)]
        assert [
            (step.step.index, d.kind, d.frame_action)
            for step in result.failed_steps
            for _, d in step.differences
        ] == [(1, "missing", "complete"), (2, "missing", "complete")]
        assert "gave up waiting" not in render_text(result)

    def test_an_app_that_really_stalls_is_reported_at_the_timeout_with_what_was_awaited(
        self,
    ) -> None:
        """The `ping` handler awaits a sleep that never ends: only the time bound ends the wait."""
        from tests.replay import regressions

        self.router = regressions.STALLS
        timeout = 0.3
        started = time.monotonic()
        result = self.replay(CASSETTES / "echo.cassette", timeout=timeout)
        elapsed = time.monotonic() - started

        assert elapsed >= timeout  # the bound, not "done", ended the wait
        [failed] = result.failed_steps
        assert failed.step.describe() == 'c1 sends {"action": "ping"}'
        [outcome] = [o for o in failed.outcomes if o.differences]
        assert outcome.timed_out == "1 complete (nothing came within 0.3s)"
        assert [(d.kind, d.frame_action) for d in outcome.differences] == [
            ("missing", "pong"),
            ("missing", "complete"),
        ]
        assert "(gave up waiting for 1 complete (nothing came within 0.3s))" in render_text(result)

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

    def test_a_whole_cassette_bound_gives_up_and_says_where(self) -> None:
        result = self.replay(CASSETTES / "chat.cassette", cassette_timeout=0.001)
        assert not result.ok
        (note,) = [note for note in result.notes if "--cassette-timeout" in note]
        assert note.startswith("the whole replay took longer than 0.001s (--cassette-timeout)")
        assert "reported missing" in note

    def test_recorded_pace_sleeps_no_longer_than_the_timeout(self) -> None:
        import tempfile

        from channels_replay.cassettes import save_cassette

        cassette = load_cassette(CASSETTES / "chat.cassette")
        # every event after the first 3 recorded 30 years later: a pace that slept that
        # long would never end (the test's own timeout would fail it)
        far = [
            event if index < 3 else event.model_copy(update={"t": event.t + 9e8})
            for index, event in enumerate(cassette.events)
        ]
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "far.cassette"
            save_cassette(cassette.model_copy(update={"events": far}), path)
            result = self.replay(path, pace="recorded", timeout=0.2)
        assert result.ok, render_text(result)


def test_a_cassettes_pattern_that_matches_nothing_is_a_failing_test() -> None:
    class Nothing(ReplayTestCase):
        cassettes = "no/such/*.cassette"

    test: Any = Nothing.test_cassettes_found  # type: ignore[attr-defined]
    with pytest.raises(AssertionError, match="matches no file"):
        test(Nothing("test_cassettes_found"))


async def test_the_timeline_puts_actions_and_arrivals_on_one_clock() -> None:
    """An answer never comes before the action it answers, however early the driver was made.

    Actions and arrivals must be timed on the same clock: an offset between the
    driver's and the loop's would reorder the timeline, and `--update` writes it.
    """
    from channels_replay.cassettes import (
        AcceptEvent,
        Cassette,
        ClientDisconnect,
        ClientFrame,
        ServerFrame,
    )
    from channels_replay.drivers import InProcessDriver
    from channels_replay.replay import ReplayOptions, run_replay
    from tests.drivers import apps

    kinds = [ConnectEvent, AcceptEvent, ClientFrame, ServerFrame, ClientDisconnect]
    fields: list[dict[str, Any]] = [
        {"path": "/shout/"},
        {},
        {"text": "hi"},
        {"text": "HI"},
        {"code": 1000},
    ]
    events: list[Any] = [
        kind(seq=seq, conn="c1", t=seq / 100, **extra)
        for seq, (kind, extra) in enumerate(zip(kinds, fields, strict=True))
    ]
    driver = InProcessDriver(apps.application)
    await asyncio.sleep(0.05)  # the driver is made a little before the replay starts

    result = await run_replay(Cassette(events=events), driver, ReplayOptions(timeout=2.0))

    assert result.ok
    assert [event.kind for event in result.timeline] == [event.kind for event in events]
    assert [event.t for event in result.timeline] == sorted(event.t for event in result.timeline)
