"""Plain `channels` consumers: no authentication message, no completion messages.

Their frames carry a `type` key, not chanx's `action`.

- PlainRoomConsumer (`/ws/plain/room/<name>/`): a frame `{"message": ...}` goes to the
  room group (the sender is a member too) with `group_send`; every member's handler
  sends `room_message` to its client; the sender also gets a direct `sent` reply first.
- PlainEchoConsumer (`/ws/plain/echo/`): stores each message through
  `database_sync_to_async` and echoes it with the stored count.
- PlainNotesConsumer (`/ws/plain/notes/`): users of a Django session cookie (Channels'
  AuthMiddlewareStack) only, others are refused; `list` gets the user's notes with their
  ids, `add` stores a note and answers with its new id.
"""

from __future__ import annotations

import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tests.foreign.project import regression
from tests.foreign.project.models import add_note, add_work_item, notes_of

logger = logging.getLogger("foreign.notes")


def _username(scope: dict[str, Any]) -> str:
    user = scope.get("user")
    return str(user.username) if user is not None and user.is_authenticated else "anonymous"


class PlainRoomConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        self.group_name = f"plain_{self.scope['url_route']['kwargs']['name']}"
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        text = str(content.get("message", "")) if isinstance(content, dict) else ""
        await self.channel_layer.group_send(
            self.group_name,
            {"type": "room.message", "message": text, "sender": _username(self.scope)},
        )
        await self.send_json({"type": "sent", "payload": {"message": text}})
        if regression.active("extra_frame"):
            await self.send_json({"type": "notice", "payload": {"detail": "one more"}})

    async def room_message(self, event: dict[str, Any]) -> None:
        payload = {regression.message_key(): event["message"], "from": event["sender"]}
        await self.send_json({"type": "room_message", "payload": payload})


class PlainEchoConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        text = str(content.get("message", "")) if isinstance(content, dict) else ""
        count = await database_sync_to_async(add_work_item)("plain", text)
        if regression.active("drop_frame"):
            return
        payload = {"message": regression.value(text), "count": count}
        await self.send_json({"type": "echo", "payload": payload})


class PlainNotesConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            logger.warning("refusing %s: not logged in", self.scope["path"])
            await self.close()
            return
        await self.accept()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        user = self.scope["user"]
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "list":
            notes = await database_sync_to_async(notes_of)(user.pk)
            payload = {"user": user.get_username(), "notes": notes}
            await self.send_json({"type": "notes", "payload": payload})
        elif kind == "add":
            text = str(content.get("text", ""))
            note_id = await database_sync_to_async(add_note)(user.pk, text)
            await self.send_json({"type": "added", "payload": {"id": note_id, "text": text}})
