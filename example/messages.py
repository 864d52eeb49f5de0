"""The messages the example consumers accept, as pydantic models (a discriminated union)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

from channels_replay.messages import BaseMessage


class PingMessage(BaseMessage):
    action: Literal["ping"] = "ping"


class EchoMessage(BaseMessage):
    action: Literal["echo"] = "echo"
    payload: Any = None


class ChatPayload(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=500)]


class ChatMessage(BaseMessage):
    action: Literal["message"] = "message"
    payload: ChatPayload


EchoIncoming = TypeAdapter(Annotated[PingMessage | EchoMessage, Field(discriminator="action")])
ChatIncoming = TypeAdapter(Annotated[PingMessage | ChatMessage, Field(discriminator="action")])
