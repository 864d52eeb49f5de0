"""`git-setup` in a real git repository: `git diff` of a cassette shows JSON Lines."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from channels_replay.cassettes import load_cassette, save_cassette

REPO = Path(__file__).resolve().parents[2]
GIT = shutil.which("git")

pytestmark = pytest.mark.skipif(GIT is None, reason="git is not installed (.ci/run installs it)")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh repository with a committed cassette; HOME is the test's, so is global config."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "project"
    (root / "cassettes").mkdir(parents=True)
    shutil.copy(REPO / "cassettes" / "echo.cassette", root / "cassettes" / "echo.cassette")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "rec")
    return root


def _git(root: Path, *args: str) -> str:
    assert GIT is not None
    done = subprocess.run([GIT, *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout


def _git_setup(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "channels_replay", "git-setup", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'src'}"},
        check=False,
    )


def _change_a_frame(path: Path) -> None:
    cassette = load_cassette(path)
    events = [
        event.model_copy(update={"text": event.text.replace("world", "WORLD")})
        if event.kind == "server_frame" and getattr(event, "text", None)
        else event
        for event in cassette.events
    ]
    save_cassette(cassette.model_copy(update={"events": events}), path)


def test_git_diff_of_a_cassette_shows_json_lines(repo: Path) -> None:
    cassette = repo / "cassettes" / "echo.cassette"
    _change_a_frame(cassette)
    assert "Binary files" in _git(repo, "diff")  # what a reviewer sees without the driver

    done = _git_setup(repo / "cassettes")  # from a subdirectory: the top level is found
    assert done.returncode == 0, done.stderr

    assert (repo / ".gitattributes").read_text() == "*.cassette diff=channels-replay\n"
    diff = _git(repo, "diff")
    assert "Binary files" not in diff
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-{")]
    added = [line[1:] for line in diff.splitlines() if line.startswith("+{")]
    assert removed
    assert added
    for line in removed + added:
        json.loads(line)  # each side of the diff is a JSON Lines record
    assert any('"hello": "world"' in json.loads(line)["text"] for line in removed)
    assert any('"hello": "WORLD"' in json.loads(line)["text"] for line in added)


def test_running_it_again_changes_nothing(repo: Path) -> None:
    (repo / ".gitattributes").write_text("*.png binary")  # an existing file, no final newline
    assert _git_setup(repo).returncode == 0
    first = (repo / ".gitattributes").read_text()
    config = _git(repo, "config", "--local", "--get", "diff.channels-replay.textconv")

    again = _git_setup(repo)

    assert again.returncode == 0
    assert "already has" in again.stdout
    assert "already" in again.stdout.splitlines()[1]
    assert (repo / ".gitattributes").read_text() == first
    assert first == "*.png binary\n*.cassette diff=channels-replay\n"
    assert _git(repo, "config", "--local", "--get", "diff.channels-replay.textconv") == config


def test_global_sets_the_driver_in_the_users_config(repo: Path) -> None:
    assert _git_setup(repo, "--global").returncode == 0
    home_config = Path(os.environ["HOME"]) / ".gitconfig"
    assert "convert --stdout" in home_config.read_text()
    local = subprocess.run(
        [GIT or "git", "config", "--local", "--get", "diff.channels-replay.textconv"],
        cwd=repo,
        capture_output=True,
        check=False,
    )
    assert local.returncode == 1  # not set locally


def test_outside_a_repository_it_is_one_error_line(tmp_path: Path) -> None:
    done = _git_setup(tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"error: {tmp_path} is not in a git repository")


def test_convert_stdout_prints_the_cassette_as_json_lines() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "channels_replay", "convert", "--stdout", "cassettes/echo.cassette"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records[0]["record"] == "header"
    assert records[-1]["record"] == "end"
    assert len(records) - 2 == len(load_cassette(REPO / "cassettes" / "echo.cassette").events)
