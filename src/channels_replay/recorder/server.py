"""The recording dev server: uvicorn serving the app with the recorder installed.

`prepare_app_import()` makes `module:attribute` importable the way a developer expects
from the project root (the current directory on `sys.path`, `DJANGO_SETTINGS_MODULE`
guessed from a sibling `settings` module) and keeps the RECORD setting out of the way.
`serve_recording()` runs uvicorn (programmatically: `uvicorn.Config` and `Server`)
until Ctrl-C or SIGTERM, then closes the cassette and returns the summary.

uvicorn restores the previous signal handlers after a graceful shutdown and raises
the signal again; the handlers installed here catch that second delivery, so the
cassette is closed and the summary printed instead of the process dying by the signal.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from channels_replay.errors import RecorderError
from channels_replay.recorder._log import hide_query_values_in_logs
from channels_replay.recorder.install import disable_settings_hook, install_recorder
from channels_replay.recorder.session import RecordingSession, RecordingSummary

__all__ = ["DEFAULT_WS", "prepare_app_import", "serve_recording", "server_label"]

DEFAULT_WS = "websockets-sansio"
"""uvicorn's WebSocket implementation on the `websockets` library's current (sans-I/O) API;
uvicorn's "websockets" one is built on `websockets.legacy`, deprecated since websockets 14."""

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def prepare_app_import(dotted: str) -> None:
    """Get ready to import `module:attribute` as a developer at the project root means it.

    Puts the current directory first on `sys.path`; sets `DJANGO_SETTINGS_MODULE` to
    `<package>.settings` when it is unset and that module exists beside the app module;
    stops the RECORD setting from installing a second recorder.
    """
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    disable_settings_hook()
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return
    module = dotted.partition(":")[0] if ":" in dotted else dotted.rpartition(".")[0]
    package = module.rpartition(".")[0]
    if not package:
        return
    candidate = f"{package}.settings"
    try:
        found = importlib.util.find_spec(candidate) is not None
    except (ImportError, ValueError):
        found = False
    if found:
        os.environ["DJANGO_SETTINGS_MODULE"] = candidate


def server_label() -> str:
    """`uvicorn <version>`, for the cassette header."""
    import uvicorn

    return f"uvicorn {uvicorn.__version__}"


@contextmanager
def _graceful_signals(on_signal: Callable[[], None]) -> Iterator[None]:
    """Handlers for SIGINT/SIGTERM outside uvicorn's own: ask the server to stop, no more."""

    def handle(signum: int, frame: FrameType | None) -> None:
        on_signal()

    saved = {sig: signal.signal(sig, handle) for sig in _SIGNALS}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _listening_url(server: Any, host: str, port: int) -> str:
    """The address the server really listens on (the port the OS chose for port 0)."""
    for listener in getattr(server, "servers", ()):
        for sock in listener.sockets:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                bound_host, bound_port = sock.getsockname()[:2]
                shown = f"[{bound_host}]" if ":" in bound_host else bound_host
                return f"http://{shown}:{bound_port}"
    return f"http://{host}:{port}"


def _with_static_files(app: Any) -> Any:
    """The app serving its static files too, as `runserver` does with DEBUG on.

    So a developer can click through the app's own pages while recording. Only with
    Django settings, DEBUG on and `django.contrib.staticfiles` installed; WebSocket
    and other requests go to the app unchanged.
    """
    try:
        from django.conf import settings

        serve = (
            settings.configured
            and settings.DEBUG
            and "django.contrib.staticfiles" in settings.INSTALLED_APPS
        )
    except Exception:  # settings that do not import are the app's to report
        return app
    if not serve:
        return app
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    return ASGIStaticFilesHandler(app)


def serve_recording(
    application: Any,
    session: RecordingSession,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    ws: str = DEFAULT_WS,
    log_level: str = "info",
    on_listening: Callable[[str], None] | None = None,
) -> RecordingSummary:
    """Serve `application` with `session`'s recorder until SIGINT/SIGTERM; the summary.

    `on_listening(url)` is called once the socket is listening (`url` like
    `http://127.0.0.1:8000`). RecorderError when the server cannot start (the port is
    taken, say); the cassette is closed in every case. The console never shows a query
    value (see `_log`).
    """
    import uvicorn

    app = _with_static_files(install_recorder(application, session=session))

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and on_listening is not None:
                on_listening(_listening_url(self, host, port))

    config = uvicorn.Config(app, host=host, port=port, ws=ws, lifespan="auto", log_level=log_level)
    hide_query_values_in_logs()  # after uvicorn set its logging up: tokens ride in queries
    server = _Server(config)

    def stop() -> None:
        server.should_exit = True

    try:
        with _graceful_signals(stop):
            server.run()
    except SystemExit as exc:  # uvicorn exits this way when it cannot bind or start
        if exc.code not in (0, None):
            raise RecorderError(
                f"the recording server could not start on {host}:{port} (see the log above); "
                "choose another --port or stop whatever is using it"
            ) from None
    finally:
        summary = session.close()
    return summary
