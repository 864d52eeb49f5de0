"""WebsocketTestCase tests on real chanx 0.13.3 consumers, written the way chanx's docs write them.

Run in a pytest process of its own (the foreign project's settings), by
test_chanx_suite.py. chanx handles every client frame in a task of its own, so
"the consumer asked for its next event" comes before its replies: these tests
show the communicator waits for what the app really does.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import pytest
from chanx.messages.incoming import PingMessage
from chanx.messages.outgoing import PongMessage
from django.core.management import call_command
from pydantic import Field, TypeAdapter

from channels_replay.errors import MessageInvalid, NeverSent
from channels_replay.testing import WebsocketTestCase
from tests.foreign.project.consumers_chanx import EchoMessage, TextMessage, TextPayload
from tests.foreign.project.users import USERS

EchoOutgoing = TypeAdapter(Annotated[PongMessage | EchoMessage, Field(discriminator="action")])


@contextmanager
def regression(name: str) -> Iterator[None]:
    """The foreign consumers behave with the regression `name` inside (see regression.py)."""
    os.environ["FOREIGN_REGRESSION"] = name
    try:
        yield
    finally:
        del os.environ["FOREIGN_REGRESSION"]


class ForeignTestCase(WebsocketTestCase):
    def setUp(self) -> None:
        super().setUp()
        call_command("make_foreign_users", verbosity=0, stdout=io.StringIO())


class ChanxEchoTests(ForeignTestCase):
    ws_path = "/ws/chanx/echo/"

    async def test_receive_all_json_after_the_auth_frame_was_read_with_receive_json_from(
        self,
    ) -> None:
        await self.auth_communicator.connect()
        auth = await self.auth_communicator.receive_json_from()
        assert auth["action"] == "authentication"

        await self.auth_communicator.send_json_to({"action": "ping"})
        assert await self.auth_communicator.receive_all_json() == [
            {"action": "pong", "payload": None}
        ]
        await self.auth_communicator.send_json_to(
            {"action": "message", "payload": {"message": "hi"}}
        )
        assert await self.auth_communicator.receive_all_json() == [
            {"action": "echo", "payload": {"message": "hi"}}
        ]

    async def test_typed_receives_with_a_chanx_message_union(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_message(PingMessage())  # a chanx message
        assert await self.auth_communicator.receive_all_messages(EchoOutgoing) == [PongMessage()]
        await self.auth_communicator.send_message(TextMessage(payload=TextPayload(message="hi")))
        (echo,) = await self.auth_communicator.receive_all_messages(EchoOutgoing)
        assert isinstance(echo, EchoMessage)
        assert echo.payload == {"message": "hi"}
        await self.auth_communicator.send_message(PingMessage())
        with pytest.raises(MessageInvalid, match="is not a valid EchoMessage"):
            await self.auth_communicator.receive_all_messages(EchoMessage)

    async def test_every_frame_before_complete_is_collected(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        with regression("extra_frame"):
            await self.auth_communicator.send_json_to({"action": "ping"})
            replies = await self.auth_communicator.receive_all_json()
        assert [reply["action"] for reply in replies] == ["pong", "notice"]


class ChanxSlowTests(ForeignTestCase):
    ws_path = "/ws/chanx/slow/"

    async def test_a_handler_that_sleeps_and_queries_the_database_is_waited_for(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_json_to({"action": "work", "payload": {"label": "a"}})
        replies = await self.auth_communicator.receive_all_json()
        assert [reply["action"] for reply in replies] == ["work_started", "work_done"]

    async def test_receive_until_action_raises_neversent_when_the_app_is_done(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        with regression("drop_frame"):
            await self.auth_communicator.send_json_to({"action": "work", "payload": {"label": "c"}})
            started = time.monotonic()
            with pytest.raises(NeverSent) as caught:
                await self.auth_communicator.receive_until_action("work_done", timeout=30)
        assert time.monotonic() - started < 15  # a bound far below the 30 s timeout
        assert [frame["action"] for frame in caught.value.received] == ["work_started"]


class ChanxRoomTests(ForeignTestCase):
    ws_path = "/ws/chanx/room/lobby/"

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"authorization", f"Token {USERS['alice']}".encode())]

    async def test_a_broadcast_reaches_every_member_sender_included(self) -> None:
        alice = self.auth_communicator  # as in chanx: the first communicator created
        bob = self.create_communicator(
            headers=[(b"authorization", f"Token {USERS['bob']}".encode())]
        )
        assert self.auth_communicator is alice
        # Both connect before either reads its authentication frame, as two tabs do.
        await self.auth_communicator.connect()
        await bob.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await bob.assert_authenticated_status_ok()

        await self.auth_communicator.send_json_to(
            {"action": "new_message", "payload": {"message": "hi room"}}
        )
        assert await self.auth_communicator.receive_all_json() == []
        (mine,) = await self.auth_communicator.receive_all_json(wait_group=True)
        (theirs,) = await bob.receive_all_json(wait_group=True)
        assert mine["payload"]["message"] == theirs["payload"]["message"] == "hi room"
        assert (mine["is_mine"], theirs["is_mine"]) == (True, False)


class ChanxPrivateTests(ForeignTestCase):
    """A token-protected chanx endpoint, tested as chanx's docs describe the API."""

    ws_path = "/ws/chanx/private/"

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"authorization", f"Token {USERS['alice']}".encode())]

    async def test_send_message_with_chanx_models_and_receive_all_json(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()

        await self.auth_communicator.send_message(PingMessage())
        assert await self.auth_communicator.receive_all_json() == [
            PongMessage().model_dump(mode="json")
        ]
        await self.auth_communicator.send_json_to({"action": "whoami"})
        assert await self.auth_communicator.receive_all_json() == [
            {"action": "identity", "payload": {"username": "alice"}}
        ]

    async def test_wait_for_auth_returns_the_authentication_message(self) -> None:
        await self.auth_communicator.connect()
        auth = await self.auth_communicator.wait_for_auth()
        assert auth is not None
        assert auth.payload.status_code == 200

    async def test_an_anonymous_client_is_refused_with_a_status_and_a_close(self) -> None:
        anonymous = self.create_communicator(headers=[])
        await anonymous.connect()
        with pytest.raises(AssertionError, match="authentication on /ws/chanx/private/ failed"):
            await anonymous.assert_authenticated_status_ok()
        await anonymous.assert_closed()

    async def test_two_users_each_see_their_own_identity(self) -> None:
        alice = self.auth_communicator  # as in chanx: the first communicator the test made
        bob = self.create_communicator(
            headers=[(b"authorization", f"Token {USERS['bob']}".encode())]
        )
        for communicator in (alice, bob):
            await communicator.connect()
            await communicator.assert_authenticated_status_ok()
            await communicator.send_json_to({"action": "whoami"})
        (alice_identity,) = await alice.receive_all_json()
        (bob_identity,) = await bob.receive_all_json()
        assert alice_identity["payload"]["username"] == "alice"
        assert bob_identity["payload"]["username"] == "bob"
