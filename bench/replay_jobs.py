"""Replaying many cassettes on this machine's cores: `replay --jobs 2` and `pytest -n 2`.

K echo cassettes of N exchanges each are recorded in-process with the real
recorder, into a temporary directory with a conftest (as `cassettes/` has). Then,
alternating which goes first, each command runs as a user runs it (a subprocess,
in-process replay on a fresh test database per process):

- `channels-replay replay DIR` against `channels-replay replay DIR --jobs 2`;
- `pytest DIR` against `pytest -n 2 DIR` (pytest-xdist).

Each figure is the wall time of the whole command (process start and Django set-up
included), median of `--repeat` runs; the speed-up is serial over parallel. The
machine's other work shares the same cores.

Run: python bench/replay_jobs.py [--cassettes 8] [--exchanges 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _harness

_harness.setup("example")

from channels_replay.testing.discovery import find_websocket_application  # noqa: E402

FRAME = json.dumps({"action": "echo", "payload": {"text": "hello", "n": [1, 2, 3]}})
CONFTEST = """
import pytest

@pytest.fixture
def replay_config(transactional_db):
    return {}
"""


def record_all(directory: Path, cassettes: int, exchanges: int) -> None:
    app = find_websocket_application()
    plan = _harness.Plan("/ws/echo/", [], 1, [(FRAME, 2)] * exchanges)

    async def record() -> None:
        for number in range(cassettes):
            await _harness.record(app, directory / f"echo_{number}.cassette", plan)

    asyncio.run(record())
    (directory / "conftest.py").write_text(CONFTEST)


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of the command, its child processes included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=_harness.REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return elapsed, cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="replay --jobs and pytest -n speed-up")
    parser.add_argument("--cassettes", type=int, default=8)
    parser.add_argument("--exchanges", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    directory = Path(tempfile.mkdtemp()) / "cassettes"
    directory.mkdir()
    record_all(directory, args.cassettes, args.exchanges)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join([str(_harness.REPO), str(_harness.REPO / "src")]),
        "DJANGO_SETTINGS_MODULE": "example.settings",
        "EXAMPLE_DB": os.environ["EXAMPLE_DB"],
    }
    cli = [sys.executable, "-m", "channels_replay.cli", "replay", str(directory)]
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(directory)]
    pairs = {
        "replay": (cli, [*cli, "--jobs", "2"]),
        "pytest": (pytest, [*pytest, "-n", "2"]),
    }
    print(
        f"{args.cassettes} echo cassettes of {args.exchanges} exchanges, median of "
        f"{args.repeat} runs: whole command wall time (CPU time of all its processes)"
    )
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'command':>8} {'serial':>17} {'2 processes':>17} {'speed-up':>9}")
    for name, (serial, parallel) in pairs.items():
        runs: dict[str, list[tuple[float, float]]] = {"serial": [], "parallel": []}
        order = [("serial", serial), ("parallel", parallel)]
        for _ in range(args.repeat):
            for label, command in order:
                runs[label].append(timed(command, env))
            order.reverse()
        (sw, sc), (pw, pc) = (
            (_harness.median([w for w, _ in runs[k]]), _harness.median([c for _, c in runs[k]]))
            for k in ("serial", "parallel")
        )
        print(f"{name:>8} {sw:7.2f}s ({sc:5.2f}s) {pw:7.2f}s ({pc:5.2f}s) {sw / pw:8.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f} (other work shares the cores)")


if __name__ == "__main__":
    main()
