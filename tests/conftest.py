"""Shared test setup: the example project's settings (see pyproject), repo paths."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo_root() -> Path:
    return REPO


pytest_plugins = ["pytester"]
