"""Handwritten tests of the example echo consumer, as a user writes them."""

import asyncio

from django.test import override_settings

from channels_replay.messages import AuthenticationMessage, BaseMessage
from channels_replay.testing import WebsocketTestCase
from example.messages import EchoMessage, PingMessage


class EchoTests(WebsocketTestCase):
    ws_path = "/ws/echo/"

    async def test_connect_authenticate_and_echo(self) -> None:
        connected, subprotocol = await self.auth_communicator.connect()
        assert connected is True
        assert subprotocol is None
        await self.auth_communicator.assert_authenticated_status_ok()

        await self.auth_communicator.send_message(EchoMessage(payload={"n": [1, 2, 3]}))
        replies = await self.auth_communicator.receive_all_json()

        assert replies == [{"action": "echo", "payload": {"n": [1, 2, 3]}}]

    async def test_wait_for_auth_returns_the_message_and_the_consumer_is_done_with_connect(
        self,
    ) -> None:
        await self.auth_communicator.connect()
        # Both bounds are far beyond the test's own limit: they must not be slept.
        async with asyncio.timeout(20):
            auth = await self.auth_communicator.wait_for_auth(
                max_auth_time=600, after_auth_time=600
            )
        assert isinstance(auth, AuthenticationMessage)
        assert auth.payload.status_code == 200
        assert auth.payload.status_text == "OK"
        assert self.auth_communicator.idle

    async def test_completion_frames_are_left_out_but_inclusive_keeps_the_stop_frame(
        self,
    ) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.wait_for_auth()

        await self.auth_communicator.send_message(PingMessage())
        assert await self.auth_communicator.receive_until_action("complete") == [
            {"action": "pong", "payload": None}
        ]
        await self.auth_communicator.send_message(PingMessage())
        assert await self.auth_communicator.receive_until_action("complete", inclusive=True) == [
            {"action": "pong", "payload": None},
            {"action": "complete", "payload": None},
        ]
        await self.auth_communicator.send_message(PingMessage())
        assert await self.auth_communicator.receive_until_action("pong", inclusive=True) == [
            {"action": "pong", "payload": None}
        ]
        # the complete that followed pong is still there, for the next collection
        assert await self.auth_communicator.receive_all_json() == []

    async def test_send_message_accepts_any_pydantic_message(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.wait_for_auth()
        await self.auth_communicator.send_message(BaseMessage(action="echo", payload="x"))
        assert await self.auth_communicator.receive_all_json() == [
            {"action": "echo", "payload": "x"}
        ]

    async def test_invalid_input_gets_an_error_reply(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.wait_for_auth()
        await self.auth_communicator.send_json_to({"action": "shout"})
        (reply,) = await self.auth_communicator.receive_all_json()
        assert reply["action"] == "error"
        assert reply["payload"][0]["type"] == "union_tag_invalid"

    async def test_async_with_connects_and_disconnects(self) -> None:
        communicator = self.create_communicator()
        async with communicator:
            assert communicator.connected
            await communicator.wait_for_auth()
        assert not communicator.connected
        assert communicator.app_finished

    @override_settings(CHANNELS_REPLAY={"SEND_AUTHENTICATION_MESSAGE": False})
    async def test_authentication_messages_off(self) -> None:
        await self.auth_communicator.connect()
        async with asyncio.timeout(20):
            assert await self.auth_communicator.wait_for_auth(max_auth_time=600) is None
        assert self.auth_communicator.idle
        await self.auth_communicator.send_message(PingMessage())
        assert await self.auth_communicator.receive_all_json() == [
            {"action": "pong", "payload": None}
        ]
