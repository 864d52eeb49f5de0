"""Recording by clicking: the example's chat page in Chromium, under `channels-replay record`.

Two pages are two users (alice and bob, each signed in by token). The recorder runs as a
developer runs it (a real subprocess on a free loopback port) and is stopped with SIGINT,
as Ctrl-C does; the cassette then replays green against the app with `channels-replay
replay`, the chat's random ids and timestamps covered by noise rules.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from channels_replay.cassettes import ClientDisconnect, ClientFrame, ConnectEvent, load_cassette
from tests.browser.conftest import Console
from tests.recorder.conftest import ServerFactory
from tests.recorder.helpers import ALICE_TOKEN, BOB_TOKEN, REPO, wait_for_cassette

NOISE = ["chat_message:payload.id=uuid", "chat_message:payload.ts=datetime"]


def sign_in(page: Any, url: str, token: str, name: str) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    page.fill("#token", token)
    page.click("#join")
    expect(page.locator("#status")).to_have_text(f"signed in as {name}")


def test_two_users_click_through_the_chat_page_and_the_recording_replays_green(
    browser: Any, console: Console, record_server: ServerFactory, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    out = tmp_path / "clicked.cassette"
    with record_server("--out", str(out)) as server:
        alice = console.watch(browser.new_context().new_page())
        bob = console.watch(browser.new_context().new_page())
        sign_in(alice, server.url("/"), ALICE_TOKEN, "alice")
        sign_in(bob, server.url("/"), BOB_TOKEN, "bob")

        alice.fill("#text", "hi bob")
        alice.click("#send")
        for page in (alice, bob):
            expect(page.locator("#messages li")).to_have_text(["alice: hi bob"])
        bob.fill("#text", "hello alice")
        bob.press("#text", "Enter")
        for page in (alice, bob):
            expect(page.locator("#messages li")).to_have_text(["alice: hi bob", "bob: hello alice"])

        for page in (bob, alice):
            page.click("#leave")
            expect(page.locator("#status")).to_have_text("disconnected (code 1000)")
        wait_for_cassette(
            out, lambda c: sum(isinstance(e, ClientDisconnect) for e in c.events) == 2
        )
        assert server.stop(signal.SIGINT) == 0, server.output()
    assert console.errors == []

    cassette = load_cassette(out)
    assert cassette.complete, cassette.problem
    connects = [e for e in cassette.events if isinstance(e, ConnectEvent)]
    assert [(c.conn, c.user, c.path) for c in connects] == [
        ("c1", "alice", "/ws/chat/lobby/"),
        ("c2", "bob", "/ws/chat/lobby/"),
    ]
    said = [(e.conn, e.text) for e in cassette.events if isinstance(e, ClientFrame)]
    assert said == [
        ("c1", '{"action":"message","payload":{"text":"hi bob"}}'),
        ("c2", '{"action":"message","payload":{"text":"hello alice"}}'),
    ]
    raw = out.read_bytes()
    assert ALICE_TOKEN.encode() not in raw
    assert BOB_TOKEN.encode() not in raw

    credentials = [f"--query=alice:token={ALICE_TOKEN}", f"--query=bob:token={BOB_TOKEN}"]
    done = subprocess.run(
        [sys.executable, "-m", "channels_replay.cli", "replay", str(out),
         "--app", "example.asgi:application", "--command", "seed_demo", *credentials,
         *(f"--ignore={rule}" for rule in NOISE)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{REPO}:{REPO / 'src'}"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("PASS clicked.cassette: 6 steps")
