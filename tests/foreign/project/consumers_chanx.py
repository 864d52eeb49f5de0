"""chanx 0.13.3 consumers, written the way chanx's documentation shows.

- EchoConsumer (`/ws/chanx/echo/`): anyone; `ping` gets `pong`, `message` gets `echo`.
- RoomConsumer (`/ws/chanx/room/<name>/`): token users of an existing room; a
  `new_message` goes to the whole room, sender included (`member_message` and
  `group_complete` on every member, `complete` on the sender).
- PrivateConsumer (`/ws/chanx/private/`): token users only (header or `?token=`);
  anonymous clients get the authentication message with 401 and a close.
- SlowConsumer (`/ws/chanx/slow/`): `work` sleeps, writes to the database, then sends two
  frames with a sleep between them.
- NotesConsumer (`/ws/chanx/notes/`): users of a simplejwt access token in the `access`
  cookie, authenticated inside the consumer (as with dj-rest-auth's JWT cookies, so
  `scope["user"]` stays anonymous); `list_notes` gets the user's notes with their ids.

Every consumer names a channel event type (`NoticeEvent`): with pydantic 2.14, chanx 0.13.3
cannot build the event adapter of a consumer without one (`Event=None` gives a pydantic
SchemaError when the consumer is constructed, so every connection gets HTTP 500).

Every handler runs in a task chanx creates, after which chanx sends `complete`. (No
`from __future__ import annotations`: chanx reads the `action` annotations at class creation.)
"""

import asyncio
from typing import Any, Literal

from channels.db import database_sync_to_async
from chanx.generic.websocket import AsyncJsonWebsocketConsumer
from chanx.messages.base import BaseChannelEvent, BaseGroupMessage, BaseMessage
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from chanx.types import GroupMemberEvent
from pydantic import BaseModel
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated

from tests.foreign.project import regression
from tests.foreign.project.auth import JWTCookieAuthentication, ScopeUserAuthentication
from tests.foreign.project.models import Room, add_work_item, notes_of

TOKEN_AUTH = [TokenAuthentication, ScopeUserAuthentication]

# -- messages ---------------------------------------------------------------------------


class TextPayload(BaseModel):
    message: str


class TextMessage(BaseMessage):
    action: Literal["message"] = "message"
    payload: TextPayload


class EchoMessage(BaseMessage):
    action: Literal["echo"] = "echo"
    payload: dict[str, Any]


class NoticeMessage(BaseMessage):
    action: Literal["notice"] = "notice"
    payload: dict[str, Any]


class NewMessage(BaseMessage):
    action: Literal["new_message"] = "new_message"
    payload: TextPayload


class MemberMessage(BaseGroupMessage):
    action: Literal["member_message"] = "member_message"
    payload: dict[str, Any]


class WhoAmIMessage(BaseMessage):
    action: Literal["whoami"] = "whoami"
    payload: None = None


class IdentityMessage(BaseMessage):
    action: Literal["identity"] = "identity"
    payload: dict[str, Any]


class ListNotesMessage(BaseMessage):
    action: Literal["list_notes"] = "list_notes"
    payload: None = None


class NotesMessage(BaseMessage):
    action: Literal["notes"] = "notes"
    payload: dict[str, Any]


class WorkPayload(BaseModel):
    label: str


class WorkMessage(BaseMessage):
    action: Literal["work"] = "work"
    payload: WorkPayload


class WorkStartedMessage(BaseMessage):
    action: Literal["work_started"] = "work_started"
    payload: dict[str, Any]


class WorkDoneMessage(BaseMessage):
    action: Literal["work_done"] = "work_done"
    payload: dict[str, Any]


class NoticeEvent(BaseChannelEvent):
    """A channel event other code can send to a consumer's groups (relayed as `notice`)."""

    handler: Literal["notice"] = "notice"
    payload: dict[str, Any]


EchoIncoming = PingMessage | TextMessage
RoomIncoming = PingMessage | NewMessage
PrivateIncoming = PingMessage | WhoAmIMessage
SlowIncoming = PingMessage | WorkMessage
NotesIncoming = PingMessage | ListNotesMessage


# -- consumers --------------------------------------------------------------------------


class NoticeMixin:
    async def receive_event(self, event: NoticeEvent) -> None:
        await self.send_message(NoticeMessage(payload=event.payload))  # type: ignore[attr-defined]


class EchoConsumer(NoticeMixin, AsyncJsonWebsocketConsumer[EchoIncoming, NoticeEvent]):
    authentication_classes = [ScopeUserAuthentication]
    permission_classes = [AllowAny]

    async def receive_message(self, message: EchoIncoming, **kwargs: Any) -> None:
        match message:
            case PingMessage():
                await self.send_message(PongMessage())
                if regression.active("extra_frame"):
                    await self.send_message(NoticeMessage(payload={"detail": "one more"}))
            case TextMessage(payload=payload):
                text = regression.value(payload.message)
                await self.send_message(EchoMessage(payload={regression.message_key(): text}))


class RoomConsumer(NoticeMixin, AsyncJsonWebsocketConsumer[RoomIncoming, NoticeEvent, Room]):
    authentication_classes = TOKEN_AUTH
    permission_classes = [IsAuthenticated]
    queryset = Room.objects.all()
    lookup_field = "name"
    lookup_url_kwarg = "name"

    async def build_groups(self) -> list[str]:
        return [f"room_{self.scope['url_route']['kwargs']['name']}"]

    async def receive_message(self, message: RoomIncoming, **kwargs: Any) -> None:
        match message:
            case PingMessage():
                await self.send_message(PongMessage())
            case NewMessage(payload=payload):
                username = getattr(self.user, "username", "")
                await self.send_group_message(
                    MemberMessage(payload={"message": payload.message, "from": username}),
                    exclude_current=False,
                )

    async def send_group_member(self, event: GroupMemberEvent) -> None:
        if not regression.active("drop_group_complete"):
            await super().send_group_member(event)
            return
        # chanx's relay without the GroupCompleteMessage it sends afterwards
        if event["exclude_current"] and self.channel_name == event["from_channel"]:
            return
        from_user_pk = event["from_user_pk"]
        content = {
            **event["content"],
            "is_mine": bool(from_user_pk) and from_user_pk == getattr(self.user, "pk", None),
            "is_current": self.channel_name == event["from_channel"],
        }
        await self.send_json(content)


class PrivateConsumer(NoticeMixin, AsyncJsonWebsocketConsumer[PrivateIncoming, NoticeEvent]):
    authentication_classes = TOKEN_AUTH
    permission_classes = [IsAuthenticated]

    async def receive_message(self, message: PrivateIncoming, **kwargs: Any) -> None:
        match message:
            case PingMessage():
                await self.send_message(PongMessage())
            case WhoAmIMessage():
                username = regression.value(getattr(self.user, "username", ""))
                await self.send_message(IdentityMessage(payload={"username": username}))

    async def close(self, code: int | None = None, reason: str | None = None) -> None:
        # chanx closes a refused connection with close() and no code (1000)
        if code is None and regression.active("close_code"):
            code = 4003
        await super().close(code, reason)


class SlowConsumer(NoticeMixin, AsyncJsonWebsocketConsumer[SlowIncoming, NoticeEvent]):
    authentication_classes = [ScopeUserAuthentication]
    permission_classes = [AllowAny]

    async def receive_message(self, message: SlowIncoming, **kwargs: Any) -> None:
        match message:
            case PingMessage():
                await self.send_message(PongMessage())
            case WorkMessage(payload=payload):
                await asyncio.sleep(0.05)
                count = await database_sync_to_async(add_work_item)("chanx", payload.label)
                await self.send_message(
                    WorkStartedMessage(payload={"label": payload.label, "count": count})
                )
                await asyncio.sleep(0.02)
                if not regression.active("drop_frame"):
                    await self.send_message(WorkDoneMessage(payload={"label": payload.label}))


class NotesConsumer(NoticeMixin, AsyncJsonWebsocketConsumer[NotesIncoming, NoticeEvent]):
    authentication_classes = [JWTCookieAuthentication]
    permission_classes = [IsAuthenticated]

    async def receive_message(self, message: NotesIncoming, **kwargs: Any) -> None:
        match message:
            case PingMessage():
                await self.send_message(PongMessage())
            case ListNotesMessage():
                user = self.user
                notes = await database_sync_to_async(notes_of)(user.pk)
                payload = {"user": user.get_username(), "notes": notes}
                await self.send_message(NotesMessage(payload=payload))
