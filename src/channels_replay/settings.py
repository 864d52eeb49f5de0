"""The `CHANNELS_REPLAY` Django setting, read at use time.

`replay_settings.MESSAGE_ACTION_KEY` looks the value up in `settings.CHANNELS_REPLAY`
on every access, so `override_settings(CHANNELS_REPLAY={...})` takes effect inside a
test. Outside a configured Django project the defaults apply.
"""

from __future__ import annotations

from typing import Any

from channels_replay.errors import ConfigurationError

__all__ = ["DEFAULTS", "ReplaySettings", "replay_settings"]

DEFAULTS: dict[str, Any] = {
    # key of the action in every JSON frame
    "MESSAGE_ACTION_KEY": "action",
    # whether the app sends an authentication message after accepting a connection
    "SEND_AUTHENTICATION_MESSAGE": True,
    # whether the app camelizes JSON keys (the communicator decamelizes what it reads)
    "CAMELIZE": False,
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
    # redaction at record time (None: the library's default lists)
    "REDACT": True,
    "REDACT_HEADERS": None,
    "REDACT_QUERY_PARAMS": None,
    "REDACT_JSON_KEYS": None,
    # replay: noise rules applied to every cassette
    "NOISE": [],
}


def _user_settings() -> dict[str, Any]:
    try:
        from django.conf import settings
    except ImportError:  # pragma: no cover - django is a dependency
        return {}
    if not settings.configured:
        return {}
    value = getattr(settings, "CHANNELS_REPLAY", None) or {}
    if not isinstance(value, dict):
        raise ConfigurationError(
            f"settings.CHANNELS_REPLAY must be a dict, not {type(value).__name__}; "
            "set it to a dict of the keys listed in channels_replay.settings.DEFAULTS"
        )
    return value


def _check_keys(user: dict[str, Any]) -> None:
    unknown = sorted(set(user) - set(DEFAULTS))
    if unknown:
        raise ConfigurationError(
            f"settings.CHANNELS_REPLAY has unknown key(s) {', '.join(unknown)}; "
            f"known keys: {', '.join(sorted(DEFAULTS))}"
        )


class ReplaySettings:
    """Attribute access to the effective settings (user values over DEFAULTS)."""

    def __init__(self) -> None:
        # The dict last checked for unknown keys: consumers read settings on every frame.
        self._checked: dict[str, Any] | None = None

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown channels-replay setting {name!r}")
        user = _user_settings()
        if user is not self._checked:
            _check_keys(user)
            self._checked = user
        return user.get(name, DEFAULTS[name])

    def as_dict(self) -> dict[str, Any]:
        """Every setting with its effective value."""
        return {name: getattr(self, name) for name in DEFAULTS}


replay_settings = ReplaySettings()
