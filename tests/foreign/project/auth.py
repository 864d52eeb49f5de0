"""Token authentication for WebSockets: `authorization: Token KEY` header or `?token=KEY`.

`TokenScopeMiddleware` resolves the token (DRF's authtoken model) into `scope["user"]`,
as a project's own auth middleware does, so the recorder (installed below it) records
who each connection belongs to. chanx consumers authenticate through DRF: the header
with DRF's own `TokenAuthentication`, the query parameter (which chanx's request built
from the scope does not carry) with `ScopeUserAuthentication`, a tiny DRF class that
trusts the user the middleware found.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

JWT_COOKIE = "access"


def token_from_scope(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            if scheme.lower() == "token" and key.strip():
                return str(key).strip()
    tokens = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return str(tokens[0]) if tokens else None


@database_sync_to_async  # type: ignore[untyped-decorator]
def user_for_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    return token.user if token is not None else AnonymousUser()


class TokenScopeMiddleware(BaseMiddleware):  # type: ignore[misc]
    """Sets `scope["user"]` from the token (AnonymousUser when it is unknown); without a
    token, the user the session middleware above found, if any."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        key = token_from_scope(scope)
        user = await user_for_token(key) if key else scope.get("user") or AnonymousUser()
        return await super().__call__({**scope, "user": user}, receive, send)


class ScopeUserAuthentication(BaseAuthentication):  # type: ignore[misc]
    """DRF authentication by the user `TokenScopeMiddleware` put in the scope."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        user = getattr(request._request, "user", None)
        if user is not None and user.is_authenticated:
            return user, None
        return None

    def authenticate_header(self, request: Request) -> str:
        return "Token"  # unauthenticated requests get 401, as with TokenAuthentication


class JWTCookieAuthentication(JWTAuthentication):  # type: ignore[misc]
    """simplejwt's authentication, reading the access token from the `access` cookie, as
    dj-rest-auth's JWTCookieAuthentication does."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        raw = request.COOKIES.get(JWT_COOKIE)
        if not raw:
            return None
        validated = self.get_validated_token(raw)
        return self.get_user(validated), validated
