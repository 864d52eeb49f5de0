"""System checks: `manage.py check` reports a CHANNELS_REPLAY setting that cannot be right.

Registered by the app config (`"channels_replay"` in INSTALLED_APPS). A misspelt key
is reported here, once, instead of failing a test in the middle of it.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, Warning, register

from channels_replay.settings import CHANX_KEYS, DEFAULTS, unknown_keys

__all__ = ["check_settings"]


@register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """channels_replay.E001: CHANNELS_REPLAY is not a dict; W001: it has unknown keys."""
    from django.conf import settings

    value = getattr(settings, "CHANNELS_REPLAY", None) or {}
    if not isinstance(value, dict):
        return [
            Error(
                f"settings.CHANNELS_REPLAY must be a dict, not {type(value).__name__}.",
                hint="Set it to a dict of the keys in channels_replay.settings.DEFAULTS.",
                id="channels_replay.E001",
            )
        ]
    unknown = unknown_keys(value)
    if not unknown:
        return []
    return [
        Warning(
            f"settings.CHANNELS_REPLAY has unknown key(s): {', '.join(unknown)}; they are ignored.",
            hint=(
                f"Known keys: {', '.join(sorted(DEFAULTS))}; "
                f"chanx's keys are accepted too: {', '.join(sorted(CHANX_KEYS - set(DEFAULTS)))}."
            ),
            id="channels_replay.W001",
        )
    ]
