"""Shared test setup: the example project's settings (see pyproject), repo paths."""

import importlib.util
from pathlib import Path

import django
import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo_root() -> Path:
    return REPO


pytest_plugins = ["pytester"]


CHANX_DIRECTORIES = (REPO / "tests" / "foreign", REPO / "tests" / "compat")
CHANX_SKIP_REASON = (
    "chanx 0.13.3 needs Django 5 and DRF (this run has Django {version}{missing}): these "
    "tests run on the newest set and on chanx's locked set, see .ci/run"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the oldest supported set (Django 4.2) chanx cannot run: say so, per test."""
    has_chanx = importlib.util.find_spec("chanx") is not None
    if django.VERSION >= (5,) and has_chanx:
        return
    reason = CHANX_SKIP_REASON.format(
        version=django.get_version(), missing="" if has_chanx else ", no chanx"
    )
    for item in items:
        parents = Path(str(item.path)).resolve().parents
        if any(directory in parents for directory in CHANX_DIRECTORIES):
            item.add_marker(pytest.mark.skip(reason=reason))
