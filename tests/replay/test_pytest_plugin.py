"""The pytest plugin, in a pytest run of its own: cassettes collected, diffs shown, updates."""

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

CONFTEST = """
import pytest

from example.management.commands.seed_demo import seed_demo_users


@pytest.fixture
def replay_config(transactional_db):
    seed_demo_users()
    return {{}}


@pytest.fixture
def replay_app():
    {app}
"""
DEFAULT_APP = (
    "return __import__('channels_replay.testing', fromlist=['x']).find_websocket_application()"
)
CHANGED_APP = "from tests.replay.regressions import CHANGED_VALUE\n    return CHANGED_VALUE"


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PYTHONPATH", f"{REPO}:{REPO / 'src'}")
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "example.settings")
    shutil.copy(REPO / "cassettes" / "echo.cassette", pytester.path / "echo.cassette")
    shutil.copy(REPO / "cassettes" / "plain.cassette", pytester.path / "plain.cassette")
    return pytester


def _run(project: pytest.Pytester, app: str, *args: str) -> pytest.RunResult:
    project.makeconftest(CONFTEST.format(app=app))
    return project.runpytest_subprocess("-p", "no:cacheprovider", *args)


def test_cassette_files_are_collected_and_pass(project: pytest.Pytester) -> None:
    result = _run(project, DEFAULT_APP, "-v")
    result.stdout.fnmatch_lines(
        [
            "echo.cassette::echo PASSED*",
            "plain.cassette::plain PASSED*",
            "*- channels-replay cassettes -*",
            "2 replayed, 0 failed, 0 updated",
            "*2 passed*",
        ]
    )


def test_a_failure_shows_the_diff_in_pytests_report(project: pytest.Pytester) -> None:
    result = _run(project, CHANGED_APP)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*FAIL echo.cassette: 1 difference(s) in 1 of 4 steps*",
            "*step 2: c1 sends*",
            '*changed payload.hello: expected "world", got "WORLD"*',
        ]
    )
    output = result.stdout.str()
    assert "Traceback" not in output
    assert output.count("step 2: c1 sends") == 1  # the report once, not again as a context
    assert "During handling" not in output
    assert "channels_replay" not in output  # no library frame, no library path
    result.stdout.fnmatch_lines(
        [
            "*_ echo _*",
            "*- channels-replay cassettes -*",
            "2 replayed, 1 failed, 0 updated",
            "failed echo.cassette::echo",
            "FAILED echo.cassette::echo - *FAIL echo.cassette: 1 difference(s)*",
        ]
    )


def test_update_cassettes_rewrites_them_from_the_current_app(project: pytest.Pytester) -> None:
    before = (project.path / "echo.cassette").read_bytes()
    updated = _run(project, CHANGED_APP, "--update-cassettes")
    updated.assert_outcomes(passed=2)
    updated.stdout.fnmatch_lines(
        ["2 replayed, 0 failed, 1 updated", "updated echo.cassette: 1 frame changed"]
    )
    assert (project.path / "echo.cassette").read_bytes() != before
    _run(project, CHANGED_APP).assert_outcomes(passed=2)
    _run(project, DEFAULT_APP).assert_outcomes(passed=1, failed=1)


def test_new_episodes_accepts_new_frames_but_not_changed_ones(project: pytest.Pytester) -> None:
    extra = "from tests.replay.regressions import EXTRA_MESSAGE\n    return EXTRA_MESSAGE"
    accepted = _run(project, extra, "--record-mode=new_episodes")
    accepted.assert_outcomes(passed=2)
    accepted.stdout.fnmatch_lines(["updated echo.cassette: 1 frame added"])
    _run(project, extra).assert_outcomes(passed=2)
    _run(project, CHANGED_APP, "--record-mode=new_episodes").assert_outcomes(passed=1, failed=1)
    _run(project, CHANGED_APP, "--record-mode=none").assert_outcomes(passed=1, failed=1)


def test_without_django_settings_a_cassette_errors_saying_what_to_set(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE")
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "echo.cassette")
    assert result.ret != 0
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*cannot replay echo.cassette: no Django settings*DJANGO_SETTINGS_MODULE*--ds*replay_app*"]
    )
    assert "skipped" not in result.stdout.str()


def test_without_django_settings_a_replay_app_fixture_is_used(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE")
    project.makeconftest(
        """
import pytest

@pytest.fixture
def replay_app():
    async def app(scope, receive, send):
        raise RuntimeError("the replay_app fixture was used")
    return app
"""
    )
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "echo.cassette")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RuntimeError: the replay_app fixture was used*"])


def test_replay_html_writes_one_report_of_every_cassette(project: pytest.Pytester) -> None:
    result = _run(project, CHANGED_APP, "--replay-html", "report.html")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*channels-replay: HTML report of 2 cassette(s): report.html*"])
    page = (project.path / "report.html").read_text(encoding="utf-8")
    assert "FAIL: 1 of 2 cassette(s) differ" in page
    assert "PASS plain.cassette" in page
    assert "FAIL echo.cassette: 1 difference(s) in 1 of 4 steps" in page
    assert "<code>payload.hello</code>" in page
