"""An app that blocks the event loop cannot hold a replay past its bound."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from channels_replay.cassettes import (
    AcceptEvent,
    Cassette,
    ClientFrame,
    ConnectEvent,
    ServerFrame,
    save_cassette,
)
from channels_replay.drivers import InProcessDriver
from channels_replay.replay.run import ReplayOptions, run_replay
from tests.replay import blocking_app

REPO = Path(__file__).resolve().parents[2]


def _cassette(block: float) -> Cassette:
    return Cassette(
        events=[
            ConnectEvent(seq=0, t=0, conn="c1", path="/ws/"),
            AcceptEvent(seq=1, t=0, conn="c1"),
            ClientFrame(seq=2, t=0, conn="c1", text="hello"),
            ServerFrame(seq=3, t=0, conn="c1", text="hello"),
            ClientFrame(seq=4, t=0, conn="c1", text=f"block {block}"),
            ServerFrame(seq=5, t=0, conn="c1", text=f"block {block}"),
        ]
    )


async def test_the_result_says_at_which_step_the_app_blocked_the_loop() -> None:
    driver = InProcessDriver(blocking_app.application)
    result = await run_replay(_cassette(2.5), driver, ReplayOptions(timeout=0.5))
    assert not result.ok
    assert result.blocked is not None
    assert result.blocked.startswith("the app blocked the event loop for more than 2.")
    assert "after step 3 (c1 sends block 2.5)" in result.blocked


def test_the_command_line_gives_up_on_an_app_that_blocks_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "blocking.cassette"
    save_cassette(_cassette(600), path)  # ten minutes: the test's own timeout would fail first
    done = subprocess.run(
        [sys.executable, "-m", "channels_replay.cli", "replay", str(path),
         "--app", "tests.replay.blocking_app:application", "--timeout", "1"],
        cwd=REPO, capture_output=True, text=True, timeout=90,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{REPO}:{REPO / 'src'}",
             "DJANGO_SETTINGS_MODULE": "example.settings"},
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"error: {path}: the app blocked the event loop for more than 2." in done.stderr
    assert "after step 3 (c1 sends block 600)" in done.stderr
    assert "Traceback" not in done.stderr
