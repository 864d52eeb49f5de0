"""The wire protocol shared with chanx apps: JSON frames shaped `{"action": ..., "payload": ...}`.

The shapes match chanx 0.x, so apps built on chanx work unchanged. The action key and
the completion action names are configurable (see `channels_replay.settings`); the
constants here are the defaults.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

__all__ = [
    "ACTION_AUTHENTICATION",
    "ACTION_COMPLETE",
    "ACTION_ERROR",
    "GROUP_ACTION_COMPLETE",
    "AuthenticationMessage",
    "AuthenticationPayload",
    "BaseMessage",
    "CompleteMessage",
    "ErrorMessage",
    "GroupCompleteMessage",
]

ACTION_COMPLETE: Literal["complete"] = "complete"
GROUP_ACTION_COMPLETE: Literal["group_complete"] = "group_complete"
ACTION_AUTHENTICATION: Literal["authentication"] = "authentication"
ACTION_ERROR: Literal["error"] = "error"


class BaseMessage(BaseModel):
    """A WebSocket message: an `action` naming what it is and an optional `payload`."""

    action: str
    payload: Any = None


class AuthenticationPayload(BaseModel):
    """The result of authenticating a connection, HTTP-style."""

    status_code: int
    status_text: str
    data: Any = None


class AuthenticationMessage(BaseMessage):
    """Sent by the server right after it accepts a connection."""

    action: Literal["authentication"] = ACTION_AUTHENTICATION
    payload: AuthenticationPayload


class CompleteMessage(BaseMessage):
    """Ends the server's reply to one client frame, on the connection that sent it."""

    action: Literal["complete"] = ACTION_COMPLETE


class GroupCompleteMessage(BaseMessage):
    """Ends a group broadcast, on each connection that received it."""

    action: Literal["group_complete"] = GROUP_ACTION_COMPLETE


class ErrorMessage(BaseMessage):
    """Tells the client its frame was refused; the payload says why."""

    action: Literal["error"] = ACTION_ERROR
    payload: Any
