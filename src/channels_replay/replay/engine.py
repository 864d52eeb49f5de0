"""Replaying a cassette against an app: in-process by default, or a live server.

A thin façade over `replay.run`: it picks the driver (in-process for an ASGI app,
live for a `ws://` target) and runs the replay machine through it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from channels_replay.cassettes import Cassette
from channels_replay.cassettes.identities import with_identities
from channels_replay.drivers import InProcessDriver, LiveDriver
from channels_replay.drivers.base import Driver
from channels_replay.errors import ConfigurationError
from channels_replay.replay.result import ReplayResult
from channels_replay.replay.run import ReplayOptions, run_replay

__all__ = ["ReplayOptions", "replay_cassette"]


async def replay_cassette(
    cassette: Cassette,
    app: Any = None,
    options: ReplayOptions | None = None,
    *,
    path: Path | None = None,
    target: str | None = None,
) -> ReplayResult:
    """Replay `cassette` against the websocket `app` in-process, or the server at `target`.

    A connection recorded without a user takes the one its authentication frame names,
    so that credentials given for that user reach it.
    """
    options = options or ReplayOptions()
    cassette = with_identities(cassette)
    driver: Driver
    if target is not None:
        driver = LiveDriver(target, open_timeout=options.timeout)
    elif app is not None:
        driver = InProcessDriver(app, stop_timeout=options.timeout)
    else:
        raise ConfigurationError("replay needs an ASGI app to run in-process, or a live target")
    return await run_replay(cassette, driver, options, path=path)
