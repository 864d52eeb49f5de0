"""Ready identity hooks for the recorder: who a connection's user is, from its scope.

The recorder takes a connection's identity from `scope["user"]` when the app's middleware
sets it. Apps that authenticate inside the consumer (chanx, or a JWT read from a cookie)
leave it unset; name a hook in the settings and the recorder asks it instead:

```python
CHANNELS_REPLAY = {"IDENTITY": "channels_replay.identity.jwt_user"}      # JWT cookie/header
CHANNELS_REPLAY = {"IDENTITY": "channels_replay.identity.session_user"}  # Django session
```

A hook is `f(scope) -> str | None` (None: anonymous). It runs once per connection, in a
thread (it may use the database), and an error in it only loses the identity.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

__all__ = ["IdentityHook", "jwt_claims", "jwt_user", "scope_cookies", "session_user"]

IdentityHook = Callable[[Mapping[str, Any]], "str | None"]

JWT_NAME_CLAIMS = ("username", "preferred_username", "email", "name")
"""Claims that name the user directly, in the order they are tried."""
JWT_ID_CLAIMS = ("user_id", "sub", "uid", "id")
"""Claims that hold the user's primary key (looked up in the user model)."""
JWT_QUERY_PARAMS = ("token", "access_token", "jwt")


def _header(scope: Mapping[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if bytes(key).lower() == name:
            return bytes(value).decode("latin-1")
    return None


def scope_cookies(scope: Mapping[str, Any]) -> dict[str, str]:
    """The cookies of a connection: `scope["cookies"]` (Channels' CookieMiddleware), else its
    Cookie header."""
    cookies = scope.get("cookies")
    if isinstance(cookies, Mapping):
        return {str(k): str(v) for k, v in cookies.items()}
    header = _header(scope, b"cookie")
    if not header:
        return {}
    parsed: SimpleCookie = SimpleCookie()
    try:
        parsed.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in parsed.items()}


def jwt_claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWT, unverified (identity is a label, not a check); None if not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        raw = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def _candidate_tokens(scope: Mapping[str, Any]) -> Iterator[str]:
    authorization = _header(scope, b"authorization")
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        yield credentials.strip() if credentials else scheme
    yield from scope_cookies(scope).values()
    query = scope.get("query_string") or b""
    text = query.decode("latin-1") if isinstance(query, bytes) else str(query)
    for name, value in parse_qsl(text):
        if name in JWT_QUERY_PARAMS:
            yield value
    for protocol in scope.get("subprotocols") or ():
        yield str(protocol)


def _username_for_pk(pk: Any) -> str | None:
    from django.contrib.auth import get_user_model

    user = get_user_model()._default_manager.filter(pk=pk).first()
    return str(user.get_username()) if user is not None else None


def jwt_user(scope: Mapping[str, Any]) -> str | None:
    """The user of the first JWT in the Authorization header, a cookie, `?token=` or a
    subprotocol: a name claim (`username`, `email`...), else the user an id claim
    (`user_id`, `sub`) points to, as simplejwt and dj-rest-auth issue them."""
    for token in _candidate_tokens(scope):
        claims = jwt_claims(token)
        if claims is None:
            continue
        for claim in JWT_NAME_CLAIMS:
            if isinstance(claims.get(claim), str) and claims[claim]:
                return str(claims[claim])
        for claim in JWT_ID_CLAIMS:
            if claims.get(claim) not in (None, ""):
                return _username_for_pk(claims[claim]) or str(claims[claim])
    return None


def session_user(scope: Mapping[str, Any]) -> str | None:
    """The user logged in to the Django session whose cookie the connection carries."""
    from importlib import import_module

    from django.conf import settings

    key = scope_cookies(scope).get(settings.SESSION_COOKIE_NAME)
    if not key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(key)
    user_id = store.get("_auth_user_id")
    return _username_for_pk(user_id) if user_id is not None else None
