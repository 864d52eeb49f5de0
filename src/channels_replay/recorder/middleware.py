"""`RecorderMiddleware`: records the WebSocket connections of an ASGI app into a cassette.

It wraps `receive` and `send` of each websocket scope and reports what passes to a
`RecordingSession`: the connect (path, query string, headers, subprotocols, client,
and the authenticated user's identity where `scope["user"]` has one), the accept,
the frames both ways, the server's close and the client's disconnect. The message
objects pass through unchanged and in the same order; http and lifespan scopes reach
the app with the server's own callables, unwrapped.

Place it below the authentication middleware (see `install_recorder`) so that
`scope["user"]` is set when a connection starts; above it, identities are not known.
"""

from __future__ import annotations

import functools
import logging
import os
import weakref
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from channels_replay.asgi import ConnectionTranslation, Translated, connect_fields
from channels_replay.cassettes import Redactor
from channels_replay.errors import RecorderError
from channels_replay.recorder.session import (
    ConnectionRecording,
    RecordingSession,
    RecordingSummary,
)

__all__ = ["RecorderMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger("channels_replay.recorder")


class RecorderMiddleware:
    """ASGI middleware that records every WebSocket connection it sees into a cassette.

    `target` is a cassette file or a directory (see `RecordingSession`); or pass a
    `session` shared by several recorders. Redaction is on by default (`redactor`, else
    the CHANNELS_REPLAY REDACT_* lists, else the library's defaults; `redact=False`
    turns it off). Raises RecorderError when Django's DEBUG is False, unless `force`.
    `app_label` and `server` go into the cassette header. `close()` finishes the
    cassette; interpreter exit does too, as a safety net.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        target: str | os.PathLike[str] | None = None,
        per_connection: bool = False,
        redactor: Redactor | None = None,
        redact: bool = True,
        force: bool = False,
        app_label: str | None = None,
        server: str | None = None,
        session: RecordingSession | None = None,
    ) -> None:
        if session is None:
            if target is None:
                raise RecorderError(
                    "RecorderMiddleware needs a target: a cassette file "
                    "(e.g. 'cassettes/login.cassette') or a directory (e.g. 'cassettes/')"
                )
            session = RecordingSession(
                target,
                per_connection=per_connection,
                redactor=redactor,
                redact=redact,
                force=force,
                app_label=app_label,
                server=server,
            )
        self.app = app
        """The wrapped application (`app`, so that discovery walks through the recorder)."""
        self.session = session

    def __repr__(self) -> str:
        return f"<RecorderMiddleware {self.session!r} around {self.app!r}>"

    def close(self) -> RecordingSummary:
        """Finish the cassette(s); what was recorded."""
        return self.session.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            return await self.app(scope, receive, send)
        session = self.session
        if not session.recording:
            return await self.app(scope, receive, send)
        user = _identity(scope)
        if user is None and session.identity is not None:
            user = await _ask_identity(session, scope)
        recording = _start(session, scope, user)
        if recording is None:
            return await self.app(scope, receive, send)
        tap = _Tap(recording, receive, send)
        try:
            await self.app(scope, tap.receive, tap.send)
        except Exception as exc:
            tap.record(functools.partial(tap.translation.app_failed, exc))
            raise
        else:
            tap.record(tap.translation.app_returned)
        finally:
            recording.end()


def _start(session: RecordingSession, scope: Scope, user: str | None) -> ConnectionRecording | None:
    """Record the connect of a websocket scope; None when the session records no more."""
    try:
        fields = connect_fields(scope)
        fields["user"] = user
    except Exception:  # a scope this odd is the server's business, not the recorder's
        logger.debug("channels-replay: not recording a connection with scope %r", scope)
        return None
    return session.connect(**fields)


def _identity(scope: Scope) -> str | None:
    """The authenticated user's username (else its str), or None.

    Only a user that says `is_authenticated`; a lazy user that is not resolved yet, or
    one whose lookup would need the database here, counts as unknown.
    """
    user = scope.get("user")
    if user is None:
        return None
    try:
        if not getattr(user, "is_authenticated", False):
            return None
        get_username = getattr(user, "get_username", None)
        name = get_username() if callable(get_username) else getattr(user, "username", None)
        return str(name) if name else str(user)
    except Exception:
        return None


_hook_warned: weakref.WeakSet[RecordingSession] = weakref.WeakSet()


async def _ask_identity(session: RecordingSession, scope: Scope) -> str | None:
    """The session's identity hook's answer, in a thread (it may query the database); an
    error in it costs the identity only, with one warning per session."""
    from asgiref.sync import sync_to_async

    hook = session.identity
    assert hook is not None
    try:
        name = await sync_to_async(hook)(dict(scope))
    except Exception as exc:
        if session not in _hook_warned:
            _hook_warned.add(session)
            logger.warning(
                "channels-replay: the identity hook %r failed (%s: %s); connections it "
                "fails on are recorded without a user",
                hook,
                type(exc).__name__,
                exc,
            )
        return None
    return None if name is None else str(name)


class _Tap:
    """The wrapped `receive` and `send` of one connection: report, then pass on unchanged.

    What each message means for the cassette is `channels_replay.asgi`'s to say. Nothing
    here raises into the app: an error while recording (an odd message, a bug of ours)
    stops the session's recording with one warning, and the app carries on.
    """

    __slots__ = ("_receive", "_recording", "_send", "translation")

    def __init__(self, recording: ConnectionRecording, receive: Receive, send: Send) -> None:
        self._recording = recording
        self._receive = receive
        self._send = send
        self.translation = ConnectionTranslation()

    def record(self, translate: Callable[[], Translated | None]) -> None:
        try:
            translated = translate()
            if translated is not None:
                self._recording.record(translated)
        except Exception as exc:
            self._recording.fail(exc)

    async def receive(self) -> Message:
        message = await self._receive()
        self.record(lambda: self.translation.from_client(message))
        return message

    async def send(self, message: Message) -> None:
        self.record(lambda: self.translation.from_server(message))
        try:
            await self._send(message)
        except OSError:  # e.g. uvicorn's ClientDisconnected: the client is already gone
            self.record(self.translation.client_gone)
            raise
