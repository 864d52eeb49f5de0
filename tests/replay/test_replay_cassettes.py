"""The committed cassettes against the example app: green, every time; each regression caught."""

from pathlib import Path
from typing import Any, ClassVar

from channels_replay.cassettes import load_cassette, save_cassette
from channels_replay.replay import ReplayResult
from channels_replay.reports import render_text
from channels_replay.testing import ReplayTestCase
from example.management.commands.seed_demo import DEMO_USERS, seed_demo_users
from tests.replay import regressions

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"


class ExampleReplay(ReplayTestCase):
    """Supplies what was redacted at record time, as a project's replay tests do."""

    def setUp(self) -> None:
        super().setUp()
        seed_demo_users()

    def get_replay_headers(self, identity: str | None) -> dict[str, str]:
        token = DEMO_USERS.get(identity or "", "wrong-token")
        return {"authorization": f"Token {token}"}

    def get_replay_query(self, identity: str | None) -> dict[str, str]:
        return {"token": DEMO_USERS[identity]} if identity in DEMO_USERS else {}

    def replay_against(self, router: Any, name: str, **options: Any) -> ReplayResult:
        self.router = router
        result = self.replay(CASSETTES / f"{name}.cassette", **options)
        assert not result.ok, f"the regression went unnoticed by {name}.cassette"
        return result


class CommittedCassettesTests(ExampleReplay):
    cassettes = str(CASSETTES / "*.cassette")  # one generated test per cassette

    def test_every_cassette_replays_green_50_times_in_a_row(self) -> None:
        paths = sorted(CASSETTES.glob("*.cassette"))
        assert len(paths) == 5
        for run in range(50):
            for path in paths:
                result = self.replay(path)
                assert result.ok, f"run {run + 1}: {render_text(result)}"


class RegressionTests(ExampleReplay):
    def test_a_changed_value(self) -> None:
        report = render_text(self.replay_against(regressions.CHANGED_VALUE, "echo"))
        assert 'changed payload.hello: expected "world", got "WORLD"' in report
        assert "step 2: c1 sends" in report

    def test_a_renamed_key(self) -> None:
        report = render_text(self.replay_against(regressions.RENAMED_KEY, "chat"))
        assert 'missing key payload.text: expected "hi bob!" [frame #1 chat_message]' in report
        assert 'extra key payload.body: got "hi bob!" [frame #1 chat_message]' in report

    def test_a_missing_message(self) -> None:
        result = self.replay_against(regressions.MISSING_MESSAGE, "echo")
        (step,) = result.failed_steps
        assert step.step.describe() == 'c1 sends {"action": "ping"}'
        ((conn, difference),) = step.differences
        assert (conn, difference.kind, difference.frame_action) == ("c1", "missing", "pong")

    def test_an_extra_message(self) -> None:
        result = self.replay_against(regressions.EXTRA_MESSAGE, "echo")
        kinds = [(d.kind, d.frame_action) for _, d in result.failed_steps[0].differences]
        assert kinds == [("extra", "notice")]

    def test_changes_are_counted_by_frame(self) -> None:
        # a renamed key is a missing and an extra key in each of the 4 chat messages
        renamed = self.replay_against(regressions.RENAMED_KEY, "chat")
        assert renamed.changes() == "4 frames changed"
        assert self.replay_against(regressions.CHANGED_VALUE, "echo").changes() == (
            "1 frame changed"
        )
        assert self.replay_against(regressions.EXTRA_MESSAGE, "echo").changes() == ("1 frame added")
        assert self.replay_against(regressions.MISSING_MESSAGE, "echo").changes() == (
            "1 frame missing"
        )

    def test_swapped_order(self) -> None:
        result = self.replay_against(regressions.SWAPPED_ORDER, "validation_error")
        differences = [d for step in result.failed_steps for _, d in step.differences]
        assert [d.describe() for d in differences] == [
            'order changed: frame #1 {"action":"complete","payload":null} came as #0'
        ] * 2

    def test_a_changed_close_code(self) -> None:
        report = render_text(
            self.replay_against(regressions.CHANGED_CLOSE_CODE, "failed_authentication")
        )
        assert "changed code: expected 4001, got 4003 [frame #2]" in report

    def test_failed_authentication(self) -> None:
        report = render_text(self.replay_against(regressions.FAILED_AUTHENTICATION, "chat"))
        assert "changed payload.status_code: expected 200, got 401" in report

    def test_timestamps_and_random_ids_fail_until_learned_as_noise(self) -> None:
        learned = load_cassette(CASSETTES / "chat.cassette")
        assert {rule["path"] for rule in learned.header.noise} == {"payload.id", "payload.ts"}
        raw = learned.model_copy(update={"header": learned.header.model_copy(update={"noise": []})})
        unlearned = Path(self.id().replace(".", "_") + ".cassette")
        try:
            save_cassette(raw, unlearned)
            report = render_text(self.replay(unlearned))
        finally:
            unlearned.unlink(missing_ok=True)
        assert "changed payload.id" in report
        assert "changed payload.ts" in report
        assert self.replay(CASSETTES / "chat.cassette").ok


SEEN_IDENTITIES: list[str | None] = []


def demo_token(identity: str | None) -> str:
    """The Authorization value for a recorded user; None is an anonymous connection."""
    SEEN_IDENTITIES.append(identity)
    return f"Token {DEMO_USERS.get(identity or '', 'wrong-token')}"


class CredentialsMappingTests(ReplayTestCase):
    """The same cassettes with the credentials mapping instead of the hooks."""

    replay_credentials: ClassVar[dict[str, Any]] = {
        "*": {"headers": {"authorization": demo_token}},
        "bob": {"query": {"token": DEMO_USERS["bob"]}},
    }

    def setUp(self) -> None:
        super().setUp()
        seed_demo_users()
        SEEN_IDENTITIES.clear()

    def test_every_committed_cassette_replays_green_with_the_mapping(self) -> None:
        for path in sorted(CASSETTES.glob("*.cassette")):
            result = self.replay(path)
            assert result.ok, render_text(result)
        assert "alice" in SEEN_IDENTITIES
        assert None in SEEN_IDENTITIES, "an anonymous connection's callable gets None"
