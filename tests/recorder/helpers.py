"""Helpers of the recorder tests: commands, environments and bounded websocket clients."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from channels_replay.cassettes import Cassette, load_cassette
from channels_replay.errors import CassetteError

REPO = Path(__file__).resolve().parents[2]
ALICE_TOKEN = "alice-secret-token"
BOB_TOKEN = "bob-secret-token"
CLIENT_TIMEOUT = 10.0


def record_command() -> list[str]:
    """The installed `channels-replay` script, else the same entry point through python."""
    script = Path(sys.executable).with_name("channels-replay")
    if script.exists():
        return [str(script)]
    found = shutil.which("channels-replay")
    if found:
        return [found]
    return [sys.executable, "-c", "from channels_replay.cli import main; main()"]


def server_env(database: Path, **extra: str) -> dict[str, str]:
    """The environment of a server subprocess: the demo database, the repo importable."""
    env = {
        "EXAMPLE_DB": str(database),
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "src")]),
        "DJANGO_SETTINGS_MODULE": "example.settings",
    }
    env.update(extra)
    return env


async def receive_json(ws: ClientConnection) -> Any:
    """The next frame as JSON, within a bound."""
    async with asyncio.timeout(CLIENT_TIMEOUT):
        return json.loads(await ws.recv())


async def receive_until(ws: ClientConnection, action: str) -> list[Any]:
    """Frames up to and including the first with this action, within a bound."""
    frames = []
    while True:
        frame = await receive_json(ws)
        frames.append(frame)
        if isinstance(frame, dict) and frame.get("action") == action:
            return frames


def ws_connect(url: str, **kwargs: Any) -> Any:
    """A websockets client connection with bounded open and close timeouts."""
    return connect(url, open_timeout=CLIENT_TIMEOUT, close_timeout=CLIENT_TIMEOUT, **kwargs)


def chat(text: str) -> str:
    return json.dumps({"action": "message", "payload": {"text": text}})


def wait_for_cassette(
    directory_or_file: Path, done: Callable[[Cassette], bool], *, timeout: float = CLIENT_TIMEOUT
) -> None:
    """Poll a cassette being written until `done(cassette)` holds (bounded, no fixed sleep).

    The recorder writes events a few milliseconds after they happen, and some servers
    stop without waiting for the app (daphne): a test that looks at the file while the
    server runs, or stops it right after a client left, waits for what it expects first.
    """

    deadline = time.monotonic() + timeout
    while True:
        is_dir = directory_or_file.is_dir()
        files = sorted(directory_or_file.glob("*.cassette")) if is_dir else []
        path = files[0] if files else directory_or_file
        try:
            if path.is_file() and done(load_cassette(path)):
                return
        except CassetteError:
            pass  # the header is being written
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{directory_or_file} did not get there within {timeout:g}s")
        time.sleep(0.01)
