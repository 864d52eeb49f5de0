"""What the testing API costs per test, against raw `channels.testing` with no sleeps.

Flows, each run through WebsocketTestCase's communicators and through a raw
`channels.testing.WebsocketCommunicator` doing the same exchange, interleaved in one
process and one event loop, several repetitions; prints medians and the ratio:

  (i)   connect + authentication + one message + receive_all_json   (echo)
  (ii)  100 messages one at a time                                    (echo)
  (iii) a group broadcast between two communicators                   (chat)
  (iv)  an app without completion messages: connect + one message     (plain)

Run: python bench/testing_overhead.py [--repeat N]
Target: at most 1.2x raw on (i)-(iii).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
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

from channels_replay.testing import WebsocketTestCase  # noqa: E402
from channels_replay.testing.discovery import find_websocket_application  # noqa: E402
from example.management.commands.seed_demo import seed_demo_users  # noqa: E402

APP = find_websocket_application()
ALICE = [(b"authorization", b"Token alice-secret-token")]
BOB = [(b"authorization", b"Token bob-secret-token")]
ECHO = {"action": "echo", "payload": {"n": 1}}
CHAT = {"action": "message", "payload": {"text": "hi"}}

Flow = Callable[[], Awaitable[None]]


class _Case(WebsocketTestCase):
    """A test case instance used the way a test uses it: setUp, communicators, cleanup."""

    ws_path = "/ws/echo/"

    def runTest(self) -> None:  # pragma: no cover - never run as a test
        pass


def _case(path: str, headers: list[tuple[bytes, bytes]] | None = None) -> _Case:
    case = _Case()
    case.router = APP
    case.ws_headers = headers or []
    case.subprotocols = []
    case._communicators = []
    case.ws_path = path  # type: ignore[misc]
    return case


# -- through WebsocketTestCase ------------------------------------------------------


async def lib_one_message() -> None:
    case = _case("/ws/echo/")
    communicator = case.auth_communicator
    await communicator.connect()
    await communicator.assert_authenticated_status_ok()
    await communicator.send_json_to(ECHO)
    assert len(await communicator.receive_all_json()) == 1
    await case._disconnect_communicators()


async def lib_hundred_messages() -> None:
    case = _case("/ws/echo/")
    communicator = case.auth_communicator
    await communicator.connect()
    await communicator.assert_authenticated_status_ok()
    for _ in range(100):
        await communicator.send_json_to(ECHO)
        assert len(await communicator.receive_all_json()) == 1
    await case._disconnect_communicators()


async def lib_broadcast() -> None:
    case = _case("/ws/chat/bench/", ALICE)
    alice = case.auth_communicator
    bob = case.create_communicator(headers=BOB)
    await alice.connect()
    await alice.assert_authenticated_status_ok()
    await bob.connect()
    await bob.assert_authenticated_status_ok()
    await alice.send_json_to(CHAT)
    await alice.receive_all_json()
    assert len(await alice.receive_all_json(wait_group=True)) == 1
    assert len(await bob.receive_all_json(wait_group=True)) == 1
    await case._disconnect_communicators()


async def lib_plain() -> None:
    case = _case("/ws/plain/")
    communicator = case.auth_communicator
    await communicator.connect()
    await communicator.send_json_to({"n": 1})
    assert len(await communicator.receive_all_json()) == 1
    await case._disconnect_communicators()


# -- raw channels.testing, no sleeps -------------------------------------------------


async def raw_one_message() -> None:
    communicator = RawCommunicator(APP, "/ws/echo/")
    await communicator.connect()
    auth = await communicator.receive_json_from()
    assert auth["payload"]["status_code"] == 200
    await communicator.send_json_to(ECHO)
    await communicator.receive_json_from()
    await communicator.receive_json_from()  # complete
    await communicator.disconnect()


async def raw_hundred_messages() -> None:
    communicator = RawCommunicator(APP, "/ws/echo/")
    await communicator.connect()
    await communicator.receive_json_from()
    for _ in range(100):
        await communicator.send_json_to(ECHO)
        await communicator.receive_json_from()
        await communicator.receive_json_from()
    await communicator.disconnect()


async def raw_broadcast() -> None:
    alice = RawCommunicator(APP, "/ws/chat/bench/", headers=ALICE)
    bob = RawCommunicator(APP, "/ws/chat/bench/", headers=BOB)
    await alice.connect()
    await alice.receive_json_from()
    await bob.connect()
    await bob.receive_json_from()
    await alice.send_json_to(CHAT)
    await alice.receive_json_from()  # complete
    await alice.receive_json_from()  # chat_message
    await alice.receive_json_from()  # group_complete
    await bob.receive_json_from()
    await bob.receive_json_from()
    await alice.disconnect()
    await bob.disconnect()


async def raw_plain() -> None:
    communicator = RawCommunicator(APP, "/ws/plain/")
    await communicator.connect()
    await communicator.send_json_to({"n": 1})
    await communicator.receive_json_from()
    await communicator.disconnect()


FLOWS: list[tuple[str, Flow, Flow]] = [
    ("(i)   connect+auth+1 message", lib_one_message, raw_one_message),
    ("(ii)  100 messages", lib_hundred_messages, raw_hundred_messages),
    ("(iii) group broadcast, 2 users", lib_broadcast, raw_broadcast),
    ("(iv)  app without completion", lib_plain, raw_plain),
]


async def _timed(flow: Flow) -> float:
    start = time.perf_counter()
    await flow()
    return time.perf_counter() - start


async def measure(repeat: int) -> list[tuple[str, float, float]]:
    results = []
    for name, lib, raw in FLOWS:
        for _ in range(3):  # warm up imports, caches, the channel layer
            await lib()
            await raw()
        lib_times: list[float] = []
        raw_times: list[float] = []
        for _ in range(repeat):  # interleaved, so both see the same machine noise
            lib_times.append(await _timed(lib))
            raw_times.append(await _timed(raw))
        results.append((name, statistics.median(lib_times), statistics.median(raw_times)))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)

    call_command("migrate", verbosity=0)
    seed_demo_users()
    results: list[Any] = asyncio.run(measure(args.repeat))
    print(f"testing overhead, median of {args.repeat} runs per flow (lower is better)")
    print(f"{'flow':34} {'WebsocketTestCase':>18} {'raw channels':>14} {'ratio':>7}")
    for name, lib, raw in results:
        target = "  (target <= 1.2x)" if not name.startswith("(iv)") else ""
        print(f"{name:34} {lib * 1000:15.3f} ms {raw * 1000:11.3f} ms {lib / raw:6.2f}x{target}")


if __name__ == "__main__":
    main()
