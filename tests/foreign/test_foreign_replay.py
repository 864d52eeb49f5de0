"""channels-replay against code it did not write: chanx 0.13.3 and plain channels consumers.

Every scenario of tests/foreign/scenarios.py is recorded once per run with the real
`channels-replay record` server and real `websockets` clients, then replayed in-process
with the real `channels-replay replay` command (in a subprocess, with the foreign
project's settings):

- against the unchanged app, each replay must pass (exit code 0);
- with a regression switched on (FOREIGN_REGRESSION), the replay must fail (exit code 1)
  and one of its differences must name what changed: the JSON path of a renamed or
  changed value, or the action / type of a missing or extra frame, or the close code;
  no difference may be about anything else;
- all cassettes replayed by one command (as CI does) must pass.

Run: `.venv/bin/pytest tests/foreign` (about 30-45 s on two cores). Set
FOREIGN_LIBRARY_SRC to record and replay with another checkout of the library.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from channels_replay.cassettes import ClientDisconnect, ServerClose, load_cassette
from tests.foreign.recording import Recordings
from tests.foreign.replaying import replay_cli
from tests.foreign.scenarios import SCENARIOS

EXIT_OK = 0
EXIT_DIFFERENCES = 1


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_replay_of_the_unchanged_app_passes(recordings: Recordings, scenario: str) -> None:
    cassette = recordings[scenario].cassette
    run = replay_cli([cassette])
    report = run.cassette(scenario)
    assert report.ok, run.describe()
    assert run.returncode == EXIT_OK, run.describe()


RENAMED = ("payload.message", "payload.text")

# (regression, scenario, what one difference must say, what every difference must be about)
REGRESSIONS = [
    ("rename_field", "chanx_echo", "missing key payload.message", RENAMED),
    ("rename_field", "plain_room", "missing key payload.message", RENAMED),
    ("drop_frame", "chanx_slow", 'missing frame #1 {"action":"work_done"', ('"work_done"',)),
    ("drop_frame", "plain_echo", 'missing frame #0 {"type":"echo"', ('"type":"echo"',)),
    (
        "drop_group_complete",
        "chanx_room_race",
        'missing frame #2 {"action":"group_complete"',
        ('"action":"group_complete"',),
    ),
    (
        "change_value",
        "chanx_private",
        'changed payload.username: expected "alice", got "ALICE"',
        ("payload.username",),
    ),
    (
        "change_value",
        "plain_echo",
        'changed payload.message: expected "one", got "ONE"',
        ("payload.message",),
    ),
    ("extra_frame", "chanx_echo", 'extra frame #1 {"action":"notice"', ('"action":"notice"',)),
    ("extra_frame", "plain_room", 'extra frame #1 {"type":"notice"', ('"type":"notice"',)),
    ("close_code", "chanx_private", "changed code: expected 1000, got 4003", ("changed code",)),
]
"""A regression is caught when the replay fails (exit 1), one difference says what
changed (the JSON path, or the missing / extra frame with its action or type, or the
close code), and no difference is about anything else: on the unchanged app the same
cassette replays green, so every difference must come from the regression."""


@pytest.mark.parametrize(
    ("regression", "scenario", "needle", "related"),
    REGRESSIONS,
    ids=[f"{regression}-{scenario}" for regression, scenario, *_ in REGRESSIONS],
)
def test_replay_catches_the_regression(
    recordings: Recordings,
    regression: str,
    scenario: str,
    needle: str,
    related: tuple[str, ...],
) -> None:
    cassette = recordings[scenario].cassette
    run = replay_cli([cassette], regression=regression)
    report = run.cassette(scenario)
    assert not report.ok, f"the regression went unnoticed:\n{run.describe()}"
    assert run.returncode == EXIT_DIFFERENCES, run.describe()
    differences = report.differences()
    assert any(needle in d for d in differences), (
        f"no difference says {needle!r}:\n{run.describe()}"
    )
    unrelated = [d for d in differences if not any(text in d for text in related)]
    assert not unrelated, (
        f"differences not caused by {regression} (none of {related}):\n"
        + "\n".join(unrelated)
        + f"\n\nfull report:\n{run.describe()}"
    )


def test_replay_of_every_cassette_in_one_run_passes(recordings: Recordings) -> None:
    """`channels-replay replay DIR`, as CI runs it: every cassette, one process, one verdict.

    The database is flushed and `make_foreign_users` run before each cassette, so the
    stored counts of the slow consumers start again at 1 in each.
    """
    directory = recordings.directory
    for scenario in SCENARIOS:
        recordings[scenario]
    run = replay_cli([directory])
    reports = run.cassettes()
    assert sorted(r.name for r in reports) == sorted(f"{s}.cassette" for s in SCENARIOS)
    failed = [r for r in reports if not r.ok]
    assert not failed, run.describe()
    assert run.returncode == EXIT_OK, run.describe()


@pytest.mark.parametrize(
    ("regression", "scenario"), [("extra_frame", "plain_room"), ("extra_frame", "chanx_echo")]
)
def test_update_writes_a_valid_timeline_that_replays_green(
    recordings: Recordings, tmp_path: Path, regression: str, scenario: str
) -> None:
    """`replay --update` after a reviewed change: the cassette becomes what the app does now.

    The plain room broadcasts to a group that includes the sender, so its own copy
    and the direct reply race; whatever the order, nothing may follow a connection's
    end in the rewritten cassette, and it must replay green against the changed app.
    """
    cassette = tmp_path / f"{scenario}.cassette"
    shutil.copy(recordings[scenario].cassette, cassette)

    updated = replay_cli([cassette], regression=regression, extra=["--update"])
    assert updated.returncode == EXIT_OK, updated.describe()

    ended: set[str] = set()
    for event in load_cassette(cassette).events:
        assert event.conn not in ended, f"{event!r} follows the end of {event.conn}"
        if isinstance(event, ClientDisconnect | ServerClose):
            ended.add(event.conn)
    again = replay_cli([cassette], regression=regression)
    assert again.cassette(scenario).ok, again.describe()
    assert not replay_cli([cassette]).cassette(scenario).ok  # the old behaviour differs now
