"""What replaying costs against a handwritten raw `channels.testing` loop doing the same.

For N exchanges (default 100, 1,000, 10,000) against the echo and chat consumers:
a session is recorded in-process with the real RecorderMiddleware, then, in the
same run and interleaved, replayed with the engine and driven by a raw loop that
sends the same frames and reads the same number of replies (no diff, no checks).
Prints the time per exchange and the ratio replay / raw. The chanx consumers (another
settings module, so another process): bench/replay_overhead_chanx.py.

Run: python bench/replay_overhead.py [--sizes 100,1000,10000] [--repeat 3]
Target: at most 1.15x the raw loop at N = 1,000; time per exchange flat in N.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")
os.environ.setdefault("EXAMPLE_DB", str(Path(tempfile.mkdtemp()) / "bench.sqlite3"))

import django  # noqa: E402

django.setup()

from channels.testing.websocket import WebsocketCommunicator as RawCommunicator  # noqa: E402
from django.core.management import call_command  # noqa: E402

from channels_replay.cassettes import Cassette, ClientFrame, ConnectEvent, load_cassette  # noqa: E402
from channels_replay.recorder import RecorderMiddleware  # noqa: E402
from channels_replay.replay import NoiseRules, ReplayOptions, replay_cassette  # noqa: E402
from channels_replay.replay.substitution import Credentials  # noqa: E402
from channels_replay.reports import render_text  # noqa: E402
from channels_replay.testing.discovery import find_websocket_application  # noqa: E402
from example.management.commands.seed_demo import seed_demo_users  # noqa: E402

APP = find_websocket_application()
ALICE = [(b"authorization", b"Token alice-secret-token")]

FLOWS: dict[str, dict[str, Any]] = {
    # path, headers, frame to send, replies per exchange (including completion frames)
    "echo": {
        "path": "/ws/echo/",
        "headers": [],
        "frame": {"action": "echo", "payload": {"text": "hello", "n": [1, 2, 3]}},
        "replies": 2,
    },
    "chat": {
        "path": "/ws/chat/bench/",
        "headers": ALICE,
        "frame": {"action": "message", "payload": {"text": "hello"}},
        "replies": 3,
        # what `channels-replay learn-noise` learns for this consumer
        "noise": ["chat_message:payload.id=uuid", "chat_message:payload.ts=datetime"],
    },
}


async def raw_loop(flow: dict[str, Any], texts: list[str]) -> None:
    """The handwritten baseline: connect, auth frame, then send each frame and read its replies."""
    communicator = RawCommunicator(APP, flow["path"], headers=flow["headers"])
    await communicator.connect()
    await communicator.receive_from()
    for text in texts:
        await communicator.send_to(text_data=text)
        for _ in range(flow["replies"]):
            await communicator.receive_from()
    await communicator.disconnect()


async def record(flow: dict[str, Any], n: int, directory: Path) -> Cassette:
    """Record a session of n exchanges with the real recorder, in-process."""
    target = directory / f"{flow['path'].strip('/').replace('/', '-')}-{n}.cassette"
    recorder = RecorderMiddleware(APP, target=target, force=True)
    text = json.dumps(flow["frame"])
    communicator = RawCommunicator(recorder, flow["path"], headers=flow["headers"])
    await communicator.connect()
    await communicator.receive_from()
    for _ in range(n):
        await communicator.send_to(text_data=text)
        for _ in range(flow["replies"]):
            await communicator.receive_from()
    await communicator.disconnect()
    recorder.close()
    return load_cassette(target)


def _client_texts(cassette: Cassette) -> list[str]:
    return [e.text for e in cassette.events if isinstance(e, ClientFrame) and e.text is not None]


async def measure(sizes: list[int], repeat: int) -> list[tuple[str, int, float, float]]:
    directory = Path(tempfile.mkdtemp())
    credentials = Credentials.parse("header", ["*:authorization=Token alice-secret-token"])
    rows = []
    for name, flow in FLOWS.items():
        for n in sizes:
            cassette = await record(flow, n, directory)
            assert any(isinstance(e, ConnectEvent) for e in cassette.events)
            texts = _client_texts(cassette)
            rules = NoiseRules.parse(flow.get("noise", []))
            options = ReplayOptions(credentials=credentials, rules=rules)
            result = await replay_cassette(cassette, APP, options)
            if not result.ok:
                raise SystemExit(f"{name} does not replay green:\n{render_text(result)}")
            replay_times, raw_times = [], []
            for _ in range(repeat):
                start = time.perf_counter()
                await replay_cassette(cassette, APP, options)
                replay_times.append(time.perf_counter() - start)
                start = time.perf_counter()
                await raw_loop(flow, texts)
                raw_times.append(time.perf_counter() - start)
            rows.append((name, n, statistics.median(replay_times), statistics.median(raw_times)))
            print(f"  measured {name} N={n}", file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="replay engine vs raw channels.testing loop")
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]

    call_command("migrate", verbosity=0)
    seed_demo_users()
    rows = asyncio.run(measure(sizes, args.repeat))
    print(f"replay overhead, median of {args.repeat} runs (time per exchange, lower is better)")
    print(f"{'consumer':9} {'N':>7} {'replay':>12} {'raw loop':>12} {'ratio':>7}")
    for name, n, replay, raw in rows:
        target = "  (target <= 1.15x)" if n == 1000 else ""
        print(
            f"{name:9} {n:7d} {replay / n * 1e6:9.1f} us {raw / n * 1e6:9.1f} us "
            f"{replay / raw:6.2f}x{target}"
        )


if __name__ == "__main__":
    main()
