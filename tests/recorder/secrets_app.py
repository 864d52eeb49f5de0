"""The app of the secrets test: it echoes what it is sent, and a digest of what it got.

On connect it accepts `chat.v1` when offered and sends the digest of what the
connection carried (headers, query parameters, subprotocols); every text frame comes
back as it is, followed by the digest of it. So a replay matches the recording only
when every redacted value was supplied back exactly, and the secrets travel in both
directions. A plain ASGI app: no Django, no database. The digests reveal nothing.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import parse_qsl

PROTOCOL = "chat.v1"


def digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def connect_digest(scope: dict[str, Any]) -> str:
    headers = sorted(
        (bytes(n).decode("latin-1"), bytes(v).decode("latin-1")) for n, v in scope["headers"]
    )
    query = sorted(parse_qsl(bytes(scope.get("query_string", b"")).decode("latin-1")))
    return digest(headers, query, list(scope.get("subprotocols", [])))


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (message := await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["type"] != "websocket":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    await receive()  # websocket.connect
    # split: some uvicorn versions pass the header on as one entry
    offered = [p.strip() for entry in scope.get("subprotocols") or [] for p in entry.split(",")]
    await send(
        {"type": "websocket.accept", "subprotocol": PROTOCOL if PROTOCOL in offered else None}
    )
    await send({"type": "websocket.send", "text": json.dumps({"hello": connect_digest(scope)})})
    while (message := await receive())["type"] == "websocket.receive":
        text = message.get("text")
        if text is None:
            continue
        await send({"type": "websocket.send", "text": text})
        await send({"type": "websocket.send", "text": json.dumps({"digest": digest(text)})})
