"""Client scenarios against the foreign project, driven by real `websockets` clients.

Each scenario is a coroutine function taking the base WebSocket URL (`ws://127.0.0.1:PORT`)
and returning what every client received (client name -> frames). A scenario raises when
a client does not get what the unchanged app sends (TimeoutError after a bound, or an
AssertionError): a recording that ends without an exception is a correct recording.

Clients never sleep: they read until a frame they can name (a signal of chanx) or, for
plain channels consumers that send no signals, the number of frames they expect, each
read bounded by CLIENT_TIMEOUT.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.foreign.project.users import ALICE_TOKEN, BOB_TOKEN

CLIENT_TIMEOUT = 5.0
RACE_GRACE = 1.0
"""How long bob's copy of a broadcast may lag behind alice's before the race counts as lost."""
Frames = dict[str, list[Any]]


class RaceLost(AssertionError):
    """The app's own race went the other way while recording: a member joined its group
    only after the message it should have received was broadcast (chanx sends the
    authentication message before it joins the groups)."""


Scenario = Callable[[str], Awaitable[Frames]]


# -- client helpers ----------------------------------------------------------------------


async def open_ws(url: str, *, token_header: str | None = None) -> ClientConnection:
    """A connected client (bounded handshake); `Authorization: Token ...` when given."""
    headers = {"authorization": f"Token {token_header}"} if token_header else None
    return await connect(
        url,
        additional_headers=headers,
        open_timeout=CLIENT_TIMEOUT,
        close_timeout=CLIENT_TIMEOUT,
    )


async def send(ws: ClientConnection, frame: dict[str, Any]) -> None:
    await ws.send(json.dumps(frame))


async def receive_json(ws: ClientConnection) -> Any:
    """The next frame as JSON, within CLIENT_TIMEOUT."""
    async with asyncio.timeout(CLIENT_TIMEOUT):
        return json.loads(await ws.recv())


async def receive_until(
    ws: ClientConnection, *actions: str, into: list[Any] | None = None
) -> list[Any]:
    """Frames until every one of `actions` has come (each at least once), in arrival order.

    They are appended to `into` when given, so the caller keeps them after a TimeoutError.
    """
    frames: list[Any] = [] if into is None else into
    waiting = set(actions)
    while waiting:
        frame = await receive_json(ws)
        frames.append(frame)
        if isinstance(frame, dict):
            waiting.discard(frame.get("action"))
    return frames


async def receive_count(ws: ClientConnection, count: int) -> list[Any]:
    """Exactly `count` frames (each read bounded)."""
    return [await receive_json(ws) for _ in range(count)]


async def expect_close(ws: ClientConnection, codes: Collection[int]) -> int:
    """Wait (bounded) for the server to close the connection; its close code."""
    try:
        async with asyncio.timeout(CLIENT_TIMEOUT):
            extra = await ws.recv()
    except ConnectionClosed:
        assert ws.close_code in codes, f"closed with {ws.close_code}, expected one of {codes}"
        return int(ws.close_code or 0)
    raise AssertionError(f"expected a close, got the frame {extra!r}")


def actions(frames: list[Any]) -> list[Any]:
    return [frame.get("action") if isinstance(frame, dict) else frame for frame in frames]


def assert_authenticated(frame: Any, status: int = 200) -> None:
    assert isinstance(frame, dict), frame
    assert frame.get("action") == "authentication", frame
    assert frame["payload"]["status_code"] == status, frame


# -- chanx scenarios -------------------------------------------------------------------


async def chanx_echo(base: str) -> Frames:
    """Connect, read the authentication message, ping, a text message, disconnect."""
    ws = await open_ws(f"{base}/ws/chanx/echo/")
    try:
        auth = await receive_json(ws)
        assert_authenticated(auth)
        await send(ws, {"action": "ping"})
        pong = await receive_until(ws, "complete")
        assert actions(pong) == ["pong", "complete"], pong
        await send(ws, {"action": "message", "payload": {"message": "hello chanx"}})
        echo = await receive_until(ws, "complete")
        assert actions(echo) == ["echo", "complete"], echo
    finally:
        await ws.close()
    return {"anonymous": [auth, *pong, *echo]}


async def chanx_room_race(base: str) -> Frames:
    """Two members of one chanx room connect at once; alice posts before anyone reads.

    Neither client waits for an authentication frame (its own or the other's) before
    alice sends: the connects, both authentications and alice's message race in the
    server. Then alice reads until she has both `group_complete` (her copy of the
    broadcast) and `complete` (her frame handled), bob until his `group_complete`.

    chanx joins a member to its groups only after sending its authentication message, so
    now and then bob is not in the room yet when alice's message is broadcast: he then
    gets nothing more, and the scenario raises RaceLost (RACE_GRACE after alice got her
    copy) rather than call that a recording of the room working.
    """
    url = f"{base}/ws/chanx/room/lobby/"
    alice, bob = await asyncio.gather(
        open_ws(url, token_header=ALICE_TOKEN), open_ws(f"{url}?token={BOB_TOKEN}")
    )
    alice_frames: list[Any] = []
    bob_frames: list[Any] = []
    bob_reads = asyncio.create_task(
        receive_until(bob, "authentication", "group_complete", into=bob_frames)
    )
    try:
        await send(alice, {"action": "new_message", "payload": {"message": "hi room"}})
        alice_signals = ("authentication", "group_complete", "complete")
        await receive_until(alice, *alice_signals, into=alice_frames)
        # the broadcast reached both members' channels at once: bob's copy is due now
        await asyncio.wait_for(bob_reads, RACE_GRACE)
    except TimeoutError:
        if actions(bob_frames) == ["authentication"] and "group_complete" in actions(alice_frames):
            raise RaceLost(
                "bob joined the room after alice's message was broadcast; "
                f"alice got {actions(alice_frames)}, bob {actions(bob_frames)}"
            ) from None
        raise
    finally:
        bob_reads.cancel()
        await asyncio.gather(bob_reads, return_exceptions=True)
        await asyncio.gather(alice.close(), bob.close())
    for frames in (alice_frames, bob_frames):
        assert_authenticated(frames[0])
        assert "member_message" in actions(frames), frames
    return {"alice": alice_frames, "bob": bob_frames}


async def chanx_private(base: str) -> Frames:
    """alice (token header), bob (`?token=`) ask who they are; an anonymous client is refused."""
    url = f"{base}/ws/chanx/private/"
    received: Frames = {}
    for name, ws_url, header in (
        ("alice", url, ALICE_TOKEN),
        ("bob", f"{url}?token={BOB_TOKEN}", None),
    ):
        ws = await open_ws(ws_url, token_header=header)
        try:
            auth = await receive_json(ws)
            assert_authenticated(auth)
            await send(ws, {"action": "whoami"})
            frames = await receive_until(ws, "complete")
            assert frames[0] == {"action": "identity", "payload": {"username": name}}, frames
        finally:
            await ws.close()
        received[name] = [auth, *frames]
    anonymous = await open_ws(url)
    try:
        auth = await receive_json(anonymous)
        assert_authenticated(auth, status=401)
        await expect_close(anonymous, codes={1000})
    finally:
        await anonymous.close()
    received["anonymous"] = [auth]
    return received


async def chanx_slow(base: str) -> Frames:
    """Three `work` messages, one at a time; each answer is slow and in two frames."""
    ws = await open_ws(f"{base}/ws/chanx/slow/")
    try:
        frames = [await receive_json(ws)]
        assert_authenticated(frames[0])
        for count, label in enumerate(("first", "second", "third"), start=1):
            await send(ws, {"action": "work", "payload": {"label": label}})
            answer = await receive_until(ws, "complete")
            assert actions(answer) == ["work_started", "work_done", "complete"], answer
            assert answer[0]["payload"] == {"label": label, "count": count}, answer
            frames += answer
    finally:
        await ws.close()
    return {"anonymous": frames}


# -- plain channels scenarios ----------------------------------------------------------


async def plain_room(base: str) -> Frames:
    """Two members connect at once; alice sends; both get the broadcast, alice a reply first.

    No signals: alice reads her two frames (`sent`, `room_message`), bob his one.
    """
    url = f"{base}/ws/plain/room/lobby/"
    alice, bob = await asyncio.gather(
        open_ws(url, token_header=ALICE_TOKEN), open_ws(f"{url}?token={BOB_TOKEN}")
    )
    try:
        await send(alice, {"message": "hi plain room"})
        alice_frames, bob_frames = await asyncio.gather(
            receive_count(alice, 2), receive_count(bob, 1)
        )
    finally:
        await asyncio.gather(alice.close(), bob.close())
    broadcast = {"type": "room_message", "payload": {"message": "hi plain room", "from": "alice"}}
    assert bob_frames == [broadcast], bob_frames
    assert broadcast in alice_frames, alice_frames
    return {"alice": alice_frames, "bob": bob_frames}


async def plain_echo(base: str) -> Frames:
    """Two messages, each stored in the database and echoed with the stored count."""
    ws = await open_ws(f"{base}/ws/plain/echo/")
    frames: list[Any] = []
    try:
        for count, text in enumerate(("one", "two"), start=1):
            await send(ws, {"message": text})
            (echo,) = await receive_count(ws, 1)
            assert echo == {"type": "echo", "payload": {"message": text, "count": count}}, echo
            frames.append(echo)
    finally:
        await ws.close()
    return {"anonymous": frames}


SCENARIOS: dict[str, Scenario] = {
    "chanx_echo": chanx_echo,
    "chanx_room_race": chanx_room_race,
    "chanx_private": chanx_private,
    "chanx_slow": chanx_slow,
    "plain_room": plain_room,
    "plain_echo": plain_echo,
}
"""Every scenario by name (the name is also its cassette's stem)."""

RACES = ("chanx_room_race", "plain_room")
"""The scenarios whose clients connect concurrently."""
