"""A recording WebSocket proxy: record the sessions of any WebSocket server, whatever runs it.

`RecordingProxy` listens with a `websockets` server; for each client connection it
opens a connection to the target server (same path and query string, the client's
headers and offered subprotocols), answers the client's handshake as the target
answered it, then relays frames both ways and records the same events as the
middleware: connect, accept (or the refusal), frames, the server's close and the
client's disconnect. The proxy cannot see users: `user` is always null.

Secrets are redacted at record time as with the middleware. There is no DEBUG check
unless this process has configured Django settings (the proxied server is not ours).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from channels_replay.asgi import ConnectionTranslation, Translated, refused
from channels_replay.errors import RecorderError
from channels_replay.recorder._log import hide_query_values_in_logs
from channels_replay.recorder.session import (
    ConnectionRecording,
    RecordingSession,
    RecordingSummary,
)

__all__ = ["RecordingProxy", "run_proxy"]

logger = logging.getLogger("channels_replay.recorder")

# Request headers the proxy's own client connection sets itself.
_HANDSHAKE_HEADERS = frozenset(
    {
        "host",
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "sec-websocket-accept",
        "content-length",
        "transfer-encoding",
    }
)
_GOING_AWAY = 1001
_CONNECT_TIMEOUT = 10.0


_UNREACHABLE_STATUS = 502


class _Tap:
    """What one proxied connection records: websockets events, as ASGI would say them.

    The proxy sees frames and closes, not ASGI messages; it states each as the
    matching ASGI message, so that `channels_replay.asgi` decides what is recorded,
    as for the middleware.
    """

    __slots__ = ("recording", "translation")

    def __init__(self, recording: ConnectionRecording | None) -> None:
        self.recording = recording
        self.translation = ConnectionTranslation()

    @property
    def ended(self) -> bool:
        return self.translation.ended

    def record(self, translated: Translated | None) -> None:
        if translated is not None and self.recording is not None:
            self.recording.record(translated)

    def frame(self, message: str | bytes, *, from_client: bool) -> None:
        if self.recording is None:
            return
        payload = {"text": message} if isinstance(message, str) else {"bytes": bytes(message)}
        if from_client:
            self.record(self.translation.from_client({"type": "websocket.receive", **payload}))
        else:
            self.record(self.translation.from_server({"type": "websocket.send", **payload}))

    def end(self) -> None:
        if self.recording is not None:
            self.recording.end()


class _Link:
    """One proxied connection: the upstream connection and what it records."""

    __slots__ = ("tap", "upstream")

    def __init__(self, tap: _Tap, upstream: ClientConnection) -> None:
        self.tap = tap
        self.upstream = upstream


class RecordingProxy:
    """Relays WebSocket connections from `listen` to `target` and records them in `session`."""

    def __init__(self, target: str, session: RecordingSession) -> None:
        parts = urlsplit(target)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise RecorderError(
                f"the proxy target {target!r} is not a WebSocket URL: give it as "
                "ws://host:port (or wss://), e.g. ws://127.0.0.1:8000"
            )
        self.target = f"{parts.scheme}://{parts.netloc}"
        self.session = session
        self._links: dict[int, _Link] = {}
        self._stopping = asyncio.Event()

    async def serve(
        self, host: str, port: int, *, on_listening: Callable[[str], None] | None = None
    ) -> None:
        """Serve until cancelled or `stop()`; closes every proxied connection on the way out."""
        try:
            server = await serve(
                self._relay,
                host,
                port,
                process_request=self._open_upstream,
                select_subprotocol=self._upstream_subprotocol,
                server_header=None,
            )
        except OSError as exc:
            raise RecorderError(
                f"the recording proxy could not listen on {host}:{port} ({exc.strerror or exc}); "
                "choose another --listen address or stop whatever is using it"
            ) from None
        async with server:
            if on_listening is not None:
                on_listening(_listening_url(server, host, port))
            await self._stopping.wait()
            server.close(close_connections=False)
            await self._close_links()
            await server.wait_closed()

    def stop(self) -> None:
        """Ask `serve()` to finish (safe to call from a signal handler on the loop)."""
        self._stopping.set()

    async def _open_upstream(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        """Open the target connection before answering the client, to answer as it did."""
        path, _, query = request.path.partition("?")
        headers = [(name.lower(), value) for name, value in request.headers.raw_items()]
        offered = [
            protocol.strip()
            for name, value in headers
            if name == "sec-websocket-protocol"
            for protocol in value.split(",")
            if protocol.strip()
        ]
        remote = connection.remote_address
        recording = self.session.connect(
            path=path,
            query_string=query,
            headers=headers,
            subprotocols=offered,
            client=(str(remote[0]), int(remote[1])) if remote else None,
            user=None,
        )
        tap = _Tap(recording)
        forwarded = [(name, value) for name, value in headers if name not in _HANDSHAKE_HEADERS]
        try:
            upstream = await connect(
                self.target + request.path,
                additional_headers=forwarded,
                subprotocols=[Subprotocol(p) for p in offered] or None,
                user_agent_header=None,
                open_timeout=_CONNECT_TIMEOUT,
            )
        except InvalidStatus as exc:
            status = exc.response.status_code
            body = exc.response.body.decode("utf-8", "replace")
            tap.translation.ended = True
            tap.record(refused(status))
            tap.end()
            return connection.respond(status, body)
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            logger.warning("channels-replay proxy: cannot reach %s: %s", self.target, exc)
            tap.translation.ended = True
            tap.record(refused(_UNREACHABLE_STATUS))
            tap.end()
            return connection.respond(
                _UNREACHABLE_STATUS, f"the target {self.target} is unreachable\n"
            )
        self._links[id(connection)] = _Link(tap, upstream)
        return None

    def _upstream_subprotocol(
        self, connection: ServerConnection, subprotocols: Any
    ) -> Subprotocol | None:
        link = self._links.get(id(connection))
        return link.upstream.subprotocol if link is not None else None

    async def _relay(self, connection: ServerConnection) -> None:
        link = self._links.get(id(connection))
        if link is None:  # pragma: no cover - the handshake was refused
            return
        tap, upstream = link.tap, link.upstream
        tap.record(
            tap.translation.from_server(
                {"type": "websocket.accept", "subprotocol": upstream.subprotocol}
            )
        )
        to_server = asyncio.create_task(self._pump(connection, upstream, tap, True))
        to_client = asyncio.create_task(self._pump(upstream, connection, tap, False))
        try:
            done, _ = await asyncio.wait(
                {to_server, to_client}, return_when=asyncio.FIRST_COMPLETED
            )
            if to_server in done:  # the client went away
                message = {"type": "websocket.disconnect", "code": connection.close_code}
                tap.record(tap.translation.from_client(message))
            else:
                message = {
                    "type": "websocket.close",
                    "code": upstream.close_code,
                    "reason": upstream.close_reason,
                }
                tap.record(tap.translation.from_server(message))
            await self._close_pair(connection, upstream)
            for task in (to_server, to_client):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                    await task
        finally:
            self._links.pop(id(connection), None)
            tap.end()

    @staticmethod
    async def _pump(source: Any, sink: Any, tap: _Tap, from_client: bool) -> None:
        """Relay frames from `source` to `sink` until `source` closes, recording each."""
        with contextlib.suppress(ConnectionClosed):
            async for message in source:
                tap.frame(message, from_client=from_client)
                await sink.send(message)

    @staticmethod
    async def _close_pair(downstream: ServerConnection, upstream: ClientConnection) -> None:
        """Pass the close on: the code and reason one side sent go to the other."""
        if downstream.close_code is not None and upstream.close_code is None:
            code = downstream.close_code
            # 1005 and 1006 are never sent: a browser's close without a code stays one.
            if code in (1005, 1006):
                await upstream.close()
            else:
                await upstream.close(code, downstream.close_reason or "")
        elif upstream.close_code is not None and downstream.close_code is None:
            code = upstream.close_code
            await downstream.close(
                code if code not in (1005, 1006) else 1000, upstream.close_reason or ""
            )

    async def _close_links(self) -> None:
        """At shutdown: every open connection ends as if its client went away (1001)."""
        for connection_id, link in list(self._links.items()):
            message = {"type": "websocket.disconnect", "code": _GOING_AWAY}
            link.tap.record(link.tap.translation.from_client(message))
            with contextlib.suppress(Exception):
                await link.upstream.close(_GOING_AWAY, "recording proxy stopped")
            self._links.pop(connection_id, None)


def _listening_url(server: Server, host: str, port: int) -> str:
    for sock in server.sockets:
        bound_host, bound_port = sock.getsockname()[:2]
        return f"ws://{bound_host}:{bound_port}"
    return f"ws://{host}:{port}"


def run_proxy(
    target: str,
    session: RecordingSession,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    on_listening: Callable[[str], None] | None = None,
) -> RecordingSummary:
    """Run the proxy until SIGINT/SIGTERM; close the cassette; the summary.

    Its log never shows a query value (see `_log`)."""
    hide_query_values_in_logs()
    proxy = RecordingProxy(target, session)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, proxy.stop)
        try:
            await proxy.serve(host, port, on_listening=on_listening)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    try:
        asyncio.run(main())
    finally:
        summary = session.close()
    return summary
