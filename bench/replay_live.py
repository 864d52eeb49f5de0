"""What replaying against a live server costs, against a raw `websockets` client doing the same.

A real uvicorn server (a subprocess on 127.0.0.1, `--ws websockets-sansio`, as the
tests start it) serves the example app on a migrated, seeded temporary SQLite file.
An echo session of N exchanges (`echo` -> `echo`, `complete`) is recorded in-process
with the real RecorderMiddleware; then, interleaved (alternating which goes first),
`replay_cassette(cassette, target="ws://127.0.0.1:PORT")` replays it over real
sockets (the live driver) and a raw `websockets` client loop sends the same frames to
the same server and reads as many frames after each as were recorded (no diff, no
checks; the live driver's client options: no compression, no pings).

The live driver cannot see inside the server: a replay ends on a quiet window of
`grace` seconds after the last frame it expected. That window is a fixed cost per
replay: the ratio is printed with it, with `grace` subtracted, and for the same
replay run with grace=0 in the same rounds (its "fixed cost" column is measured:
replay minus replay at grace=0). Times are medians of the repeats; the server
shares the 2 cores with the client.

Run: python bench/replay_live.py [--sizes 100,1000] [--repeat 5] [--grace 0.25]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import NamedTuple

import _harness

_harness.setup("example")

from websockets.asyncio.client import connect  # noqa: E402

from channels_replay.replay import ReplayOptions, replay_cassette  # noqa: E402
from channels_replay.replay.run import DEFAULT_GRACE  # noqa: E402
from channels_replay.reports import render_text  # noqa: E402
from channels_replay.testing.discovery import find_websocket_application  # noqa: E402
from tests.servers import running_server, uvicorn_argv  # noqa: E402

APP = find_websocket_application()
PATH = "/ws/echo/"
FRAME = {"action": "echo", "payload": {"text": "hello", "n": [1, 2, 3]}}
REPLIES = 2  # the echo and `complete`
BOUND = 120.0


class Row(NamedTuple):
    n: int
    replay: float
    replay0: float
    """The same replay with grace=0: it ends as soon as every recorded frame has come."""
    raw: float


async def raw_client(base: str, plan: _harness.Plan) -> None:
    """The handwritten baseline over the network: the same frames, the same frame counts."""
    async with connect(
        base + plan.path, ping_interval=None, max_size=None, compression=None
    ) as socket:
        for _ in range(plan.connect_frames):
            await socket.recv()
        for text, replies in plan.exchanges:
            await socket.send(text)
            for _ in range(replies):
                await socket.recv()


async def measure(base: str, sizes: list[int], repeat: int, grace: float) -> list[Row]:
    directory = Path(tempfile.mkdtemp())
    with_grace, no_grace = ReplayOptions(grace=grace), ReplayOptions(grace=0.0)
    rows = []
    for n in sizes:
        script = _harness.Plan(PATH, [], 1, [(json.dumps(FRAME), REPLIES)] * n)
        cassette = await _harness.record(APP, directory / f"echo-{n}.cassette", script)
        plan = _harness.plan_of(cassette, [])
        assert plan.exchanges == script.exchanges, "the recording is not what was sent"
        for options in (with_grace, no_grace):
            async with asyncio.timeout(BOUND):
                result = await replay_cassette(cassette, target=base, options=options)
            if not result.ok:
                raise SystemExit(f"echo N={n} does not replay green live:\n{render_text(result)}")
        times: dict[str, list[float]] = {"replay": [], "replay0": [], "raw": []}
        runs: dict[str, Callable[[], Awaitable[object]]] = {
            "replay": partial(replay_cassette, cassette, target=base, options=with_grace),
            "replay0": partial(replay_cassette, cassette, target=base, options=no_grace),
            "raw": partial(raw_client, base, plan),
        }
        order = list(runs)
        for _ in range(repeat):
            for name in order:
                start = time.perf_counter()
                async with asyncio.timeout(BOUND):
                    await runs[name]()
                times[name].append(time.perf_counter() - start)
            order = order[1:] + order[:1]  # rotate: each goes first in turn
        rows.append(
            Row(n, *(_harness.median(times[name]) for name in ("replay", "replay0", "raw")))
        )
        print(f"  measured echo N={n}", file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="live replay vs raw websockets client")
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--grace", type=float, default=DEFAULT_GRACE)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]

    env = {
        "EXAMPLE_DB": os.environ["EXAMPLE_DB"],
        "DJANGO_SETTINGS_MODULE": "example.settings",
        "PYTHONPATH": os.pathsep.join([str(_harness.REPO), str(_harness.REPO / "src")]),
    }
    with running_server(
        uvicorn_argv("example.asgi:application"), env=env, cwd=_harness.REPO
    ) as server:
        base = f"ws://{server.host}:{server.port}"
        rows = asyncio.run(measure(base, sizes, args.repeat, args.grace))

    grace = args.grace
    print(f"live replay (uvicorn, example echo), median of {args.repeat} runs, per exchange")
    print(f"grace window: {grace * 1e3:.0f} ms once per replay, at its end (a fixed cost)")
    print(
        f"{'N':>6} {'replay':>11} {'raw client':>11} {'ratio':>6} "
        f"{'replay-grace':>12} {'ratio':>6} {'grace=0':>11} {'ratio':>6} {'fixed cost':>10}"
    )
    for row in rows:
        n, raw = row.n, row.raw
        print(
            f"{n:6d} {row.replay / n * 1e6:8.1f} us {raw / n * 1e6:8.1f} us "
            f"{row.replay / raw:5.2f}x {(row.replay - grace) / n * 1e6:9.1f} us "
            f"{(row.replay - grace) / raw:5.2f}x {row.replay0 / n * 1e6:8.1f} us "
            f"{row.replay0 / raw:5.2f}x {(row.replay - row.replay0) * 1e3:7.1f} ms"
        )
    print(
        "replay-grace: the replay's median minus the grace window; grace=0: the same replay "
        "with grace 0;\nfixed cost: replay minus replay at grace=0, measured (whole replay)"
    )


if __name__ == "__main__":
    main()
