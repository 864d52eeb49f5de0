"""`pytest -n 2 cassettes/` with pytest-xdist: each worker its own database and channel layer.

Run for real: pytest in a subprocess on a temporary directory holding copies of the
committed cassettes and their conftest, with two xdist workers; with a Redis server
of the test's own, on channels_redis, whose keys each worker prefixes with its id.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from channels_replay.testing._xdist import isolate_channel_layers
from tests.recorder.helpers import REPO

pytest.importorskip("xdist", reason="needs pytest-xdist: pip install -e '.[dev]'")

CASSETTES = REPO / "cassettes"
COPIES = 2
RUN_BOUND = 300.0


def cassette_dir(tmp_path: Path, only: tuple[str, ...] = ()) -> Path:
    """COPIES copies of every committed cassette (or those named), and their conftest."""
    directory = tmp_path / "cassettes"
    directory.mkdir()
    shutil.copy(CASSETTES / "conftest.py", directory / "conftest.py")
    for cassette in sorted(CASSETTES.glob("*.cassette")):
        if only and cassette.stem not in only:
            continue
        for copy in range(COPIES):
            shutil.copy(cassette, directory / f"{cassette.stem}_{copy}.cassette")
    return directory


def run_pytest(directory: Path, settings: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    environment.update(env)
    environment["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "src")])
    environment["DJANGO_SETTINGS_MODULE"] = settings
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "-v", str(directory)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=directory.parent,
        timeout=RUN_BOUND,
        check=False,
    )


def passed_by_worker(output: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for worker in re.findall(r"\[(gw\d+)\][^\n]*PASSED", output):
        counts[worker] = counts.get(worker, 0) + 1
    return counts


def test_redis_layers_get_the_worker_in_their_prefix_and_others_are_left_alone() -> None:
    layers = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {}},
        "pubsub": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"prefix": "app"},
        },
        "memory": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
    }
    assert isolate_channel_layers(layers, "gw1") == ["default", "pubsub"]
    assert layers["default"]["CONFIG"] == {"prefix": "asgi-gw1"}
    assert layers["pubsub"]["CONFIG"] == {"prefix": "app-gw1"}
    assert "CONFIG" not in layers["memory"]
    assert isolate_channel_layers(layers, "gw1") == []  # once only


def test_cassettes_replay_on_two_xdist_workers(tmp_path: Path) -> None:
    done = run_pytest(cassette_dir(tmp_path), "example.settings")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    total = COPIES * len(list(CASSETTES.glob("*.cassette")))
    assert f"{total} passed" in output
    workers = passed_by_worker(output)
    assert set(workers) == {"gw0", "gw1"}, output[-4000:]
    assert sum(workers.values()) == total


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs Debian's redis-server")
def test_cassettes_replay_on_two_xdist_workers_over_one_redis(tmp_path: Path) -> None:
    from tests.load.test_load_redis import UNMET

    if UNMET:
        pytest.skip(f"the installed channels_redis needs {', '.join(UNMET)}")
    from tests.servers import HOST, running_server

    redis_server = shutil.which("redis-server")
    assert redis_server is not None
    argv = [redis_server, "--bind", HOST, "--save", "", "--appendonly", "no", "--port"]
    with running_server(lambda port: [*argv, str(port)]) as redis:
        url = f"redis://{HOST}:{redis.port}/0"
        # The sessions that use groups. A refused session's consumer sits in channels_redis's
        # blocking read until the replay stops it, and on a starved machine redis-py's
        # read timeout fires there first: an app error unrelated to the workers' layers.
        directory = cassette_dir(tmp_path, only=("chat", "echo"))
        done = run_pytest(directory, "tests.load.redis_settings", REDIS_URL=url)
        keys = subprocess.run(
            ["redis-cli", "-h", HOST, "-p", str(redis.port), "--scan"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    assert set(passed_by_worker(output)) == {"gw0", "gw1"}
    prefixes = {key.split(":")[0] for key in keys}
    assert prefixes <= {"asgi-gw0", "asgi-gw1"}, keys
