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

from channels_replay.errors import RecorderError
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


class _Link:
    """One proxied connection: the upstream connection and the recording."""

    __slots__ = ("recording", "upstream")

    def __init__(self, recording: ConnectionRecording | None, upstream: ClientConnection) -> None:
        self.recording = recording
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
            if recording is not None:
                recording.server_close(1000, f"denied with an HTTP {status} response")
                recording.end()
            return connection.respond(status, exc.response.body.decode("utf-8", "replace"))
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            logger.warning("channels-replay proxy: cannot reach %s: %s", self.target, exc)
            if recording is not None:
                recording.server_close(1011, f"the proxy could not reach the target: {exc}")
                recording.end()
            return connection.respond(502, f"the target {self.target} is unreachable\n")
        self._links[id(connection)] = _Link(recording, upstream)
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
        recording, upstream = link.recording, link.upstream
        if recording is not None:
            recording.accept(upstream.subprotocol)
        to_server = asyncio.create_task(self._pump(connection, upstream, recording, True))
        to_client = asyncio.create_task(self._pump(upstream, connection, recording, False))
        try:
            done, _ = await asyncio.wait(
                {to_server, to_client}, return_when=asyncio.FIRST_COMPLETED
            )
            if recording is not None and not recording.finished:
                if to_server in done:  # the client went away
                    recording.client_disconnect(connection.close_code or 1005)
                else:
                    recording.server_close(
                        upstream.close_code or 1005, upstream.close_reason or None
                    )
            await self._close_pair(connection, upstream)
            for task in (to_server, to_client):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                    await task
        finally:
            self._links.pop(id(connection), None)
            if recording is not None:
                recording.end()

    @staticmethod
    async def _pump(
        source: Any, sink: Any, recording: ConnectionRecording | None, from_client: bool
    ) -> None:
        """Relay frames from `source` to `sink` until `source` closes, recording each."""
        with contextlib.suppress(ConnectionClosed):
            async for message in source:
                if recording is not None:
                    text = message if isinstance(message, str) else None
                    data = None if text is not None else bytes(message)
                    if from_client:
                        recording.client_frame(text, data)
                    else:
                        recording.server_frame(text, data)
                await sink.send(message)

    @staticmethod
    async def _close_pair(downstream: ServerConnection, upstream: ClientConnection) -> None:
        """Pass the close on: the code and reason one side sent go to the other."""
        if downstream.close_code is not None and upstream.close_code is None:
            await upstream.close(downstream.close_code, downstream.close_reason or "")
        elif upstream.close_code is not None and downstream.close_code is None:
            code = upstream.close_code
            await downstream.close(
                code if code not in (1005, 1006) else 1000, upstream.close_reason or ""
            )

    async def _close_links(self) -> None:
        """At shutdown: every open connection ends as if its client went away (1001)."""
        for connection_id, link in list(self._links.items()):
            if link.recording is not None and not link.recording.finished:
                link.recording.client_disconnect(_GOING_AWAY)
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
    """Run the proxy until SIGINT/SIGTERM; close the cassette; the summary."""
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
