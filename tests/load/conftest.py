"""A seeded example database with a pool of tokens, and servers of the example app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.recorder.helpers import REPO, server_env
from tests.servers import ServerProcess, running_server, uvicorn_argv

POOL_SIZE = 4
"""Tokens per demo user beyond the seeded one: `alice-token-N`, `bob-token-N`."""

SEED_POOL = f"""
from django.contrib.auth.models import User
from example.models import AccessToken
for name in ("alice", "bob"):
    user = User.objects.get(username=name)
    for number in range({POOL_SIZE}):
        AccessToken.objects.get_or_create(key=f"{{name}}-token-{{number}}", user=user)
"""


def seed_database(database: Path) -> None:
    """Migrate `database`, seed alice and bob, and give each POOL_SIZE more tokens."""
    env = {**os.environ, **server_env(database)}
    manage = [sys.executable, str(REPO / "example" / "manage.py")]
    for command in (["migrate", "-v0"], ["seed_demo"], ["shell", "-c", SEED_POOL]):
        subprocess.run([*manage, *command], env=env, cwd=REPO, check=True, capture_output=True)


@pytest.fixture(scope="session")
def load_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = tmp_path_factory.mktemp("load-db") / "db.sqlite3"
    seed_database(database)
    return database


@pytest.fixture(scope="session")
def pool_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A credentials pool: identity N holds alice's and bob's Nth extra token."""
    path = tmp_path_factory.mktemp("load-pool") / "pool.json"
    pool = [
        {
            "header": [f"alice:authorization=Token alice-token-{number}"],
            "query": [f"bob:token=bob-token-{number}"],
        }
        for number in range(POOL_SIZE)
    ]
    path.write_text(json.dumps(pool), encoding="utf-8")
    return path


def serve(database: Path, variant: str = "") -> Iterator[ServerProcess]:
    with running_server(
        uvicorn_argv("tests.load.apps:application"),
        env=server_env(database, LOAD_VARIANT=variant),
        cwd=REPO,
    ) as server:
        yield server


@pytest.fixture(scope="module")
def example_server(load_db: Path) -> Iterator[ServerProcess]:
    yield from serve(load_db)


@pytest.fixture(scope="module")
def broken_server(load_db: Path) -> Iterator[ServerProcess]:
    yield from serve(load_db, "broken")
