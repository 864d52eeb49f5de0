"""Testing API (chanx 0.x `chanx.testing` compatible): WebsocketCommunicator, WebsocketTestCase.

`ReplayTestCase` is loaded on first use: it builds on the replay engine, which
itself drives connections through this package's communicator.
"""

from typing import TYPE_CHECKING, Any

from channels_replay.testing.communicator import WebsocketCommunicator
from channels_replay.testing.discovery import (
    ApplicationNotFound,
    find_websocket_application,
    import_application,
)
from channels_replay.testing.testcase import WebsocketTestCase

if TYPE_CHECKING:
    from channels_replay.testing.replay_case import ReplayTestCase

__all__ = [
    "ApplicationNotFound",
    "ReplayTestCase",
    "WebsocketCommunicator",
    "WebsocketTestCase",
    "find_websocket_application",
    "import_application",
]


def __getattr__(name: str) -> Any:
    if name == "ReplayTestCase":
        from channels_replay.testing.replay_case import ReplayTestCase

        return ReplayTestCase
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
