"""Whether an in-process app is done: real asyncio, real tasks, timers and threads.

The apps here are plain ASGI callables (no Django) run through `InProcessConnection`
or `InProcessDriver`; the last tests run a real channels consumer with the
in-memory channel layer. Every wait is bounded; elapsed times are checked only
as bounds ("before the timeout", "not before the timeout").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.test import override_settings

from channels_replay.drivers import (
    APP_DONE,
    QUIET,
    AppDone,
    Arrival,
    ConnectRequest,
    InProcessConnection,
    InProcessDriver,
)
from channels_replay.drivers._activity import activity_for

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BOUND = 2.0
"""Upper bound of every wait that should end at once (never reached when all is well)."""

SCOPE: Message = {"type": "websocket", "path": "/ws/", "headers": [], "subprotocols": []}


def texts(sent: list[Message]) -> list[str]:
    return [message["text"] for message in sent if message["type"] == "websocket.send"]


async def serve_forever(receive: Receive) -> None:
    """Receive until the client goes away (what a consumer's main loop does)."""
    while (await receive())["type"] != "websocket.disconnect":
        pass


async def start(app: Any) -> tuple[InProcessConnection, list[Message]]:
    sent: list[Message] = []
    connection = InProcessConnection(app, dict(SCOPE), sent.append)
    connection.put({"type": "websocket.connect"})
    return connection, sent


async def finish(connection: InProcessConnection) -> None:
    connection.put({"type": "websocket.disconnect", "code": 1000})
    await connection.stop(BOUND)
    assert connection.finished


async def settled(connection: InProcessConnection, bound: float = BOUND) -> bool:
    loop = asyncio.get_running_loop()
    return await connection.activity.settled(lambda: False, loop.time() + bound)


# ---- tasks and timers ---------------------------------------------------------------------


async def test_a_task_that_sleeps_then_sends_keeps_the_app_from_being_done() -> None:
    children: set[asyncio.Task[None]] = set()

    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})

        async def later() -> None:
            await asyncio.sleep(0.05)
            await send({"type": "websocket.send", "text": "late"})

        children.add(asyncio.create_task(later()))
        await serve_forever(receive)

    connection, sent = await start(app)
    activity = connection.activity
    seen: set[str] = set()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BOUND
    while "late" not in texts(sent):
        seen.add(activity.state)
        assert activity.state != "done", "done before the sleeping task sent its frame"
        assert loop.time() < deadline
        await asyncio.sleep(0.005)
    assert "waiting" in seen  # only the timer was pending for most of the time

    assert await settled(connection) is True
    assert activity.state == "done"
    await finish(connection)


async def test_settled_returns_only_after_the_delayed_send() -> None:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        task = asyncio.create_task(asyncio.sleep(0.05))
        await task
        await send({"type": "websocket.send", "text": "late"})
        await serve_forever(receive)

    connection, sent = await start(app)
    assert await settled(connection) is True
    assert texts(sent) == ["late"]
    await finish(connection)


async def test_a_thread_job_keeps_the_app_from_being_done_while_it_runs() -> None:
    finished: list[str] = []

    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, time.sleep, 0.05)
        finished.append("job")
        await send({"type": "websocket.send", "text": "after the job"})
        await serve_forever(receive)

    connection, sent = await start(app)
    activity = connection.activity
    loop = asyncio.get_running_loop()
    deadline = loop.time() + BOUND
    states: set[str] = set()
    while not finished:
        states.add(activity.state)
        assert activity.state != "done", "done while the thread was still sleeping"
        assert loop.time() < deadline
        await asyncio.sleep(0.005)
    assert "waiting" in states

    assert await settled(connection) is True
    assert texts(sent) == ["after the job"]
    await finish(connection)


async def test_asyncio_to_thread_counts_as_a_thread_job() -> None:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await asyncio.to_thread(time.sleep, 0.05)
        await send({"type": "websocket.send", "text": "after"})
        await serve_forever(receive)

    connection, sent = await start(app)
    assert await settled(connection) is True
    assert texts(sent) == ["after"]
    await finish(connection)


# ---- what counts as done ---------------------------------------------------------------------


async def test_children_waiting_for_input_under_asyncio_wait_are_done() -> None:
    """Like channels' `await_many_dispatch`: one task per input source, all parked."""

    async def app(scope: Message, receive: Receive, send: Send) -> None:
        layer: asyncio.Queue[Message] = asyncio.Queue()
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "hello"})
        tasks = [asyncio.create_task(receive()), asyncio.create_task(layer.get())]
        try:
            while True:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                if tasks[0] in done:
                    message = tasks[0].result()
                    if message["type"] == "websocket.disconnect":
                        return
                    await send({"type": "websocket.send", "text": message.get("text", "")})
                    tasks[0] = asyncio.create_task(receive())
        finally:
            for task in tasks:
                task.cancel()

    connection, sent = await start(app)
    started = time.monotonic()
    assert await settled(connection) is True
    assert time.monotonic() - started < BOUND
    assert texts(sent) == ["hello"]
    assert connection.activity.state == "done"

    connection.put({"type": "websocket.receive", "text": "again"})
    assert connection.activity.state != "done"  # input is waiting: the reader can run
    assert await settled(connection) is True
    assert texts(sent) == ["hello", "again"]
    await finish(connection)


async def test_an_event_nobody_sets_is_done() -> None:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await asyncio.Event().wait()

    connection, _ = await start(app)
    assert await settled(connection) is True
    assert connection.activity.state == "done"
    connection.task.cancel()  # type: ignore[union-attr]
    await asyncio.wait({connection.task}, timeout=BOUND)  # type: ignore[arg-type]
    assert connection.finished


async def test_a_runnable_app_is_running() -> None:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        for _ in range(3):
            await asyncio.sleep(0)
        await send({"type": "websocket.accept"})
        await serve_forever(receive)

    connection, sent = await start(app)
    assert connection.activity.state == "running"
    assert await settled(connection) is True
    assert sent == [{"type": "websocket.accept"}]
    await finish(connection)


async def test_busy_says_what_the_app_is_waiting_for() -> None:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        await asyncio.sleep(3600)

    connection, _ = await start(app)
    loop = asyncio.get_running_loop()
    with pytest.raises(TimeoutError):
        await connection.activity.settled(lambda: False, loop.time() + 0.05)
    assert connection.activity.state == "waiting"
    assert "1 timer(s) pending" in connection.activity.busy()
    connection.task.cancel()  # type: ignore[union-attr]
    await asyncio.wait({connection.task}, timeout=BOUND)  # type: ignore[arg-type]
    assert connection.activity.busy() == "the app was done"


# ---- the driver ----------------------------------------------------------------------------


async def accept_and_wait(scope: Message, receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await serve_forever(receive)


async def test_next_event_is_app_done_at_once_when_the_app_is_done() -> None:
    driver = InProcessDriver(accept_and_wait)
    try:
        await driver.open("c1", ConnectRequest("/ws/"))
        first = await driver.next_event(5.0)
        assert isinstance(first, Arrival)
        assert (first.conn, first.event.kind) == ("c1", "accept")
        started = time.monotonic()
        assert await driver.next_event(5.0) == APP_DONE
        assert time.monotonic() - started < 1.0  # nowhere near the 5 s timeout
    finally:
        await driver.aclose()


async def test_next_event_is_quiet_at_the_timeout_when_a_task_sleeps_forever() -> None:
    children: set[asyncio.Task[None]] = set()

    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        children.add(asyncio.create_task(asyncio.sleep(3600)))
        await serve_forever(receive)

    driver = InProcessDriver(app, stop_timeout=BOUND)
    try:
        await driver.open("c1", ConnectRequest("/ws/"))
        assert isinstance(await driver.next_event(5.0), Arrival)
        started = time.monotonic()
        assert await driver.next_event(0.2) == QUIET
        elapsed = time.monotonic() - started
        assert 0.2 <= elapsed < BOUND
        assert "timer(s) pending" in driver.busy()
    finally:
        for child in children:
            child.cancel()
        await driver.aclose()


async def test_next_event_waits_for_a_delayed_send_rather_than_calling_it_done() -> None:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await asyncio.sleep(0.05)
        await send({"type": "websocket.send", "text": "late"})
        await serve_forever(receive)

    driver = InProcessDriver(app)
    try:
        await driver.open("c1", ConnectRequest("/ws/"))
        kinds = []
        while not isinstance(event := await driver.next_event(BOUND), AppDone):
            assert isinstance(event, Arrival), event
            kinds.append(event.event.kind)
        assert kinds == ["accept", "server_frame"]
    finally:
        await driver.aclose()


async def test_the_loop_is_restored_after_the_last_connection_ends() -> None:
    loop = asyncio.get_running_loop()
    factory = loop.get_task_factory()
    assert "call_at" not in vars(loop)
    driver = InProcessDriver(accept_and_wait)
    await driver.open("c1", ConnectRequest("/ws/"))
    await driver.open("c2", ConnectRequest("/ws/"))
    assert loop.get_task_factory() is not factory
    assert {"call_at", "run_in_executor"} <= set(vars(loop))

    await driver.disconnect("c1", 1000)
    connections = dict(driver.connections())
    await asyncio.wait({connections["c1"].task}, timeout=BOUND)  # type: ignore[arg-type]
    await asyncio.sleep(0)
    assert connections["c1"].finished
    assert loop.get_task_factory() is not factory  # c2 still runs

    await driver.aclose()
    await asyncio.sleep(0)
    assert all(connection.finished for connection in connections.values())
    assert loop.get_task_factory() is factory
    assert "call_at" not in vars(loop)
    assert "run_in_executor" not in vars(loop)
    # One activity per loop, for its whole life: every connection on it is one app.
    assert activity_for(loop) is connections["c1"].activity
    assert activity_for(loop).done


async def test_the_loop_is_restored_when_the_app_raises() -> None:
    loop = asyncio.get_running_loop()
    factory = loop.get_task_factory()

    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await receive()
        raise ValueError("no route")

    driver = InProcessDriver(app)
    await driver.open("c1", ConnectRequest("/ws/"))
    event = await driver.next_event(BOUND)
    assert isinstance(event, Arrival)
    assert (event.event.kind, event.event.status) == ("server_close", 500)  # type: ignore[union-attr]
    assert await driver.next_event(BOUND) == APP_DONE
    await driver.aclose()
    await asyncio.sleep(0)
    assert [(conn, type(exc).__name__) for conn, exc in driver.failures] == [("c1", "ValueError")]
    assert loop.get_task_factory() is factory
    assert "call_at" not in vars(loop)


# ---- a real channels consumer with the in-memory channel layer --------------------------------


class Room(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """Broadcasts every frame to its group, the sender included; no signals."""

    groups = ["room"]

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.channel_layer.group_send(
            "room", {"type": "room.message", "text": content["text"]}
        )
        await self.send_json({"ack": content["text"]})

    async def room_message(self, event: Message) -> None:
        await asyncio.sleep(0.01)  # a little work before delivering
        await self.send_json({"text": event["text"]})


IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


async def collect_until_done(driver: InProcessDriver) -> list[tuple[str, str]]:
    arrivals = []
    while not isinstance(event := await driver.next_event(BOUND), AppDone):
        assert isinstance(event, Arrival), f"no APP_DONE within {BOUND}s: {event}"
        text = getattr(event.event, "text", None)
        arrivals.append((event.conn, text if text is not None else event.event.kind))
    return arrivals


@override_settings(CHANNEL_LAYERS=IN_MEMORY)
async def test_a_group_broadcast_reaches_every_member_before_the_app_is_done() -> None:
    driver = InProcessDriver(Room.as_asgi(), stop_timeout=BOUND)
    try:
        for conn in ("c1", "c2", "c3"):
            await driver.open(conn, ConnectRequest("/ws/room/"))
        assert sorted(await collect_until_done(driver)) == [
            ("c1", "accept"),
            ("c2", "accept"),
            ("c3", "accept"),
        ]

        await driver.send("c1", '{"text": "hi"}', None)
        arrivals = await collect_until_done(driver)
        assert sorted(arrivals) == [
            ("c1", '{"ack": "hi"}'),
            ("c1", '{"text": "hi"}'),
            ("c2", '{"text": "hi"}'),
            ("c3", '{"text": "hi"}'),
        ]

        await driver.send("c2", '{"text": "yo"}', None)
        assert len(await collect_until_done(driver)) == 4
    finally:
        await driver.aclose()
    assert driver.failures == []


@override_settings(CHANNEL_LAYERS=IN_MEMORY)
async def test_a_consumer_that_disconnects_leaves_the_others_going() -> None:
    driver = InProcessDriver(Room.as_asgi(), stop_timeout=BOUND)
    try:
        await driver.open("c1", ConnectRequest("/ws/room/"))
        await driver.open("c2", ConnectRequest("/ws/room/"))
        await collect_until_done(driver)
        await driver.disconnect("c2", 1000)
        assert await collect_until_done(driver) == []
        await driver.send("c1", '{"text": "alone"}', None)
        assert sorted(await collect_until_done(driver)) == [
            ("c1", '{"ack": "alone"}'),
            ("c1", '{"text": "alone"}'),
        ]
    finally:
        await driver.aclose()
