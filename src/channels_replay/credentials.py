"""Credentials for replay, in one place: a TOML file or a mapping, and helpers that mint them.

```toml
# replay.toml: one table per recorded identity; "*" for any connection, "c2" for one
[alice]
cookies = { sessionid = { mint = "session" } }         # a fresh Django session for alice
[bob]
headers = { authorization = { mint = "drf-token", format = "Token {}" } }
["*"]
json = { password = "not-a-secret-in-the-test-db" }
```

`channels-replay replay --credentials replay.toml`, `replay_config` returning
`{"credentials": "replay.toml"}` (or the mapping itself), and `ReplayTestCase.replay_credentials`
take the same thing. A `{ mint = KIND }` value is made at replay time, for the connection's
user, in the replay's database, so no secret is stored anywhere: KIND is `session` (a Django
session key), `drf-token` (a DRF authtoken key), `jwt` (a simplejwt access token), or the dotted
path of your own `f(identity) -> str`. `format` wraps the value (`"Bearer {}"`). In a Python
mapping, any callable `f(identity) -> value` does the same; it receives None for an anonymous
connection.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from channels_replay._imports import import_object
from channels_replay.errors import ConfigurationError, ReplayError
from channels_replay.replay.substitution import Credentials

__all__ = [
    "MINTS",
    "drf_token",
    "jwt_access_token",
    "load_credentials",
    "minted",
    "session_cookie",
    "user_named",
]


def user_named(identity: str | None) -> Any:
    """The user recorded as `identity` in this database; ReplayError saying how to create it."""
    from django.contrib.auth import get_user_model

    if identity is None:
        raise ReplayError(
            "the connection is anonymous (no recorded user), so nothing can be minted for "
            'it: give its value by connection id (e.g. [c2]) or under ["*"] as a plain value'
        )
    model = get_user_model()
    user = model._default_manager.filter(**{model.USERNAME_FIELD: identity}).first()
    if user is None:
        raise ReplayError(
            f"there is no user {identity!r} in the replay database: record with --snapshot auth "
            "so that the users travel with the cassette, or create them with --command / "
            "--fixture (in tests: in setUp or a fixture)"
        )
    return user


def session_cookie(user: Any) -> str:
    """The key of a new Django session logged in as `user`: the `sessionid` cookie's value."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return str(store.session_key)


def drf_token(user: Any) -> str:
    """The user's Django REST framework authtoken key (created when missing)."""
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    return str(token.key)


def jwt_access_token(user: Any) -> str:
    """A fresh simplejwt access token for the user (signed with the project's settings)."""
    from rest_framework_simplejwt.tokens import AccessToken

    return str(AccessToken.for_user(user))


MINTS: dict[str, Callable[[Any], str]] = {
    "session": session_cookie,
    "drf-token": drf_token,
    "jwt": jwt_access_token,
}
"""The kinds of `{ mint = KIND }` and the helper each calls with the connection's user."""


def minted(
    kind: str, format: str = "{}", source: str = "credentials"
) -> Callable[[str | None], str]:
    """`f(identity) -> str` minting a credential of `kind` (a MINTS name or a dotted path of
    `f(identity) -> str`) at replay time."""
    if kind in MINTS:
        helper = MINTS[kind]

        def mint(identity: str | None) -> str:
            return format.format(helper(user_named(identity)))

        return mint
    if "." not in kind:
        raise ConfigurationError(
            f"{source}: unknown mint {kind!r}: use one of {', '.join(MINTS)}, or the dotted "
            "path of your own f(identity) -> str"
        )
    hook = import_object(kind, f"{source}: mint")
    if not callable(hook):
        raise ConfigurationError(f"{source}: mint {kind!r} is not a function f(identity) -> str")

    def call(identity: str | None) -> str:
        return format.format(hook(identity))

    return call


def _with_mints(mapping: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The mapping with each `{ mint = ..., format = ... }` value turned into its callable."""
    out: dict[str, Any] = {}
    for identity, sections in mapping.items():
        if not isinstance(sections, Mapping):
            out[identity] = sections  # Credentials.from_mapping says what is wrong
            continue
        out[identity] = converted = {}
        for section, values in sections.items():
            if not isinstance(values, Mapping):
                converted[section] = values
                continue
            converted[section] = {
                name: _value(value, f"{source}: [{identity}] {section}.{name}")
                for name, value in values.items()
            }
    return out


def _value(value: Any, where: str) -> Any:
    if not isinstance(value, Mapping):
        return value
    if set(value) - {"mint", "format"} or not isinstance(value.get("mint"), str):
        raise ConfigurationError(
            f"{where}: a table value is {{ mint = KIND }} (with an optional format = "
            f'"Bearer {{}}"), not {dict(value)!r}'
        )
    return minted(value["mint"], str(value.get("format", "{}")), where)


def load_credentials(source: Mapping[str, Any] | str | os.PathLike[str]) -> Credentials:
    """Credentials from a TOML file's path or a mapping in the same form."""
    if isinstance(source, Mapping):
        return Credentials.from_mapping(_with_mints(source, "credentials"), "credentials")
    path = Path(source)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(
            f"no credentials file at {path}: give the path of a TOML file (see "
            "docs/replaying-in-ci.md)"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path}: not a valid TOML file ({exc})") from exc
    return Credentials.from_mapping(_with_mints(document, str(path)), str(path))
