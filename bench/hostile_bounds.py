"""How long the bounds take to hold against hostile input, against a same-run baseline.

    .venv/bin/python bench/hostile_bounds.py

- an app that blocks the event loop for 30 s after step 3, replayed with --timeout 1:
  the time until `replay` gives up, against the same cassette whose app answers at once;
- a JSON Lines file with a 70 MiB line: the time and peak memory until `show` refuses
  it, against `show` on a small valid file.

Each figure is one real `channels-replay` process (the median of 3 runs).
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "src")]

from channels_replay.cassettes import save_cassette  # noqa: E402
from tests.fuzz.corpus import CONNECT, HEADER, lines  # noqa: E402
from tests.replay.test_blocked_loop import _cassette  # noqa: E402

ENV = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{REPO}:{REPO / 'src'}",
       "DJANGO_SETTINGS_MODULE": "example.settings"}  # fmt: skip


def run(*args: str) -> tuple[float, int, int]:
    """(seconds, exit code, peak resident kB of the child) of one CLI run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "channels_replay.cli", *args], cwd=REPO,
                          env=ENV, capture_output=True, text=True, timeout=300)  # fmt: skip
    elapsed = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, done.returncode, max(peak, before)


def median_of(runs: int, *args: str) -> tuple[float, int, int]:
    results = [run(*args) for _ in range(runs)]
    return statistics.median(r[0] for r in results), results[0][1], max(r[2] for r in results)


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        app = ["--app", "tests.replay.blocking_app:application", "--timeout", "1"]
        blocking, quick = root / "blocking.cassette", root / "quick.cassette"
        save_cassette(_cassette(30), blocking)
        save_cassette(_cassette(0), quick)
        base, base_code, _ = median_of(3, "replay", str(quick), *app)
        blocked, code, _ = median_of(3, "replay", str(blocking), *app)
        print(f"app blocking the loop 30 s, --timeout 1: gave up after {blocked:.2f} s "
              f"(exit {code}); baseline replay {base:.2f} s (exit {base_code}); "
              f"ratio {blocked / base:.2f}")  # fmt: skip

        long = root / "long.jsonl"
        with long.open("wb") as file:
            file.write(lines(HEADER, CONNECT))
            file.write(b'{"seq":1,"t":0,"conn":"c1","kind":"server_frame","text":"')
            chunk = b"x" * (1024 * 1024)
            for _ in range(70):
                file.write(chunk)
            file.write(b'"}\n')
        small = root / "small.jsonl"
        small.write_bytes(lines(HEADER, CONNECT))
        base, _, base_peak = median_of(3, "show", str(small))
        refused, code, peak = median_of(3, "show", str(long))
        print(f"70 MiB JSON Lines line: refused in {refused:.2f} s (exit {code}), peak "
              f"{peak / 1024:.0f} MB; baseline show {base:.2f} s, "
              f"peak {base_peak / 1024:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
