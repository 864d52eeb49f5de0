"""`show --html` and `replay --html` as a user runs them; a bad output path is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.commands import channels_replay

REPO = Path(__file__).resolve().parents[2]


def test_show_html_draws_the_recording(tmp_path: Path) -> None:
    out = tmp_path / "chat.html"
    done = channels_replay("show", "cassettes/chat.cassette", "--html", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"HTML: {out}\n"
    page = out.read_text(encoding="utf-8")
    assert page.count('<div class="lane-head" data-conn=') == 2
    assert '<span class="identity">alice</span>' in page
    assert '<span class="identity">bob</span>' in page
    assert page.count("<details class=") == 6  # one per step


@pytest.mark.parametrize("command", ["show", "replay"])
def test_an_html_path_that_cannot_be_written_is_one_line_and_exit_2(command: str) -> None:
    done = channels_replay(command, "cassettes/chat.cassette", "--html", "/nonexistent/r.html")
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: --html /nonexistent/r.html: ")
