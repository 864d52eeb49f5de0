"""The live driver: real sockets to a running server, with the `websockets` client.

For staging servers, a server recorded through the proxy, or one not written in
Python. Nothing inside the server can be seen, so this driver cannot tell when
the app is done: the replay ends a collection on the recorded signals or frame
counts, and its last one on a short quiet window (`--grace`).

Handshake headers that the client library sets itself (host, upgrade, the
`sec-websocket-*` family, ...) are not replayed; every other recorded header is,
credentials filled in.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from urllib.parse import quote, urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from channels_replay.asgi import (
    ABNORMAL_CLOSURE,
    ConnectionTranslation,
    Translated,
    refused,
    server_closed,
)
from channels_replay.drivers.base import (
    HANDSHAKE_HEADERS,
    QUIET,
    Arrival,
    ConnectRequest,
    DriverEvent,
    server_event,
)
from channels_replay.drivers.inprocess import PATH_SAFE, reap
from channels_replay.errors import ConfigurationError, ReplayError

__all__ = ["LiveDriver", "check_target"]


def check_target(target: str) -> str:
    """The target URL without a trailing slash; ConfigurationError unless ws:// or wss://."""
    parts = urlsplit(target)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise ConfigurationError(
            f"--target {target!r} is not a WebSocket server address: "
            "write ws://HOST:PORT (or wss://), e.g. --target ws://127.0.0.1:8000"
        )
    return target.rstrip("/")


class _Link:
    """One live connection: its socket, reader task and translation."""

    __slots__ = ("reader", "socket", "translation")

    def __init__(self) -> None:
        self.translation = ConnectionTranslation()
        self.socket: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None


class LiveDriver:
    """Connections to a running WebSocket server over real sockets."""

    can_tell_done = False

    def __init__(self, target: str, *, open_timeout: float = 5.0) -> None:
        self.target = check_target(target)
        self.open_timeout = open_timeout
        self._links: dict[str, _Link] = {}
        self._arrivals: deque[Arrival] = deque()
        self._changed = asyncio.Event()
        self._error: ReplayError | None = None
        self.failures: list[tuple[str, BaseException]] = []
        """Always empty: a live server's exceptions stay in its own log."""
        self._started = time.monotonic()

    def _now(self) -> float:
        return time.monotonic() - self._started

    def _arrive(self, conn: str, translated: Translated | None) -> None:
        if translated is None:
            return
        event = server_event(translated, conn, self._now())
        if event is not None:
            self._arrivals.append(Arrival(conn, event, event.t))
            self._changed.set()

    async def open(self, conn: str, request: ConnectRequest) -> None:
        link = self._links[conn] = _Link()
        link.reader = asyncio.create_task(self._run(conn, link, request))

    async def _run(self, conn: str, link: _Link, request: ConnectRequest) -> None:
        url = (
            self.target
            + quote(request.path, safe=PATH_SAFE)
            + (f"?{request.query_string}" if request.query_string else "")
        )
        headers = [
            (name, value)
            for name, value in request.headers
            if name.lower() not in HANDSHAKE_HEADERS
        ]
        user_agent = next(
            (value for name, value in request.headers if name.lower() == "user-agent"), None
        )
        try:
            socket = await connect(
                url,
                additional_headers=headers,
                subprotocols=list(request.subprotocols) or None,  # type: ignore[arg-type]
                user_agent_header=user_agent,
                open_timeout=self.open_timeout,
                ping_interval=None,
                max_size=None,
                compression=None,
            )
        except InvalidStatus as exc:
            link.translation.ended = True
            self._arrive(conn, refused(exc.response.status_code))
            return
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            link.translation.ended = True
            self._error = ReplayError(
                f"connection {conn} could not connect to {url} ({exc}): "
                f"is the server at {self.target} running and reachable?"
            )
            self._changed.set()
            return
        link.socket = socket
        self._arrive(
            conn,
            link.translation.from_server(
                {"type": "websocket.accept", "subprotocol": socket.subprotocol}
            ),
        )
        try:
            async for message in socket:
                if isinstance(message, str):
                    self._arrive(
                        conn,
                        link.translation.from_server({"type": "websocket.send", "text": message}),
                    )
                else:
                    self._arrive(
                        conn,
                        link.translation.from_server({"type": "websocket.send", "bytes": message}),
                    )
        except ConnectionClosed:
            pass
        if not link.translation.ended:
            link.translation.ended = True
            received = socket.protocol.close_rcvd
            if received is None:
                self._arrive(conn, server_closed(ABNORMAL_CLOSURE))
            else:
                self._arrive(conn, server_closed(received.code, received.reason))

    async def _socket(self, conn: str) -> ClientConnection | None:
        link = self._links.get(conn)
        if link is None or link.translation.ended:
            return None
        while link.socket is None and link.reader is not None and not link.reader.done():
            # The handshake is still going on: wait for it (the reader ends on failure).
            self._changed.clear()
            await asyncio.wait(
                {link.reader, asyncio.ensure_future(self._changed.wait())},
                return_when=asyncio.FIRST_COMPLETED,
            )
        return link.socket if not link.translation.ended else None

    async def send(self, conn: str, text: str | None, data: bytes | None) -> None:
        socket = await self._socket(conn)
        if socket is None:
            return
        with contextlib.suppress(ConnectionClosed):
            await socket.send(text if text is not None else (data or b""))

    async def disconnect(self, conn: str, code: int) -> None:
        socket = await self._socket(conn)
        link = self._links.get(conn)
        if socket is None or link is None:
            return
        link.translation.ended = True
        # 1005 and 1006 cannot be sent in a close frame: a browser's close without a code.
        with contextlib.suppress(ConnectionClosed):
            if code in (1005, 1006):
                await socket.close()
            else:
                await socket.close(code)

    def arrived(self) -> list[Arrival]:
        if self._error is not None:
            raise self._error
        taken = list(self._arrivals)
        self._arrivals.clear()
        return taken

    async def next_event(self, timeout: float) -> DriverEvent:
        deadline = time.monotonic() + timeout
        while not self._arrivals:
            if self._error is not None:
                raise self._error
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return QUIET
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return self._arrivals.popleft()

    async def aclose(self) -> None:
        for link in self._links.values():
            link.translation.ended = True
            if link.socket is not None:
                with contextlib.suppress(Exception):
                    await link.socket.close()
        readers = [link.reader for link in self._links.values() if link.reader is not None]
        for reader in readers:
            reader.cancel()
        for reader in readers:
            await reap(reader)
