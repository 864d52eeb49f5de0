"""Testing API (chanx 0.x `chanx.testing` compatible): WebsocketCommunicator, WebsocketTestCase."""

from channels_replay.testing.communicator import WebsocketCommunicator
from channels_replay.testing.discovery import (
    ApplicationNotFound,
    find_websocket_application,
    import_application,
)
from channels_replay.testing.testcase import WebsocketTestCase

__all__ = [
    "ApplicationNotFound",
    "WebsocketCommunicator",
    "WebsocketTestCase",
    "find_websocket_application",
    "import_application",
]
