"""WebsocketCommunicator: the chanx 0.x testing API over `channels.testing`, without fixed sleeps.

The transport half is the in-process driver's `InProcessConnection`: the app runs
in this event loop as a tracked task, so the communicator sees every event the
app sends the moment it is sent, and knows when the app is done (every task it
started waits for input, no timer or thread job pending; see
`channels_replay.drivers`). That is how `wait_for_auth` and `receive_all_json`
return as soon as the answer is known, whichever method read the frames before;
every timeout is only an upper bound, and a timeout never cancels the app or
loses what arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import types
import typing
from collections import deque
from types import TracebackType
from typing import Any, Self, TypeVar, overload

from asgiref.compatibility import guarantee_single_callable
from asgiref.testing import ApplicationCommunicator
from channels.testing.websocket import WebsocketCommunicator as _ChannelsWebsocketCommunicator
from pydantic import BaseModel, TypeAdapter, ValidationError

from channels_replay.asgi import REFUSED_STATUS, close_code
from channels_replay.drivers import (
    InProcessConnection,
    channel_layer_is_seen,
    keep_db_connections,
)
from channels_replay.errors import (
    AssertionTimeout,
    CommunicatorError,
    MessageInvalid,
    NeverSent,
    NotReceived,
    ReceiveError,
    ReceiveTimeout,
)
from channels_replay.messages import AuthenticationMessage
from channels_replay.settings import replay_settings, signal_names

__all__ = ["WebsocketCommunicator"]

ASGIMessage = dict[str, Any]


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


_Model = TypeVar("_Model", bound=BaseModel)
_T = TypeVar("_T")


def _adapter(model: Any) -> TypeAdapter[Any]:
    return model if isinstance(model, TypeAdapter) else TypeAdapter(model)


def _model_name(model: Any, error: ValidationError | None = None) -> str:
    """A short name for a model, a TypeAdapter's type, an Annotated union.

    pydantic before 2.6 keeps no type in a TypeAdapter: its error's title stands in.
    """
    if isinstance(model, TypeAdapter):
        if not hasattr(model, "_type"):
            return error.title if error is not None else "message"
        model = model._type
    if typing.get_origin(model) is typing.Annotated:
        model = typing.get_args(model)[0]
    if typing.get_origin(model) in (typing.Union, types.UnionType):
        return " | ".join(_model_name(arg) for arg in typing.get_args(model))
    return str(getattr(model, "__name__", None) or model)


def _frame_of(event: ASGIMessage) -> Any:
    """What a test would want to see of an event: the frame's text or bytes, or the event."""
    if event.get("type") == "websocket.send":
        text = event.get("text")
        return text if text is not None else event.get("bytes")
    return event


class _TransportOwned(ApplicationCommunicator):
    """asgiref's communicator state without its app task: the transport runs the app.

    Placed after channels' WebsocketCommunicator in the MRO, so that its constructor
    (which builds the scope) ends here. asgiref before 3.9 would otherwise start the
    app in its constructor, on queues of its own, and needs a running loop for it.
    """

    def __init__(self, application: Any, scope: dict[str, Any]) -> None:
        self.application = guarantee_single_callable(application)  # type: ignore[no-untyped-call]
        self.scope = scope
        if isinstance(getattr(ApplicationCommunicator, "input_queue", None), property):
            self._input_queue = None  # asgiref 3.9+: made on first use
            self._output_queue = None
        else:  # asgiref before 3.9: plain attributes
            setattr(self, "input_queue", asyncio.Queue())  # noqa: B010
            setattr(self, "output_queue", asyncio.Queue())  # noqa: B010


class WebsocketCommunicator(_ChannelsWebsocketCommunicator, _TransportOwned):  # type: ignore[misc]
    """Drives one WebSocket connection of an ASGI app in-process, for tests.

    Follows `chanx.testing.WebsocketCommunicator` (same signatures and defaults) and
    adds: no fixed sleeps, timeouts that report what arrived, `async with`, and
    `receive_event` / `wait_idle` for callers that need the raw events.
    """

    def __init__(
        self,
        application: Any,
        path: str,
        headers: list[tuple[bytes, bytes]] | None = None,
        subprotocols: list[str] | None = None,
        spec_version: int | None = None,
    ) -> None:
        # channels 4.0 takes no spec_version: set it as later versions do
        _ChannelsWebsocketCommunicator.__init__(self, application, path, headers, subprotocols)
        if spec_version:
            self.scope["spec_version"] = spec_version
        self.path = path
        self._connected = False
        self._close_event: ASGIMessage | None = None
        self._outbox: deque[ASGIMessage] = deque()
        self._waiters: list[asyncio.Future[None]] = []
        self._transport: InProcessConnection | None = None
        self._signalled = False
        """Whether this connection has sent any signal (read by any method)."""

    # -- the app's side -------------------------------------------------------------

    @property
    def transport(self) -> InProcessConnection:
        """The in-process connection the app runs on (made on first use, in the test's loop)."""
        if self._transport is None:
            self._transport = InProcessConnection(
                self.application, self.scope, self._app_sent, input_queue=self.input_queue
            )
        return self._transport

    @property
    def future(self) -> asyncio.Task[None]:
        """The app's task, started on first use with our own receive and send."""
        task = self.transport.start()
        if not getattr(task, "_channels_replay_watched", False):
            task._channels_replay_watched = True  # type: ignore[attr-defined]
            task.add_done_callback(lambda _task: self._notify())
        return task

    def stop(self, exceptions: bool = True) -> None:
        """Cancel the app if it runs (asgiref's, without starting it first, as `future` would)."""
        task = self._future
        if task is None:
            return
        if not task.done():
            task.cancel()
        elif exceptions:
            task.result()

    @property
    def _future(self) -> asyncio.Task[None] | None:
        transport = getattr(self, "_transport", None)
        return transport.task if transport is not None else None

    @_future.setter
    def _future(self, value: Any) -> None:
        if value is not None:
            raise AttributeError("the communicator's app task is started by the communicator")

    def _app_sent(self, message: ASGIMessage) -> None:
        self._outbox.append(message)
        self._notify()

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _wait_for_output(self, deadline: float) -> None:
        """Wait until the app sends or ends; TimeoutError at `deadline`."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_at(deadline, _expire, waiter)
        try:
            with keep_db_connections:
                await waiter
        finally:
            timer.cancel()

    async def _wait_for_output_or_done(self, deadline: float) -> bool:
        """Wait until the app sends, ends or is done; True when done; TimeoutError at
        `deadline`."""
        with keep_db_connections:
            return await self.transport.activity.settled(
                lambda: bool(self._outbox) or self.app_finished, deadline
            )

    def _raise_if_app_failed(self) -> None:
        future = self._future
        if future is not None and future.done() and not future.cancelled():
            future.result()

    @property
    def app_finished(self) -> bool:
        """Whether the app's task has ended (normally, by an error, or cancelled)."""
        return self._transport is not None and self._transport.finished

    @property
    def idle(self) -> bool:
        """Whether the app is done: every task it started waits for input, nothing pending.

        App-wide: the consumers of every connection in this event loop, their handler
        tasks, timers and database threads, not only this connection's consumer.
        """
        if self._transport is None:
            return True
        return self.app_finished or self.transport.activity.done

    def busy(self) -> str:
        """What keeps the app from being done, in words (for error messages)."""
        return self.transport.activity.busy()

    @property
    def connected(self) -> bool:
        """True between an accepted connect and a close or disconnect."""
        return self._connected

    @property
    def close_code(self) -> int | None:
        """The code of the server's close, once one has been received."""
        if self._close_event is None:
            return None
        return close_code(self._close_event.get("code", 1000))

    def _deadline(self, timeout: float) -> float:
        return asyncio.get_running_loop().time() + timeout

    # -- events -------------------------------------------------------------------

    async def send_input(self, message: ASGIMessage) -> None:
        """Send one ASGI event to the app (never blocks: the input queue is unbounded)."""
        if self.future.done():  # starts the app on first use
            self._raise_if_app_failed()
        self.transport.put(message)

    async def _next_event(self, deadline: float, *, settle: bool) -> ASGIMessage | None:
        """The next event the app sent, waiting until `deadline` (TimeoutError after).

        None when nothing more can come: the app has ended, or (with `settle`) it has
        handled every input and sent nothing further.
        """
        while True:
            if self._outbox:
                event = self._outbox.popleft()
                if not self._signalled and signal_names().kind_of(event.get("text")) is not None:
                    self._signalled = True
                if event.get("type") == "websocket.close":
                    self._close_event = event
                    self._connected = False
                return event
            if self._close_event is not None:
                # Closed: nothing can follow, and every later read sees the close again.
                return self._close_event
            self._raise_if_app_failed()
            if self.app_finished:
                return None
            if settle:
                if await self._wait_for_output_or_done(deadline) and not self._outbox:
                    return None
            else:
                await self._wait_for_output(deadline)

    def _put_back(self, event: ASGIMessage) -> None:
        self._outbox.appendleft(event)

    async def receive_event(
        self, timeout: float = 1, *, settle: bool = False
    ) -> ASGIMessage | None:
        """The next raw ASGI event from the app.

        With `settle`, returns None as soon as the app is done with nothing left to
        send. Raises ReceiveTimeout
        (a TimeoutError) after `timeout` seconds; the app keeps running.
        """
        try:
            return await self._next_event(self._deadline(timeout), settle=settle)
        except TimeoutError:
            raise ReceiveTimeout(
                awaited=f"an event from the app on {self.path}", timeout=timeout, received=[]
            ) from None

    async def receive_output(self, timeout: float = 1) -> ASGIMessage:
        """The next event from the app; unlike asgiref, a timeout does not cancel the app."""
        event = await self.receive_event(timeout)
        if event is None:
            raise NotReceived(
                f"the app on {self.path} has ended and will send nothing more",
                awaited="an event from the app",
                received=[],
            )
        return event

    async def receive_from(self, timeout: float = 1) -> str | bytes:
        """The next frame's text or bytes; a close is kept for `assert_closed` and reported."""
        event = await self.receive_output(timeout)
        kind = event.get("type")
        if kind == "websocket.send":
            text = event.get("text")
            if text is not None:
                return str(text)
            data = event.get("bytes")
            if isinstance(data, bytes):
                return data
            raise CommunicatorError(
                f"the app on {self.path} sent a frame with neither text nor bytes: {event!r}"
            )
        if kind != "websocket.close":
            self._put_back(event)
        raise NotReceived(
            f"expected a frame on {self.path}, but the server sent {kind!r}"
            + (f" (code {event.get('code', 1000)})" if kind == "websocket.close" else ""),
            awaited="a frame",
            received=[event],
        )

    async def wait_idle(self, timeout: float = 1) -> bool:
        """Wait until the app is done (see `idle`); False after `timeout`."""
        if self._transport is None:
            return True
        try:
            with keep_db_connections:
                await self.transport.activity.settled(
                    lambda: self.app_finished, self._deadline(timeout)
                )
        except TimeoutError:
            return False
        self._raise_if_app_failed()
        return True

    async def receive_nothing(self, timeout: float = 0.1, interval: float = 0.01) -> bool:
        """True if nothing arrives within `timeout`; returns False as soon as something does."""
        deadline = self._deadline(timeout)
        try:
            while not self._outbox:
                self._raise_if_app_failed()
                if self.app_finished:
                    return True
                await self._wait_for_output(deadline)
        except TimeoutError:
            return not self._outbox
        return False

    # -- connection -----------------------------------------------------------------

    async def connect(self, timeout: float = 1) -> tuple[bool, int | str | None]:
        """Connect; `(True, subprotocol)` when accepted, `(False, close code)` when refused."""
        await self.send_input({"type": "websocket.connect"})
        try:
            event = await self._next_event(self._deadline(timeout), settle=False)
        except TimeoutError:
            raise ReceiveTimeout(
                awaited=f"the app to accept or close the connection to {self.path}",
                timeout=timeout,
                received=[],
            ) from None
        if event is None:
            raise NotReceived(
                f"the app on {self.path} ended without accepting or closing the connection",
                awaited="websocket.accept",
                received=[],
            )
        kind = event.get("type")
        if kind == "websocket.accept":
            self._connected = True
            self.response_headers = event.get("headers", [])
            subprotocol: str | None = event.get("subprotocol")
            return True, subprotocol
        if kind == "websocket.close":
            return False, close_code(event.get("code", 1000))
        if kind == "websocket.http.response.start":
            return False, close_code(event.get("status"), REFUSED_STATUS)
        raise CommunicatorError(
            f"the app on {self.path} sent {kind!r} before accepting the connection; "
            "an ASGI app must send websocket.accept or websocket.close first"
        )

    async def disconnect(self, code: int = 1000, timeout: float = 1) -> None:
        """Tell the app the client went away and wait for it to finish (its disconnect runs)."""
        if self._future is None:
            return
        self._connected = False
        if not self.future.done():
            await self.send_input({"type": "websocket.disconnect", "code": code})
        with keep_db_connections:
            await self.wait(timeout)  # type: ignore[no-untyped-call]

    async def ensure_disconnected(self, timeout: float = 1) -> None:
        """Disconnect if the app is still running, for cleanup that must go on.

        An error the app raises here is not propagated: it would hide the outcome
        of the test or replay that is being cleaned up after.
        """
        if self._future is None or self.app_finished:
            return
        with contextlib.suppress(Exception):
            await self.disconnect(timeout=timeout)

    async def assert_closed(self, code: int | None = None, timeout: float = 1) -> None:
        """Assert the server closed the connection (with `code`, when given)."""
        try:
            event = await self._next_event(self._deadline(timeout), settle=False)
        except TimeoutError:
            raise AssertionError(
                f"the server did not close the connection to {self.path} within {timeout:g}s"
            ) from None
        if event is None:
            raise AssertionError(f"the app on {self.path} ended without closing the connection")
        if event.get("type") != "websocket.close":
            self._put_back(event)
            raise AssertionError(
                f"expected the connection to {self.path} to be closed, "
                f"but the server sent {_frame_of(event)!r}"
            )
        if code is not None and self.close_code != code:
            raise AssertionError(
                f"the server closed {self.path} with code {self.close_code}, expected {code}"
            )

    async def __aenter__(self) -> Self:
        connected, detail = await self.connect()
        if not connected:
            raise CommunicatorError(
                f"the connection to {self.path} was refused with close code {detail}"
            )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.disconnect()

    # -- JSON messages --------------------------------------------------------------

    async def send_message(self, message: BaseModel | dict[str, Any]) -> None:
        """Send a pydantic model (any BaseModel, dumped in JSON mode) or a dict as a JSON frame."""
        if isinstance(message, dict):
            await self.send_json_to(message)
            return
        await self.send_json_to(message.model_dump(mode="json"))

    def _validate(
        self, model: Any, messages: list[Any], awaited: str, *, put_back: ASGIMessage | None = None
    ) -> list[Any]:
        """Each message validated by `model`; MessageInvalid names the first invalid one."""
        adapter = _adapter(model)
        validated: list[Any] = []
        for index, message in enumerate(messages):
            if replay_settings.CAMELIZE:
                import humps

                message = humps.decamelize(message)
            try:
                validated.append(adapter.validate_python(message))
            except ValidationError as exc:
                if put_back is not None:
                    self._put_back(put_back)
                where = (
                    f"frame {index + 1} of {len(messages)}" if len(messages) > 1 else "the frame"
                )
                raise MessageInvalid(
                    f"{where} on {self.path} is not a valid {_model_name(model, exc)}: "
                    f"{json.dumps(message, default=repr)[:500]}",
                    awaited=awaited,
                    received=messages,
                    validation_error=exc,
                ) from None
        return validated

    @overload
    async def receive_message(self, model: type[_Model], timeout: float = 1) -> _Model: ...
    @overload
    async def receive_message(self, model: TypeAdapter[_T], timeout: float = 1) -> _T: ...
    @overload
    async def receive_message(self, model: Any, timeout: float = 1) -> Any: ...
    async def receive_message(self, model: Any, timeout: float = 1) -> Any:
        """The next JSON frame, validated by `model` (a BaseModel class, a TypeAdapter such
        as a discriminated union's, or any type pydantic validates).

        Reads the next frame as `receive_json_from` does (completion frames are not
        skipped). A frame that does not validate raises MessageInvalid (an
        AssertionError) showing the frame and pydantic's error; the frame stays for
        the next call.
        """
        awaited = f"a {_model_name(model)} on {self.path}"
        try:
            event = await self._next_event(self._deadline(timeout), settle=False)
        except TimeoutError:
            raise ReceiveTimeout(awaited=awaited, timeout=timeout, received=[]) from None
        if event is None:
            raise NotReceived(
                f"the app on {self.path} has ended and will send nothing more",
                awaited=awaited,
                received=[],
            )
        if event.get("type") == "websocket.close":
            raise NotReceived(
                f"expected a frame on {self.path}, but the server closed the connection "
                f"(code {event.get('code', 1000)})",
                awaited=awaited,
                received=[event],
            )
        message = self._decode_json(event, [], awaited)
        return self._validate(model, [message], awaited, put_back=event)[0]

    @overload
    async def receive_all_messages(
        self, model: type[_Model], timeout: float = 5, *, wait_group: bool = False
    ) -> list[_Model]: ...
    @overload
    async def receive_all_messages(
        self, model: TypeAdapter[_T], timeout: float = 5, *, wait_group: bool = False
    ) -> list[_T]: ...
    @overload
    async def receive_all_messages(
        self, model: Any, timeout: float = 5, *, wait_group: bool = False
    ) -> list[Any]: ...
    async def receive_all_messages(
        self, model: Any, timeout: float = 5, *, wait_group: bool = False
    ) -> list[Any]:
        """`receive_all_json`, each frame validated by `model` (see `receive_message`).

        MessageInvalid (an AssertionError) names the first frame that does not
        validate, with pydantic's error; `.received` holds every frame collected.
        """
        messages = await self.receive_all_json(timeout, wait_group=wait_group)
        return self._validate(model, messages, f"{_model_name(model)} messages on {self.path}")

    def _decode_json(self, event: ASGIMessage, collected: list[Any], awaited: str) -> Any:
        text = event.get("text") if event.get("type") == "websocket.send" else None
        if text is None:
            self._put_back(event)
            raise NotReceived(
                f"expected a JSON text frame on {self.path}, got {_frame_of(event)!r}",
                awaited=awaited,
                received=collected,
            )
        try:
            return json.loads(text)
        except ValueError:
            self._put_back(event)
            raise NotReceived(
                f"expected a JSON text frame on {self.path}, "
                f"got text that is not JSON: {text[:200]!r}",
                awaited=awaited,
                received=collected,
            ) from None

    def _action_of(self, message: Any) -> Any:
        if isinstance(message, dict):
            return message.get(replay_settings.MESSAGE_ACTION_KEY)
        return None

    async def _collect_json(
        self, stop_action: str, timeout: float, *, inclusive: bool, required: bool
    ) -> list[dict[str, Any]]:
        """JSON frames up to `stop_action`, a close, or the app being done.

        Done with nothing more to send means nothing more can come before the test
        sends something: with `required` (or on a connection that sends signals),
        that is NeverSent naming the action, at once.
        """
        completion = {replay_settings.COMPLETE_ACTION, replay_settings.GROUP_COMPLETE_ACTION}
        awaited = f"action {stop_action!r} on {self.path}"
        collected: list[Any] = []
        deadline = self._deadline(timeout)
        # Over a Redis layer a group message may be in flight where "done" cannot see
        # it: there the signal, or the timeout, ends a wait for one.
        settle = not (stop_action == replay_settings.GROUP_COMPLETE_ACTION and self._signalled)
        settle = settle or channel_layer_is_seen()
        while True:
            try:
                event = await self._next_event(deadline, settle=settle)
            except TimeoutError:
                raise ReceiveTimeout(
                    awaited=f"{awaited} ({self.busy()})", timeout=timeout, received=collected
                ) from None
            if event is None and (required or self._signalled):
                raise NeverSent(
                    f"the app is done and sent no {stop_action!r} on {self.path}",
                    awaited=awaited,
                    received=collected,
                )
            if event is None or event.get("type") == "websocket.close":
                return collected
            message = self._decode_json(event, collected, awaited)
            action = self._action_of(message)
            if action == stop_action:
                if inclusive:
                    collected.append(message)
                return collected
            if action not in completion:
                collected.append(message)

    async def receive_all_json(
        self, timeout: float = 5, *, wait_group: bool = False
    ) -> list[dict[str, Any]]:
        """JSON frames up to the `complete` (or with `wait_group`, `group_complete`) signal.

        The completion frames are left out. On a connection that sends no signals,
        collection ends when the app is done with nothing more to send (nothing can
        come before the test sends something); on one that has sent a signal (read
        by any method), the app being done without the awaited one raises NeverSent
        at once. A server close ends it too (the close stays for `assert_closed`).
        After `timeout` seconds, ReceiveTimeout carries every frame received so far
        and says what kept the app busy.
        """
        stop = (
            replay_settings.GROUP_COMPLETE_ACTION if wait_group else replay_settings.COMPLETE_ACTION
        )
        return await self._collect_json(stop, timeout, inclusive=False, required=False)

    async def receive_until_action(
        self, stop_action: str, timeout: float = 5, *, inclusive: bool = False
    ) -> list[dict[str, Any]]:
        """JSON frames up to the one whose action is `stop_action`.

        Completion frames are left out, except the stop frame itself with `inclusive`.
        When the app is done without sending it, NotReceived says so at once.
        """
        return await self._collect_json(stop_action, timeout, inclusive=inclusive, required=True)

    # -- authentication -------------------------------------------------------------

    async def wait_for_auth(
        self,
        send_authentication_message: bool | None = None,
        max_auth_time: float = 0.5,
        after_auth_time: float = 0.1,
    ) -> AuthenticationMessage | None:
        """The authentication message sent after connect, or None when the app sends none.

        Returns as soon as the message is there and the app has finished handling
        connect (`after_auth_time` bounds that second wait; nothing is slept). With
        authentication messages off, returns None as soon as connect is handled.
        """
        if send_authentication_message is None:
            send_authentication_message = bool(replay_settings.SEND_AUTHENTICATION_MESSAGE)
        if not send_authentication_message:
            await self.wait_idle(max_auth_time)
            return None
        awaited = f"the authentication message on {self.path}"
        try:
            event = await self._next_event(self._deadline(max_auth_time), settle=True)
        except TimeoutError:
            raise ReceiveTimeout(awaited=awaited, timeout=max_auth_time, received=[]) from None
        if event is None:
            raise NeverSent(
                f"the app handled connect on {self.path} without sending an authentication message",
                awaited=awaited,
                received=[],
            )
        if event.get("type") == "websocket.close":
            raise NotReceived(
                f"the server closed {self.path} (code {event.get('code', 1000)}) "
                "before sending an authentication message",
                awaited=awaited,
                received=[event],
            )
        message = self._decode_json(event, [], awaited)
        if self._action_of(message) != replay_settings.AUTHENTICATION_ACTION:
            self._put_back(event)
            raise NotReceived(
                f"expected the authentication message first on {self.path}",
                awaited=awaited,
                received=[message],
            )
        if replay_settings.CAMELIZE:
            import humps

            message = humps.decamelize(message)
        try:
            auth = AuthenticationMessage.model_validate(message)
        except ValidationError as exc:
            raise ReceiveError(
                f"the authentication message on {self.path} is malformed ({exc.error_count()} "
                f"error(s), first: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']})",
                awaited=awaited,
                received=[message],
            ) from None
        await self.wait_idle(after_auth_time)
        return auth

    async def assert_authenticated_status_ok(self, max_auth_time: float = 0.5) -> None:
        """Assert the authentication message says 200; AssertionError says what came instead."""
        try:
            auth = await self.wait_for_auth(max_auth_time=max_auth_time)
        except NeverSent as exc:
            raise NeverSent(
                f"no successful authentication: the app handled connect on {self.path} "
                "without sending an authentication message",
                awaited=exc.awaited,
                received=exc.received,
            ) from exc
        except ReceiveTimeout as exc:
            raise AssertionTimeout(
                awaited=f"{exc.awaited} (no successful authentication)",
                timeout=exc.timeout,
                received=exc.received,
            ) from exc
        except ReceiveError as exc:
            raise AssertionError(f"no successful authentication: {exc}") from exc
        if auth is None:
            raise AssertionError(
                "authentication messages are off (CHANNELS_REPLAY['SEND_AUTHENTICATION_MESSAGE'] "
                "is False): there is no authentication status to assert"
            )
        status = auth.payload
        if status.status_code != 200:
            raise AssertionError(
                f"authentication on {self.path} failed: status {status.status_code} "
                f"{status.status_text!r}, data {status.data!r}"
            )
