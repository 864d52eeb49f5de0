"""Multi-user tests of the example chat: token authentication, rooms, broadcasts."""

from typing import Any

import pytest
from channels.layers import get_channel_layer

from channels_replay.testing import WebsocketTestCase
from example.management.commands.seed_demo import seed_demo_users

ALICE = [(b"authorization", b"Token alice-secret-token")]
BOB = [(b"authorization", b"Token bob-secret-token")]


def message(text: Any) -> dict[str, Any]:
    return {"action": "message", "payload": {"text": text}}


class ChatTests(WebsocketTestCase):
    ws_path = "/ws/chat/lobby/"

    def setUp(self) -> None:
        super().setUp()
        seed_demo_users()

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        return ALICE

    async def test_two_users_see_each_others_broadcasts(self) -> None:
        alice = self.auth_communicator
        bob = self.create_communicator(headers=BOB)
        await alice.connect()
        await alice.assert_authenticated_status_ok()
        await bob.connect()
        bob_auth = await bob.wait_for_auth()
        assert bob_auth is not None
        assert bob_auth.payload.data == {"username": "bob"}

        await alice.send_json_to(message("hello bob"))
        assert await alice.receive_all_json() == []
        (to_alice,) = await alice.receive_all_json(wait_group=True)
        (to_bob,) = await bob.receive_all_json(wait_group=True)

        assert to_bob == to_alice
        assert to_bob["action"] == "chat_message"
        assert to_bob["payload"]["user"] == "alice"
        assert to_bob["payload"]["text"] == "hello bob"
        assert to_bob["payload"]["room"] == "lobby"
        assert len(to_bob["payload"]["id"]) == 32

    async def test_token_in_the_query_string(self) -> None:
        communicator = self.create_communicator(
            ws_path="/ws/chat/lobby/?token=bob-secret-token", headers=[]
        )
        await communicator.connect()
        auth = await communicator.wait_for_auth()
        assert auth is not None
        assert auth.payload.data == {"username": "bob"}

    async def test_rooms_are_separate(self) -> None:
        alice = self.auth_communicator
        bob = self.create_communicator(ws_path="/ws/chat/other/", headers=BOB)
        await alice.connect()
        await alice.wait_for_auth()
        await bob.connect()
        await bob.wait_for_auth()
        await alice.send_json_to(message("only lobby"))
        await alice.receive_all_json()
        await alice.receive_all_json(wait_group=True)
        assert await bob.receive_nothing(timeout=0.05)

    async def test_bad_token_is_refused_with_401_then_closed(self) -> None:
        intruder = self.create_communicator(headers=[(b"authorization", b"Token nope")])
        await intruder.connect()
        auth = await intruder.wait_for_auth()
        assert auth is not None
        assert auth.payload.status_code == 401
        await intruder.assert_closed(code=4001)
        assert intruder.close_code == 4001

    async def test_assert_authenticated_status_ok_says_what_came_instead(self) -> None:
        intruder = self.create_communicator(headers=[])
        await intruder.connect()
        with pytest.raises(AssertionError, match="failed: status 401 'Unauthorized'"):
            await intruder.assert_authenticated_status_ok()

    async def test_validation_error_reply(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.wait_for_auth()
        await self.auth_communicator.send_json_to(message(""))
        (error,) = await self.auth_communicator.receive_all_json()
        assert error["action"] == "error"
        assert error["payload"][0]["loc"] == ["message", "payload", "text"]
        assert error["payload"][0]["type"] == "string_too_short"

    async def test_disconnect_runs_the_consumers_disconnect_handler(self) -> None:
        layer = get_channel_layer()
        await self.auth_communicator.connect()
        await self.auth_communicator.wait_for_auth()
        assert len(layer.groups.get("chat_lobby", {})) == 1
        await self.auth_communicator.disconnect()
        assert not layer.groups.get("chat_lobby")
