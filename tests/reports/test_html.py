"""The HTML report's page, as data: escaped, self-contained, differences and noise in place.

Results are built from plain cassette events and the real diff (no app runs here); the
browser tests (tests/browser/) check what the page looks like in Chromium.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from channels_replay.cassettes import Cassette
from channels_replay.cassettes.model import (
    AcceptEvent,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerClose,
    ServerFrame,
)
from channels_replay.replay.diff import diff_frames
from channels_replay.replay.noise import NoiseRule, NoiseRules
from channels_replay.replay.result import ConnectionOutcome, ReplayResult, StepResult
from channels_replay.replay.steps import ServerEvent, build_steps
from channels_replay.reports.html import OPEN_LIMIT, render_cassette_html, render_html

EVIL = "<script>alert('x')</script>"
FETCHES = r"""(src|href)=["']?(https?:)?//|<link rel="stylesheet"|@import|url\("""
"""What would make the page load something: a script, a stylesheet, an image, a font."""


def frame(seq: int, text: object, conn: str = "c1") -> ServerFrame:
    return ServerFrame(seq=seq, conn=conn, t=seq / 100, text=json.dumps(text))


def recording() -> list[Event]:
    return [
        ConnectEvent(seq=0, conn="c1", t=0, path="/ws/tick/", user=f"eve{EVIL}"),
        AcceptEvent(seq=1, conn="c1", t=0.01),
        ClientFrame(seq=2, conn="c1", t=0.02, text=json.dumps({"action": "tick", "say": EVIL})),
        frame(3, {"action": "tock", "payload": {"id": "a1", "n": 1, "say": EVIL}}),
        frame(4, {"action": "complete", "payload": None}),
        ServerClose(seq=5, conn="c1", t=0.06, code=1000),
    ]


def replayed(events: list[Event], actual_by_step: dict[int, list[ServerEvent]]) -> ReplayResult:
    """A result as the replay machine makes it: per step, the diff of recorded and actual."""
    rules = [NoiseRule("payload.id")]
    steps = []
    for step in build_steps(events):
        expected = step.expected.get("c1", ())
        actual = actual_by_step.get(step.index, list(expected))
        differences = diff_frames(expected, actual, rules=NoiseRules(rules))
        steps.append(StepResult(step, [ConnectionOutcome("c1", expected, actual, differences)]))
    return ReplayResult(cassette=Path("tick.cassette"), steps=steps, rules=rules)


def test_everything_from_the_cassette_is_escaped_and_nothing_is_fetched() -> None:
    for page in (
        render_cassette_html(Cassette(events=recording()), f"n{EVIL}.cassette"),
        render_html([replayed(recording(), {})]),
    ):
        assert page.count("<script>") == 1  # the report's own
        assert "<script>alert" not in page
        assert "eve<script>" not in page
        assert "&lt;script&gt;alert(" in page
        assert not re.search(FETCHES, page)


def test_a_green_replay_lists_what_each_noise_rule_hid() -> None:
    events = recording()
    actual = [frame(3, {"action": "tock", "payload": {"id": "b2", "n": 1, "say": EVIL}}),
              frame(4, {"action": "complete", "payload": None}), events[5]]  # fmt: skip
    result = replayed(events, {1: actual})
    assert result.ok
    page = render_html([result])
    assert "PASS: 1 cassette(s) replayed green" in page
    assert "hid 1 value(s)" in page
    hidden = page.split('class="hidden-values"')[1].split("</table>")[0]
    assert "<td>step 2</td><td>c1</td><td><code>payload.id</code></td>" in hidden
    assert "&quot;a1&quot;" in hidden
    assert "&quot;b2&quot;" in hidden
    assert 'class="ev' in page
    assert "diff" not in re.findall(r'class="(ev [^"]*)"', page)[3]


def test_a_difference_is_marked_on_its_arrow_and_listed_with_its_path() -> None:
    events = recording()
    actual = [frame(3, {"action": "tock", "payload": {"id": "b2", "n": 2, "say": EVIL}}), events[5]]
    page = render_html([replayed(events, {1: actual})])
    assert "FAIL: 1 of 1 cassette(s) differ" in page
    rows = re.findall(r'<div class="(ev [^"]*)" data-conn="c1"', page)
    assert rows == [
        "ev to-server connect action",
        "ev to-client accept",
        "ev to-server frame action",
        "ev to-client frame diff",  # n changed
        "ev to-client close",
        "ev to-client signal signal-complete ghost missing",  # drawn dashed, after the rest
    ]
    marked = re.findall(r'<a class="mark (\w+)" href="#(d0-\d+)"', page)
    assert [kind for kind, _ in marked] == ["diff", "missing"]
    for _, anchor in marked:
        assert f'<tr id="{anchor}" class="difference">' in page
    assert "<code>payload.n</code>" in page
    glance = page.split('<ol class="at-a-glance">')[1].split("</ol>")[0]
    first = '<li><a href="#d0-1">step 2 on c1: changed payload.n: expected 1, got 2'
    assert glance.startswith(first)
    assert '<details class="step failed" data-open="1" open>' in page


def test_what_the_app_logged_in_a_failing_step_is_in_its_panel() -> None:
    result = replayed(recording(), {1: [recording()[5]]})
    result.steps[1].logged.append(f"WARNING example: refused {EVIL}")
    result.steps[0].logged.append("INFO example: connected")  # a green step: not shown
    page = render_html([result])
    logged = page.split('<div class="logged">')
    assert len(logged) == 2
    assert "WARNING example: refused &lt;script&gt;" in logged[1].split("</div>")[0]
    assert "connected" not in page


def test_past_the_open_limit_only_failing_steps_start_open() -> None:
    events: list[Event] = [
        ConnectEvent(seq=0, conn="c1", t=0, path="/ws/"),
        AcceptEvent(seq=1, conn="c1", t=0),
    ]
    while len(events) <= OPEN_LIMIT:
        seq = len(events)
        events.append(ClientFrame(seq=seq, conn="c1", t=seq, text='{"action": "ping"}'))
        events.append(frame(seq + 1, {"action": "pong"}))
    page = render_cassette_html(Cassette(events=events))
    assert page.count("<details") == len(build_steps(events))
    assert " open>" not in page
    small = render_cassette_html(Cassette(events=events[:10]))
    assert small.count(" open>") == small.count("<details")


def test_past_the_open_limit_a_replay_opens_only_its_failing_steps() -> None:
    events: list[Event] = [
        ConnectEvent(seq=0, conn="c1", t=0, path="/ws/"),
        AcceptEvent(seq=1, conn="c1", t=0),
    ]
    while len(events) <= OPEN_LIMIT:
        seq = len(events)
        events.append(ClientFrame(seq=seq, conn="c1", t=seq, text='{"action": "ping"}'))
        events.append(frame(seq + 1, {"action": "pong", "payload": {"n": seq}}))
    changed = frame(8, {"action": "pong", "payload": {"n": -1}})
    page = render_html([replayed(events, {4: [changed]})])
    assert page.count("<details class=") == len(build_steps(events))
    assert page.count(" open>") == 1
    assert '<details class="step failed" data-open="1" open>' in page
