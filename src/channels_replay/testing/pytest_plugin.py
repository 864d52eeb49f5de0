"""pytest plugin: cassette files under the given paths are collected and replayed as tests.

`pytest cassettes/` replays every `*.cassette` (and channels-replay `*.jsonl`)
there against the project's websocket application, with a fresh transactional
database per cassette (pytest-django). A failure shows the replay report.

Under pytest-xdist (`pytest -n auto cassettes/`) each worker has its own test
database (pytest-django) and its own channels_redis key prefix (`testing._xdist`).

Fixtures to override in a conftest.py:

- `replay_config`: keyword arguments of `channels_replay.replay.ReplayConfig`
  (noise rules, `credentials`: the credentials mapping or a TOML file's path as
  `--credentials` takes it, path maps...); request `db` fixtures from it to create
  what the app needs (users), or let the cassettes' snapshots bring them.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

__all__ = ["RECORD_MODES", "CassetteFile"]

RECORD_MODES = ("none", "once", "new_episodes", "all")
_HTML_RESULTS = pytest.StashKey[list[Any]]()
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
    group.addoption(
        "--replay-html",
        metavar="FILE",
        default=None,
        help="Write an HTML report of the replayed cassettes here (sequence diagrams).",
    )


def pytest_configure(config: pytest.Config) -> None:
    from channels_replay.testing import _modes

    mode = "all" if config.getoption("update_cassettes") else config.getoption("record_mode")
    _modes.set_record_mode(mode)
    if config.getoption("replay_html"):
        config.stash[_HTML_RESULTS] = []
        _modes.keep_results(config.stash[_HTML_RESULTS])


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the HTML report of every cassette replayed, when `--replay-html` asked for one."""
    config = session.config
    results = config.stash.get(_HTML_RESULTS, None)
    if results is None:
        return
    from channels_replay.reports.html import render_html
    from channels_replay.testing import _modes

    _modes.keep_results(None)
    Path(config.getoption("replay_html")).write_text(render_html(results), encoding="utf-8")


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
        pytest.fail(NO_SETTINGS.format(name=request.node.path.name), pytrace=False)
    from channels_replay.testing.testcase import _discovered_router

    return _discovered_router()


class _CassetteFailed(Exception):
    """A cassette's replay failed; the message is the whole report, shown once by
    `CassetteItem.repr_failure` (the short summary then names the test alone)."""


def _replay(path: Path, replay_config: dict[str, Any], replay_app: Any) -> None:
    """Replay one cassette; a difference or a library error fails with its text alone.

    The failure is raised outside the `except` block, so that the report is not printed
    a second time as the context of the failure, and without the library's frames.
    """
    __tracebackhide__ = True
    from channels_replay.errors import ChannelsReplayError
    from channels_replay.testing._modes import ReplayFailed, run_replay_test

    try:
        run_replay_test(path, replay_app, replay_config)
    except ReplayFailed as failed:
        message = str(failed)
    except ChannelsReplayError as error:
        message = f"error: {error}"
    else:
        return
    raise _CassetteFailed(message)


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
    """A cassette file: one test item, named after the cassette (`notify.cassette::notify`)."""

    def collect(self) -> Iterator[pytest.Item]:
        yield CassetteItem.from_parent(
            self, name=_cassette_name(self.path), callobj=_replay_cassette_test(self.path)
        )


class CassetteItem(pytest.Function):
    """The replay of one cassette; its failure's headline is its name, not a module path."""

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.name

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException], **kwargs: Any
    ) -> Any:
        """The replay report as it is, anything else as pytest shows it."""
        if isinstance(excinfo.value, _CassetteFailed):
            return _ReplayReport(str(excinfo.value))
        return super().repr_failure(excinfo, **kwargs)


@dataclass
class _Crash:
    message: str
    path: str = ""
    lineno: int = 0


class _ReplayReport:
    """A failed replay as pytest prints it: the whole report in the failure's section, its
    first line alone in the short summary (on CI, pytest would repeat a plain message
    there in full)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.reprcrash = _Crash(text.splitlines()[0] if text else "")

    def toterminal(self, tw: Any) -> None:
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self) -> str:
        return self.text


def _cassette_name(path: Path) -> str:
    """`notify` for `notify.cassette` and `notify.jsonl`."""
    return path.name.removesuffix(path.suffix) or path.name


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """One line of what happened to the cassettes: how many replayed, failed, were updated.

    Each updated cassette is listed with what changed in it, each failed one by node id;
    then where the HTML report is, with --replay-html.
    """
    _summarize_cassettes(terminalreporter, config)
    results = config.stash.get(_HTML_RESULTS, None)
    if results is not None:
        terminalreporter.write_line(
            f"channels-replay: HTML report of {len(results)} cassette(s): "
            f"{config.getoption('replay_html')}"
        )


def _summarize_cassettes(terminalreporter: Any, config: pytest.Config) -> None:
    reports = [
        report
        for outcome in ("passed", "failed", "error")
        for report in terminalreporter.stats.get(outcome, [])
        if report.when == "call" and _is_cassette_id(report.nodeid)
    ]
    modes = sys.modules.get("channels_replay.testing._modes")
    updated = modes.updated_cassettes() if modes is not None else []
    if not reports and not updated:
        return
    failed = [report.nodeid for report in reports if report.failed]
    counts = [f"{len(reports)} replayed", f"{len(failed)} failed", f"{len(updated)} updated"]
    terminalreporter.write_sep("-", "channels-replay cassettes")
    terminalreporter.write_line(", ".join(counts))
    for path, changes in updated:
        terminalreporter.write_line(f"updated {_relative(path, config)}: {changes}")
    for nodeid in failed:
        terminalreporter.write_line(f"failed {nodeid}", red=True)


def _is_cassette_id(nodeid: str) -> bool:
    file_part = nodeid.split("::", 1)[0]
    return file_part.endswith((".cassette", ".jsonl"))


def _relative(path: Path, config: pytest.Config) -> str:
    try:
        return str(path.relative_to(config.rootpath))
    except ValueError:
        return str(path)
