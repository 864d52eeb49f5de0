"""Deliberate regressions of the example app, each a small change a developer could make.

Each variant keeps the example's routes and middleware; only one consumer behaves
differently. The replay tests check that the committed cassettes catch each one
with a difference that names what changed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.routing import URLRouter
from django.urls import path

from channels_replay.messages import AuthenticationPayload
from example.auth import TokenAuthMiddleware
from example.consumers import ChatConsumer, EchoConsumer, PlainConsumer


def _app(echo: Any = EchoConsumer, chat: Any = ChatConsumer, plain: Any = PlainConsumer) -> Any:
    return TokenAuthMiddleware(
        URLRouter(
            [
                path("ws/echo/", echo.as_asgi()),
                path("ws/chat/<str:room>/", chat.as_asgi()),
                path("ws/plain/", plain.as_asgi()),
            ]
        )
    )


class ChangedValueEcho(EchoConsumer):
    """Echoes `hello` in capitals."""

    async def send_json(self, content: Any, close: bool = False) -> None:
        payload = content.get("payload")
        if content.get("action") == "echo" and isinstance(payload, dict) and "hello" in payload:
            content = {**content, "payload": {**payload, "hello": payload["hello"].upper()}}
        await super().send_json(content, close)


class RenamedKeyChat(ChatConsumer):
    """Calls the message text `body` instead of `text`."""

    async def chat_message(self, event: dict[str, Any]) -> None:
        payload = {key: event[key] for key in ("id", "room", "user", "ts")}
        payload["body"] = event["text"]
        await self.send_json({"action": "chat_message", "payload": payload})


class MissingPongEcho(EchoConsumer):
    """Forgets to answer `ping`."""

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if content.get("action") != "ping":
            await super().receive_json(content, **kwargs)


class ExtraNoticeEcho(EchoConsumer):
    """Sends a notice after every echo."""

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await super().receive_json(content, **kwargs)
        if content.get("action") == "echo":
            await self.send_json({"action": "notice", "payload": "echoed"})


class ErrorAfterCompleteChat(ChatConsumer):
    """Sends its validation errors after `complete` instead of before."""

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        self._held: list[Any] = []
        await super().receive_json(content, **kwargs)

    async def send_json(self, content: Any, close: bool = False) -> None:
        if content.get("action") == "error" and hasattr(self, "_held"):
            self._held.append(content)
            return
        await super().send_json(content, close)

    async def dispatch(self, message: dict[str, Any]) -> None:
        await super().dispatch(message)
        for content in getattr(self, "_held", []):
            await super().send_json(content)
        self._held = []


class NeverCompletesEcho(EchoConsumer):
    """Answers, but never says it is done: a replay can only give up on it."""

    async def send_signal(self, action: str, payload: Any = None) -> None:
        if action != "complete":
            await super().send_signal(action, payload)


class ClosesWith4003Chat(ChatConsumer):
    authentication_failed_close_code = 4003


class RefusesEveryoneChat(ChatConsumer):
    async def authenticate(self) -> AuthenticationPayload:
        return AuthenticationPayload(status_code=401, status_text="Unauthorized")


CHANGED_VALUE = _app(echo=ChangedValueEcho)
RENAMED_KEY = _app(chat=RenamedKeyChat)
MISSING_MESSAGE = _app(echo=MissingPongEcho)
EXTRA_MESSAGE = _app(echo=ExtraNoticeEcho)
SWAPPED_ORDER = _app(chat=ErrorAfterCompleteChat)
CHANGED_CLOSE_CODE = _app(chat=ClosesWith4003Chat)
NEVER_COMPLETES = _app(echo=NeverCompletesEcho)
FAILED_AUTHENTICATION = _app(chat=RefusesEveryoneChat)


class StallingEcho(EchoConsumer):
    """Stops answering in the middle of a `ping`: its handler awaits a sleep that never ends."""

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if content.get("action") == "ping":
            await asyncio.sleep(3600)
        await super().receive_json(content, **kwargs)


STALLS = _app(echo=StallingEcho)


class RaisesOnPingEcho(EchoConsumer):
    """A bug in the app: answering `ping` raises."""

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if content.get("action") == "ping":
            raise RuntimeError("ping handler broke")  # the app's raising line
        await super().receive_json(content, **kwargs)


RAISES_ON_PING = _app(echo=RaisesOnPingEcho)
