"""Putting the recorder into an application: by hand, into a ProtocolTypeRouter, or from settings.

- `record_websocket(app, ...)`: wrap the websocket app yourself, below your auth
  middleware: `TokenAuthMiddleware(record_websocket(URLRouter(...), target=...))`.
- `install_recorder(application, ...)`: find the `"websocket"` entry of the project's
  ProtocolTypeRouter and insert the recorder as deep as it goes, just above the
  innermost app (typically the URLRouter), so that `scope["user"]`, set by the auth
  middleware above it, is visible and identities are recorded.
- `install_settings_hook()`: what `channels_replay.apps.ChannelsReplayConfig.ready()`
  calls. When `CHANNELS_REPLAY["RECORD"]` is set it wraps `ProtocolTypeRouter.__init__`
  so that every router built afterwards (asgi.py builds it after
  `get_asgi_application()` has run `django.setup()`) gets the recorder, with one
  session per process. Works with Channels' runserver, daphne and uvicorn alike.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from channels_replay._middleware_chain import MAX_DEPTH, find_protocol_router, wrapped_app
from channels_replay.errors import RecorderError
from channels_replay.recorder.middleware import RecorderMiddleware
from channels_replay.recorder.session import RecordingSession
from channels_replay.settings import replay_settings

__all__ = [
    "disable_settings_hook",
    "find_recorder",
    "install_recorder",
    "install_settings_hook",
    "record_websocket",
    "settings_session",
]

logger = logging.getLogger("channels_replay.recorder")


_hook_disabled = False
_settings_session: RecordingSession | None = None


def record_websocket(app: Any, **options: Any) -> RecorderMiddleware:
    """Wrap a websocket application in a `RecorderMiddleware` (options as its keywords)."""
    return RecorderMiddleware(app, **options)


def _chain(app: Any) -> list[tuple[Any, str, Any]]:
    """`(holder, attribute, app)` for each middleware link below `app`, outermost first."""
    links: list[tuple[Any, str, Any]] = []
    seen = {id(app)}
    for _ in range(MAX_DEPTH):
        step = wrapped_app(app)
        if step is None or id(step[1]) in seen:
            break
        seen.add(id(step[1]))
        links.append((app, step[0], step[1]))
        app = step[1]
    return links


def find_recorder(application: Any) -> RecorderMiddleware | None:
    """The RecorderMiddleware installed in `application` (or its websocket entry), if any."""
    router = find_protocol_router(application)
    top = router.application_mapping.get("websocket") if router is not None else application
    for app in [top, *(link[2] for link in _chain(top))]:
        if isinstance(app, RecorderMiddleware):
            return app
    return None


def install_recorder(asgi_application: Any, **options: Any) -> Any:
    """Insert a recorder deep in the websocket branch of `asgi_application`; the app to serve.

    The recorder goes just above the innermost websocket app (e.g. the URLRouter
    inside `AuthMiddlewareStack`), so the user that auth middleware puts in the scope
    is recorded. The router is changed in place and returned. An app with no
    ProtocolTypeRouter is wrapped whole (the wrapper is returned). Options are
    `RecorderMiddleware`'s keywords. Raises RecorderError when a recorder is already
    installed.
    """
    if find_recorder(asgi_application) is not None:
        raise RecorderError(
            f"{asgi_application!r} already has a channels-replay recorder: record either "
            'with CHANNELS_REPLAY["RECORD"], `channels-replay record` or install_recorder(), '
            "not two of them"
        )
    router = find_protocol_router(asgi_application)
    if router is None:
        return RecorderMiddleware(asgi_application, **options)
    mapping: MutableMapping[str, Any] = router.application_mapping
    entry = mapping.get("websocket")
    if entry is None:
        raise RecorderError(
            f"{router!r} has no 'websocket' entry: there is nothing to record; route your "
            "consumers with ProtocolTypeRouter({'websocket': ...})"
        )
    links = _chain(entry)
    if not links:
        mapping["websocket"] = RecorderMiddleware(entry, **options)
        return asgi_application
    holder, attribute, innermost = links[-1]
    recorder = RecorderMiddleware(innermost, **options)
    try:
        setattr(holder, attribute, recorder)
    except (AttributeError, TypeError):
        logger.warning(
            "channels-replay: cannot insert the recorder inside %r (its %r cannot be set); "
            "recording around the whole websocket entry, so user identities are not recorded",
            holder,
            attribute,
        )
        recorder.app = entry
        mapping["websocket"] = recorder
    return asgi_application


# -- the CHANNELS_REPLAY["RECORD"] setting ---------------------------------------------


def disable_settings_hook() -> None:
    """Keep the RECORD setting from installing recorders in this process from now on.

    `channels-replay record` calls it (it installs its own recorder), and so do
    `channels-replay replay` and `learn-noise`: a replay is never recorded.
    """
    global _hook_disabled
    _hook_disabled = True


def _testing_or_replaying() -> str | None:
    """Why the RECORD setting must not record in this process, or None.

    Tests and replays run the app too: recording them would fill the cassette
    directory with test traffic and, with DEBUG off (as Django's test runner sets it),
    refuse to start. The replay command and the testing classes turn the hook off
    explicitly; a pytest process or `manage.py test` is recognised here.
    """
    if "pytest" in sys.modules:
        return "running under pytest"
    if sys.argv[1:2] == ["test"]:
        return "running under `manage.py test`"
    return None


def settings_session() -> RecordingSession | None:
    """The session the RECORD setting records into, once a router has been built."""
    return _settings_session


def _session_from_settings() -> RecordingSession:
    global _settings_session
    if _settings_session is None:
        from django.conf import settings

        _settings_session = RecordingSession(
            os.fspath(replay_settings.RECORD),
            per_connection=bool(replay_settings.RECORD_PER_CONNECTION),
            redact=bool(replay_settings.REDACT),
            app_label=getattr(settings, "ASGI_APPLICATION", None),
        )
    return _settings_session


def install_settings_hook() -> bool:
    """When `CHANNELS_REPLAY["RECORD"]` is set, record every ProtocolTypeRouter built later.

    Returns whether the hook is in place. Idempotent. A router built while DEBUG is
    False (and RECORD_FORCE is not set) raises RecorderError: the server does not start.
    """
    if not replay_settings.RECORD or _hook_disabled:
        return False
    reason = _testing_or_replaying()
    if reason is not None:
        logger.debug("channels-replay: not recording (CHANNELS_REPLAY['RECORD']): %s", reason)
        return False
    from channels.routing import ProtocolTypeRouter

    if getattr(ProtocolTypeRouter.__init__, "_channels_replay_hook", False):
        return True
    original = ProtocolTypeRouter.__init__

    @functools.wraps(original)
    def __init__(self: Any, application_mapping: Any) -> None:
        original(self, application_mapping)
        if not _hook_disabled and replay_settings.RECORD:
            _record_router(self)

    __init__._channels_replay_hook = True  # type: ignore[attr-defined]
    ProtocolTypeRouter.__init__ = __init__
    logger.info(
        "channels-replay: CHANNELS_REPLAY['RECORD'] is set: WebSocket sessions will be "
        "recorded to %s",
        replay_settings.RECORD,
    )
    return True


def _record_router(router: Any) -> None:
    """Install the settings session's recorder in a new router, and close it at shutdown."""
    if "websocket" not in router.application_mapping or find_recorder(router) is not None:
        return
    session = _session_from_settings()
    install_recorder(router, session=session)
    lifespan = router.application_mapping.get("lifespan")
    router.application_mapping["lifespan"] = _ClosingLifespan(lifespan, session)


ASGIApp = Callable[..., Awaitable[None]]


class _ClosingLifespan:
    """Closes the session at lifespan shutdown, which uvicorn sends after the last connection.

    uvicorn ends a SIGTERM by re-raising the signal, which skips atexit handlers; the
    lifespan shutdown is the last moment the cassette can get its end record. An existing
    lifespan app keeps working: it sees the same messages. Without one, startup and
    shutdown are acknowledged here.
    """

    def __init__(self, inner: ASGIApp | None, session: RecordingSession) -> None:
        self.inner = inner
        self.session = session

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        session = self.session

        async def receive_closing() -> Any:
            message = await receive()
            if message.get("type") == "lifespan.shutdown":
                session.close()
            return message

        if self.inner is not None:
            await self.inner(scope, receive_closing, send)
            return
        while True:
            message = await receive_closing()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
