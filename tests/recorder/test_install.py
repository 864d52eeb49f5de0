"""install_recorder: where the recorder goes in a real Channels middleware chain.

Each test builds its own ProtocolTypeRouter (install_recorder changes a router in
place; example.asgi.application is shared with other tests and stays untouched).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import User

from channels_replay.cassettes import ConnectEvent, load_cassette
from channels_replay.errors import RecorderError
from channels_replay.recorder import RecorderMiddleware, find_recorder, install_recorder
from channels_replay.testing import WebsocketCommunicator, find_websocket_application
from example.auth import TokenAuthMiddleware
from example.routing import websocket_urlpatterns
from tests.testing import apps


@pytest.fixture(autouse=True)
def debug_on(settings: Any) -> None:
    settings.DEBUG = True


def http_app() -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not called")

    return app


def test_goes_just_above_the_url_router_inside_token_auth(tmp_path: Path) -> None:
    router = URLRouter(websocket_urlpatterns)
    auth = TokenAuthMiddleware(router)
    application = ProtocolTypeRouter({"http": http_app(), "websocket": auth})

    assert install_recorder(application, target=tmp_path / "x.cassette") is application
    assert application.application_mapping["websocket"] is auth
    assert isinstance(auth.inner, RecorderMiddleware)
    assert auth.inner.app is router
    assert find_recorder(application) is auth.inner
    assert find_websocket_application(application) is auth  # discovery still works


def test_goes_to_the_bottom_of_auth_stack_and_origin_validator(tmp_path: Path) -> None:
    router = URLRouter(websocket_urlpatterns)
    stack = AllowedHostsOriginValidator(AuthMiddlewareStack(router))
    application = ProtocolTypeRouter({"websocket": stack})
    install_recorder(application, target=tmp_path / "x.cassette")

    chain = []
    app: Any = stack
    while not isinstance(app, RecorderMiddleware):
        chain.append(type(app).__name__)
        app = getattr(app, "inner", None) or app.application
    assert app.app is router
    assert chain == ["OriginValidator", "CookieMiddleware", "SessionMiddleware", "AuthMiddleware"]


def test_a_bare_websocket_entry_or_plain_app_is_wrapped(tmp_path: Path) -> None:
    router = URLRouter(websocket_urlpatterns)
    application = ProtocolTypeRouter({"websocket": router})
    install_recorder(application, target=tmp_path / "a.cassette")
    recorder = application.application_mapping["websocket"]
    assert isinstance(recorder, RecorderMiddleware)
    assert recorder.app is router

    plain = http_app()
    wrapped = install_recorder(plain, target=tmp_path / "b.cassette")
    assert isinstance(wrapped, RecorderMiddleware)
    assert wrapped.app is plain


def test_a_second_recorder_or_a_router_without_websocket_is_an_error(tmp_path: Path) -> None:
    application = ProtocolTypeRouter({"websocket": URLRouter(websocket_urlpatterns)})
    install_recorder(application, target=tmp_path / "a.cassette")
    with pytest.raises(RecorderError, match="already has a channels-replay recorder"):
        install_recorder(application, target=tmp_path / "b.cassette")
    with pytest.raises(RecorderError, match="no 'websocket' entry"):
        install_recorder(ProtocolTypeRouter({"http": http_app()}), target=tmp_path / "c.cassette")


async def test_the_installed_recorder_sees_the_user_set_by_middleware_above_it(
    tmp_path: Path,
) -> None:
    class SetUser:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
            return await self.inner({**scope, "user": User(username="carol")}, receive, send)

    application = ProtocolTypeRouter({"websocket": SetUser(apps.application)})
    install_recorder(application, target=tmp_path / "user.cassette")
    communicator = WebsocketCommunicator(application, "/signals/")
    await communicator.connect()
    await communicator.disconnect()
    recorder = find_recorder(application)
    assert recorder is not None
    recorder.close()
    connect = load_cassette(tmp_path / "user.cassette").events[0]
    assert isinstance(connect, ConnectEvent)
    assert connect.user == "carol"
