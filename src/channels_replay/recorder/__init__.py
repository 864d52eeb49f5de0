"""Recording: the ASGI recorder middleware, ways to install it, and the recording dev server.

- `RecorderMiddleware(app, target=...)`: records every WebSocket connection of `app`.
- `record_websocket(app, ...)`, `install_recorder(asgi_application, ...)`: put it in place,
  below the auth middleware so user identities are recorded.
- `CHANNELS_REPLAY["RECORD"]` with `"channels_replay"` in INSTALLED_APPS: no code change.
- `serve_recording(...)`: the uvicorn dev server behind `channels-replay record`.
- `RecordingProxy`, `run_proxy(...)`: the recording proxy behind `channels-replay proxy`.
- `redactor_from_settings()`: the Redactor the REDACT_* settings describe (replay uses it too).

See docs/recording.md.
"""

from channels_replay.recorder._options import redactor_from_settings
from channels_replay.recorder.install import (
    find_recorder,
    install_recorder,
    install_settings_hook,
    record_websocket,
    settings_session,
)
from channels_replay.recorder.middleware import RecorderMiddleware
from channels_replay.recorder.proxy import RecordingProxy, run_proxy
from channels_replay.recorder.server import serve_recording
from channels_replay.recorder.session import (
    ConnectionRecording,
    RecordingSession,
    RecordingSummary,
)

__all__ = [
    "ConnectionRecording",
    "RecorderMiddleware",
    "RecordingProxy",
    "RecordingSession",
    "RecordingSummary",
    "find_recorder",
    "install_recorder",
    "install_settings_hook",
    "record_websocket",
    "redactor_from_settings",
    "run_proxy",
    "serve_recording",
    "settings_session",
]
