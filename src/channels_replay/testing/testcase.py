"""WebsocketTestCase: Django TransactionTestCase with tracked WebsocketCommunicators.

Follows `chanx.testing.WebsocketTestCase`. The difference that matters: cleanup.
Django runs an `async def` test in an event loop of its own that is closed, with
every task in it cancelled, as soon as the test returns. A consumer cancelled that
way never runs its disconnect handler, so its group memberships leak into the next
test. Here an async test is wrapped so that every communicator it created is
disconnected inside its own loop, before that loop closes; `tearDown` covers
communicators used from sync code.
"""

from __future__ import annotations

import functools
import inspect
import unittest
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from asgiref.sync import async_to_sync
from django.test import TransactionTestCase

from channels_replay.testing.communicator import WebsocketCommunicator
from channels_replay.testing.discovery import ApplicationNotFound, find_websocket_application

__all__ = ["WebsocketTestCase"]

_discovered: dict[str, Any] = {}


def _asgi_application_setting() -> str:
    from django.conf import settings

    return str(getattr(settings, "ASGI_APPLICATION", ""))


def _discovered_router() -> Any:
    """The project's websocket application, discovered once per ASGI_APPLICATION."""
    key = _asgi_application_setting()
    if key not in _discovered:
        _discovered[key] = find_websocket_application()
    return _discovered[key]


class WebsocketTestCase(TransactionTestCase):
    """Base test case for WebSocket consumers.

    Set `ws_path`; override `get_ws_headers()` / `get_subprotocols()` for
    authentication; use `self.auth_communicator` for the main connection and
    `create_communicator()` for more users. Every communicator is disconnected
    after the test (each consumer's disconnect handler runs).
    """

    ws_path: ClassVar[str] = ""
    router: Any = None
    communicator_class: ClassVar[type[WebsocketCommunicator]] = WebsocketCommunicator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """As in chanx, the websocket application is discovered here when `router` is unset:
        ApplicationNotFound (a ValueError, as chanx's error) when there is none."""
        super().__init__(*args, **kwargs)
        self._communicators: list[WebsocketCommunicator] = []
        self._router_found_for: str | None = None
        """The ASGI_APPLICATION the router was discovered for (None: set by the user)."""
        if not self.router:
            self._router_found_for = _asgi_application_setting()
            try:
                self.router = self._find_router()
            except ApplicationNotFound as exc:
                raise ApplicationNotFound(
                    f"Could not obtain a WebSocket application for {type(self).__name__}: {exc}"
                ) from exc

    def _find_router(self) -> Any:
        """The router used when `router` is unset (ReplayTestCase: its `create_router()`)."""
        return _discovered_router()

    def run(self, result: unittest.TestResult | None = None) -> unittest.TestResult | None:
        self._wrap_async_test_method()
        return super().run(result)

    def _wrap_async_test_method(self) -> None:
        """Make an async test disconnect its communicators before its event loop closes."""
        method = getattr(type(self), self._testMethodName, None)
        if method is None or not inspect.iscoroutinefunction(method):
            return
        bound: Callable[[], Awaitable[Any]] = method.__get__(self, type(self))

        @functools.wraps(method)
        async def test_then_disconnect() -> Any:
            try:
                return await bound()
            finally:
                await self._disconnect_communicators()

        setattr(self, self._testMethodName, async_to_sync(test_then_disconnect))

    async def _disconnect_communicators(self) -> None:
        communicators, self._communicators = self._communicators, []
        for communicator in communicators:
            await communicator.ensure_disconnected()

    def get_ws_headers(self) -> list[tuple[bytes, bytes]]:
        """Headers for new communicators; override to authenticate."""
        return []

    def get_subprotocols(self) -> list[str]:
        """Subprotocols for new communicators; override to negotiate one."""
        return []

    def setUp(self) -> None:
        super().setUp()
        if self._router_found_for not in (None, _asgi_application_setting()):
            # ASGI_APPLICATION was overridden for this test (override_settings on the class)
            self._router_found_for = _asgi_application_setting()
            self.router = self._find_router()
        self.ws_headers: list[tuple[bytes, bytes]] = self.get_ws_headers()
        self.subprotocols: list[str] = self.get_subprotocols()
        self._communicators = []

    def tearDown(self) -> None:
        # Communicators driven from sync code (async_to_sync per call) still run here.
        pending = [c for c in self._communicators if c._future is not None and not c.app_finished]
        if pending and not pending[0].future.get_loop().is_closed():
            async_to_sync(self._disconnect_communicators)()
        self._communicators = []
        super().tearDown()

    def create_communicator(
        self,
        *,
        router: Any | None = None,
        ws_path: str | None = None,
        headers: list[tuple[bytes, bytes]] | None = None,
        subprotocols: list[str] | None = None,
    ) -> WebsocketCommunicator:
        """A new communicator, tracked so that it is disconnected after the test.

        Arguments default to `self.router`, `self.ws_path`, `self.ws_headers` and
        `self.subprotocols`. AttributeError when no ws_path is set or given.
        """
        ws_path = self.ws_path if ws_path is None else ws_path
        if not ws_path:
            raise AttributeError(
                f"ws_path is not set in {type(self).__name__}: set `ws_path = '/ws/...'` on "
                "the class or pass create_communicator(ws_path=...)"
            )
        if router is None:
            router = self.router if self.router is not None else _discovered_router()
        communicator = self.communicator_class(
            router,
            ws_path,
            headers=self.ws_headers if headers is None else headers,
            subprotocols=self.subprotocols if subprotocols is None else subprotocols,
        )
        self._communicators.append(communicator)
        return communicator

    @property
    def auth_communicator(self) -> WebsocketCommunicator:
        """The main connection's communicator: the first one this test created (as in
        chanx, so one made with `create_communicator()` in setUp is it), or a new one
        (not connected) when the test has created none."""
        if not self._communicators:
            self.create_communicator()
        return self._communicators[0]
