"""Drivers: the connection seam between the replay loop and an app.

`InProcessDriver` runs the ASGI app in this event loop and can tell when it is
done; `LiveDriver` talks to a running server over real sockets. A new kind of
driver is one module implementing `Driver`.
"""

from channels_replay.drivers.base import (
    APP_DONE,
    QUIET,
    AppDone,
    Arrival,
    ConnectRequest,
    Driver,
    DriverEvent,
    Quiet,
    server_event,
)
from channels_replay.drivers.inprocess import (
    InProcessConnection,
    InProcessDriver,
    channel_layer_is_seen,
    keep_db_connections,
    websocket_scope,
)
from channels_replay.drivers.live import LiveDriver, check_target

__all__ = [
    "APP_DONE",
    "QUIET",
    "AppDone",
    "Arrival",
    "ConnectRequest",
    "Driver",
    "DriverEvent",
    "InProcessConnection",
    "InProcessDriver",
    "LiveDriver",
    "Quiet",
    "channel_layer_is_seen",
    "check_target",
    "keep_db_connections",
    "server_event",
    "websocket_scope",
]
