"""The raw baseline of bench/load_replay.py: a plain asyncio `websockets` client loop.

Run as a script, in a process of its own (no gevent patching): USERS tasks each
run sessions back to back for WARMUP + SECONDS: connect, read the frames that
answered the connect, then send each recorded frame and read as many frames as
were recorded after it (no diff, no checks; the live driver's client options).
Only the SECONDS window counts. Prints JSON: sessions completed in the window,
this process's CPU seconds in it, and each exchange's latency (send to last reply).

With `--replay CASSETTE` as a sixth argument, each session is instead a live replay
of the cassette (`replay_cassette(..., target=...)`, diffed) in this plain asyncio
process: the replay's own cost, without gevent or Locust.

Usage: python bench/_raw_ws.py URL USERS SECONDS WARMUP PLAN_JSON [--replay CASSETTE]
PLAN_JSON: {"connect_frames": n, "exchanges": [[text, replies], ...]}
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from websockets.asyncio.client import connect


async def main(
    url: str, users: int, seconds: float, warmup: float, plan: dict, replay: str | None
) -> dict:
    start = time.monotonic()
    window_start = start + warmup
    window_end = window_start + seconds
    sessions = 0
    latencies: list[float] = []
    cpu: dict[str, float] = {}

    async def replayer(cassette_path: str) -> None:
        nonlocal sessions
        from channels_replay.cassettes import load_cassette
        from channels_replay.replay import ReplayOptions, replay_cassette

        cassette = load_cassette(cassette_path)
        base = url.split("/ws/")[0]
        while time.monotonic() < window_end:
            result = await replay_cassette(cassette, target=base, options=ReplayOptions(grace=0.05))
            if not result.ok:
                raise SystemExit(result.explain())
            if window_start <= time.monotonic() < window_end:
                sessions += 1

    async def user() -> None:
        nonlocal sessions
        if replay is not None:
            await replayer(replay)
            return
        while time.monotonic() < window_end:
            async with connect(url, ping_interval=None, max_size=None, compression=None) as ws:
                for _ in range(plan["connect_frames"]):
                    await ws.recv()
                for text, replies in plan["exchanges"]:
                    sent = time.monotonic()
                    await ws.send(text)
                    for _ in range(replies):
                        await ws.recv()
                    if window_start <= sent < window_end:
                        latencies.append(time.monotonic() - sent)
            if window_start <= time.monotonic() < window_end:
                sessions += 1

    async def clock() -> None:
        await asyncio.sleep(warmup)
        cpu["start"] = time.process_time()
        await asyncio.sleep(seconds)
        cpu["end"] = time.process_time()

    await asyncio.gather(clock(), *(user() for _ in range(users)))
    return {"sessions": sessions, "cpu": cpu["end"] - cpu["start"], "latencies": latencies}


if __name__ == "__main__":
    url, users, seconds, warmup, plan = sys.argv[1:6]
    replay = sys.argv[7] if sys.argv[6:7] == ["--replay"] else None
    found = asyncio.run(
        main(url, int(users), float(seconds), float(warmup), json.loads(plan), replay)
    )
    print(json.dumps(found))
