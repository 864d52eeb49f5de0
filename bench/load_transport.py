"""Which client form keeps a Locust user cheap: `websockets.sync` in greenlets, or asyncio.

Locust runs users as gevent greenlets, with the standard library patched. Two ways
to drive WebSocket sessions there, measured in the same run against the same
uvicorn server (the example app's echo consumer, a subprocess on 127.0.0.1):

- sync: each user a greenlet running the `websockets.sync` client (blocking calls
  that gevent's patching turns into switches; the client reads in a background
  "thread", a greenlet here);
- asyncio: one asyncio loop run in a greenlet (its selector is gevent's), each
  user's session a coroutine on it, the user greenlet waiting on a gevent event
  (`channels_replay.load._hub.run_on_loop`, what CassetteUser uses).

Each session: connect, read the authentication frame, then N exchanges (send,
read the echo and `complete`). The figure is this process's CPU time per session
(the server's is not counted), and the wall time; lower is better. The two forms
alternate, each measured `--repeat` times per user count; medians are printed.

Run: python bench/load_transport.py [--users 10,50,200] [--sessions 500] [--exchanges 10]
"""

# ruff: noqa: I001  (Locust's gevent patching comes first, as in a Locust process)

from __future__ import annotations

import locust  # noqa: F401

import argparse
import json
import os
import time
from collections.abc import Callable

import _harness
import gevent
from websockets.asyncio.client import connect as async_connect
from websockets.sync.client import connect as sync_connect

from channels_replay.load._hub import run_on_loop
from tests.servers import running_server, uvicorn_argv

FRAME = json.dumps({"action": "echo", "payload": {"text": "hello"}})
OPTIONS = {"compression": None, "max_size": None}


def sync_session(url: str, exchanges: int) -> None:
    with sync_connect(url, **OPTIONS) as socket:  # type: ignore[arg-type]
        socket.recv()
        for _ in range(exchanges):
            socket.send(FRAME)
            socket.recv()
            socket.recv()


async def async_session(url: str, exchanges: int) -> None:
    async with async_connect(url, ping_interval=None, **OPTIONS) as socket:  # type: ignore[arg-type]
        await socket.recv()
        for _ in range(exchanges):
            await socket.send(FRAME)
            await socket.recv()
            await socket.recv()


def measure(session: Callable[[], None], users: int, sessions: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) per session with `users` greenlets sharing `sessions`."""
    each = max(sessions // users, 1)

    def user() -> None:
        for _ in range(each):
            session()

    wall, cpu = time.perf_counter(), time.process_time()
    gevent.joinall([gevent.spawn(user) for _ in range(users)], raise_error=True)
    done = each * users
    return (time.process_time() - cpu) / done, (time.perf_counter() - wall) / done


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="websockets.sync vs asyncio under gevent")
    parser.add_argument("--users", default="10,50,200")
    parser.add_argument("--sessions", type=int, default=400)
    parser.add_argument("--exchanges", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    _harness.setup("example")
    env = {
        "EXAMPLE_DB": os.environ["EXAMPLE_DB"],
        "DJANGO_SETTINGS_MODULE": "example.settings",
        "PYTHONPATH": os.pathsep.join([str(_harness.REPO), str(_harness.REPO / "src")]),
    }
    forms: dict[str, Callable[[str], Callable[[], None]]] = {
        "sync": lambda url: lambda: sync_session(url, args.exchanges),
        "asyncio": lambda url: lambda: run_on_loop(async_session(url, args.exchanges)),
    }
    rows = []
    with running_server(
        uvicorn_argv("example.asgi:application"), env=env, cwd=_harness.REPO
    ) as server:
        url = server.ws_url("/ws/echo/")
        for name in forms:  # warm up both
            measure(forms[name](url), 2, 4)
        for users in (int(u) for u in args.users.split(",")):
            cpu: dict[str, list[float]] = {name: [] for name in forms}
            wall: dict[str, list[float]] = {name: [] for name in forms}
            order = list(forms)
            for _ in range(args.repeat):
                for name in order:
                    c, w = measure(forms[name](url), users, args.sessions)
                    cpu[name].append(c)
                    wall[name].append(w)
                order.reverse()
            rows.append(
                (users, {n: (_harness.median(cpu[n]), _harness.median(wall[n])) for n in forms})
            )
    print(
        f"client CPU per session (connect + {args.exchanges} exchanges), median of "
        f"{args.repeat}; wall per session in brackets"
    )
    print(f"{'users':>6} {'sync':>20} {'asyncio':>20} {'asyncio/sync CPU':>17}")
    for users, figures in rows:
        (sc, sw), (ac, aw) = figures["sync"], figures["asyncio"]
        print(
            f"{users:6d} {sc * 1e3:7.2f} ms ({sw * 1e3:5.2f} ms) "
            f"{ac * 1e3:7.2f} ms ({aw * 1e3:5.2f} ms) {ac / sc:16.2f}x"
        )


if __name__ == "__main__":
    main()
