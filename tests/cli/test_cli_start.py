"""`channels-replay --help` starts without the library's heavy parts.

Each check runs the real command line in a fresh interpreter and reads which modules it
imported (`-X importtime` lists every module a process imports): Django, channels, pydantic,
the replay engine, the testing API, the recorder and the cassette model are imported by the
commands that use them, never to print help.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

HEAVY = (
    "django",
    "channels",
    "daphne",
    "uvicorn",
    "websockets",
    "pydantic",
    "msgpack",
    "asgiref",
    "channels_replay.replay",
    "channels_replay.testing",
    "channels_replay.recorder",
    "channels_replay.drivers",
    "channels_replay.cassettes",
    "channels_replay.reports",
    "channels_replay.codegen",
)


def _imported(*args: str) -> tuple[set[str], str]:
    """The modules `python -m channels_replay ARGS` imports, and what it printed."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "channels_replay", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    modules.discard("imported package")  # the header line
    return modules, run.stdout


def _heavy(modules: set[str]) -> list[str]:
    return sorted(
        module
        for module in modules
        if any(module == name or module.startswith(name + ".") for name in HEAVY)
    )


def test_help_imports_nothing_heavy() -> None:
    modules, out = _imported("--help")
    assert "channels_replay.cli" in modules  # the list is read from the real run
    assert _heavy(modules) == []
    for command in ("replay", "record", "show", "convert", "learn-noise"):
        assert command in out


def test_version_imports_nothing_heavy() -> None:
    modules, out = _imported("--version")
    assert "0." in out
    assert _heavy(modules) == []


COMMANDS = ["replay", "record", "proxy", "show", "convert", "redact", "git-setup", "codegen"]


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_imports_nothing_heavy(command: str) -> None:
    modules, out = _imported(command, "--help")
    assert "Usage:" in out
    assert _heavy(modules) == []


def test_record_help_names_the_default_server_protocol() -> None:
    from channels_replay.recorder.server import DEFAULT_WS

    _, out = _imported("record", "--help")
    assert f"default: {DEFAULT_WS}" in " ".join(out.split())
