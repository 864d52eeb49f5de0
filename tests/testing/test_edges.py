"""Timeouts, refusals, apps without signals, settings, discovery and cleanup."""

import asyncio
import unittest
from typing import Any

import pytest
from channels.layers import get_channel_layer
from django.test import override_settings

from channels_replay.errors import NeverSent, NotReceived
from channels_replay.messages import AuthenticationMessage
from channels_replay.testing import (
    ApplicationNotFound,
    WebsocketCommunicator,
    WebsocketTestCase,
    find_websocket_application,
)
from example.management.commands.seed_demo import seed_demo_users
from tests.testing import apps


class TimeoutTests(WebsocketTestCase):
    ws_path = "/stall/"
    router = apps.application

    async def test_a_missing_complete_is_reported_at_once_with_what_arrived(self) -> None:
        communicator = self.auth_communicator
        await communicator.connect()
        await communicator.wait_for_auth()
        await communicator.send_json_to({"action": "stall"})

        started = asyncio.get_running_loop().time()
        with pytest.raises(NeverSent) as caught:
            await communicator.receive_all_json(timeout=30)

        assert asyncio.get_running_loop().time() - started < 25  # not the timeout
        error = caught.value
        assert isinstance(error, TimeoutError)
        assert isinstance(error, AssertionError)
        assert error.received == [
            {"action": "part", "payload": 1},
            {"action": "part", "payload": 2},
        ]
        assert "the app is done and sent no 'complete' on /stall/" in str(error)
        assert "{'action': 'part', 'payload': 2}" in str(error)
        assert not communicator.app_finished
        await communicator.send_json_to({"action": "ping"})
        assert await communicator.receive_all_json() == [{"action": "pong", "payload": None}]

    async def test_receive_from_timeout_does_not_cancel_the_app(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.wait_for_auth()
        with pytest.raises(TimeoutError):
            await self.auth_communicator.receive_from(timeout=0.05)
        await self.auth_communicator.send_json_to({"action": "ping"})
        assert await self.auth_communicator.receive_json_from() == {
            "action": "pong",
            "payload": None,
        }

    async def test_a_refused_connection(self) -> None:
        communicator = self.create_communicator(ws_path="/refuse/")
        assert await communicator.connect() == (False, 4003)
        await communicator.assert_closed(code=4003)
        with pytest.raises(Exception, match="refused with close code 4003"):
            async with self.create_communicator(ws_path="/refuse/"):
                pass

    async def test_assert_closed_fails_on_a_frame_and_keeps_it(self) -> None:
        await self.auth_communicator.connect()
        with pytest.raises(AssertionError, match="expected the connection to /stall/ to be closed"):
            await self.auth_communicator.assert_closed()
        auth = await self.auth_communicator.wait_for_auth()
        assert isinstance(auth, AuthenticationMessage)

    async def test_subprotocols_reach_the_app(self) -> None:
        communicator = self.create_communicator(ws_path="/subprotocol/", subprotocols=["v2", "v1"])
        assert await communicator.connect() == (True, "v2")


class PlainConsumerTests(WebsocketTestCase):
    """The example's plain channels consumer sends no authentication or completion."""

    ws_path = "/ws/plain/"

    async def test_receive_all_json_ends_when_the_consumer_has_handled_the_frame(self) -> None:
        await self.auth_communicator.connect()
        async with asyncio.timeout(20):
            assert (
                await self.auth_communicator.wait_for_auth(send_authentication_message=False)
                is None
            )
            await self.auth_communicator.send_json_to({"n": 1})
            replies = await self.auth_communicator.receive_all_json(timeout=600)
        assert replies == [{"echo": {"n": 1}, "length": 8}]

    async def test_bytes_and_text_frames(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.send_to(bytes_data=b"\x00\x01\x02")
        assert await self.auth_communicator.receive_from() == b"\x02\x01\x00"
        await self.auth_communicator.send_to(text_data="shout")
        assert await self.auth_communicator.receive_from() == "SHOUT"

    async def test_expecting_authentication_from_it_fails_at_once_and_clearly(self) -> None:
        await self.auth_communicator.connect()
        async with asyncio.timeout(20):
            with pytest.raises(AssertionError, match="without sending an authentication message"):
                await self.auth_communicator.assert_authenticated_status_ok(max_auth_time=600)

    async def test_a_frame_that_is_not_json_is_reported_not_lost(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.send_to(text_data="shout")
        with pytest.raises(NotReceived, match="not JSON: 'SHOUT'"):
            await self.auth_communicator.receive_all_json()
        assert await self.auth_communicator.receive_from() == "SHOUT"


class SettingsTests(WebsocketTestCase):
    ws_path = "/signals/"
    router = apps.application

    @override_settings(
        CHANNELS_REPLAY={
            "MESSAGE_ACTION_KEY": "type",
            "COMPLETE_ACTION": "done",
            "AUTHENTICATION_ACTION": "hello",
        }
    )
    async def test_action_key_and_signal_names_come_from_settings(self) -> None:
        await self.auth_communicator.connect()
        auth_frame = await self.auth_communicator.receive_json_from()
        assert auth_frame["type"] == "hello"
        await self.auth_communicator.send_json_to({"type": "x"})
        assert await self.auth_communicator.receive_all_json() == [
            {"action": "echoed", "payload": {"type": "x"}}
        ]

    @override_settings(CHANNELS_REPLAY={"CAMELIZE": True})
    async def test_camelized_authentication_message(self) -> None:
        await self.auth_communicator.connect()
        first = await self.auth_communicator.receive_json_from()
        assert first["payload"]["statusCode"] == 200
        camelized = (
            '{"action": "authentication", "payload": {"statusCode": 200, "statusText": "OK"}}'
        )
        self.auth_communicator._put_back({"type": "websocket.send", "text": camelized})
        auth = await self.auth_communicator.wait_for_auth()
        assert auth is not None
        assert auth.payload.status_code == 200

    @override_settings(CHANNELS_REPLAY={"COMPLET_ACTION": "done"})
    def test_an_unknown_setting_is_left_to_the_system_check(self) -> None:
        from channels_replay.checks import check_settings
        from channels_replay.settings import replay_settings

        assert replay_settings.COMPLETE_ACTION == "complete"
        assert "COMPLET_ACTION" in check_settings(None)[0].msg


class DiscoveryTests(unittest.TestCase):
    def test_the_example_projects_websocket_app_is_found_with_its_middleware(self) -> None:
        from example.auth import TokenAuthMiddleware

        assert isinstance(find_websocket_application(), TokenAuthMiddleware)

    def test_no_asgi_application_setting(self) -> None:
        with (
            override_settings(ASGI_APPLICATION=None),
            pytest.raises(ApplicationNotFound, match="ASGI_APPLICATION is not set"),
        ):
            find_websocket_application()

    def test_an_app_without_a_websocket_entry(self) -> None:
        from channels.routing import ProtocolTypeRouter

        with pytest.raises(ValueError, match="has no 'websocket' entry"):
            find_websocket_application(ProtocolTypeRouter({"http": object()}))

    def test_create_communicator_without_ws_path_names_the_class(self) -> None:
        class NoPath(WebsocketTestCase):
            def runTest(self) -> None:
                pass

        case = NoPath()
        case.ws_headers, case.subprotocols, case.router = [], [], apps.application
        with pytest.raises(AttributeError, match="ws_path is not set in NoPath"):
            case.create_communicator()


class _JoinsAndLeaves(WebsocketTestCase):
    """Run by CleanupTests: joins the chat in room `leak` and ends without disconnecting."""

    ws_path = "/ws/chat/leak/"

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"authorization", b"Token alice-secret-token")]

    def setUp(self) -> None:
        super().setUp()
        seed_demo_users()

    async def test_async(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        second = self.create_communicator()
        await second.connect()
        await second.wait_for_auth()
        assert len(get_channel_layer().groups["chat_leak"]) == 2


_JoinsAndLeaves.__test__ = False  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
def test_teardown_runs_every_consumers_disconnect_after_the_loop_closed() -> None:
    result = unittest.TestResult()
    _JoinsAndLeaves("test_async")(result)
    assert result.testsRun == 1
    assert result.wasSuccessful(), result.errors + result.failures
    assert not get_channel_layer().groups.get("chat_leak")


def test_communicator_outside_a_test_case() -> None:
    """The communicator alone, in a plain pytest async test, with `async with`."""

    async def run() -> Any:
        async with WebsocketCommunicator(apps.application, "/signals/") as communicator:
            await communicator.assert_authenticated_status_ok()
            await communicator.send_json_to({"action": "a"})
            return await communicator.receive_all_json()

    assert asyncio.run(run()) == [{"action": "echoed", "payload": {"action": "a"}}]


async def _closes_without_a_code(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await receive()
    await send({"type": "websocket.close", "code": None})


async def test_a_close_without_a_code_is_1005_as_the_translation_says() -> None:
    communicator = WebsocketCommunicator(_closes_without_a_code, "/bye/")
    assert await communicator.connect() == (True, None)
    await communicator.send_to(text_data="bye")
    await communicator.assert_closed(code=1005)
    assert communicator.close_code == 1005
