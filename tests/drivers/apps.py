"""Plain ASGI websocket apps for the driver tests: no Django, importable by a server subprocess.

`application` routes by path:

- `/refuse/`: closes before accepting (a client sees HTTP 403)
- `/deny/`: answers the handshake with an HTTP 401 response and a body
- `/raise/`: raises before accepting (the server answers 500)
- anything else: accepts, echoes text frames upper-cased, closes with 4000 on `bye`
"""

from __future__ import annotations

from typing import Any

Message = dict[str, Any]


async def refuse(scope: Message, receive: Any, send: Any) -> None:
    await receive()  # websocket.connect
    await send({"type": "websocket.close", "code": 4003, "reason": "no entry"})


async def deny(scope: Message, receive: Any, send: Any) -> None:
    await receive()
    await send(
        {
            "type": "websocket.http.response.start",
            "status": 401,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "websocket.http.response.body", "body": b"go away"})


async def explode(scope: Message, receive: Any, send: Any) -> None:
    await receive()
    raise ValueError("no route")


async def shout(scope: Message, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text == "bye":
            await send({"type": "websocket.close", "code": 4000, "reason": "bye"})
            return
        if text is not None:
            await send({"type": "websocket.send", "text": text.upper()})


ROUTES = {"/refuse/": refuse, "/deny/": deny, "/raise/": explode}


async def application(scope: Message, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "websocket":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    await ROUTES.get(scope["path"], shout)(scope, receive, send)
