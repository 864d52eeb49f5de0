"""The replay and learn-noise commands, run as a user runs them (a real subprocess)."""

import json
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest

from example.demo import APP, CHANGED
from example.demo import REPLAY_CREDENTIALS as CREDENTIALS
from tests.commands import channels_replay

REPO = Path(__file__).resolve().parents[2]


def test_all_committed_cassettes_pass_with_exit_code_0_and_junit_xml(tmp_path: Path) -> None:
    junit = tmp_path / "replay.xml"
    done = channels_replay("replay", "cassettes", *APP, *CREDENTIALS, "--junit-xml", str(junit))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 cassettes: all passed" in done.stdout
    suite = ElementTree.parse(junit).getroot()
    assert (suite.get("tests"), suite.get("failures")) == ("5", "0")


def test_a_difference_exits_1_and_json_says_where(tmp_path: Path) -> None:
    done = channels_replay("replay", "cassettes/chat.cassette", *APP, *CREDENTIALS, "--json",
                           "--ignore", "chat_message:payload.text=regex:x+")  # fmt: skip
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is False
    (cassette,) = report["cassettes"]
    assert "chat_message:payload.text=regex:x+" in " ".join(cassette["rules"])
    paths = {
        difference["path"]
        for failure in cassette["failures"]
        for connection in failure["connections"]
        for difference in connection["differences"]
    }
    assert paths == {"payload.text"}


def test_json_is_all_stdout_holds_when_the_app_prints_and_logs_there() -> None:
    app = ["--app", "tests.replay.stdout_app:application", "--command", "seed_demo"]
    done = channels_replay("replay", "cassettes/echo.cassette", *app, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # the whole of stdout is the document
    assert report["ok"] is True
    assert "stdout_app imported" in done.stderr  # the app's output went to stderr
    assert "received {'action': 'echo'" in done.stderr
    assert "handling echo" in done.stderr
    assert "event=received action=echo" in done.stderr
    text = channels_replay("replay", "cassettes/echo.cassette", *app)
    assert "handling echo" in text.stdout  # without --json, stdout is the app's as usual


def test_the_demos_changed_app_is_caught_with_the_changed_field() -> None:
    done = channels_replay("replay", "cassettes/chat.cassette", *CHANGED, *CREDENTIALS)
    assert done.returncode == 1, done.stderr
    assert 'changed payload.user: expected "alice", got "Alice" [frame #1 chat_message]' in (
        done.stdout
    )
    assert "FAIL chat.cassette: 4 difference(s) in 2 of 6 steps" in done.stdout


def test_a_missing_credential_is_one_clear_line_and_exit_2() -> None:
    done = channels_replay("replay", "cassettes/chat.cassette", *APP)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: connection c1 (identity alice) needs the header 'authorization'")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["replay", "nowhere/*.cassette", *APP], "error: no cassette at nowhere/*.cassette"),
        (
            ["replay", "cassettes", "--app", "nosuch.module:app"],
            "module 'nosuch.module' failed to import",
        ),
        (["replay", "README.md", *APP], "error: README.md"),
        (
            ["learn-noise", "cassettes/chat.cassette", *APP, "--runs", "1"],
            "error: --runs must be at least 2, not 1",
        ),
    ],
)
def test_bad_input_exits_2_without_a_traceback(args: list[str], message: str) -> None:
    done = channels_replay(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert message in done.stderr


def test_learn_noise_writes_rules_that_make_a_fresh_recording_pass(tmp_path: Path) -> None:
    from channels_replay.cassettes import load_cassette, save_cassette

    learned = load_cassette(REPO / "cassettes" / "chat.cassette")
    fresh = tmp_path / "chat.cassette"
    header = learned.header.model_copy(update={"noise": []})
    save_cassette(learned.model_copy(update={"header": header}), fresh)
    assert channels_replay("replay", str(fresh), *APP, *CREDENTIALS).returncode == 1

    done = channels_replay("learn-noise", str(fresh), *APP, *CREDENTIALS, "--yes")

    assert done.returncode == 0, done.stderr
    assert "2 proposed rule(s) from 3 replays:" in done.stdout
    for rule in ("chat_message:payload.id=uuid", "chat_message:payload.ts=datetime"):
        assert f"\n  {rule}: " in done.stdout
    assert done.stdout.count("applies to 4 frames in 2 steps") == 2
    assert '    hides: recorded "fd7d211c414a49d2aab4c9c2ebe40f9a"; replays "' in done.stdout
    assert "not learned" not in done.stdout
    assert f"written 2 rule(s) into {fresh}" in done.stdout
    assert {rule["matcher"] for rule in load_cassette(fresh).header.noise} == {"uuid", "datetime"}
    assert channels_replay("replay", str(fresh), *APP, *CREDENTIALS).returncode == 0


def test_update_rewrites_a_cassette_from_the_current_app(tmp_path: Path) -> None:
    copy = tmp_path / "echo.cassette"
    shutil.copy(REPO / "cassettes" / "echo.cassette", copy)
    from channels_replay.cassettes import load_cassette, save_cassette

    cassette = load_cassette(copy)
    events = [
        e.model_copy(update={"text": e.text.replace("world", "old")})
        if getattr(e, "text", None) and e.kind == "server_frame"
        else e
        for e in cassette.events
    ]
    save_cassette(cassette.model_copy(update={"events": events}), copy)
    assert channels_replay("replay", str(copy), *APP).returncode == 1

    done = channels_replay("replay", str(copy), *APP, "--update")

    assert done.returncode == 0
    assert f"updated {copy} from the current app: 1 frame changed" in done.stdout
    assert "updated 1 of 1 cassette(s)" in done.stdout
    assert channels_replay("replay", str(copy), *APP).returncode == 0


SETTINGS = ["--settings", "example.settings"]


@pytest.mark.parametrize(
    ("args", "named", "advice"),
    [
        pytest.param(
            ["--settings", "exmaple.settings"],
            "'exmaple.settings'",
            "check its dotted name",
            id="settings-module-does-not-import",
        ),
        pytest.param(
            [*SETTINGS, "--command", "creat_users"],
            "'creat_users'",
            "there is no management command",
            id="unknown-management-command",
        ),
        pytest.param(
            [*SETTINGS, "--fixture", "nope.json"],
            "'nope.json'",
            "give a fixture file path",
            id="unknown-fixture",
        ),
        pytest.param(
            [*SETTINGS, "--app", "example.asgi"],
            "'example.asgi'",
            "'example.asgi:application'",
            id="app-without-attribute",
        ),
        pytest.param(
            [*SETTINGS, "--app", "exmaple.asgi:application"],
            "'exmaple.asgi'",
            "failed to import",
            id="app-module-does-not-exist",
        ),
        pytest.param(
            [*SETTINGS, "--app", "example.asgi:aplication"],
            "'aplication'",
            "did you mean 'application'?",
            id="app-attribute-does-not-exist",
        ),
    ],
)
def test_a_user_mistake_is_one_error_line_saying_what_to_do(
    args: list[str], named: str, advice: str
) -> None:
    done = channels_replay("replay", "cassettes/echo.cassette", *args)
    _assert_one_error_line(done, named, advice)


def test_a_cassette_path_with_a_typo_suggests_the_close_name() -> None:
    done = channels_replay("replay", "cassettes/echo.casette", *SETTINGS)
    _assert_one_error_line(done, "cassettes/echo.casette", "did you mean cassettes/echo.cassette?")


def _assert_one_error_line(done: subprocess.CompletedProcess[str], named: str, advice: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "please report it" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: ")
    assert named in line
    assert advice in line


def test_an_app_exception_names_the_step_and_shows_the_apps_own_traceback() -> None:
    cassettes = ["cassettes/echo.cassette", "cassettes/plain.cassette"]
    app = ["--app", "tests.replay.regressions:RAISES_ON_PING"]
    done = channels_replay("replay", *cassettes, *SETTINGS, *app)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "FAIL echo.cassette" in out
    assert (
        '  the app raised on c1 at step 3, after c1 sends {"action": "ping"}: '
        "RuntimeError: ping handler broke\n"
    ) in out
    assert "tests/replay/regressions.py" in out
    assert 'raise RuntimeError("ping handler broke")  # the app\'s raising line' in out
    assert "asgiref hidden):" in out
    frames = [line for line in out.splitlines() if line.strip().startswith('File "')]
    assert any("tests/replay/regressions.py" in frame for frame in frames)
    for library in ("channels_replay/", "asyncio/", "site-packages/channels/", "asgiref/"):
        assert not any(library in frame for frame in frames), frames
    assert "PASS plain.cassette" in out  # the other cassettes still run
    assert "2 cassettes: 1 failed" in out
