"""pytest plugin: cassette files under the given paths are collected and replayed as tests.

`pytest cassettes/` replays every `*.cassette` (and channels-replay `*.jsonl`)
there against the project's websocket application, with a fresh transactional
database per cassette (pytest-django). A failure shows the replay report.

Under pytest-xdist (`pytest -n auto cassettes/`) each worker has its own test
database (pytest-django) and its own channels_redis key prefix (`testing._xdist`).

Fixtures to override in a conftest.py:

- `replay_config`: keyword arguments of `channels_replay.replay.ReplayConfig`
  (noise rules, credentials for redacted headers, path maps...); request `db`
  fixtures from it to create what the app needs (users, tokens).
- `replay_app`: the ASGI websocket application (default: discovered from
  `settings.ASGI_APPLICATION`, as WebsocketTestCase does).

Record modes, as VCR.py users know them (`--record-mode`):

- `none` (default) and `once`: the cassettes exist, so both only replay;
  a difference fails the test.
- `new_episodes`: frames the app sends now that were not recorded are accepted
  and written into the cassette; changed or missing frames still fail.
- `all`: every cassette is rewritten from the current app; nothing fails on a
  difference. `--update-cassettes` is the same, for the snapshot-update workflow
  after a reviewed change.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["RECORD_MODES", "CassetteFile"]

RECORD_MODES = ("none", "once", "new_episodes", "all")
_SNIFF_BYTES = 256


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("channels-replay", "replaying WebSocket cassettes")
    group.addoption(
        "--record-mode",
        choices=RECORD_MODES,
        default="none",
        help="none/once: replay only; new_episodes: accept and store new frames; "
        "all: rewrite every cassette from the current app.",
    )
    group.addoption(
        "--update-cassettes",
        action="store_true",
        help="Rewrite cassettes from the current app (after a reviewed change).",
    )


def pytest_configure(config: pytest.Config) -> None:
    from channels_replay.testing import _modes

    mode = "all" if config.getoption("update_cassettes") else config.getoption("record_mode")
    _modes.set_record_mode(mode)


def _is_cassette(path: Path) -> bool:
    if path.suffix == ".cassette":
        return True
    if path.suffix != ".jsonl":
        return False
    with path.open("rb") as handle:
        return b"channels-replay-cassette" in handle.read(_SNIFF_BYTES)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if _is_cassette(file_path):
        collector: pytest.Collector = CassetteFile.from_parent(parent, path=file_path)
        return collector
    return None


@pytest.fixture(scope="session", autouse=True)
def _channels_replay_worker_layers() -> None:
    """Under pytest-xdist, a channel layer per worker (see `testing._xdist`)."""
    from channels_replay.testing._xdist import isolate_channel_layers, xdist_worker

    worker = xdist_worker()
    if worker is None or not _django_configured():
        return
    from django.conf import settings

    layers = getattr(settings, "CHANNEL_LAYERS", None)
    if isinstance(layers, dict) and isolate_channel_layers(layers, worker):
        from channels.layers import channel_layers

        channel_layers.backends = {}


@pytest.fixture
def replay_config() -> dict[str, Any]:
    """Keyword arguments of ReplayConfig for every collected cassette; override to add."""
    return {}


NO_SETTINGS = (
    "cannot replay {name}: no Django settings to find the websocket application in. "
    "Set DJANGO_SETTINGS_MODULE (or pass pytest-django's --ds option, or set "
    "DJANGO_SETTINGS_MODULE in the [pytest] ini section), or define a `replay_app` fixture "
    "in a conftest.py that returns the ASGI websocket application"
)


def _django_configured() -> bool:
    """Whether pytest-django has Django settings to work with (as pytest-django decides)."""
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return True
    django_conf = sys.modules.get("django.conf")
    return bool(django_conf is not None and django_conf.settings.configured)


@pytest.fixture
def replay_app(request: pytest.FixtureRequest) -> Any:
    """The websocket application the cassettes are replayed against."""
    if not _django_configured():
        pytest.fail(NO_SETTINGS.format(name=request.node.name), pytrace=False)
    from channels_replay.testing.testcase import _discovered_router

    return _discovered_router()


def _replay(path: Path, replay_config: dict[str, Any], replay_app: Any) -> None:
    from channels_replay.testing._modes import ReplayFailed, run_replay_test

    try:
        run_replay_test(path, replay_app, replay_config)
    except ReplayFailed as failed:
        pytest.fail(str(failed), pytrace=False)


def _replay_cassette_test(path: Path) -> Any:
    if not _django_configured():
        # pytest-django would skip a test asking for a database; without settings the
        # cassette replays against a `replay_app` fixture, or fails saying what to set.
        def replay_cassette_without_django(replay_config: dict[str, Any], replay_app: Any) -> None:
            _replay(path, replay_config, replay_app)

        return replay_cassette_without_django

    def replay_cassette(
        transactional_db: None, replay_config: dict[str, Any], replay_app: Any
    ) -> None:
        _replay(path, replay_config, replay_app)

    return replay_cassette


class CassetteFile(pytest.File):
    """A cassette file: one test item, named after the file."""

    def collect(self) -> Iterator[pytest.Item]:
        yield pytest.Function.from_parent(
            self, name=self.path.name, callobj=_replay_cassette_test(self.path)
        )
