"""The in-process driver: the ASGI app runs in this event loop, its connections in memory.

`InProcessConnection` is the transport half of one connection (the app's task,
its receive and send); the replay driver and the test communicator both build
on it. Because the app runs here, the driver can tell when it is done (see
`_activity`), so a replay never waits longer than the app works.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import channels.db

from channels_replay.asgi import ConnectionTranslation, client_message
from channels_replay.drivers._activity import AppActivity, activity_for, waiting_for_input
from channels_replay.drivers.base import (
    APP_DONE,
    QUIET,
    Arrival,
    ConnectRequest,
    DriverEvent,
    server_event,
)

__all__ = [
    "InProcessConnection",
    "InProcessDriver",
    "channel_layer_is_seen",
    "keep_db_connections",
    "reap",
    "websocket_scope",
]

ASGIMessage = dict[str, Any]

PATH_SAFE = "/:@!$&'()*+,;=-._~"
"""What stays as it is when a recorded (decoded) path is put back into a request line."""


def _no_op() -> None:
    pass


class _KeepDbConnections:
    """Keep channels from closing the test's database connections while we wait.

    `channels.db.database_sync_to_async` closes "old" connections around every call,
    which in a test closes the connection the test case is using. `channels.testing`
    patches it out while it waits for the app; so do we, with a cheap reference-counted
    swap instead of a `mock.patch` per call.
    """

    def __init__(self) -> None:
        self._depth = 0
        self._saved: Callable[[], None] | None = None

    def __enter__(self) -> None:
        if self._depth == 0:
            self._saved = channels.db.close_old_connections
            channels.db.close_old_connections = _no_op
        self._depth += 1

    def __exit__(self, *exc_info: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._saved is not None:
            channels.db.close_old_connections = self._saved
            self._saved = None


keep_db_connections = _KeepDbConnections()
"""Context manager: channels does not close the database connections inside it."""


class _ChannelLayerHook:
    """The default channel layer's class tells when a task is about to wait in `receive`.

    A group delivery ends with the receiving consumer's channel-layer receive task
    blocking again; without this, "done" would be seen only at the next poll.
    Installed while in-process connections run, reference counted.
    """

    def __init__(self) -> None:
        self._users = 0
        self._patched: tuple[type, Any] | None = None

    def install(self) -> None:
        self._users += 1
        if self._users > 1:
            return
        try:
            from channels.layers import get_channel_layer

            layer = get_channel_layer()
        except Exception:  # no Django settings, no layer configured: nothing to hook
            layer = None
        if layer is None:
            return
        cls = type(layer)
        original = cls.__dict__.get("receive")
        if original is None:
            return

        async def receive(self: Any, channel: str) -> Any:
            waiting_for_input()
            return await original(self, channel)

        cls.receive = receive
        self._patched = (cls, original)

    def uninstall(self) -> None:
        self._users = max(self._users - 1, 0)
        if self._users == 0 and self._patched is not None:
            cls, original = self._patched
            cls.receive = original  # type: ignore[attr-defined]
            self._patched = None


_layer_hook = _ChannelLayerHook()


def channel_layer_is_seen() -> bool:
    """Whether "done" sees the channel layer: none configured, or the in-memory one.

    A layer over sockets (Redis) holds messages "done" cannot see in flight.
    """
    try:
        from channels.layers import InMemoryChannelLayer, get_channel_layer

        layer = get_channel_layer()
    except Exception:
        return True
    return layer is None or isinstance(layer, InMemoryChannelLayer)


def websocket_scope(request: ConnectRequest) -> dict[str, Any]:
    """The ASGI websocket scope of a connect request (as `channels.testing` builds it).

    The recorded path is the scope's `path`, already percent-decoded: it is not decoded
    again, and `raw_path` is its encoding.
    """
    path = request.path
    scope: dict[str, Any] = {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "scheme": "ws",
        "http_version": "1.1",
        "path": path,
        "raw_path": quote(path, safe=PATH_SAFE).encode("ascii"),
        "query_string": request.query_string.encode("latin-1", "replace"),
        "root_path": "",
        "headers": [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in request.headers
        ],
        "subprotocols": list(request.subprotocols),
        "server": ("testserver", 80),
    }
    if request.client is not None:
        scope["client"] = list(request.client)
    return scope


async def reap(task: asyncio.Task[Any]) -> None:
    """Await a task we cancelled, without swallowing our own cancellation."""
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
    except Exception:  # the app's own error, already reported where it matters
        pass


class InProcessConnection:
    """The app's side of one in-memory WebSocket connection.

    The app runs as a task tracked by the loop's `AppActivity`, with a `receive`
    fed by `put` and a `send` that hands every message to `on_send` at once.
    """

    def __init__(
        self,
        application: Any,
        scope: dict[str, Any],
        on_send: Callable[[ASGIMessage], None],
        activity: AppActivity | None = None,
        input_queue: asyncio.Queue[ASGIMessage] | None = None,
    ) -> None:
        self.application = application
        self.scope = scope
        self.activity = activity or activity_for()
        self.input_queue: asyncio.Queue[ASGIMessage] = input_queue or asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self._on_send = on_send
        self._attached = False

    def start(self) -> asyncio.Task[None]:
        """The app's task, started on first use."""
        if self.task is None:
            self.activity.attach()
            _layer_hook.install()
            self._attached = True
            self.task = self.activity.start(self.application(self.scope, self._receive, self._send))
            self.task.add_done_callback(self._ended)
        return self.task

    def _ended(self, _task: asyncio.Task[None]) -> None:
        if self._attached:
            self._attached = False
            _layer_hook.uninstall()
            self.activity.detach()

    async def _receive(self) -> ASGIMessage:
        if self.input_queue.empty():
            waiting_for_input()
        return await self.input_queue.get()

    async def _send(self, message: ASGIMessage) -> None:
        self._on_send(message)
        self.activity.notify()

    def put(self, message: ASGIMessage) -> None:
        """Deliver one event to the app (never blocks: the queue is unbounded)."""
        self.start()
        self.input_queue.put_nowait(message)

    @property
    def finished(self) -> bool:
        """Whether the app's task has ended (normally, by an error, or cancelled)."""
        return self.task is not None and self.task.done()

    async def stop(self, timeout: float) -> None:
        """Let the app finish (a disconnect is the caller's); cancel it after `timeout`."""
        task = self.task
        if task is None or task.done():
            return
        with keep_db_connections:
            done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            task.cancel()
            await reap(task)


class InProcessDriver:
    """Connections to an ASGI app run in this process; it can tell when the app is done."""

    can_tell_done = True

    def __init__(self, application: Any, *, stop_timeout: float = 1.0) -> None:
        self.application = application
        self.stop_timeout = stop_timeout
        self.failures: list[tuple[str, BaseException]] = []
        """The exceptions the app raised, by connection, in order."""
        self._connections: dict[str, InProcessConnection] = {}
        self._translations: dict[str, ConnectionTranslation] = {}
        self._arrivals: deque[Arrival] = deque()
        self._disconnected: set[str] = set()
        self._activity: AppActivity | None = None
        self._started = time.monotonic()

    def _now(self) -> float:
        return time.monotonic() - self._started

    def _attached(self) -> AppActivity:
        """The loop's activity, held from the first connection until `aclose`."""
        if self._activity is None:
            self._activity = activity_for()
            self._activity.attach()
        return self._activity

    async def open(self, conn: str, request: ConnectRequest) -> None:
        self._translations[conn] = ConnectionTranslation()
        connection = InProcessConnection(
            self.application,
            websocket_scope(request),
            lambda message: self._sent(conn, message),
            activity=self._attached(),
        )
        self._connections[conn] = connection
        connection.put(client_message("connect", {}))
        connection.start().add_done_callback(lambda task: self._app_ended(conn, task))

    def _sent(self, conn: str, message: ASGIMessage) -> None:
        translated = self._translations[conn].from_server(message)
        if translated is not None:
            event = server_event(translated, conn, self._now())
            if event is not None:
                self._arrivals.append(Arrival(conn, event, event.t))

    def _app_ended(self, conn: str, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            translated = self._translations[conn].app_returned()
        else:
            self.failures.append((conn, exc))
            translated = self._translations[conn].app_failed(exc)
        if translated is not None:
            event = server_event(translated, conn, self._now())
            if event is not None:
                self._arrivals.append(Arrival(conn, event, event.t))
        self._connections[conn].activity.notify()

    def _deliver(self, conn: str, kind: str, fields: dict[str, Any]) -> None:
        connection = self._connections.get(conn)
        if connection is None or connection.finished:
            return
        message = client_message(kind, fields)
        translation = self._translations[conn]
        if translation.ended:
            return
        translation.from_client(message)
        if kind == "client_disconnect":
            self._disconnected.add(conn)
        connection.put(message)

    async def send(self, conn: str, text: str | None, data: bytes | None) -> None:
        self._deliver(conn, "client_frame", {"text": text, "data": data})

    async def disconnect(self, conn: str, code: int) -> None:
        self._deliver(conn, "client_disconnect", {"code": code})

    def arrived(self) -> list[Arrival]:
        taken = list(self._arrivals)
        self._arrivals.clear()
        return taken

    async def next_event(self, timeout: float) -> DriverEvent:
        if self._arrivals:
            return self._arrivals.popleft()
        if self._activity is None:
            return APP_DONE
        activity = self._activity
        loop = asyncio.get_running_loop()
        try:
            with keep_db_connections:
                await activity.settled(lambda: bool(self._arrivals), loop.time() + timeout)
        except TimeoutError:
            return QUIET
        if self._arrivals:
            return self._arrivals.popleft()
        return APP_DONE

    def busy(self) -> str:
        """What keeps the app from being done, for a report."""
        if self._activity is None:
            return "no connection was opened"
        return self._activity.busy()

    async def aclose(self) -> None:
        try:
            for conn, connection in self._connections.items():
                if not connection.finished and conn not in self._disconnected:
                    # After the server's close too: a server then tells the app the client
                    # is gone.
                    self._disconnected.add(conn)
                    self._translations[conn].ended = True
                    connection.put(client_message("client_disconnect", {"code": 1000}))
            for connection in self._connections.values():
                await connection.stop(self.stop_timeout)
        finally:
            if self._activity is not None:
                self._activity.detach()
                self._activity = None

    def connections(self) -> Iterator[tuple[str, InProcessConnection]]:
        """The connections opened so far."""
        return iter(self._connections.items())
