"""Measure how often the racing scenarios replay green: record N times, replay each M times.

    python -m tests.foreign.flake_run --recordings 20 --replays 10 [--busy]

Each racing scenario (tests/foreign/scenarios.RACES, or --scenario NAME ...) is recorded
N times with the real `channels-replay record` server (a fresh database each time), and
each recording is replayed M times against the unchanged app by the real
`channels-replay replay` command: one process per recording, replaying M copies of the
cassette (the database is flushed and prepared before each). `--busy` keeps every CPU
core busy meanwhile with spinning processes (bounded in time, killed at the end), the
way a loaded CI machine is.

Prints, per scenario: recordings (made / lost the app's own race / failed), replays,
passes, failures, then the first difference of each failing replay and how often each
first difference came.
Exit code 0 when every recording and replay passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from channels_replay.snapshots import snapshot_path
from tests.foreign.recording import (
    RecordingError,
    copy_database,
    prepare_database,
    race_lost,
    record,
)
from tests.foreign.replaying import DEFAULT_TIMEOUT, replay_cli
from tests.foreign.scenarios import RACES, SCENARIOS

BUSY_LIMIT = 1800.0
"""The longest a spinning process lives, even if this script is killed before its cleanup."""

SPIN = """
import sys, time
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    pass
"""


@contextmanager
def busy_cores(count: int, seconds: float) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` processes spinning on the CPU for at most `seconds`; killed on leaving."""
    spinners = [subprocess.Popen([sys.executable, "-c", SPIN, str(seconds)]) for _ in range(count)]
    try:
        yield spinners
    finally:
        for spinner in spinners:
            spinner.kill()
        for spinner in spinners:
            spinner.wait(timeout=10)


@dataclass
class Tally:
    scenario: str
    recorded: int = 0
    recording_failures: list[str] = field(default_factory=list)
    lost_races: int = 0
    """Recordings where the app's own race went the other way (see scenarios.RaceLost)."""
    replays: int = 0
    passes: int = 0
    failures: list[str] = field(default_factory=list)
    """`rec I rep J: first difference` of each failing replay."""
    errors: list[str] = field(default_factory=list)
    """Replay processes that printed no report (bad input, crash)."""

    def lines(self) -> list[str]:
        lines = [
            f"== {self.scenario}",
            f"recordings: {self.recorded} made, {self.lost_races} lost the app's race "
            f"(not replayed), {len(self.recording_failures)} failed",
            f"replays: {self.replays}, passes: {self.passes}, failures: {len(self.failures)}"
            + (f", replay errors: {len(self.errors)}" if self.errors else ""),
        ]
        lines += [f"  recording failed: {reason}" for reason in self.recording_failures]
        lines += [f"  replay error: {error}" for error in self.errors]
        lines += [f"  {failure}" for failure in self.failures]
        if self.failures:
            counts = collections.Counter(f.split(": ", 1)[1] for f in self.failures)
            lines.append("first differences, most frequent first:")
            lines += [f"  {count:4d} x {text}" for text, count in counts.most_common()]
        return lines


def run_scenario(
    scenario: str, directory: Path, template: Path, recordings: int, replays: int, timeout: float
) -> Tally:
    tally = Tally(scenario)
    for index in range(recordings):
        folder = directory / scenario / f"rec{index:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        database = copy_database(template, folder / "db.sqlite3")
        cassette = folder / f"{scenario}.cassette"
        try:
            record(SCENARIOS[scenario], cassette, database=database)
        except RecordingError as exc:
            if race_lost(exc):
                tally.lost_races += 1
                print(f"{scenario} rec {index:02d}: lost the app's race: {exc.__cause__}")
                continue
            tally.recording_failures.append(f"rec {index:02d}: {str(exc).splitlines()[0]}")
            continue
        tally.recorded += 1
        copies = folder / "replays"
        copies.mkdir(exist_ok=True)
        for copy in range(replays):
            shutil.copyfile(cassette, copies / f"rep{copy:02d}.cassette")
        snapshot = snapshot_path(cassette)  # every copy's header names the recording's one
        if snapshot.is_file():
            shutil.copyfile(snapshot, copies / snapshot.name)
        run = replay_cli(
            [copies], timeout=timeout, process_timeout=60 + replays * (8 * timeout + 2)
        )
        try:
            reports = run.cassettes()
        except AssertionError:
            tally.errors.append(f"rec {index:02d}: exit {run.returncode}: {run.stderr.strip()}")
            continue
        for report in reports:
            tally.replays += 1
            if report.ok:
                tally.passes += 1
            else:
                rep = Path(report.name).stem
                tally.failures.append(f"rec {index:02d} {rep}: {report.first_difference()}")
        print(
            f"{scenario} rec {index:02d}: {sum(r.ok for r in reports)}/{len(reports)} green "
            f"({run.duration:.1f}s)",
            flush=True,
        )
    return tally


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.foreign.flake_run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--recordings", type=int, default=20, help="recordings per scenario")
    parser.add_argument("--replays", type=int, default=10, help="replays per recording")
    parser.add_argument("--busy", action="store_true", help="keep every CPU core busy")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(SCENARIOS),
        help="scenario to run (repeatable; default: the racing ones)",
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="the replay's --timeout"
    )
    parser.add_argument("--keep", type=Path, help="keep recordings here (default: a temp dir)")
    args = parser.parse_args(argv)
    scenarios = args.scenario or list(RACES)

    started = time.monotonic()
    with workdir(args.keep) as directory:
        template = prepare_database(directory / "template.sqlite3")
        cores = os.cpu_count() or 2
        with busy_cores(cores if args.busy else 0, BUSY_LIMIT):
            tallies = [
                run_scenario(
                    scenario, directory, template, args.recordings, args.replays, args.timeout
                )
                for scenario in scenarios
            ]
    print()
    load = f"{os.cpu_count()} busy cores" if args.busy else "idle machine"
    print(
        f"{args.recordings} recordings x {args.replays} replays per scenario, {load}, "
        f"replay --timeout {args.timeout:g}s, {time.monotonic() - started:.0f}s in all"
    )
    for tally in tallies:
        print("\n".join(tally.lines()))
    clean = all(
        not t.recording_failures and not t.errors and t.passes == t.replays for t in tallies
    )
    return 0 if clean else 1


@contextmanager
def workdir(keep: Path | None) -> Iterator[Path]:
    """`keep` (created), or a temporary directory removed afterwards."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="foreign-flake-") as name:
        yield Path(name)


if __name__ == "__main__":
    sys.exit(main())
