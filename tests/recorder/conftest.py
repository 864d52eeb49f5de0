"""Fixtures of the recorder tests: a migrated and seeded demo database, servers that use it.

Servers run as real subprocesses on 127.0.0.1 (see tests/servers.py) with the demo
database in a temporary file (EXAMPLE_DB), so the developer's example/db.sqlite3 is
never touched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from tests.recorder.helpers import REPO, record_command, server_env
from tests.servers import HOST, ServerProcess, running_server

ServerFactory = Callable[..., AbstractContextManager[ServerProcess]]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite demo database, migrated and seeded (alice and bob with their tokens)."""
    database = tmp_path_factory.mktemp("demo-db") / "db.sqlite3"
    env = {**os.environ, **server_env(database)}
    manage = [sys.executable, str(REPO / "example" / "manage.py")]
    for command in (["migrate", "-v0"], ["seed_demo"]):
        subprocess.run([*manage, *command], env=env, cwd=REPO, check=True, capture_output=True)
    return database


@pytest.fixture
def server_factory(demo_db: Path) -> ServerFactory:
    """`server_factory(argv_for_port, env=...)`: any server command, on the demo database."""

    def start(
        argv_for_port: Callable[[int], list[str]], env: dict[str, str] | None = None
    ) -> AbstractContextManager[ServerProcess]:
        return running_server(argv_for_port, env=server_env(demo_db, **(env or {})), cwd=REPO)

    return start


@pytest.fixture
def record_server(server_factory: ServerFactory) -> ServerFactory:
    """`record_server(*options, env=...)`: `channels-replay record` of the example app."""

    def start(
        *options: str, env: dict[str, str] | None = None
    ) -> AbstractContextManager[ServerProcess]:
        def argv(port: int) -> list[str]:
            return [
                *record_command(),
                "record",
                "--app",
                "example.asgi:application",
                "--host",
                HOST,
                "--port",
                str(port),
                *options,
            ]

        return server_factory(argv, env=env)

    return start
