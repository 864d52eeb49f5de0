"""The example app with one deliberate change, for the demo to show what a replay catches.

The change a developer might make without thinking of the clients: chat messages now
carry the author's display name ("Alice") where they carried the username ("alice").
Everything else is the example's own: the same routes, middleware and consumers.
Replay against it with `--app example.changed:application`.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")

import django

django.setup()

from channels.routing import URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from example.auth import TokenAuthMiddleware  # noqa: E402
from example.consumers import ChatConsumer, EchoConsumer, PlainConsumer  # noqa: E402


class DisplayNameChat(ChatConsumer):
    """Sends `user` as a display name: the one changed field."""

    async def chat_message(self, event: dict[str, Any]) -> None:
        await super().chat_message({**event, "user": event["user"].title()})


application = TokenAuthMiddleware(
    URLRouter(
        [
            path("ws/echo/", EchoConsumer.as_asgi()),
            path("ws/chat/<str:room>/", DisplayNameChat.as_asgi()),
            path("ws/plain/", PlainConsumer.as_asgi()),
        ]
    )
)
