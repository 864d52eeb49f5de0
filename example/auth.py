"""Token authentication for WebSocket connections: `Authorization: Token KEY` or `?token=KEY`."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser


def token_from_scope(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            if scheme.lower() == "token" and key:
                return key.strip()
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    tokens = query.get("token")
    return tokens[0] if tokens else None


@database_sync_to_async
def user_for_token(key: str) -> Any:
    from example.models import AccessToken

    token = AccessToken.objects.select_related("user").filter(key=key).first()
    return token.user if token is not None else AnonymousUser()


class TokenAuthMiddleware(BaseMiddleware):
    """Sets `scope["user"]` from the token; AnonymousUser when there is none or it is unknown."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        key = token_from_scope(scope)
        user = await user_for_token(key) if key else AnonymousUser()
        return await super().__call__({**scope, "user": user}, receive, send)
