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
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.foreign.project.users import ALICE_TOKEN, BOB_TOKEN, NOTES, PASSWORDS

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


# -- scenarios of apps that authenticate by cookie -----------------------------------------


def _login(base: str, kind: str, user: str) -> str:
    """POST the login form as a browser does; the Cookie header its response sets."""
    from http.cookies import SimpleCookie
    from urllib.parse import urlencode
    from urllib.request import Request, urlopen

    body = urlencode({"username": user, "password": PASSWORDS[user]}).encode()
    url = f"http{base.removeprefix('ws')}/login/{kind}/"
    with urlopen(Request(url, data=body, method="POST"), timeout=CLIENT_TIMEOUT) as response:
        cookie: SimpleCookie = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in cookie.items())


async def open_with_cookie(url: str, cookie: str) -> ClientConnection:
    return await connect(
        url,
        additional_headers={"cookie": cookie},
        open_timeout=CLIENT_TIMEOUT,
        close_timeout=CLIENT_TIMEOUT,
    )


async def chanx_notes_jwt(base: str) -> Frames:
    """alice and bob log in for a JWT cookie (the chanx consumer authenticates inside,
    so scope["user"] stays anonymous) and list their notes, with ids from the database."""
    frames: Frames = {}
    for user in ("alice", "bob"):
        cookie = await asyncio.to_thread(_login, base, "jwt", user)
        ws = await open_with_cookie(f"{base}/ws/chanx/notes/", cookie)
        try:
            (auth,) = await receive_count(ws, 1)
            assert_authenticated(auth)
            await send(ws, {"action": "list_notes"})
            got = await receive_until(ws, "complete")
            notes = got[0]["payload"]
            assert notes["user"] == user, got
            assert len(notes["notes"]) == len(NOTES[user]), got
            frames[user] = [auth, *got]
        finally:
            await ws.close()
    return frames


async def plain_notes_session(base: str) -> Frames:
    """bob logs in to a Django session, lists his notes and adds one (its new id); an
    anonymous client is refused."""
    cookie = await asyncio.to_thread(_login, base, "session", "bob")
    ws = await open_with_cookie(f"{base}/ws/plain/notes/", cookie)
    frames: list[Any] = []
    try:
        await send(ws, {"type": "list"})
        frames += await receive_count(ws, 1)
        assert [n["text"] for n in frames[0]["payload"]["notes"]] == list(NOTES["bob"]), frames
        await send(ws, {"type": "add", "text": "new note"})
        frames += await receive_count(ws, 1)
        assert frames[1]["type"] == "added", frames
    finally:
        await ws.close()
    status = None
    try:
        refused = await open_ws(f"{base}/ws/plain/notes/")
    except InvalidStatus as exc:
        status = exc.response.status_code
    else:
        await refused.close()
    assert status == 403, f"an anonymous client got {status} from /ws/plain/notes/, not 403"
    return {"bob": frames}


SCENARIOS: dict[str, Scenario] = {
    "chanx_echo": chanx_echo,
    "chanx_room_race": chanx_room_race,
    "chanx_private": chanx_private,
    "chanx_slow": chanx_slow,
    "plain_room": plain_room,
    "plain_echo": plain_echo,
    "chanx_notes_jwt": chanx_notes_jwt,
    "plain_notes_session": plain_notes_session,
}
"""Every scenario by name (the name is also its cassette's stem)."""

RACES = ("chanx_room_race", "plain_room")
"""The scenarios whose clients connect concurrently."""

SNAPSHOT = ("--snapshot", "auth", "--snapshot", "foreign_project")
RECORD_OPTIONS: dict[str, tuple[str, ...]] = {
    "chanx_notes_jwt": ("--identity", "channels_replay.identity.jwt_user", *SNAPSHOT),
    "plain_notes_session": SNAPSHOT,
}
"""Options of `record` beyond the defaults, by scenario: the cookie apps' users and notes
travel with their cassettes, and the JWT app's users come from the identity hook."""
