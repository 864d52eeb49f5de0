"""Load replay against a raw `websockets` client loop: sessions per CPU second, and latency.

A real uvicorn server (a subprocess on 127.0.0.1) serves the example app on a
migrated, seeded temporary SQLite file. An echo session of `--exchanges` exchanges
is recorded in-process with the real recorder. Then, in the same run and against the
same server, for each user count:

- load: Locust in this process (as `channels-replay load` runs it: gevent-patched,
  one asyncio loop in a greenlet) with CassetteUser replaying the cassette, every
  session diffed (`--diff-sample 1`), and again with a 10% diff sample;
- raw: `bench/_raw_ws.py` in a process of its own, plain asyncio, the same number of
  concurrent clients sending the same frames and reading as many frames after each
  as were recorded (no diff, no checks);
- replay, asyncio: the same script running the live replay itself (diffed) as plain
  asyncio tasks, without gevent or Locust: where the difference comes from.

Each runs `--warmup` seconds, then is measured for `--seconds`. Sessions per core is
sessions completed in the window per CPU second of the client process in it (the
server's CPU is not counted; it shares the 2 cores). A load session ends with the
live driver's quiet window (`--grace`, here 0.05 s): idle time, not CPU. Latency is
per exchange: the raw client from send to its last reply; load from the action to
the recorded answer's last signal (`replay.latency`).

Run: python bench/load_replay.py [--users 10,50,100,200] [--seconds 8] [--exchanges 10]
"""

# ruff: noqa: I001  (Locust's gevent patching comes first, as in a Locust process)

from __future__ import annotations

import locust  # noqa: F401

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.stats import StatsEntry

import _harness

_harness.setup("example")

from channels_replay.load import CassetteUser  # noqa: E402
from channels_replay.testing.discovery import find_websocket_application  # noqa: E402
from tests.servers import running_server, uvicorn_argv  # noqa: E402

FRAME = json.dumps({"action": "echo", "payload": {"text": "hello", "n": [1, 2, 3]}})
HERE = Path(__file__).resolve().parent


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


def run_load(
    cassette: Path,
    base: str,
    users: int,
    seconds: float,
    warmup: float,
    sample: float,
    grace: float,
) -> dict[str, Any]:
    """Locust with CassetteUser in this process; sessions, CPU and WS percentiles in the window."""

    class Echo(CassetteUser):
        host = base
        cassettes = (str(cassette),)
        diff_sample = sample

    Echo.grace = grace
    environment = Environment(user_classes=[Echo])
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=min(users, 100))
    gevent.sleep(warmup)
    environment.stats.reset_all()
    cpu = time.process_time()
    gevent.sleep(seconds)
    cpu = time.process_time() - cpu
    stats = environment.stats
    sessions = failures = 0
    actions = StatsEntry(stats, "actions", "WS", use_response_times_cache=False)
    for entry in stats.entries.values():
        if entry.method in ("diffed", "session"):
            sessions += entry.num_requests
            failures += entry.num_failures
        elif entry.method == "WS" and "echo" in entry.name and "connect" not in entry.name:
            actions.extend(entry)
    runner.quit()
    gevent.sleep(0.2)
    if failures:
        raise SystemExit(f"load: {failures} failed sessions at {users} users")
    return {
        "sessions": sessions,
        "cpu": cpu,
        "p": [actions.get_response_time_percentile(q) for q in (0.5, 0.95, 0.99)],
    }


def run_raw(
    url: str,
    plan: _harness.Plan,
    users: int,
    seconds: float,
    warmup: float,
    replay: Path | None = None,
) -> dict[str, Any]:
    spec = json.dumps({"connect_frames": plan.connect_frames, "exchanges": plan.exchanges})
    extra = ["--replay", str(replay)] if replay is not None else []
    done = subprocess.run(
        [
            sys.executable,
            str(HERE / "_raw_ws.py"),
            url,
            str(users),
            str(seconds),
            str(warmup),
            spec,
            *extra,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, Any] = json.loads(done.stdout)
    found["p"] = [percentile(found["latencies"], q) * 1e3 for q in (0.5, 0.95, 0.99)]
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="load replay vs a raw websockets client loop")
    parser.add_argument("--users", default="10,50,100,200")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--exchanges", type=int, default=10)
    parser.add_argument("--grace", type=float, default=0.05)
    args = parser.parse_args(argv)

    directory = Path(tempfile.mkdtemp())
    cassette = directory / "echo.cassette"
    plan = _harness.Plan("/ws/echo/", [], 1, [(FRAME, 2)] * args.exchanges)
    asyncio.run(_harness.record(find_websocket_application(), cassette, plan))
    plan = _harness.plan_of(_harness_cassette(cassette), [])

    env = {
        "EXAMPLE_DB": os.environ["EXAMPLE_DB"],
        "DJANGO_SETTINGS_MODULE": "example.settings",
        "PYTHONPATH": os.pathsep.join([str(_harness.REPO), str(_harness.REPO / "src")]),
    }
    rows = []
    with running_server(
        uvicorn_argv("example.asgi:application"), env=env, cwd=_harness.REPO
    ) as server:
        base = f"ws://{server.host}:{server.port}"
        for users in (int(u) for u in args.users.split(",")):
            measure = (args.seconds, args.warmup)
            raw = run_raw(base + plan.path, plan, users, *measure)
            plain = run_raw(base + plan.path, plan, users, *measure, replay=cassette)
            full = run_load(cassette, base, users, *measure, 1.0, args.grace)
            sampled = run_load(cassette, base, users, *measure, 0.1, args.grace)
            rows.append((users, raw, full, sampled, plain))
            print(f"  measured {users} users", file=sys.stderr)

    def rate(found: dict[str, Any]) -> float:
        return float(found["sessions"] / found["cpu"]) if found["cpu"] else float("nan")

    print(
        f"echo session of {args.exchanges} exchanges; window {args.seconds:g}s after "
        f"{args.warmup:g}s warm-up; client sessions per CPU second (sessions in window)"
    )
    print(
        f"{'users':>5} {'raw':>16} {'load diff all':>16} {'ratio':>6} "
        f"{'load diff 10%':>16} {'ratio':>6} {'replay, asyncio':>16} {'ratio':>6}"
    )
    for users, raw, full, sampled, plain in rows:
        print(
            f"{users:5d} {rate(raw):8.1f} ({raw['sessions']:5d}) "
            f"{rate(full):8.1f} ({full['sessions']:5d}) {rate(full) / rate(raw):5.2f}x "
            f"{rate(sampled):8.1f} ({sampled['sessions']:5d}) {rate(sampled) / rate(raw):5.2f}x "
            f"{rate(plain):8.1f} ({plain['sessions']:5d}) {rate(plain) / rate(raw):5.2f}x"
        )
    print(
        "replay, asyncio: the same replay (diffed) without gevent or Locust, plain asyncio "
        "tasks in a process of their own: what the replay itself costs"
    )
    print("\nlatency per exchange, ms: p50 / p95 / p99")
    print(f"{'users':>5} {'raw':>22} {'load diff all':>22} {'load diff 10%':>22}")
    for users, raw, full, sampled, _ in rows:
        cells = [" / ".join(f"{v:5.1f}" for v in found["p"]) for found in (raw, full, sampled)]
        print(f"{users:5d} " + " ".join(f"{cell:>22}" for cell in cells))


def _harness_cassette(path: Path) -> Any:
    from channels_replay.cassettes import load_cassette

    return load_cassette(path)


if __name__ == "__main__":
    main()
