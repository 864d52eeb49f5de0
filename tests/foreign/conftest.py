"""Fixtures of the foreign-code tests: one recording per scenario per test run.

Recordings are made lazily, the first time a test asks for a scenario, with the real
`channels-replay record` server (see recording.py), and kept for the session under
pytest's temporary directory.
"""

from __future__ import annotations

import pytest

from tests.foreign.recording import Recordings


@pytest.fixture(scope="session")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Recordings:
    return Recordings(tmp_path_factory.mktemp("foreign"))
