"""The compatibility suite: chanx_suite.py, WebsocketTestCase tests on real chanx 0.13.3
consumers (from PyPI, the dev extra), run in a pytest process of its own.

The suite needs the foreign project's Django settings (chanx, DRF), and a pytest
process has one settings module: the main run's is the example project's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def test_the_chanx_suite_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PYTHONPATH", f"{REPO}:{REPO / 'src'}")
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "tests.foreign.project.settings")
    monkeypatch.setenv("FOREIGN_DB", str(tmp_path / "foreign.sqlite3"))
    monkeypatch.chdir(REPO)
    result = pytester.runpytest_subprocess(
        str(HERE / "chanx_suite.py"), "-p", "no:cacheprovider", "-o", "addopts=", "-q"
    )
    result.assert_outcomes(passed=10)
