"""What the recorder costs: throughput and round trips through a real server, with and without it.

Two uvicorn servers run side by side as subprocesses, both serving the example app
(`example.asgi:application`) the same way (uvicorn.Config/Server, ws="websockets-sansio",
no access log); one has the recorder installed (redaction on, as by default). The
client (websockets, one asyncio process) sends `echo` messages to `/ws/echo/` and
times each round trip: send, then wait for the echo and the `complete` that follows.
Runs alternate between the two servers, round after round, so drift and noise hit
both alike; each setup runs with 1 connection and with 50 concurrent connections.

Printed per setup: messages per second (median of the rounds), p50 and p99 round trip
(over every message of every round) and the server process's CPU time per message
(from /proc); then the throughput ratio (median of the per-round ratios: each round
ran both setups back to back) and the p99 added, against the targets (ratio >= 0.95,
p99 added < 1 ms). On a busy machine the network figures move by 10-20 % from run to
run; the last lines measure the recorder's own CPU per message in-process, which is
what the network figures cannot resolve finely. A benchmark: it asserts nothing.

    python bench/recorder_overhead.py            # default size: about a minute on 2 cores
    python bench/recorder_overhead.py --messages 500 --rounds 2   # quicker, noisier
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SETUPS = ("plain", "recorder")
TARGET_RATIO = 0.95
TARGET_P99_ADDED_MS = 1.0


# -- the server side (run as `--serve SETUP`) ------------------------------------------


def serve(setup: str, port: int, out: str) -> None:
    """Serve the example app on `port`, with the recorder into `out` when setup is recorder."""
    sys.path[:0] = [str(REPO), str(REPO / "src")]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")
    import uvicorn

    from channels_replay.recorder import RecordingSession, install_recorder
    from example.asgi import application

    app = application
    session = None
    if setup == "recorder":
        session = RecordingSession(out, force=True, app_label="example.asgi:application")
        app = install_recorder(application, session=session)
    config = uvicorn.Config(
        app,
        host=HOST,
        port=port,
        ws="websockets-sansio",
        lifespan="off",
        log_level="warning",
        access_log=False,
    )
    try:
        uvicorn.Server(config).run()
    finally:
        if session is not None:
            session.close()


# -- the client side ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            if process.poll() is not None:
                raise SystemExit(
                    f"the server on port {port} exited ({process.returncode})"
                ) from None
            if time.monotonic() > deadline:
                raise SystemExit(f"nothing listened on port {port} within {timeout}s") from None
            time.sleep(0.05)


@dataclass
class Results:
    """Per setup and concurrency: throughput of each round, every round trip (seconds),
    and the server's CPU seconds per message in each round (Linux only)."""

    throughput: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    cpu_per_message: list[float] = field(default_factory=list)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, from /proc (None where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _client(url: str, messages: int, latencies: list[float]) -> None:
    from websockets.asyncio.client import connect

    async with connect(url, max_queue=None) as ws:
        await ws.recv()  # the authentication message
        payload = {"action": "echo", "payload": {"n": 0, "text": "benchmark"}}
        for n in range(messages):
            payload["payload"]["n"] = n  # type: ignore[index]
            started = time.perf_counter()
            await ws.send(json.dumps(payload))
            while json.loads(await ws.recv())["action"] != "complete":
                pass
            latencies.append(time.perf_counter() - started)


async def _run(port: int, connections: int, total: int, into: Results, pid: int) -> None:
    url = f"ws://{HOST}:{port}/ws/echo/"
    per_connection = max(1, total // connections)
    latencies: list[float] = []
    cpu_before = _cpu_seconds(pid)
    started = time.perf_counter()
    await asyncio.gather(*(_client(url, per_connection, latencies) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    cpu_after = _cpu_seconds(pid)
    into.throughput.append(len(latencies) / elapsed)
    into.latencies.extend(latencies)
    if cpu_before is not None and cpu_after is not None:
        into.cpu_per_message.append((cpu_after - cpu_before) / len(latencies))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _report(results: dict[tuple[str, int], Results], concurrency: list[int]) -> None:
    print()
    print(
        f"{'conns':>5}  {'setup':<9} {'msgs/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'server CPU us/msg':>18}"
    )
    for conns in concurrency:
        for setup in SETUPS:
            r = results[(setup, conns)]
            cpu = (
                f"{statistics.median(r.cpu_per_message) * 1e6:>18.0f}"
                if r.cpu_per_message
                else f"{'n/a':>18}"
            )
            print(
                f"{conns:>5}  {setup:<9} {statistics.median(r.throughput):>9.0f} "
                f"{_percentile(r.latencies, 0.50) * 1000:>8.3f} "
                f"{_percentile(r.latencies, 0.99) * 1000:>8.3f} {cpu}"
            )
    print()
    for conns in concurrency:
        plain, recorded = results[("plain", conns)], results[("recorder", conns)]
        # each round ran both setups back to back: compare within rounds, where the
        # machine's background load was the same, and take the median of those ratios
        ratios = [r / p for r, p in zip(recorded.throughput, plain.throughput, strict=True)]
        ratio = statistics.median(ratios)
        added = (_percentile(recorded.latencies, 0.99) - _percentile(plain.latencies, 0.99)) * 1000
        print(
            f"{conns:>2} connection(s): throughput ratio {ratio:.3f} "
            f"(rounds {min(ratios):.2f}..{max(ratios):.2f}; target >= {TARGET_RATIO}: "
            f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}), p99 added {added:+.3f} ms "
            f"(target < {TARGET_P99_ADDED_MS:g} ms: "
            f"{'met' if added < TARGET_P99_ADDED_MS else 'MISSED'})"
        )
        if plain.cpu_per_message and recorded.cpu_per_message:
            cpu_added = (
                statistics.median(recorded.cpu_per_message)
                - statistics.median(plain.cpu_per_message)
            ) * 1e6
            print(f"   server CPU added per message: {cpu_added:+.0f} us (median of rounds)")


# -- the recorder's own work, in-process (no network, no scheduling noise) ---------------


def _in_process_cost(messages: int, batch: int) -> float:
    """CPU seconds the recorder adds per echo message (3 events), flushing every `batch`."""
    if str(REPO / "src") not in sys.path:
        sys.path.insert(0, str(REPO / "src"))
    from channels_replay.recorder import RecorderMiddleware

    text = json.dumps({"action": "echo", "payload": {"n": 1, "text": "benchmark"}})
    complete = json.dumps({"action": "complete", "payload": None})

    async def echo(scope: object, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        while (message := await receive())["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": message["text"]})
            await send({"type": "websocket.send", "text": complete})

    async def drive(app: Any, session: Any) -> float:
        inputs = iter(
            [{"type": "websocket.connect"}]
            + [{"type": "websocket.receive", "text": text}] * messages
            + [{"type": "websocket.disconnect", "code": 1000}]
        )
        count = 0

        async def receive() -> dict[str, Any]:
            nonlocal count
            count += 1
            if session is not None and count % batch == 0:
                session.flush()
            return next(inputs)

        async def send(message: dict[str, Any]) -> None:
            pass

        started = time.process_time()
        await app({"type": "websocket", "path": "/ws/echo/"}, receive, send)
        if session is not None:
            session.flush()
        return time.process_time() - started

    with tempfile.TemporaryDirectory(prefix="recorder-bench-") as out:
        costs = []
        for n in range(5):
            plain = asyncio.run(drive(echo, None))
            recorder = RecorderMiddleware(echo, target=Path(out) / f"{n}.cassette", force=True)
            recorded = asyncio.run(drive(recorder, recorder.session))
            recorder.close()
            costs.append((recorded - plain) / messages)
        return min(costs)  # the least disturbed of the repeats


def bench(messages: int, rounds: int, concurrency: list[int]) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "src")]),
        "DJANGO_SETTINGS_MODULE": "example.settings",
    }
    with tempfile.TemporaryDirectory(prefix="recorder-bench-") as out:
        ports = {setup: _free_port() for setup in SETUPS}
        servers = {
            setup: subprocess.Popen(
                [sys.executable, __file__, "--serve", setup, "--port", str(port), "--out", out],
                env=env,
                cwd=REPO,
            )
            for setup, port in ports.items()
        }
        try:
            for setup, port in ports.items():
                _wait_for_port(port, servers[setup])
            results = {(s, c): Results() for s in SETUPS for c in concurrency}
            print(
                f"{messages} messages per run, {rounds} rounds, setups alternating; "
                f"recorder cassettes in {out}"
            )
            pids = {setup: process.pid for setup, process in servers.items()}
            for setup in SETUPS:  # warm-up: lazy imports and first-use paths
                asyncio.run(_run(ports[setup], 10, 200, Results(), pids[setup]))
            for round_number in range(rounds):
                for conns in concurrency:
                    order = SETUPS if round_number % 2 == 0 else SETUPS[::-1]
                    for setup in order:
                        result = results[(setup, conns)]
                        asyncio.run(_run(ports[setup], conns, messages, result, pids[setup]))
                print(f"round {round_number + 1}/{rounds} done")
            _report(results, concurrency)
            sizes = sum(path.stat().st_size for path in Path(out).iterdir())
            print(f"\nrecorded {sizes / 1e6:.1f} MB of cassettes")
            print("\nthe recorder's own CPU per echo message (3 events), in-process, best of 5:")
            for batch in (1, 10):
                cost = _in_process_cost(5000, batch)
                print(f"   written every {batch:>2} message(s): {cost * 1e6:.1f} us")
        finally:
            for process in servers.values():
                process.terminate()
            for process in servers.values():
                process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1500, help="messages per run")
    parser.add_argument("--rounds", type=int, default=10, help="runs per setup and concurrency")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 50], help="connections per run"
    )
    parser.add_argument("--serve", choices=SETUPS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.out)
    else:
        bench(args.messages, args.rounds, args.concurrency)


if __name__ == "__main__":
    main()
