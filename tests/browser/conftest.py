"""Browser tests: pages opened in Debian's headless Chromium, driven by Playwright for Python.

The system browser is used (`chromium` on PATH, or `$CHROMIUM`); Playwright never downloads
one. Without it, or without the `playwright` package, every test here skips saying so;
`.ci/run` installs Chromium so they run there.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

# the recorder tests' fixtures: a seeded demo database, `channels-replay record` on it
from tests.recorder.conftest import demo_db, record_server, server_factory

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """The system Chromium: `$CHROMIUM`, else `chromium` or `chromium-browser` on PATH."""
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


@dataclass
class Console:
    """What a page reported: console messages of type error, and uncaught exceptions."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> Any:
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        return page


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium, one per test module (each launch has a fresh profile)."""
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "no Chromium found (looked for $CHROMIUM, chromium, chromium-browser): install "
            "Debian's package (apt-get install chromium) to run the browser tests"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is missing: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def console() -> Console:
    return Console()


__all__ = [
    "CHROMIUM_ARGS",
    "Console",
    "chromium_path",
    "demo_db",
    "record_server",
    "server_factory",
]
