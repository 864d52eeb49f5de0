"""Command line start-up: `channels-replay --help` vs a bare interpreter.

Run: `.venv/bin/python bench/cli_start.py [--runs N]`

Starts fresh interpreters N times each (default 15) and prints the median wall time of
`python -c pass` (the baseline: the interpreter alone), `python -m channels_replay --help`
and `python -m channels_replay replay --help`, each with its difference to and ratio
against the baseline. Target: `--help` under 0.15 s. Figures only: nothing is asserted,
timings vary with the machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CASES = {
    "python -c pass (baseline)": ["-c", "pass"],
    "channels-replay --help": ["-m", "channels_replay", "--help"],
    "channels-replay replay --help": ["-m", "channels_replay", "replay", "--help"],
}


def _median_seconds(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="starts per case")
    runs = parser.parse_args().runs
    _median_seconds(CASES["channels-replay --help"], 2)  # warm the file cache and .pyc files
    baseline = 0.0
    print(f"median of {runs} starts each")
    for label, args in CASES.items():
        seconds = _median_seconds(args, runs)
        if not baseline:
            baseline = seconds
            print(f"{label:<32} {seconds:7.3f} s")
            continue
        extra = seconds - baseline
        print(f"{label:<32} {seconds:7.3f} s  (+{extra:.3f} s, x{seconds / baseline:.1f})")


if __name__ == "__main__":
    main()
