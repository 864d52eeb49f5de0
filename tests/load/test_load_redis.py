"""Load on a multi-process server: uvicorn with 2 workers sharing a channels_redis layer.

The test starts its own Redis (Debian's `redis-server`, on a free loopback port, no
persistence) and stops it afterwards. 200 users replay the chat cassette, each in a
room of its own: the two connections of a session land on either worker, so a
message's group broadcast crosses workers through Redis whenever they differ. The
unchanged app answers every diffed session as recorded; the same two workers on the
in-memory layer (which no process shares) cannot deliver across workers, and the diff
says so; a variant that delays chat deliveries by 50 ms shows in the message steps'
times (printed beside the unchanged app's, at 20 users).
"""

from __future__ import annotations

import csv
import importlib.util
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.load.test_load_cli import CASSETTES, CHAT_OPTIONS, run_cli, target
from tests.recorder.helpers import REPO, server_env
from tests.servers import HOST, ServerProcess, running_server, uvicorn_argv


def unmet_requirements(distribution: str) -> list[str]:
    """The requirements of `distribution` that the installed versions do not meet."""
    from importlib import metadata

    from packaging.requirements import Requirement

    try:
        requirements = metadata.requires(distribution) or []
    except metadata.PackageNotFoundError:
        return [f"{distribution} (not installed)"]
    unmet = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            unmet.append(f"{requirement} (not installed)")
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            unmet.append(f"{requirement} (this run has {version})")
    return unmet


UNMET = unmet_requirements("channels_redis")

pytestmark = [
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="needs Debian's redis-server (apt-get install redis-server; CI installs it)",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("locust") is None,
        reason="needs Locust: pip install -e '.[dev]'",
    ),
    pytest.mark.skipif(
        bool(UNMET),
        reason=f"the installed channels_redis needs {', '.join(UNMET)} (the newest set runs it)",
    ),
]

USERS = 200
CREDENTIALS = [
    "--header",
    "alice:authorization=Token alice-secret-token",
    "--query",
    "bob:token=bob-secret-token",
]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A Redis server of this test's own, on a free port of 127.0.0.1."""
    redis_server = shutil.which("redis-server")
    assert redis_server is not None

    def argv(port: int) -> list[str]:
        return [
            redis_server,
            "--port",
            str(port),
            "--bind",
            HOST,
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
        ]

    with running_server(argv) as server:
        yield f"redis://{HOST}:{server.port}/0"


def two_workers(database: Path, settings: str, **extra: str) -> Iterator[ServerProcess]:
    def argv(port: int) -> list[str]:
        return [*uvicorn_argv("tests.load.apps:application")(port), "--workers", "2"]

    env = server_env(database, DJANGO_SETTINGS_MODULE=settings, LOAD_LOG_PIDS="1", **extra)
    with running_server(argv, env=env, cwd=REPO) as server:
        yield server


@pytest.fixture(scope="module")
def redis_server(load_db: Path, redis_url: str) -> Iterator[ServerProcess]:
    yield from two_workers(load_db, "tests.load.redis_settings", REDIS_URL=redis_url)


def load(
    server: ServerProcess, prefix: Path, *extra: str, seconds: int = 8
) -> tuple[int, str, dict[str, dict[str, str]]]:
    done = run_cli(
        "load",
        str(CASSETTES / "chat.cassette"),
        "--target",
        target(server),
        "--users",
        str(USERS),
        "--spawn-rate",
        "100",
        "--run-time",
        f"{seconds}s",
        *CREDENTIALS,
        *CHAT_OPTIONS,
        "--timeout",
        "10",
        "--wait",
        "1",
        "--csv",
        str(prefix),
        *extra,
    )
    with Path(f"{prefix}_stats.csv").open(newline="") as stats:
        rows = {f"{row['Type']} {row['Name']}".strip(): row for row in csv.DictReader(stats)}
    return done.returncode, done.stdout + done.stderr, rows


def percentiles(rows: dict[str, dict[str, str]], name: str) -> str:
    row = rows[name]
    return f"{name}: " + ", ".join(f"p{p} {row[f'{p}%']} ms" for p in (50, 95, 99))


def workers_that_served(server: ServerProcess) -> set[str]:
    return set(re.findall(r"websocket on worker (\d+)", server.stdout))


def test_200_users_on_two_workers_over_redis_answer_as_recorded(
    redis_server: ServerProcess, tmp_path: Path
) -> None:
    code, output, rows = load(redis_server, tmp_path / "redis", seconds=15)

    assert code == 0, output[-4000:]
    assert "diffed chat" in rows, output[-4000:]
    diffed = rows["diffed chat"]
    assert int(diffed["Request Count"]) > 0
    assert diffed["Failure Count"] == "0"
    assert rows["Aggregated"]["Failure Count"] == "0"
    assert len(workers_that_served(redis_server)) == 2
    print(f"{diffed['Request Count']} sessions over redis, none differs")
    for name in ("WS chat 3: c1 message", "WS chat 4: c2 message", "diffed chat"):
        print(percentiles(rows, name))


def test_two_workers_without_a_shared_layer_lose_broadcasts_and_the_diff_says_so(
    load_db: Path, tmp_path: Path
) -> None:
    for server in two_workers(load_db, "example.settings"):
        code, output, rows = load(server, tmp_path / "memory", "--timeout", "1")
        assert len(workers_that_served(server)) == 2
    assert code == 1, output[-4000:]
    assert "diffed chat" in rows, output[-4000:]
    diffed = rows["diffed chat"]
    assert int(diffed["Failure Count"]) > 0
    assert "missing" in Path(f"{tmp_path / 'memory'}_failures.csv").read_text()
    print(f"in-memory layer: {diffed['Failure Count']} of {diffed['Request Count']} differ")


def test_a_slowed_delivery_shows_in_the_message_times(
    load_db: Path, redis_url: str, redis_server: ServerProcess, tmp_path: Path
) -> None:
    # 20 users: at 200 the two cores are saturated and queueing hides a 50 ms delay.
    figures = {}
    for name, variant in (("unchanged", ""), ("slowed", "slow")):
        for server in two_workers(
            load_db, "tests.load.redis_settings", REDIS_URL=redis_url, LOAD_VARIANT=variant
        ):
            code, output, rows = load(server, tmp_path / name, "--users", "20", seconds=4)
        assert code == 0, output[-4000:]
        assert "WS chat 3: c1 message" in rows, output[-4000:]
        figures[name] = rows["WS chat 3: c1 message"]
        print(f"{name}: {percentiles(rows, 'WS chat 3: c1 message')}")
    assert float(figures["slowed"]["50%"]) >= 50  # each chat delivery waits 50 ms first
