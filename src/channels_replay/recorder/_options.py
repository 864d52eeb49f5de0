"""What the recorder takes from Django: the redaction lists, `RECORD_FORCE`, and the DEBUG guard.

Kept apart so the session and the middleware stay free of settings lookups: these run
once, when a recorder is set up, never per event. Without a configured Django project
(a plain ASGI app) the library defaults apply and there is no DEBUG check.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from channels_replay._imports import import_object
from channels_replay.cassettes import Redactor
from channels_replay.errors import ConfigurationError, RecorderError
from channels_replay.identity import IdentityHook
from channels_replay.settings import replay_settings

if TYPE_CHECKING:
    from channels_replay.snapshots import Snapshot

__all__ = [
    "check_recording_allowed",
    "django_configured",
    "redactor_from_settings",
    "resolve_identity",
    "resolve_redactor",
    "take_settings_snapshot",
]


def django_configured() -> bool:
    """Whether Django settings are configured (False for a plain ASGI app)."""
    from django.conf import settings

    return bool(settings.configured)


def _forced_by_settings() -> bool:
    return bool(replay_settings.RECORD_FORCE)


def check_recording_allowed(*, force: bool, where: str) -> None:
    """Raise RecorderError when Django's DEBUG is False and recording is not forced.

    A recorder writes what users send to disk; in production that is a leak waiting to
    happen, so it must be asked for explicitly. `where` names the recorder's target.
    """
    if force or not django_configured():
        return
    from django.conf import settings

    if settings.DEBUG or _forced_by_settings():
        return
    raise RecorderError(
        f"refusing to record WebSocket sessions to {where}: settings.DEBUG is False, so "
        "this looks like a production server. Recording writes what users send to disk. "
        "To record on a dev server, set DEBUG = True in the settings it runs with "
        "(runserver, daphne, uvicorn), or remove CHANNELS_REPLAY['RECORD'] to stop "
        "recording. To record anyway, pass force=True (the `--force` option of "
        '`channels-replay record`) or set CHANNELS_REPLAY = {..., "RECORD_FORCE": True}'
    )


def _setting_list(name: str) -> list[str] | None:
    value: Any = getattr(replay_settings, name)
    if value is None:
        return None
    if isinstance(value, str) or not all(isinstance(item, str) for item in value):
        raise RecorderError(
            f'CHANNELS_REPLAY["{name}"] must be a list of names (or None for the defaults), '
            f"not {value!r}"
        )
    return list(value)


def resolve_redactor(redactor: Redactor | None, *, redact: bool) -> Redactor | None:
    """The redactor to record with: the one given, else one from the REDACT_* settings.

    None means "record without redaction" (`redact=False`). Each REDACT_* list that is set
    replaces the library's default list for that place.
    """
    if not redact:
        return None
    if redactor is not None:
        return redactor
    return redactor_from_settings()


def redactor_from_settings() -> Redactor:
    """A Redactor from the REDACT_* settings; each list that is set replaces the default.

    The recorder redacts with it, and replay redacts what the app sends with the
    same one, so that recorded markers compare equal.
    """
    lists: dict[str, list[str]] = {}
    for option, setting in (
        ("headers", "REDACT_HEADERS"),
        ("query_params", "REDACT_QUERY_PARAMS"),
        ("json_keys", "REDACT_JSON_KEYS"),
    ):
        names = _setting_list(setting)
        if names is not None:
            lists[option] = names
    try:
        return Redactor(**lists)
    except (TypeError, ValueError) as exc:
        raise RecorderError(f"CHANNELS_REPLAY redaction settings are unusable: {exc}") from None


def resolve_identity(identity: IdentityHook | str | None) -> IdentityHook | None:
    """The identity hook: the one given (a callable or a dotted path), else the IDENTITY
    setting's, else None."""
    what = "the identity hook"
    if identity is None and django_configured():
        identity, what = replay_settings.IDENTITY, 'CHANNELS_REPLAY["IDENTITY"]'
    if identity is None:
        return None
    hook = import_object(identity, what) if isinstance(identity, str) else identity
    if not callable(hook):
        raise ConfigurationError(
            f"{what} must name a function f(scope) -> str | None, not {hook!r}"
        )
    return hook


def take_settings_snapshot(
    app_labels: Sequence[str] | None, redactor: Redactor | None
) -> Snapshot | None:
    """The snapshot of the apps given, else of the SNAPSHOT setting's; None for none."""
    if app_labels is None and django_configured():
        app_labels = _setting_list("SNAPSHOT")
    if not app_labels:
        return None
    from channels_replay.snapshots import take_snapshot

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return take_snapshot(app_labels, redactor)
    # a server that builds the app inside its event loop: the ORM must not run on it
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(take_snapshot, app_labels, redactor).result()
