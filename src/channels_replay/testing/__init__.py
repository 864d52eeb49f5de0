"""Testing API (chanx 0.x `chanx.testing` compatible): WebsocketCommunicator, WebsocketTestCase.

Also `ReplayTestCase`, which replays cassettes as tests. All of it is a thin layer
over the replay engine and the in-process driver.
"""

from channels_replay.testing.communicator import WebsocketCommunicator
from channels_replay.testing.discovery import (
    ApplicationNotFound,
    find_websocket_application,
    import_application,
)
from channels_replay.testing.replay_case import ReplayTestCase
from channels_replay.testing.testcase import WebsocketTestCase

__all__ = [
    "ApplicationNotFound",
    "ReplayTestCase",
    "WebsocketCommunicator",
    "WebsocketTestCase",
    "find_websocket_application",
    "import_application",
]
