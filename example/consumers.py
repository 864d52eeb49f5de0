"""The example app's consumers.

- EchoConsumer: authentication message, echoes `echo` frames, answers `ping`;
  `complete` after every frame (through SignalsMixin).
- ChatConsumer: token authentication, one group per room, broadcasts carrying a
  server timestamp and a random id, `group_complete` on every receiver, an `error`
  reply to bad input.
- PlainConsumer: plain channels, no authentication or completion messages.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer
from pydantic import ValidationError

from channels_replay.consumers import SignalsMixin
from channels_replay.messages import AuthenticationPayload
from example.messages import ChatIncoming, ChatMessage, EchoIncoming, PingMessage


def _validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": [str(part) for part in error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in exc.errors(include_url=False)
    ]


class EchoConsumer(SignalsMixin, AsyncJsonWebsocketConsumer):
    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        try:
            message = EchoIncoming.validate_python(content)
        except ValidationError as exc:
            await self.send_json({"action": "error", "payload": _validation_errors(exc)})
            return
        if isinstance(message, PingMessage):
            await self.send_json({"action": "pong", "payload": None})
        else:
            await self.send_json({"action": "echo", "payload": message.payload})


class ChatConsumer(SignalsMixin, AsyncJsonWebsocketConsumer):
    authentication_failed_close_code = 4001

    async def authenticate(self) -> AuthenticationPayload:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return AuthenticationPayload(
                status_code=401,
                status_text="Unauthorized",
                data={"detail": "a valid token is required"},
            )
        return AuthenticationPayload(
            status_code=200, status_text="OK", data={"username": user.username}
        )

    @property
    def room(self) -> str:
        return str(self.scope["url_route"]["kwargs"]["room"])

    @property
    def group_name(self) -> str:
        return f"chat_{self.room}"

    async def connect(self) -> None:
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        try:
            message = ChatIncoming.validate_python(content)
        except ValidationError as exc:
            await self.send_json({"action": "error", "payload": _validation_errors(exc)})
            return
        if isinstance(message, PingMessage):
            await self.send_json({"action": "pong", "payload": None})
            return
        assert isinstance(message, ChatMessage)
        await self.channel_layer.group_send(
            self.group_name,
            {
                "type": "chat.message",
                "id": uuid.uuid4().hex,
                "room": self.room,
                "user": self.scope["user"].username,
                "text": message.payload.text,
                "ts": datetime.now(UTC).isoformat(),
            },
        )

    async def chat_message(self, event: dict[str, Any]) -> None:
        payload = {key: event[key] for key in ("id", "room", "user", "text", "ts")}
        await self.send_json({"action": "chat_message", "payload": payload})


class PlainConsumer(AsyncWebsocketConsumer):
    """No signals: JSON frames come back as `{"echo": ..., "length": n}`, bytes reversed."""

    async def connect(self) -> None:
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if bytes_data is not None:
            await self.send(bytes_data=bytes_data[::-1])
            return
        assert text_data is not None
        try:
            data = json.loads(text_data)
        except ValueError:
            await self.send(text_data=text_data.upper())
            return
        await self.send(text_data=json.dumps({"echo": data, "length": len(text_data)}))
