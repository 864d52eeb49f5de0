"""How long a failing replay takes to report, against the passing replay of the same cassette.

In-process. A session of N exchanges is recorded with the real RecorderMiddleware
against the unchanged app, then replayed, interleaved round after round (rotating
which goes first), against the unchanged app (pass) and against variants that break
it: one frame dropped in the middle, one value changed in the middle, and one
frame dropped or changed in every exchange. Each run is timed from the start of
`replay_cassette` to the rendered text report (`render_text`). Printed per variant:
the differences found, the median time and the ratio failing / passing.

- example (example.settings; variants from tests/replay/regressions.py and one here):
  echo frames, the middle one a `ping` and the next one `{"hello": "world"}`;
  the pong dropped (MISSING_MESSAGE), the `complete` after the ping dropped,
  `hello` upper-cased (CHANGED_VALUE), no `complete` at all (NEVER_COMPLETES).
- foreign (tests.foreign.project.settings, chanx 0.13.3, in a subprocess of its own;
  variants through FOREIGN_REGRESSION, read at call time): the chanx echo with
  `HELLO CHANX <i>` messages, the middle one `hello chanx <i>` and then a `ping`
  (change_value changes the middle one only, extra_frame adds one frame after the
  ping, rename_field renames a key in every echo); the chanx room (alice alone)
  with pings and one `new_message` in the middle, and with `new_message` everywhere
  (drop_group_complete drops one `group_complete`, or N).

Run: python bench/replay_failure.py [--project both|example|foreign] [--sizes 100,1000]
     [--repeat 5]
Target: a failing replay within 1.5x the passing one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _harness

TARGET = 1.5


@dataclass
class Variant:
    label: str
    app: Any
    regression: str = ""
    """FOREIGN_REGRESSION while it replays (foreign project)."""


@dataclass
class Case:
    """One recorded session and the apps it is replayed against (the first one: pass)."""

    name: str
    script: _harness.Plan
    variants: list[Variant]
    options: Any = None
    times: dict[str, list[float]] = field(default_factory=dict)
    found: dict[str, str] = field(default_factory=dict)


def _middle(n: int, usual: tuple[str, int], *middle: tuple[str, int]) -> list[tuple[str, int]]:
    """n exchanges of `usual`, with `middle` in place of the ones from n // 2 on."""
    exchanges = [usual] * n
    exchanges[n // 2 : n // 2 + len(middle)] = middle
    return exchanges


def example_cases(n: int) -> list[Case]:
    from example.auth import TokenAuthMiddleware
    from example.consumers import ChatConsumer, EchoConsumer, PlainConsumer
    from tests.replay import regressions

    class NoCompleteAfterPingEcho(EchoConsumer):
        """Answers the ping but sends no `complete` after it (every other frame gets one)."""

        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            self.pinged = isinstance(content, dict) and content.get("action") == "ping"
            await super().receive_json(content, **kwargs)

        async def send_signal(self, action: str, payload: Any = None) -> None:
            if action == "complete" and getattr(self, "pinged", False):
                return
            await super().send_signal(action, payload)

    from channels.routing import URLRouter
    from django.urls import path

    no_complete_after_ping = TokenAuthMiddleware(
        URLRouter(
            [
                path("ws/echo/", NoCompleteAfterPingEcho.as_asgi()),
                path("ws/chat/<str:room>/", ChatConsumer.as_asgi()),
                path("ws/plain/", PlainConsumer.as_asgi()),
            ]
        )
    )
    from channels_replay.testing.discovery import find_websocket_application

    echo = json.dumps({"action": "echo", "payload": {"text": "hello", "n": [1, 2, 3]}})
    ping = json.dumps({"action": "ping"})
    hello = json.dumps({"action": "echo", "payload": {"hello": "world"}})
    script = _harness.Plan("/ws/echo/", [], 1, _middle(n, (echo, 2), (ping, 2), (hello, 2)))
    return [
        Case(
            "example echo",
            script,
            [
                Variant("pass", find_websocket_application()),
                Variant("pong dropped (1)", regressions.MISSING_MESSAGE),
                Variant("complete dropped (1)", no_complete_after_ping),
                Variant("value changed (1)", regressions.CHANGED_VALUE),
                Variant("complete dropped (N)", regressions.NEVER_COMPLETES),
            ],
        )
    ]


def foreign_cases(n: int) -> list[Case]:
    from channels_replay.replay import ReplayOptions
    from channels_replay.replay.substitution import Credentials
    from channels_replay.testing.discovery import find_websocket_application
    from tests.foreign.project.users import ALICE_TOKEN

    app = find_websocket_application()
    alice = [(b"authorization", f"Token {ALICE_TOKEN}".encode())]
    options = ReplayOptions(
        credentials=Credentials.parse("header", [f"*:authorization=Token {ALICE_TOKEN}"])
    )

    def frame(action: str, message: str | None = None) -> str:
        if message is None:
            return json.dumps({"action": action})
        return json.dumps({"action": action, "payload": {"message": message}})

    ping = frame("ping")

    # Upper-case texts, each its own: change_value (upper-casing) changes only the middle
    # one, into a text recorded nowhere else (else it would match that other frame).
    shouts = [(frame("message", f"HELLO CHANX {i}"), 2) for i in range(n)]
    shouts[n // 2 : n // 2 + 2] = [(frame("message", f"hello chanx {n // 2}"), 2), (ping, 2)]
    post = frame("new_message", "hello room")
    return [
        Case(
            "chanx echo",
            _harness.Plan("/ws/chanx/echo/", [], 1, shouts),
            [
                Variant("pass", app),
                Variant("value changed (1)", app, "change_value"),
                Variant("extra frame (1)", app, "extra_frame"),
                Variant("key renamed (N)", app, "rename_field"),
            ],
        ),
        Case(
            "chanx room, pings",
            _harness.Plan("/ws/chanx/room/lobby/", alice, 1, _middle(n, (ping, 2), (post, 3))),
            [
                Variant("pass", app),
                Variant("group_complete dropped (1)", app, "drop_group_complete"),
            ],
            options,
        ),
        Case(
            "chanx room, posts",
            _harness.Plan("/ws/chanx/room/lobby/", alice, 1, [(post, 3)] * n),
            [
                Variant("pass", app),
                Variant("group_complete dropped (N)", app, "drop_group_complete"),
            ],
            options,
        ),
    ]


async def timed(case: Case, cassette: Any, variant: Variant) -> tuple[float, Any]:
    from channels_replay.replay import replay_cassette
    from channels_replay.reports import render_text

    os.environ["FOREIGN_REGRESSION"] = variant.regression
    try:
        start = time.perf_counter()
        result = await replay_cassette(cassette, variant.app, case.options)
        render_text(result)
        return time.perf_counter() - start, result
    finally:
        os.environ["FOREIGN_REGRESSION"] = ""


def _summary(result: Any) -> str:
    if result.ok:
        return "ok"
    first = result.failed_steps[0]
    _, difference = first.differences[0]
    return (
        f"{result.difference_count} diff, first: step {first.step.index + 1} "
        f"{difference.describe()}"
    )


async def measure(cases: list[Case], repeat: int) -> None:
    directory = Path(tempfile.mkdtemp())
    for case in cases:
        n = len(case.script.exchanges)
        target = directory / f"{case.name.replace(' ', '-').replace(',', '')}-{n}.cassette"
        cassette = await _harness.record(case.variants[0].app, target, case.script)
        plan = _harness.plan_of(cassette, case.script.headers)
        assert plan.exchanges == case.script.exchanges, "the recording is not what was sent"
        for index, variant in enumerate(case.variants):
            _, result = await timed(case, cassette, variant)
            if result.ok != (index == 0):
                verdict = "passes" if result.ok else "fails"
                raise SystemExit(f"{case.name}: {variant.label} {verdict}:\n{_summary(result)}")
            case.found[variant.label] = _summary(result)
            case.times[variant.label] = []
        order = list(case.variants)
        for _ in range(repeat):
            for variant in order:
                elapsed, _ = await timed(case, cassette, variant)
                case.times[variant.label].append(elapsed)
            order = order[1:] + order[:1]
        print(f"  measured {case.name} N={n}", file=sys.stderr)


def report(project: str, cases: list[Case], repeat: int) -> None:
    print(f"{project}: time to the text report, median of {repeat} runs, in-process")
    print(f"{'session':18} {'N':>5} {'variant':27} {'median':>10} {'vs pass':>8}  found")
    for case in cases:
        n = len(case.script.exchanges)
        passing = _harness.median(case.times["pass"])
        for variant in case.variants:
            elapsed = _harness.median(case.times[variant.label])
            ratio = elapsed / passing
            flag = "" if variant.label == "pass" or ratio <= TARGET else " !"
            print(
                f"{case.name:18} {n:5d} {variant.label:27} {elapsed * 1e3:7.1f} ms "
                f"{ratio:7.2f}x{flag:2} {case.found[variant.label]}"
            )
    print(f"(target: failing <= {TARGET}x passing; ! marks a miss)")


def run_project(project: str, sizes: list[int], repeat: int) -> None:
    _harness.setup(project)
    build = example_cases if project == "example" else foreign_cases
    cases = [case for n in sizes for case in build(n)]
    asyncio.run(measure(cases, repeat))
    report(project, cases, repeat)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="failing vs passing replay, in-process")
    parser.add_argument("--project", choices=["both", "example", "foreign"], default="both")
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    if min(sizes) < 4:
        parser.error("every size must be at least 4 (the changes go in the middle)")
    if args.project != "both":
        run_project(args.project, sizes, args.repeat)
        return
    # One settings module per process: the chanx project runs in a child process.
    run_project("example", sizes, args.repeat)
    print(flush=True)
    child = [sys.executable, __file__, "--project", "foreign"]
    child += ["--sizes", args.sizes, "--repeat", str(args.repeat)]
    subprocess.run(child, check=True)


if __name__ == "__main__":
    main()
