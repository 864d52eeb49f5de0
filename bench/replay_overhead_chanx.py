"""What replaying chanx consumers costs against a raw `channels.testing` loop doing the same.

The chanx 0.13.3 consumers of the foreign test project (tests/foreign/project, its own
settings module, so its own process; see bench/replay_overhead.py for the example
app): the echo consumer (`message` -> `echo`, `complete`) and the room (`new_message`
-> `member_message` and `group_complete` to the sender as room member, `complete`),
alone in the room, with a header token. chanx handles each frame in a task of its own.

For N exchanges a session is recorded in-process with the real RecorderMiddleware;
then, interleaved (alternating which goes first), it is replayed with the engine and
driven by a raw loop that sends the same frames and reads as many frames after each
as were recorded (up to and including its `complete`; no diff, no checks). Prints the
time per exchange (median of the repeats) and the ratio replay / raw.

Run: python bench/replay_overhead_chanx.py [--sizes 100,1000] [--repeat 5]
Target: at most 1.15x the raw loop at N = 1,000; time per exchange flat in N.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _harness

_harness.setup("foreign")

from channels_replay.replay import ReplayOptions, replay_cassette  # noqa: E402
from channels_replay.replay.substitution import Credentials  # noqa: E402
from channels_replay.reports import render_text  # noqa: E402
from channels_replay.testing.discovery import find_websocket_application  # noqa: E402
from tests.foreign.project.users import ALICE_TOKEN  # noqa: E402

APP = find_websocket_application()
ALICE = [(b"authorization", f"Token {ALICE_TOKEN}".encode())]

FLOWS: dict[str, dict[str, Any]] = {
    # path, headers, frame to send, frames answering it (including completion frames)
    "chanx echo": {
        "path": "/ws/chanx/echo/",
        "headers": [],
        "frame": {"action": "message", "payload": {"message": "hello chanx"}},
        "replies": 2,
    },
    "chanx room": {
        "path": "/ws/chanx/room/lobby/",
        "headers": ALICE,
        "frame": {"action": "new_message", "payload": {"message": "hello room"}},
        "replies": 3,
    },
}


async def measure(sizes: list[int], repeat: int) -> list[tuple[str, int, float, float]]:
    directory = Path(tempfile.mkdtemp())
    credentials = Credentials.parse("header", [f"*:authorization=Token {ALICE_TOKEN}"])
    options = ReplayOptions(credentials=credentials)
    rows = []
    for name, flow in FLOWS.items():
        for n in sizes:
            text = json.dumps(flow["frame"])
            script = _harness.Plan(flow["path"], flow["headers"], 1, [(text, flow["replies"])] * n)
            target = directory / f"{name.replace(' ', '-')}-{n}.cassette"
            cassette = await _harness.record(APP, target, script)
            plan = _harness.plan_of(cassette, flow["headers"])
            assert plan.exchanges == script.exchanges, "the recording is not what was sent"
            result = await replay_cassette(cassette, APP, options)
            if not result.ok:
                raise SystemExit(f"{name} does not replay green:\n{render_text(result)}")
            times: dict[str, list[float]] = {"replay": [], "raw": []}
            for round_ in range(repeat):
                order = ["replay", "raw"] if round_ % 2 == 0 else ["raw", "replay"]
                for which in order:
                    start = time.perf_counter()
                    if which == "replay":
                        await replay_cassette(cassette, APP, options)
                    else:
                        await _harness.raw_loop(APP, plan)
                    times[which].append(time.perf_counter() - start)
            rows.append((name, n, _harness.median(times["replay"]), _harness.median(times["raw"])))
            print(f"  measured {name} N={n}", file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="replay engine vs raw loop, chanx consumers")
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]

    rows = asyncio.run(measure(sizes, args.repeat))
    print(f"chanx replay overhead, median of {args.repeat} runs (time per exchange)")
    print(f"{'consumer':11} {'N':>7} {'replay':>12} {'raw loop':>12} {'ratio':>7}")
    for name, n, replay, raw in rows:
        target = "  (target <= 1.15x)" if n == 1000 else ""
        print(
            f"{name:11} {n:7d} {replay / n * 1e6:9.1f} us {raw / n * 1e6:9.1f} us "
            f"{replay / raw:6.2f}x{target}"
        )


if __name__ == "__main__":
    main()
