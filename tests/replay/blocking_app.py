"""An ASGI app that blocks its event loop when asked: `time.sleep` in async code.

A frame `block N` makes it sleep N seconds on the loop before it answers; anything
else is echoed at once.
"""

from __future__ import annotations

import time
from typing import Any


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "websocket"
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            text = message.get("text") or ""
            if text.startswith("block "):
                time.sleep(float(text.split()[1]))  # noqa: ASYNC251 (the bug under test)
            await send({"type": "websocket.send", "text": text})
        else:
            return
