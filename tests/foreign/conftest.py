"""Fixtures of the foreign-code tests: one recording per scenario per test run.

Recordings are made lazily, the first time a test asks for a scenario, with the real
`channels-replay record` server (see recording.py), and kept for the session under
pytest's temporary directory.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import django
import pytest

from tests.foreign.recording import Recordings


@pytest.fixture(scope="session")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Recordings:
    return Recordings(tmp_path_factory.mktemp("foreign"))


SKIP_REASON = (
    "chanx 0.13.3 needs Django 5 and DRF (this run has Django {version}{missing}): the "
    "foreign-code tests run on the newest set and on chanx's locked set, see .ci/run"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the oldest supported set (Django 4.2) chanx cannot run: say so, per test."""
    has_chanx = importlib.util.find_spec("chanx") is not None
    if django.VERSION >= (5,) and has_chanx:
        return
    here = Path(__file__).resolve().parent
    reason = SKIP_REASON.format(
        version=django.get_version(), missing="" if has_chanx else ", no chanx"
    )
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.skip(reason=reason))
