"""A chanx test suite ported by changing its import: settings, semantics, typed receives."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

import pytest
from django.core import checks
from django.core.management import call_command
from django.test import override_settings
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from channels_replay.checks import check_settings
from channels_replay.errors import AssertionTimeout, MessageInvalid, NeverSent, NotReceived
from channels_replay.messages import BaseMessage
from channels_replay.settings import replay_settings
from channels_replay.testing import ApplicationNotFound, WebsocketTestCase
from example.management.commands.seed_demo import seed_demo_users
from example.messages import ChatMessage, ChatPayload, EchoMessage, PingMessage
from tests.testing import apps

ALICE = [(b"authorization", b"Token alice-secret-token")]
BOB = [(b"authorization", b"Token bob-secret-token")]

# -- A. settings ------------------------------------------------------------------------


@override_settings(
    CHANNELS_REPLAY={},
    CHANX={
        "MESSAGE_ACTION_KEY": "type",
        "SEND_AUTHENTICATION_MESSAGE": False,
        "CAMELIZE": True,
        "SEND_COMPLETION": False,
        "LOG_SENT_MESSAGE": False,
    },
)
def test_keys_missing_from_channels_replay_fall_back_to_chanx() -> None:
    assert replay_settings.MESSAGE_ACTION_KEY == "type"
    assert replay_settings.SEND_AUTHENTICATION_MESSAGE is False
    assert replay_settings.CAMELIZE is True
    assert replay_settings.SEND_COMPLETION is False
    # chanx 0.x has no settings for the action names: ours keep their defaults
    assert replay_settings.COMPLETE_ACTION == "complete"


@override_settings(
    CHANNELS_REPLAY={"MESSAGE_ACTION_KEY": "kind"}, CHANX={"MESSAGE_ACTION_KEY": "type"}
)
def test_channels_replay_wins_over_chanx() -> None:
    assert replay_settings.MESSAGE_ACTION_KEY == "kind"
    assert replay_settings.SEND_AUTHENTICATION_MESSAGE is True


@override_settings(
    CHANNELS_REPLAY={
        "COMPLET_ACTION": "done",
        "SEND_COMPLETION": True,
        "SEND_MESSAGE_IMMEDIATELY": True,
        "LOG_RECEIVED_MESSAGE": False,
        "WEBSOCKET_BASE_URL": "ws://x",
    }
)
def test_unknown_keys_are_a_system_check_warning_not_an_error_at_use_time() -> None:
    assert replay_settings.COMPLETE_ACTION == "complete"  # no exception mid-test
    (warning,) = check_settings(None)
    assert warning.id == "channels_replay.W001"
    assert warning.level == checks.WARNING
    assert "unknown key(s): COMPLET_ACTION;" in warning.msg  # chanx's keys are accepted
    assert "COMPLETE_ACTION" in str(warning.hint)
    assert "SEND_MESSAGE_IMMEDIATELY" in str(warning.hint)
    # registered with Django's check framework (by the app config's ready())
    assert any(m.id == "channels_replay.W001" for m in checks.run_checks())


@override_settings(CHANNELS_REPLAY={"CAMELIZE": True, "SEND_COMPLETION": False})
def test_known_and_chanx_keys_pass_the_check() -> None:
    assert check_settings(None) == []


@override_settings(CHANNELS_REPLAY=["not", "a", "dict"])
def test_a_channels_replay_that_is_not_a_dict_is_a_check_error() -> None:
    (error,) = check_settings(None)
    assert error.id == "channels_replay.E001"
    assert "not list" in error.msg


@override_settings(CHANNELS_REPLAY={"TYPO": 1})
def test_manage_py_check_shows_the_warning(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("check")
    assert "channels_replay.W001" in capsys.readouterr().err


def test_the_app_config_registers_the_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import channels_replay
    from channels_replay.apps import ChannelsReplayConfig
    from channels_replay.recorder import install

    monkeypatch.setattr(install, "install_settings_hook", lambda: None)
    monkeypatch.delitem(sys.modules, "channels_replay.checks")
    monkeypatch.delattr(channels_replay, "checks")
    ChannelsReplayConfig("channels_replay", channels_replay).ready()
    registered = sys.modules["channels_replay.checks"].check_settings
    assert registered is not check_settings  # imported anew by ready()
    assert registered in checks.registry.registry.get_checks()
    checks.registry.registry.registered_checks.discard(registered)  # leave one registered


class ChanxSettingsTests(WebsocketTestCase):
    ws_path = "/signals/"
    router = apps.application

    @override_settings(CHANNELS_REPLAY={}, CHANX={"MESSAGE_ACTION_KEY": "type"})
    async def test_chanx_action_key_reaches_the_consumer_and_the_communicator(self) -> None:
        await self.auth_communicator.connect()
        auth = await self.auth_communicator.receive_json_from()
        assert auth == {
            "type": "authentication",
            "payload": {"status_code": 200, "status_text": "OK", "data": None},
        }
        await self.auth_communicator.send_json_to({"type": "x"})
        assert await self.auth_communicator.receive_all_json() == [
            {"action": "echoed", "payload": {"type": "x"}}
        ]

    @override_settings(CHANX={"SEND_COMPLETION": False})
    async def test_chanx_send_completion_false_turns_the_mixins_signals_off(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()
        await self.auth_communicator.send_json_to({"action": "a"})
        assert await self.auth_communicator.receive_json_from() == {
            "action": "echoed",
            "payload": {"action": "a"},
        }
        assert await self.auth_communicator.receive_nothing(timeout=0.05)

    async def test_override_chanx_settings_applies(self) -> None:
        from chanx.utils.settings import override_chanx_settings

        @override_chanx_settings(SEND_AUTHENTICATION_MESSAGE=False)
        async def run() -> None:
            assert replay_settings.SEND_AUTHENTICATION_MESSAGE is False
            await self.auth_communicator.connect()
            assert await self.auth_communicator.wait_for_auth() is None
            assert await self.auth_communicator.receive_nothing(timeout=0.05)

        await run()
        assert replay_settings.SEND_AUTHENTICATION_MESSAGE is True


# -- B. chanx semantics --------------------------------------------------------------------


class AuthCommunicatorTests(WebsocketTestCase):
    ws_path = "/ws/chat/lobby/"

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        return ALICE

    def setUp(self) -> None:
        super().setUp()
        seed_demo_users()
        # as chanx's docs do: the main connection made in setUp, with other headers
        self.bob = self.create_communicator(headers=BOB)

    async def test_auth_communicator_is_the_first_communicator_created(self) -> None:
        assert self.auth_communicator is self.bob
        await self.auth_communicator.connect()
        auth = await self.auth_communicator.wait_for_auth()
        assert auth is not None
        assert auth.payload.data == {"username": "bob"}


class AuthCommunicatorOnFirstUseTests(WebsocketTestCase):
    ws_path = "/ws/echo/"

    async def test_auth_communicator_is_created_on_first_use(self) -> None:
        first = self.auth_communicator
        assert self.auth_communicator is first
        assert self.create_communicator() is not first
        assert self.auth_communicator is first


async def _sends_then_waits(scope: Any, receive: Any, send: Any, first: dict[str, Any]) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await send(first)
    while (await receive())["type"] != "websocket.disconnect":
        pass


async def _not_auth_first(scope: Any, receive: Any, send: Any) -> None:
    await _sends_then_waits(
        scope, receive, send, {"type": "websocket.send", "text": '{"action": "hello"}'}
    )


async def _closes_first(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": 4000})


async def _slow_auth(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await asyncio.sleep(0.5)
    await send(
        {
            "type": "websocket.send",
            "text": '{"action": "authentication", "payload": '
            '{"status_code": 200, "status_text": "OK"}}',
        }
    )
    while (await receive())["type"] != "websocket.disconnect":
        pass


class MissingAuthenticationTests(WebsocketTestCase):
    ws_path = "/ws/plain/"  # a plain channels consumer: it sends no authentication message

    async def test_wait_for_auth_without_a_frame_is_a_timeout_error_and_a_failure(self) -> None:
        await self.auth_communicator.connect()
        with pytest.raises(TimeoutError) as caught:
            await self.auth_communicator.wait_for_auth(max_auth_time=600)
        assert isinstance(caught.value, NeverSent)
        assert isinstance(caught.value, AssertionError)
        assert "without sending an authentication message" in str(caught.value)

    async def test_assert_authenticated_status_ok_without_a_frame(self) -> None:
        await self.auth_communicator.connect()
        caught: BaseException | None = None
        try:
            await self.auth_communicator.assert_authenticated_status_ok(max_auth_time=600)
        except TimeoutError as exc:  # as a chanx test catches it
            caught = exc
        assert isinstance(caught, AssertionError)
        assert "no successful authentication" in str(caught)

    async def test_a_frame_that_is_not_the_authentication_message(self) -> None:
        communicator = self.create_communicator(router=_not_auth_first)
        await communicator.connect()
        with pytest.raises(NotReceived, match="expected the authentication message first"):
            await communicator.wait_for_auth()
        with pytest.raises(AssertionError, match="no successful authentication"):
            await communicator.assert_authenticated_status_ok()
        assert await communicator.receive_json_from() == {"action": "hello"}  # kept

    async def test_a_close_instead_of_the_authentication_message(self) -> None:
        communicator = self.create_communicator(router=_closes_first)
        await communicator.connect()
        with pytest.raises(NotReceived, match="closed /ws/plain/ \\(code 4000\\)"):
            await communicator.wait_for_auth()

    async def test_a_slow_authentication_message_times_out_as_a_failure(self) -> None:
        communicator = self.create_communicator(router=_slow_auth)
        await communicator.connect()
        with pytest.raises(TimeoutError) as caught:
            await communicator.assert_authenticated_status_ok(max_auth_time=0.05)
        assert isinstance(caught.value, AssertionTimeout)
        assert isinstance(caught.value, AssertionError)
        await communicator.assert_authenticated_status_ok(max_auth_time=5)  # nothing lost


def test_application_not_found_is_raised_when_the_test_case_is_made() -> None:
    class NoRouter(WebsocketTestCase):
        ws_path = "/ws/echo/"

        def runTest(self) -> None:
            pass

    with override_settings(ASGI_APPLICATION=None):
        with pytest.raises(ApplicationNotFound) as caught:
            NoRouter()
        assert isinstance(caught.value, ValueError)
        assert str(caught.value).startswith(
            "Could not obtain a WebSocket application for NoRouter: settings.ASGI_APPLICATION "
            "is not set"
        )

        class WithRouter(NoRouter):
            router = apps.application

        assert WithRouter().router is apps.application


# -- C. typed receives -------------------------------------------------------------------


class PongMessage(BaseMessage):
    action: Literal["pong"] = "pong"


class ErrorMessage(BaseMessage):
    action: Literal["error"] = "error"
    payload: list[dict[str, Any]]


class ChatBroadcast(BaseMessage):
    class Payload(BaseModel):
        id: str
        user: str
        room: str
        text: str

    action: Literal["chat_message"] = "chat_message"
    payload: Payload


EchoOutgoing = TypeAdapter(
    Annotated[PongMessage | EchoMessage | ErrorMessage, Field(discriminator="action")]
)


class TypedEchoTests(WebsocketTestCase):
    ws_path = "/ws/echo/"

    async def connect(self) -> None:
        await self.auth_communicator.connect()
        await self.auth_communicator.assert_authenticated_status_ok()

    async def test_receive_message_returns_the_model(self) -> None:
        await self.connect()
        await self.auth_communicator.send_message(EchoMessage(payload={"n": 1}))
        echo = await self.auth_communicator.receive_message(EchoMessage)
        assert echo == EchoMessage(payload={"n": 1})
        assert await self.auth_communicator.receive_all_json() == []

    async def test_receive_all_messages_with_a_discriminated_union(self) -> None:
        await self.connect()
        await self.auth_communicator.send_message(PingMessage())
        assert await self.auth_communicator.receive_all_messages(EchoOutgoing) == [PongMessage()]
        await self.auth_communicator.send_message({"action": "echo", "payload": [1]})  # a dict
        (echo,) = await self.auth_communicator.receive_all_messages(EchoOutgoing, timeout=5)
        assert isinstance(echo, EchoMessage)
        assert echo.payload == [1]
        await self.auth_communicator.send_message(ChatMessage(payload=ChatPayload(text="x")))
        (error,) = await self.auth_communicator.receive_all_messages(EchoOutgoing)
        assert isinstance(error, ErrorMessage)

    async def test_an_invalid_frame_is_an_assertion_error_with_the_frame_and_pydantics(
        self,
    ) -> None:
        await self.connect()
        await self.auth_communicator.send_message(EchoMessage(payload="hi"))
        with pytest.raises(AssertionError) as caught:
            await self.auth_communicator.receive_all_messages(PongMessage)
        error = caught.value
        assert isinstance(error, MessageInvalid)
        assert isinstance(error, NotReceived)
        assert isinstance(error.validation_error, ValidationError)
        assert 'the frame on /ws/echo/ is not a valid PongMessage: {"action": "echo"' in str(error)
        assert "Input should be 'pong'" in str(error)
        assert error.received == [{"action": "echo", "payload": "hi"}]

    async def test_receive_message_keeps_an_invalid_frame(self) -> None:
        await self.connect()
        await self.auth_communicator.send_message(PingMessage())
        with pytest.raises(
            # pydantic before 2.6 keeps no type in a TypeAdapter: the error's title names it
            MessageInvalid,
            match=r"is not a valid (EchoMessage \| ErrorMessage"
            r"|tagged-union\[EchoMessage,ErrorMessage\])",
        ):
            await self.auth_communicator.receive_message(
                TypeAdapter(Annotated[EchoMessage | ErrorMessage, Field(discriminator="action")])
            )
        assert await self.auth_communicator.receive_message(PongMessage) == PongMessage()
        with pytest.raises(MessageInvalid, match='"action": "complete"'):
            await self.auth_communicator.receive_message(PongMessage)
        assert await self.auth_communicator.receive_json_from() == {
            "action": "complete",
            "payload": None,
        }

    async def test_receive_message_timeout(self) -> None:
        await self.connect()
        with pytest.raises(TimeoutError, match="waiting for a PongMessage"):
            await self.auth_communicator.receive_message(PongMessage, timeout=0.05)


class TypedChatTests(WebsocketTestCase):
    ws_path = "/ws/chat/lobby/"

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        return ALICE

    def setUp(self) -> None:
        super().setUp()
        seed_demo_users()

    async def test_a_broadcast_as_models(self) -> None:
        alice = self.auth_communicator  # first: as in chanx, it is the first one created
        bob = self.create_communicator(headers=BOB)
        await alice.connect()
        await alice.assert_authenticated_status_ok()
        await bob.connect()
        await bob.assert_authenticated_status_ok()
        await self.auth_communicator.send_message(ChatMessage(payload=ChatPayload(text="hi")))
        assert await self.auth_communicator.receive_all_messages(ChatBroadcast) == []
        (mine,) = await self.auth_communicator.receive_all_messages(ChatBroadcast, wait_group=True)
        (theirs,) = await bob.receive_all_messages(ChatBroadcast, wait_group=True)
        assert mine == theirs
        assert (theirs.payload.user, theirs.payload.text) == ("alice", "hi")
