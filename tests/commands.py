"""The command line as a user runs it: `channels-replay ARGS` in a subprocess.

A clean environment (no DJANGO_SETTINGS_MODULE leaking in from pytest), the repository
and `src/` importable, bounded in time. Tests that need the project's settings pass
`--settings` as a user would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def channels_replay(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run `channels-replay ARGS` from `cwd`; its exit code, stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "channels_replay.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{REPO}:{REPO / 'src'}"},
        check=False,
    )
