"""The `CHANNELS_REPLAY` Django setting, read at use time, with the `CHANX` setting as fallback.

`replay_settings.MESSAGE_ACTION_KEY` looks the value up in `settings.CHANNELS_REPLAY`
on every access, so `override_settings(CHANNELS_REPLAY={...})` takes effect inside a
test. A key missing there is looked up in `settings.CHANX` (chanx's setting) when it
means the same thing there (`CHANX_EQUIVALENTS`), so a chanx project's settings, and
`override_settings(CHANX=...)` / chanx's `override_chanx_settings`, apply unchanged.
Outside a configured Django project the defaults apply.

Unknown keys are not an error at use time: the system check `channels_replay.W001`
(see `channels_replay.checks`) reports them.
"""

from __future__ import annotations

import sys
from typing import Any

from channels_replay.errors import ConfigurationError
from channels_replay.signals import SignalNames

__all__ = [
    "CHANX_EQUIVALENTS",
    "CHANX_KEYS",
    "DEFAULTS",
    "ReplaySettings",
    "replay_settings",
    "signal_names",
    "unknown_keys",
]

DEFAULTS: dict[str, Any] = {
    # key of the action in every JSON frame
    "MESSAGE_ACTION_KEY": "action",
    # whether the app sends an authentication message after accepting a connection
    "SEND_AUTHENTICATION_MESSAGE": True,
    # whether the app camelizes JSON keys (the communicator decamelizes what it reads)
    "CAMELIZE": False,
    # whether SignalsMixin sends `complete` / `group_complete` after each handled event
    "SEND_COMPLETION": True,
    # action names of the signals that end an exchange
    "AUTHENTICATION_ACTION": "authentication",
    "COMPLETE_ACTION": "complete",
    "GROUP_COMPLETE_ACTION": "group_complete",
    # recording: a directory or a cassette file; None records nothing
    "RECORD": None,
    # recording: record even when DEBUG is False
    "RECORD_FORCE": False,
    # recording: one cassette per connection instead of one per session
    "RECORD_PER_CONNECTION": False,
    # recording: dotted path of f(scope) -> str | None naming a connection's user where
    # scope["user"] does not (e.g. "channels_replay.identity.jwt_user")
    "IDENTITY": None,
    # recording: app labels whose rows are dumped beside each cassette when it starts
    "SNAPSHOT": [],
    # redaction at record time (None: the library's default lists)
    "REDACT": True,
    "REDACT_HEADERS": None,
    "REDACT_QUERY_PARAMS": None,
    "REDACT_JSON_KEYS": None,
    # replay: noise rules applied to every cassette
    "NOISE": [],
    # replay: credentials for redacted values, a mapping or the path of a TOML file
    "CREDENTIALS": None,
}


CHANX_EQUIVALENTS: frozenset[str] = frozenset(
    {"MESSAGE_ACTION_KEY", "SEND_AUTHENTICATION_MESSAGE", "CAMELIZE", "SEND_COMPLETION"}
)
"""Keys of chanx's `CHANX` setting that mean the same here: used when CHANNELS_REPLAY lacks them.

chanx 0.x has no settings for the action names (`authentication`, `complete`,
`group_complete` are constants there), so those have no fallback.
"""

CHANX_KEYS: frozenset[str] = frozenset(
    {
        "MESSAGE_ACTION_KEY",
        "SEND_COMPLETION",
        "SEND_MESSAGE_IMMEDIATELY",
        "SEND_AUTHENTICATION_MESSAGE",
        "CAMELIZE",
        "LOG_RECEIVED_MESSAGE",
        "LOG_SENT_MESSAGE",
        "LOG_IGNORED_ACTIONS",
        "WEBSOCKET_BASE_URL",
    }
)
"""Every key of chanx 0.x's `CHANX` setting: accepted in CHANNELS_REPLAY (those not in
CHANX_EQUIVALENTS have no effect here), so a project can copy its CHANX dict over."""


def _django_settings() -> Any | None:
    try:
        from django.conf import settings
    except ImportError:  # pragma: no cover - django is a dependency
        return None
    return settings if settings.configured else None


def _user_settings() -> dict[str, Any]:
    settings = _django_settings()
    if settings is None:
        return {}
    value = getattr(settings, "CHANNELS_REPLAY", None) or {}
    if not isinstance(value, dict):
        raise ConfigurationError(
            f"settings.CHANNELS_REPLAY must be a dict, not {type(value).__name__}; "
            "set it to a dict of the keys listed in channels_replay.settings.DEFAULTS"
        )
    return value


def _chanx_settings() -> dict[str, Any]:
    """chanx's settings in force: `settings.CHANX`, read now.

    chanx's `override_chanx_settings` edits the dict its settings object holds, which
    is `settings.CHANX` itself when that is a non-empty dict. When CHANX is unset or
    empty, chanx's object holds a dict of its own: its equivalent keys are read from
    there (only if chanx is already imported: it is never imported from here).
    """
    settings = _django_settings()
    if settings is None:
        return {}
    value = getattr(settings, "CHANX", None)
    if isinstance(value, dict) and value:
        return value
    module = sys.modules.get("chanx.utils.settings")
    held = getattr(getattr(module, "chanx_settings", None), "__dict__", {}).get("_user_settings")
    if isinstance(held, dict):
        return {key: held[key] for key in CHANX_EQUIVALENTS if key in held}
    return value if isinstance(value, dict) else {}


def unknown_keys(user: dict[str, Any]) -> list[str]:
    """The keys of a CHANNELS_REPLAY dict that neither channels-replay nor chanx knows."""
    return sorted(str(key) for key in set(user) - set(DEFAULTS) - CHANX_KEYS)


class ReplaySettings:
    """Attribute access to the effective settings: CHANNELS_REPLAY, then CHANX, then DEFAULTS."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown channels-replay setting {name!r}")
        user = _user_settings()
        if name in user:
            return user[name]
        if name in CHANX_EQUIVALENTS:
            chanx = _chanx_settings()
            if name in chanx:
                return chanx[name]
        return DEFAULTS[name]

    def as_dict(self) -> dict[str, Any]:
        """Every setting with its effective value."""
        return {name: getattr(self, name) for name in DEFAULTS}


replay_settings = ReplaySettings()


def signal_names() -> SignalNames:
    """The signal convention of the settings in force (the defaults outside a Django project)."""
    return SignalNames(
        action_key=str(replay_settings.MESSAGE_ACTION_KEY),
        authentication=str(replay_settings.AUTHENTICATION_ACTION),
        complete=str(replay_settings.COMPLETE_ACTION),
        group_complete=str(replay_settings.GROUP_COMPLETE_ACTION),
    )
