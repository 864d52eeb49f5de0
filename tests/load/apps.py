"""Variants of the example app for load tests: answering wrongly, or slowly.

`LOAD_VARIANT=broken`: every chat message goes out with its text upper-cased (a
regression a diff catches, not a timer). `LOAD_VARIANT=slow`: each chat message
delivery waits `LOAD_DELAY` seconds (0.05) first (a regression only times show).
Anything else: the example app unchanged. `LOAD_LOG_PIDS=1`: each WebSocket connection
prints the server process's pid, to tell which workers served.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from example.asgi import application as example_application

VARIANT = os.environ.get("LOAD_VARIANT", "")
DELAY = float(os.environ.get("LOAD_DELAY", "0.05"))


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "websocket" and os.environ.get("LOAD_LOG_PIDS"):
        print(f"websocket on worker {os.getpid()}", flush=True)
    if scope["type"] != "websocket" or VARIANT not in ("broken", "slow"):
        await example_application(scope, receive, send)
        return

    async def changed_send(message: dict[str, Any]) -> None:
        text = message.get("text")
        if message["type"] == "websocket.send" and text and '"chat_message"' in text:
            if VARIANT == "slow":
                await asyncio.sleep(DELAY)
            else:
                frame = json.loads(text)
                frame["payload"]["text"] = frame["payload"]["text"].upper()
                message = {**message, "text": json.dumps(frame)}
        await send(message)

    await example_application(scope, receive, changed_send)
