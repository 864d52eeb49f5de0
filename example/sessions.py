"""Scripted client sessions against a running example server, with real `websockets` clients.

Each session clicks through one feature the way a person would in two browser tabs.
The demo runs them against a live server; recorded, they become the cassettes in
`cassettes/`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

ALICE = {"Authorization": "Token alice-secret-token"}
BOB = {"Authorization": "Token bob-secret-token"}

Log = Callable[[str], None]


async def _until(ws: ClientConnection, action: str, log: Log, who: str) -> list[Any]:
    """Read JSON frames until one whose action is `action` (included)."""
    frames = []
    while True:
        frame = json.loads(await ws.recv())
        log(f"  {who} <- {json.dumps(frame)[:110]}")
        frames.append(frame)
        if frame.get("action") == action:
            return frames


async def _send(ws: ClientConnection, message: Any, log: Log, who: str) -> None:
    text = message if isinstance(message, str) else json.dumps(message)
    log(f"  {who} -> {text[:110]}")
    await ws.send(text)


async def echo(base: str, log: Log) -> None:
    async with connect(f"{base}/ws/echo/") as ws:
        await _until(ws, "authentication", log, "you")
        await _send(
            ws, {"action": "echo", "payload": {"hello": "world", "n": [1, 2, 3]}}, log, "you"
        )
        await _until(ws, "complete", log, "you")
        await _send(ws, {"action": "ping"}, log, "you")
        await _until(ws, "complete", log, "you")


async def chat(base: str, log: Log) -> None:
    url = f"{base}/ws/chat/lobby/"
    async with (
        connect(url, additional_headers=ALICE) as alice,
        connect(f"{url}?token=bob-secret-token") as bob,
    ):
        await _until(alice, "authentication", log, "alice")
        await _until(bob, "authentication", log, "bob")
        await _send(alice, {"action": "message", "payload": {"text": "hi bob!"}}, log, "alice")
        await _until(alice, "complete", log, "alice")
        await _until(alice, "group_complete", log, "alice")
        await _until(bob, "group_complete", log, "bob")
        await _send(bob, {"action": "message", "payload": {"text": "hello alice"}}, log, "bob")
        await _until(bob, "complete", log, "bob")
        await _until(bob, "group_complete", log, "bob")
        await _until(alice, "group_complete", log, "alice")


async def failed_authentication(base: str, log: Log) -> None:
    headers = {"Authorization": "Token wrong-token"}
    async with connect(f"{base}/ws/chat/lobby/", additional_headers=headers) as ws:
        await _until(ws, "authentication", log, "mallory")
        try:
            await ws.recv()
        except ConnectionClosed as closed:
            log(f"  mallory <- closed with code {closed.rcvd.code if closed.rcvd else None}")


async def validation_error(base: str, log: Log) -> None:
    async with connect(f"{base}/ws/chat/lobby/", additional_headers=ALICE) as ws:
        await _until(ws, "authentication", log, "alice")
        await _send(ws, {"action": "message", "payload": {"text": ""}}, log, "alice")
        await _until(ws, "complete", log, "alice")
        await _send(ws, {"action": "shout", "payload": "HEY"}, log, "alice")
        await _until(ws, "complete", log, "alice")


async def plain(base: str, log: Log) -> None:
    async with connect(f"{base}/ws/plain/") as ws:
        await _send(ws, {"n": 1}, log, "you")
        log(f"  you <- {await ws.recv()}")
        await _send(ws, "shout", log, "you")
        log(f"  you <- {await ws.recv()}")
        log("  you -> b'\\x01\\x02\\x03'")
        await ws.send(b"\x01\x02\x03")
        log(f"  you <- {await ws.recv()!r}")


SESSIONS: dict[str, Callable[[str, Log], Awaitable[None]]] = {
    "echo": echo,
    "chat": chat,
    "failed_authentication": failed_authentication,
    "validation_error": validation_error,
    "plain": plain,
}
