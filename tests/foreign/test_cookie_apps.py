"""Apps that authenticate by cookie, recorded and replayed as a user of such an app would.

Two scenarios of tests/foreign/scenarios.py log in over HTTP first, as a browser does,
then open their WebSocket with the cookie: a chanx consumer that authenticates a
simplejwt access cookie inside the consumer (so `scope["user"]` stays anonymous, and the
identity comes from the `jwt_user` hook), and a plain consumer behind Channels' session
auth. Both are recorded with `record --snapshot auth --snapshot foreign_project`, so the
users and their notes travel with the cassette, and replayed with the credentials file
tests/foreign/replay.toml, which mints a JWT or a session for each user at replay time.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from channels_replay.cassettes import ConnectEvent, load_cassette
from tests.foreign.project.users import USERS
from tests.foreign.recording import APP, REPO, SETTINGS, Recordings, project_env
from tests.foreign.replaying import CREDENTIALS

COOKIE_SCENARIOS = ("chanx_notes_jwt", "plain_notes_session")
EXIT_OK, EXIT_BAD_INPUT = 0, 2


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`channels-replay ARGS` with the foreign project's settings, on a fresh test database."""
    return subprocess.run(
        [sys.executable, "-m", "channels_replay.cli", *args],
        cwd=REPO,
        env=project_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def replay(cassette: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return cli(
        "replay", str(cassette), "--app", APP, "--settings", SETTINGS, "--timeout", "2", *extra
    )


def output(run: subprocess.CompletedProcess[str]) -> str:
    return f"exit {run.returncode}\n--- stdout ---\n{run.stdout}\n--- stderr ---\n{run.stderr}"


@pytest.mark.parametrize("scenario", COOKIE_SCENARIOS)
def test_users_are_recorded_and_the_snapshot_travels_without_secrets(
    recordings: Recordings, scenario: str
) -> None:
    recording = recordings[scenario]
    cassette = load_cassette(recording.cassette)
    users = {e.user for e in cassette.events if isinstance(e, ConnectEvent) and e.user}
    assert users == set(recording.frames), users
    snapshot = recording.cassette.with_name(f"{scenario}.snapshot.json")
    rows = json.loads(snapshot.read_text())
    models = {row["model"] for row in rows}
    assert {"auth.user", "foreign_project.note"} <= models, models
    assert not models & {"sessions.session", "authtoken.token"}, models
    stored = recording.cassette.read_bytes() + snapshot.read_bytes()
    secrets = [b"eyJ", b"sessionid=", b"access=", b"pbkdf2", *(t.encode() for t in USERS.values())]
    for secret in secrets:  # a JWT, the session cookie, password hashes, the DRF tokens
        assert secret not in stored, f"{secret!r} is stored in clear"
    shown = cli("show", str(recording.cassette))
    assert shown.returncode == EXIT_OK, output(shown)
    assert f"database snapshot: {snapshot.name} (beside it)" in shown.stdout, shown.stdout
    for user in users:
        assert f" {user}" in shown.stdout.split("users:")[1], shown.stdout


@pytest.mark.parametrize("scenario", COOKIE_SCENARIOS)
def test_replay_needs_only_the_snapshot_and_the_credentials_file(
    recordings: Recordings, scenario: str
) -> None:
    run = replay(recordings[scenario].cassette, "--credentials", str(CREDENTIALS))
    assert run.returncode == EXIT_OK, output(run)
    assert "PASS" in run.stdout, output(run)


def test_without_credentials_the_error_says_what_to_pass(recordings: Recordings) -> None:
    run = replay(recordings["plain_notes_session"].cassette)
    assert run.returncode == EXIT_BAD_INPUT, output(run)
    (line,) = run.stderr.strip().splitlines()
    assert "needs the header 'cookie'" in line, line
    assert "--credentials" in line, line
    assert "Traceback" not in run.stderr


def test_an_unknown_identity_on_the_command_line_is_an_error(recordings: Recordings) -> None:
    run = replay(
        recordings["chanx_notes_jwt"].cassette,
        "--credentials",
        str(CREDENTIALS),
        "--header",
        "alcie:cookie=access=x",
    )
    assert run.returncode == EXIT_BAD_INPUT, output(run)
    (line,) = run.stderr.strip().splitlines()
    assert "'alcie'" in line, line
    assert "recorded users: alice, bob" in line, line


def test_a_missing_snapshot_is_named_with_what_to_do(
    recordings: Recordings, tmp_path: Path
) -> None:
    cassette = tmp_path / "alone.cassette"
    shutil.copyfile(recordings["plain_notes_session"].cassette, cassette)
    run = replay(cassette, "--credentials", str(CREDENTIALS))
    assert run.returncode == EXIT_BAD_INPUT, output(run)
    assert "plain_notes_session.snapshot.json is missing" in run.stderr, output(run)
    assert "Traceback" not in run.stderr


def test_a_refused_handshake_shows_its_status_and_what_the_app_logged(
    recordings: Recordings,
) -> None:
    run = replay(
        recordings["plain_notes_session"].cassette,
        "--credentials",
        str(CREDENTIALS),
        "--header",
        "c1:cookie=sessionid=expired",
    )
    assert run.returncode == 1, output(run)
    assert "<handshake refused: HTTP 403>" in run.stdout, output(run)
    assert "the app logged:" in run.stdout, output(run)
    assert "foreign.notes: refusing /ws/plain/notes/: not logged in" in run.stdout, output(run)
