"""Shared by the in-process replay benches: project setup, recording, the raw baseline loop.

A Django process has one settings module, so a bench calls `setup(project)` once,
before anything imports Django models: "example" (example.settings, EXAMPLE_DB) or
"foreign" (tests.foreign.project.settings with chanx, FOREIGN_DB, the regression
switch off). Each gets a fresh SQLite file in a temp directory, migrated and seeded.

A session is recorded in-process with the real RecorderMiddleware and a raw
`channels.testing.WebsocketCommunicator`; `plan_of(cassette)` reads back what the
client sent and how many server frames followed each action, and `raw_loop` sends
the same frames and reads that many frames each time (no diff, no checks): the
handwritten baseline a replay is compared with.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
for _entry in (str(REPO / "src"), str(REPO)):
    if _entry not in sys.path:
        sys.path.insert(0, _entry)

SETTINGS = {"example": "example.settings", "foreign": "tests.foreign.project.settings"}
DATABASE_ENV = {"example": "EXAMPLE_DB", "foreign": "FOREIGN_DB"}

Headers = list[tuple[bytes, bytes]]


def setup(project: str) -> None:
    """Configure Django for `project` on a fresh migrated, seeded SQLite file."""
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS[project]
    os.environ[DATABASE_ENV[project]] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    os.environ["FOREIGN_REGRESSION"] = ""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if project == "example":
        from example.management.commands.seed_demo import seed_demo_users

        seed_demo_users()
    else:
        call_command("make_foreign_users", stdout=io.StringIO())


@dataclass
class Plan:
    """One connection's client side: what to send, and how many frames answer each action."""

    path: str
    headers: Headers
    connect_frames: int
    exchanges: list[tuple[str, int]]


async def record(app: Any, target: Path, plan: Plan) -> Any:
    """Record `plan` (the replies counts are what to read) with the real recorder."""
    from channels.testing.websocket import WebsocketCommunicator

    from channels_replay.cassettes import load_cassette
    from channels_replay.recorder import RecorderMiddleware

    recorder = RecorderMiddleware(app, target=target, force=True)
    await raw_loop(recorder, plan, communicator_class=WebsocketCommunicator)
    recorder.close()
    return load_cassette(target)


def plan_of(cassette: Any, headers: Headers) -> Plan:
    """The client frames of a one-connection cassette and the server frames after each."""
    from channels_replay.cassettes import ClientFrame, ConnectEvent, ServerFrame

    path, connect_frames, exchanges = "", 0, []
    for event in cassette.events:
        if isinstance(event, ConnectEvent):
            path = event.path
        elif isinstance(event, ClientFrame):
            assert event.text is not None
            exchanges.append((event.text, 0))
        elif isinstance(event, ServerFrame):
            if exchanges:
                text, count = exchanges[-1]
                exchanges[-1] = (text, count + 1)
            else:
                connect_frames += 1
    return Plan(path, headers, connect_frames, exchanges)


async def raw_loop(app: Any, plan: Plan, *, communicator_class: Any = None) -> None:
    """The handwritten baseline: connect, read, then send each frame and read its replies."""
    if communicator_class is None:
        from channels.testing.websocket import WebsocketCommunicator as communicator_class
    communicator = communicator_class(app, plan.path, headers=plan.headers)
    connected, _ = await communicator.connect()
    assert connected, plan.path
    for _ in range(plan.connect_frames):
        await communicator.receive_from()
    for text, replies in plan.exchanges:
        await communicator.send_to(text_data=text)
        for _ in range(replies):
            await communicator.receive_from()
    await communicator.disconnect()


def median(values: list[float]) -> float:
    return statistics.median(values)
