"""Small consumers for behaviours the example app does not show (tests only)."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.routing import URLRouter
from django.urls import path

from channels_replay.consumers import SignalsMixin


class StallingConsumer(AsyncJsonWebsocketConsumer):
    """Signals like chanx, but `stall` gets two frames and never its `complete`."""

    async def connect(self) -> None:
        await self.accept()
        await self.send_json(
            {"action": "authentication", "payload": {"status_code": 200, "status_text": "OK"}}
        )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if content.get("action") == "stall":
            await self.send_json({"action": "part", "payload": 1})
            await self.send_json({"action": "part", "payload": 2})
            return
        await self.send_json({"action": "pong", "payload": None})
        await self.send_json({"action": "complete", "payload": None})


class RefusingConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        await self.close(code=4003)


class SignalsConsumer(SignalsMixin, AsyncJsonWebsocketConsumer):
    """The mixin's defaults: everyone is let in; frames are echoed with their action."""

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.send_json({"action": "echoed", "payload": content})


class SubprotocolConsumer(SignalsMixin, AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        offered = self.scope.get("subprotocols", [])
        await self.accept(offered[0] if offered else None)


application = URLRouter(
    [
        path("stall/", StallingConsumer.as_asgi()),
        path("refuse/", RefusingConsumer.as_asgi()),
        path("signals/", SignalsConsumer.as_asgi()),
        path("subprotocol/", SubprotocolConsumer.as_asgi()),
    ]
)
