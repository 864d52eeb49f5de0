"""HTML report benchmark: a 10,000-event chat session, rendered and used in Chromium.

Run: `.venv/bin/python bench/html_report.py [--events N]`

Prints the time to render the page of a recording (`render_cassette_html`, what
`show --html` does) and of a replay with noise rules and a few differences
(`render_html`, what `replay --html` does, the values each rule hid included), against
the baseline of writing the same events as JSON Lines (`show --json`), and the page's
size. With Debian's Chromium and Playwright present, also the time to open the page and
to filter it with the search box, against opening the JSON Lines as plain text. Figures
only: nothing is asserted, timings vary with the machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

from channels_replay.cassettes import Cassette, event_to_record, json_line
from channels_replay.cassettes.model import (
    AcceptEvent,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerFrame,
)
from channels_replay.replay.diff import diff_frames
from channels_replay.replay.noise import NoiseRule, NoiseRules
from channels_replay.replay.result import ConnectionOutcome, ReplayResult, StepResult
from channels_replay.replay.steps import ServerEvent, build_steps
from channels_replay.reports.html import render_cassette_html, render_html

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
RULES = [NoiseRule("payload.id", "uuid", "chat_message"),
         NoiseRule("payload.ts", "datetime", "chat_message")]  # fmt: skip


def chat_session(wanted: int) -> Cassette:
    """Two users chatting in one room: each message, its complete, two deliveries."""
    events: list[Event] = []
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def add(kind: type[Any], conn: str, **fields: Any) -> None:
        events.append(kind(seq=len(events), conn=conn, t=len(events) / 1000, **fields))

    def signal(conn: str, action: str) -> None:
        add(ServerFrame, conn, text=json.dumps({"action": action, "payload": None}))

    for conn, user in (("c1", "alice"), ("c2", "bob")):
        add(ConnectEvent, conn, path="/ws/chat/lobby/", user=user)
        add(AcceptEvent, conn)
        auth = {"status_code": 200, "status_text": "OK", "data": {"username": user}}
        add(ServerFrame, conn, text=json.dumps({"action": "authentication", "payload": auth}))
    n = 0
    while len(events) < wanted - 6:
        n += 1
        sender, other = ("c1", "c2") if n % 2 else ("c2", "c1")
        text = f"message {n}"
        add(ClientFrame, sender, text=json.dumps({"action": "message", "payload": {"text": text}}))
        signal(sender, "complete")
        payload = {"id": uuid.uuid4().hex, "room": "lobby", "user": sender, "text": text,
                   "ts": (start + timedelta(seconds=n)).isoformat()}  # fmt: skip
        for conn in (sender, other):
            add(ServerFrame, conn, text=json.dumps({"action": "chat_message", "payload": payload}))
            signal(conn, "group_complete")
    for conn in ("c1", "c2"):
        add(ClientDisconnect, conn)
    return Cassette(events=events)


def replayed(cassette: Cassette, every: int = 500) -> ReplayResult:
    """A replay of the session: new ids and timestamps, every `every`th message changed."""
    rules = NoiseRules(RULES)
    steps = []
    for step in build_steps(cassette.events):
        outcomes = []
        for conn, expected in step.expected.items():
            actual: list[ServerEvent] = []
            for event in expected:
                if isinstance(event, ServerFrame) and '"chat_message"' in (event.text or ""):
                    frame = json.loads(event.text or "")
                    frame["payload"]["id"] = uuid.uuid4().hex
                    frame["payload"]["ts"] = datetime.now(UTC).isoformat()
                    if step.index % every == 0:
                        frame["payload"]["text"] += " (edited)"
                    event = event.model_copy(update={"text": json.dumps(frame)})
                actual.append(event)
            differences = diff_frames(expected, actual, rules=rules)
            outcomes.append(ConnectionOutcome(conn, expected, actual, differences))
        steps.append(StepResult(step, outcomes))
    return ReplayResult(cassette=Path("chat.cassette"), steps=steps, rules=RULES)


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def in_chromium(page_html: str, baseline_html: str) -> None:
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        print("browser: skipped (no Debian chromium or no playwright)")
        return
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        report, baseline = Path(folder) / "report.html", Path(folder) / "baseline.html"
        report.write_text(page_html, encoding="utf-8")
        baseline.write_text(baseline_html, encoding="utf-8")
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        opened = best_of(3, lambda: page.goto(report.as_uri()))
        plain = best_of(3, lambda: page.goto(baseline.as_uri()))
        page.goto(report.as_uri())

        matches = page.locator("#search-status").filter(has_text="match")

        def search(query: str) -> float:
            page.fill("#search", "")
            matches.wait_for(state="detached")  # the page is back to its start
            started = time.perf_counter()
            page.fill("#search", query)
            matches.wait_for()
            return time.perf_counter() - started

        first = search("message 4321")  # reads every row's text once
        searched = min(search(f"message {n}") for n in (1234, 2345, 3456))
        browser.close()
    print(f"browser: open the report {opened * 1000:.0f} ms, JSON Lines as text "
          f"{plain * 1000:.0f} ms (ratio {opened / plain:.1f}); search to filtered: first "
          f"{first * 1000:.0f} ms, then {searched * 1000:.0f} ms (each includes the 120 ms "
          "typing debounce)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    events = parser.parse_args().events
    cassette = chat_session(events)
    result = replayed(cassette)
    print(f"{len(cassette.events)} events, {len(result.steps)} steps, "
          f"{result.difference_count} differences")  # fmt: skip

    def jsonl() -> str:
        return "\n".join(json_line(event_to_record(e)) for e in cassette.events)

    baseline = best_of(3, jsonl)
    shown = best_of(3, lambda: render_cassette_html(cassette, "chat.cassette"))
    report = best_of(3, lambda: render_html([result]))
    page = render_html([result])
    print(f"JSON Lines (baseline): {baseline * 1000:.0f} ms")
    print(f"show --html:   {shown * 1000:.0f} ms (ratio {shown / baseline:.1f})")
    print(f"replay --html: {report * 1000:.0f} ms (ratio {report / baseline:.1f}), "
          f"{len(page.encode()) / 1e6:.1f} MB")  # fmt: skip
    sys.stdout.flush()
    in_chromium(page, f"<!DOCTYPE html><meta charset=utf-8><pre>{escape(jsonl())}</pre>")


if __name__ == "__main__":
    main()
