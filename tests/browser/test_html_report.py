"""The HTML report as a person sees it in Chromium: lifelines, a difference, search at scale."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from channels_replay.cassettes import Cassette
from channels_replay.cassettes.model import (
    AcceptEvent,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerFrame,
)
from channels_replay.reports.html import render_cassette_html
from example.demo import REPLAY_CREDENTIALS
from tests.browser.conftest import Console
from tests.commands import channels_replay

REPO = Path(__file__).resolve().parents[2]
FAILED_RED = "rgb(255, 235, 233)"
COMPLETE = '{"action": "complete", "payload": null}'
ACTIONS = (ConnectEvent, ClientFrame, ClientDisconnect)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The chat cassette replayed against a chat that renamed `text` to `body`, and shown."""
    folder = tmp_path_factory.mktemp("reports")
    failing, shown = folder / "failing.html", folder / "shown.html"
    done = channels_replay(
        "replay", "cassettes/chat.cassette", "--app", "tests.replay.regressions:RENAMED_KEY",
        "--settings", "example.settings", "--command", "seed_demo", *REPLAY_CREDENTIALS,
        "--html", str(failing),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"HTML report: {failing}" in done.stdout
    done = channels_replay("show", "cassettes/chat.cassette", "--html", str(shown))
    assert done.returncode == 0, done.stdout + done.stderr
    return {"failing": failing, "shown": shown}


def open_report(browser: Any, console: Console, path: Path) -> Any:
    page = console.watch(browser.new_page(viewport={"width": 1400, "height": 900}))
    page.goto(path.as_uri())
    return page


@pytest.mark.parametrize("which", ["failing", "shown"])
def test_one_lifeline_per_connection_headed_by_its_identity(
    browser: Any, console: Console, reports: dict[str, Path], which: str
) -> None:
    page = open_report(browser, console, reports[which])
    heads = page.locator(".diagram .lane-head[data-conn]")
    assert heads.count() == 2
    assert [" ".join(heads.nth(i).inner_text().split()) for i in range(2)] == [
        "c1 alice /ws/chat/lobby/",
        "c2 bob /ws/chat/lobby/",
    ]
    assert page.locator(".diagram .lane-head.server").is_visible()
    # each lifeline runs down the diagram, under its connection's head
    lines = page.locator(".diagram .lifeline")
    assert lines.count() == 3
    body = page.locator(".diagram .body").bounding_box()
    for i in range(2):
        head = heads.nth(i).bounding_box()
        line = lines.nth(i).bounding_box()
        assert abs((line["x"] + line["width"] / 2) - (head["x"] + head["width"] / 2)) < 2
        assert line["height"] == pytest.approx(body["height"], abs=2)
    # bob's connect is an arrow from his lifeline to the app's
    connect = page.locator(".ev.connect.action[data-conn=c2] .arrow")
    assert "connect /ws/chat/lobby/" in connect.inner_text()
    arrow, bob = connect.bounding_box(), heads.nth(1).bounding_box()
    assert abs(arrow["x"] - (bob["x"] + bob["width"] / 2)) < 3
    signals = page.locator(".ev.signal-group_complete")
    assert signals.count() == 4
    assert "group_complete" in signals.first.inner_text()
    assert page.locator(".ev.close.to-server").count() == 2  # both disconnects
    assert console.errors == []


def test_a_failing_replay_marks_the_difference_and_shows_both_sides(
    browser: Any, console: Console, reports: dict[str, Path]
) -> None:
    page = open_report(browser, console, reports["failing"])
    assert page.locator("#verdict").inner_text() == "FAIL: 1 of 1 cassette(s) differ"
    banner = page.locator("h2.banner.fail")
    assert banner.inner_text().startswith("FAIL chat.cassette: ")
    # the chat_message arrows that changed are marked in the diagram, in red
    marked = page.locator(".ev.diff")
    assert marked.count() == 4  # each of two messages on both connections
    assert marked.first.is_visible()
    assert "chat_message" in marked.first.inner_text()
    assert marked.first.evaluate("e => getComputedStyle(e).backgroundColor") == FAILED_RED
    # the mark leads to the difference: JSON path, expected and actual side by side
    badges = marked.first.locator("a.mark")
    assert badges.all_inner_texts() == ["≠ payload.text", "≠ payload.body"]
    mark = badges.first
    mark.click()
    anchor = mark.get_attribute("href")
    assert anchor is not None
    assert page.evaluate("location.hash") == anchor
    entry = page.locator(f"tr{anchor}")
    assert entry.is_visible()
    cells = [entry.locator("td").nth(i).inner_text() for i in range(4)]
    assert cells[0] in ("missing", "extra")
    assert cells[1] in ("payload.text", "payload.body")
    panel = entry.locator("xpath=ancestor::div[contains(@class, 'panel')]")
    paths = panel.locator("tr.difference td:nth-child(2)").all_inner_texts()
    assert sorted(paths) == ["payload.body", "payload.text"]
    expected = panel.locator(".side.expected li.marked pre").inner_text()
    actual = panel.locator(".side.actual li.marked pre").inner_text()
    assert '"text": "hi bob!"' in expected
    assert '"body"' not in expected
    assert '"body": "hi bob!"' in actual
    assert '"text"' not in actual
    # the noise rules stored in the cassette, and the ids and timestamps each hid
    rules = page.locator(".rules li.rule")
    assert rules.count() == 2
    assert "payload.id=uuid" in rules.nth(0).inner_text()
    assert "hid 4 value(s)" in rules.nth(0).inner_text()
    assert "payload.ts=datetime" in rules.nth(1).inner_text()
    assert console.errors == []


def visible(page: Any, selector: str) -> int:
    """How many elements matching `selector` are rendered (counted in the page: fast)."""
    count: int = page.evaluate(
        "s => Array.from(document.querySelectorAll(s)).filter(e => e.checkVisibility()).length",
        selector,
    )
    return count


def _big_cassette(events_wanted: int, needle_at: int) -> tuple[Cassette, int]:
    """Two connections pinging an echo app: `events_wanted` events, one frame with a needle."""
    events: list[Event] = []

    def add(kind: type[Any], conn: str, **fields: Any) -> None:
        events.append(kind(seq=len(events), conn=conn, t=len(events) / 1000, **fields))

    for conn, user in (("c1", "alice"), ("c2", "bob")):
        add(ConnectEvent, conn, path="/ws/echo/", user=user)
        add(AcceptEvent, conn)
    steps = 2
    while len(events) < events_wanted - 2:
        conn = "c1" if steps % 2 else "c2"
        text = "needle-4321" if steps == needle_at else f"hello {steps}"
        add(ClientFrame, conn, text=json.dumps({"action": "echo", "payload": text}))
        for reply in (json.dumps({"action": "echo", "payload": text}), COMPLETE):
            if len(events) < events_wanted - 2:
                add(ServerFrame, conn, text=reply)
        steps += 1
    for conn in ("c1", "c2"):
        add(ClientDisconnect, conn)
        steps += 1
    return Cassette(events=events), steps


def test_ten_thousand_events_start_collapsed_and_search_filters_them(
    browser: Any, console: Console, tmp_path: Path
) -> None:
    cassette, steps = _big_cassette(10_000, needle_at=2345)
    assert len(cassette.events) == 10_000
    path = tmp_path / "big.html"
    path.write_text(render_cassette_html(cassette, "big.cassette"), encoding="utf-8")
    page = open_report(browser, console, path)
    assert page.locator("details.step").count() == steps
    assert page.locator("details.step[open]").count() == 0
    assert visible(page, ".ev") == steps  # one summary line per step

    page.fill("#search", "needle-4321")
    status = page.locator("#search-status")
    status.filter(has_text="match").wait_for()
    assert status.inner_text() == "2 event(s) in 1 step(s) match"
    assert visible(page, "details.step") == 1
    shown = page.locator("details.step[open]")
    assert shown.count() == 1
    rows = shown.locator(".ev:not([hidden])")
    needle = next(e for e in cassette.events if "needle" in str(getattr(e, "text", "")))
    step = sum(isinstance(e, ACTIONS) for e in cassette.events[: needle.seq + 1])
    assert [" ".join(r.split()) for r in rows.all_inner_texts()] == [
        f'step {step} {needle.t:.3f} echo "needle-4321"',
        f'{needle.t + 0.001:.3f} echo "needle-4321"',
    ]

    page.fill("#search", "")
    status.filter(has_text="match").wait_for(state="detached")
    assert visible(page, "details.step") == steps
    assert page.locator("details.step[open]").count() == 0
    page.click("#expand")
    assert page.locator("details.step[open]").count() == steps
    assert console.errors == []
