"""The HTML report: a session drawn as a sequence diagram, in one self-contained file.

`render_html(results)` draws replays; `render_cassette_html(cassette)` draws a recording
the same way (`show --html`). Per cassette: pass or fail at the top; one lifeline per
connection, headed by its id and identity, and one for the app; every client frame,
server frame, signal (`complete`, `group_complete`, authentication), accept and close as
an arrow with its time offset; each difference marked on the arrow it concerns and
listed with its JSON path, expected against actual side by side; the noise rules
applied and the values each hid.

The page holds its CSS and a little plain JS (search, expand and collapse) inline: no
network, no CDN. Everything taken from a cassette is HTML-escaped. Large sessions stay
usable: above `OPEN_LIMIT` events only the failing steps start open, and the search box
filters events across every step.

Pure: strings from data, no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any, Final, Literal

from channels_replay._json import loads_bounded
from channels_replay.cassettes.model import (
    AcceptEvent,
    Cassette,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerClose,
    ServerFrame,
)
from channels_replay.replay.diff import Difference, diff_frames
from channels_replay.replay.noise import NoiseRule, NoiseRules
from channels_replay.replay.result import ConnectionOutcome, ReplayResult, StepResult
from channels_replay.replay.steps import ServerEvent, Step, build_steps
from channels_replay.reports.text import render_summary
from channels_replay.signals import SignalNames

__all__ = ["OPEN_LIMIT", "render_cassette_html", "render_html"]

OPEN_LIMIT: Final = 400
"""Above this many events in a cassette, only failing steps start open."""

_LABEL_LIMIT: Final = 110
_TITLE_LIMIT: Final = 4000
_PRETTY_LIMIT: Final = 20000
_GLANCE_SHOWN: Final = 50
"""How many differences the list under a cassette's verdict shows (all are in the diagram)."""
_HIDDEN_SHOWN: Final = 50
"""Per noise rule, how many of the values it hid are listed (the rest are counted)."""

Mark = Literal["diff", "missing", "extra", "order"]


@dataclass
class _Row:
    """One arrow of the diagram."""

    conn: str
    event: Event
    t: float | None
    marks: list[tuple[Mark, str, Difference]] = field(default_factory=list)
    """Each difference this arrow shows, with the anchor of its entry in the panel."""
    ghost: bool = False
    """A recorded event that did not come (drawn dashed)."""


@dataclass
class _Hidden:
    """A value a noise rule hid: it differed, and the rule let it."""

    step: int
    conn: str
    difference: Difference


# ---- entry points --------------------------------------------------------------------------


def render_html(results: Sequence[ReplayResult], *, title: str = "channels-replay report") -> str:
    """The report of one or more replays, as one self-contained HTML page."""
    failed = sum(not r.ok for r in results)
    verdict = (
        f"PASS: {len(results)} cassette(s) replayed green"
        if not failed
        else f"FAIL: {failed} of {len(results)} cassette(s) differ"
    )
    sections = [_result_section(index, result) for index, result in enumerate(results)]
    return _page(title, verdict, not failed, [r.name for r in results], sections)


def render_cassette_html(cassette: Cassette, name: str = "<cassette>") -> str:
    """A recording drawn as the replay report draws it, without a verdict."""
    header = cassette.header
    names = header.signal_names()
    steps = build_steps(cassette.events)
    count = len(cassette.events)
    open_all = count <= OPEN_LIMIT
    lanes = _lanes(steps)
    blocks = []
    for step in steps:
        rows = [_Row(step.conn, step.action, step.action.t)]
        server = sorted(
            (event for events in step.expected.values() for event in events), key=lambda e: e.seq
        )
        rows.extend(_Row(event.conn, event, event.t) for event in server)
        blocks.append(_step_block(0, step, rows, names, lanes, open_all, "", 0))
    facts = [
        f"{count} events on {len(cassette.connections())} connection(s), {len(steps)} steps",
        f"recorded {header.created_at:%Y-%m-%d %H:%M:%S} UTC"
        + (f" by channels-replay {header.library_version}" if header.library_version else ""),
    ]
    if header.app or header.server:
        facts.append(f"app {header.app or '?'}, server {header.server or '?'}")
    notes = [] if cassette.complete else [f"the recording was cut: {cassette.problem}"]
    rules = NoiseRules.from_dicts(header.noise)
    rules_html = ""
    if rules:
        items = "".join(f"<li><code>{escape(rule.describe())}</code></li>" for rule in rules)
        rules_html = (
            f'<section class="rules"><h3>Noise rules stored in the cassette</h3>'
            f"<p>Applied at replay; what each hides shows in a replay report.</p><ul>{items}</ul>"
            "</section>"
        )
    section = (
        f'<section class="cassette" id="cassette-0">'
        f'<h2 class="banner neutral">{escape(name)}</h2>'
        + "".join(f"<p class=fact>{escape(fact)}</p>" for fact in facts)
        + "".join(f'<p class="note">note: {escape(note)}</p>' for note in notes)
        + rules_html
        + _diagram(0, steps, "app " + (header.app or ""), blocks)
        + "</section>"
    )
    return _page(f"{name}: recording", f"recording {name}", None, [name], [section])


# ---- one replay ----------------------------------------------------------------------------


def _result_section(index: int, result: ReplayResult) -> str:
    names = result.signals
    steps = [step.step for step in result.steps]
    action_times = _action_times(result)
    events = sum(len(o.actual) + 1 for s in result.steps for o in s.outcomes)
    open_all = events <= OPEN_LIMIT
    lanes = _lanes(steps)
    listed: list[tuple[str, str]] = []
    blocks = []
    for step_result in result.steps:
        rows, panel = _replayed_rows(index, step_result, action_times, listed, names)
        blocks.append(
            _step_block(
                index,
                step_result.step,
                rows,
                names,
                lanes,
                open_all or not step_result.ok,
                panel,
                len(step_result.differences),
            )
        )
    verdict_class = "pass" if result.ok else "fail"
    parts = [
        f'<section class="cassette {verdict_class}" id="cassette-{index}">',
        f'<h2 class="banner {verdict_class}">{escape(render_summary(result))}</h2>',
    ]
    if result.cassette is not None:
        parts.append(f"<p class=fact>{escape(str(result.cassette))}, {result.driver}</p>")
    parts.extend(f'<p class="note">note: {escape(note)}</p>' for note in _notes(result))
    parts.extend(_failure_html(result))
    if listed:
        items = "".join(
            f'<li><a href="#{anchor}">{escape(line)}</a></li>'
            for anchor, line in listed[:_GLANCE_SHOWN]
        )
        more = len(listed) - _GLANCE_SHOWN
        parts.append(f'<ol class="at-a-glance">{items}</ol>')
        if more > 0:
            parts.append(f"<p>and {more} more difference(s), marked in the diagram</p>")
    lane_title = "app (in-process)" if result.driver == "in-process" else "server (live)"
    parts.append(_diagram(index, steps, lane_title, blocks))
    parts.append(_rules_html(result))
    parts.append("</section>")
    return "".join(parts)


def _notes(result: ReplayResult) -> list[str]:
    notes = []
    if result.tail_missing:
        notes.append(f"the recording was cut: {result.tail_missing}")
    if not result.signalled:
        notes.append(
            "the recording holds no signals: replayed by recorded frame counts and "
            + ("the app being done" if result.driver == "in-process" else "a quiet grace window")
        )
    notes.extend(result.notes)
    return notes


def _failure_html(result: ReplayResult) -> list[str]:
    if not result.app_failures:
        return [
            f'<p class="app-error">the app raised on {escape(e)}</p>' for e in result.app_errors
        ]
    out = []
    for failure in result.app_failures:
        trace = "\n".join([*failure.traceback, failure.error])
        hidden = (
            f" ({failure.hidden_frames} library frames hidden)" if failure.hidden_frames else ""
        )
        out.append(
            f'<div class="app-error"><p>the app raised on {escape(failure.describe())}'
            f"{hidden}</p><pre>{escape(trace)}</pre></div>"
        )
    return out


def _action_times(result: ReplayResult) -> dict[int, float]:
    """When each performed step's action was done in the replay, by step index."""
    performed = [
        event
        for event in result.timeline
        if isinstance(event, ConnectEvent | ClientFrame | ClientDisconnect)
    ]
    times: dict[int, float] = {}
    position = 0
    for step in result.steps:
        action = step.step.action
        if position < len(performed):
            done = performed[position]
            if done.conn == action.conn and done.kind == action.kind:
                times[step.step.index] = done.t
                position += 1
    return times


def _replayed_rows(
    index: int,
    step: StepResult,
    action_times: dict[int, float],
    listed: list[tuple[str, str]],
    names: SignalNames,
) -> tuple[list[_Row], str]:
    """The step's arrows as replayed (differences marked), and its differences panel.

    Each difference is appended to `listed` as its anchor and one line.
    """
    action = step.step.action
    rows = [_Row(action.conn, action, action_times.get(step.step.index))]
    arrivals: list[_Row] = []
    ghosts: list[_Row] = []
    panels = []
    for outcome in step.outcomes:
        own = [_Row(outcome.conn, event, event.t) for event in outcome.actual]
        entries = []
        for difference in outcome.differences:
            anchor = f"d{index}-{len(listed) + 1}"
            where = f"step {step.step.index + 1} on {outcome.conn}: "
            listed.append((anchor, where + difference.describe()))
            entries.append((anchor, difference))
            mark = _mark_of(difference)
            if difference.actual_index is not None and difference.actual_index < len(own):
                own[difference.actual_index].marks.append((mark, anchor, difference))
            elif difference.expected_index is not None and difference.expected_index < len(
                outcome.expected
            ):
                recorded = outcome.expected[difference.expected_index]
                ghost = _Row(outcome.conn, recorded, None, [(mark, anchor, difference)], ghost=True)
                ghosts.append(ghost)
        arrivals.extend(own)
        if entries:
            panels.append(_outcome_panel(outcome, entries, names))
    arrivals.sort(key=lambda row: row.t or 0.0)
    rows.extend(arrivals)
    rows.extend(ghosts)
    if panels and step.logged:
        lines = escape("\n".join(step.logged))
        panels.append(f'<div class="logged"><h5>the app logged</h5><pre>{lines}</pre></div>')
    return rows, "".join(panels)


def _mark_of(difference: Difference) -> Mark:
    if difference.kind == "order":
        return "order"
    if not difference.path and difference.kind in ("missing", "extra"):
        return difference.kind
    return "diff"


def _outcome_panel(
    outcome: ConnectionOutcome, entries: list[tuple[str, Difference]], names: SignalNames
) -> str:
    """A connection's differences in one step: a table by JSON path, then both sides."""
    marked_expected = {d.expected_index for _, d in entries if d.expected_index is not None}
    marked_actual = {d.actual_index for _, d in entries if d.actual_index is not None}
    rows = "".join(
        f'<tr id="{anchor}" class="difference"><td>{escape(d.kind)}</td>'
        f"<td><code>{escape(d.path or _whole(d))}</code></td>"
        f"<td><pre>{escape(_expected_text(d))}</pre></td>"
        f"<td><pre>{escape(_value_text(d.actual))}</pre></td>"
        f"<td>{escape(d.describe())}</td></tr>"
        for anchor, d in entries
    )
    timed_out = (
        f'<p class="note">gave up waiting for {escape(outcome.timed_out)}</p>'
        if outcome.timed_out
        else ""
    )
    return (
        f'<div class="panel" data-conn="{escape(outcome.conn)}">'
        f"<h4>on {escape(outcome.conn)}</h4>{timed_out}"
        '<table class="differences"><thead><tr><th>kind</th><th>JSON path</th>'
        "<th>expected</th><th>actual</th><th>what</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        '<div class="sides">'
        f'<div class="side expected"><h5>expected (recorded)</h5>'
        f"{_frames_html(outcome.expected, marked_expected)}</div>"
        f'<div class="side actual"><h5>actual (replayed)</h5>'
        f"{_frames_html(outcome.actual, marked_actual)}</div>"
        "</div></div>"
    )


def _whole(difference: Difference) -> str:
    index = difference.expected_index
    if index is None:
        index = difference.actual_index
    return f"(frame #{index})"


def _expected_text(difference: Difference) -> str:
    if difference.rule is not None:
        return (
            f"{difference.rule.expectation(difference.expected)} "
            f"(rule {difference.rule.to_string()}; recorded {_value_text(difference.expected)})"
        )
    return _value_text(difference.expected)


def _frames_html(frames: Sequence[ServerEvent], marked: set[int]) -> str:
    if not frames:
        return '<p class="nothing">(nothing)</p>'
    items = []
    for position, frame in enumerate(frames):
        css = ' class="marked"' if position in marked else ""
        items.append(f"<li{css}><span class=idx>#{position}</span><pre>{_pretty(frame)}</pre></li>")
    return f"<ol class=frames>{''.join(items)}</ol>"


def _pretty(frame: Event) -> str:
    if isinstance(frame, ServerFrame | ClientFrame) and frame.text is not None:
        try:
            text = json.dumps(loads_bounded(frame.text), indent=2, ensure_ascii=False)
        except ValueError:
            text = frame.text
    else:
        text = _label(frame, SignalNames(), _PRETTY_LIMIT)
    return escape(_cut(text, _PRETTY_LIMIT))


def _value_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, ServerFrame | ServerClose | AcceptEvent):
        return _label(value, SignalNames(), _TITLE_LIMIT)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes {value[:32].hex()}>"
    return _cut(json.dumps(value, indent=1, ensure_ascii=False, default=repr), _TITLE_LIMIT)


# ---- noise rules and what they hid ---------------------------------------------------------


def _rules_html(result: ReplayResult) -> str:
    if not result.rules:
        return '<section class="rules"><h3>Noise rules</h3><p>none applied</p></section>'
    hidden = _hidden_by_rules(result)
    items = []
    for rule in result.rules:
        found = hidden.get(rule, [])
        rows = "".join(
            f"<tr><td>step {h.step + 1}</td><td>{escape(h.conn)}</td>"
            f"<td><code>{escape(h.difference.path)}</code></td>"
            f"<td>{escape(_value_text(h.difference.expected))}</td>"
            f"<td>{escape(_value_text(h.difference.actual))}</td></tr>"
            for h in found[:_HIDDEN_SHOWN]
        )
        more = f"<p>and {len(found) - _HIDDEN_SHOWN} more</p>" if len(found) > _HIDDEN_SHOWN else ""
        head = (
            f"<code>{escape(rule.describe())}</code>"
            f" <span class=count>hid {len(found)} value(s)</span>"
        )
        if found:
            head = (
                f"<details><summary>{head}</summary>"
                '<table class="hidden-values"><thead><tr><th>step</th><th>conn</th>'
                "<th>path</th><th>recorded</th><th>replayed</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>{more}</details>"
            )
        items.append(f'<li class="rule">{head}</li>')
    return (
        '<section class="rules"><h3>Noise rules applied, and what each hid</h3>'
        f"<ul>{''.join(items)}</ul></section>"
    )


def _hidden_by_rules(result: ReplayResult) -> dict[NoiseRule, list[_Hidden]]:
    """The values that differed from the recording and that a rule let pass, by rule.

    Each step's frames are diffed once more without rules; a difference the replay did
    not report, at a path a rule covers, is one that rule hid.
    """
    rules = NoiseRules(result.rules)
    hidden: dict[NoiseRule, list[_Hidden]] = {}
    action_key = result.signals.action_key
    for step in result.steps:
        for outcome in step.outcomes:
            if not outcome.expected or not outcome.actual:
                continue
            reported = {_key(d) for d in outcome.differences}
            for difference in diff_frames(outcome.expected, outcome.actual, action_key=action_key):
                if not difference.path_parts or _key(difference) in reported:
                    continue
                rule = rules.match(difference.path_parts, difference.frame_action)
                if rule is not None:
                    hidden.setdefault(rule, []).append(
                        _Hidden(step.step.index, outcome.conn, difference)
                    )
    return hidden


def _key(difference: Difference) -> tuple[object, ...]:
    return (
        difference.kind,
        difference.path,
        difference.expected_index,
        difference.actual_index,
    )


# ---- the diagram ---------------------------------------------------------------------------


def _lanes(steps: Iterable[Step]) -> dict[str, str | None]:
    """Each connection in order of appearance, with the identity its connect recorded."""
    lanes: dict[str, str | None] = {}
    for step in steps:
        action = step.action
        if isinstance(action, ConnectEvent):
            lanes.setdefault(action.conn, action.user)
        lanes.setdefault(action.conn, None)
        for conn in step.expected:
            lanes.setdefault(conn, None)
    return lanes


def _diagram(index: int, steps: Sequence[Step], server_title: str, blocks: list[str]) -> str:
    lanes = _lanes(steps)
    paths: dict[str, str] = {}
    for step in steps:
        if isinstance(step.action, ConnectEvent):
            paths.setdefault(step.action.conn, step.action.path)
    heads = []
    for conn, user in lanes.items():
        identity = user or "anonymous"
        path = paths.get(conn, "")
        heads.append(
            f'<div class="lane-head" data-conn="{escape(conn)}">'
            f'<span class="conn">{escape(conn)}</span>'
            f'<span class="identity">{escape(identity)}</span>'
            f'<span class="path">{escape(path)}</span></div>'
        )
    heads.append(
        f'<div class="lane-head server"><span class="conn">{escape(server_title.strip())}</span>'
        '<span class="identity">server</span></div>'
    )
    columns = len(lanes) + 1
    lines = "".join('<div class="lifeline"></div>' for _ in range(columns))
    return (
        f'<div class="diagram" id="diagram-{index}" style="--lanes: {columns}">'
        f'<div class="lanes"><div class="lane-head time">t (s)</div>{"".join(heads)}</div>'
        f'<div class="body"><div class="lifelines"><div></div>{lines}</div>'
        f"{''.join(blocks)}</div></div>"
    )


def _step_block(
    index: int,
    step: Step,
    rows: list[_Row],
    names: SignalNames,
    lanes: dict[str, str | None],
    open_: bool,
    panel: str,
    differences: int,
) -> str:
    lane_of = {conn: position for position, conn in enumerate(lanes)}
    server = len(lanes)
    action, *server_rows = rows
    badge = (
        f' <a class="badge" href="#diffs-{index}-{step.index}">{differences} difference(s)</a>'
        if differences
        else ""
    )
    css = "step failed" if differences else "step"
    summary = _row_html(action, names, lane_of, server, f"step {step.index + 1}", badge)
    body = "".join(_row_html(row, names, lane_of, server) for row in server_rows)
    panel_html = (
        f'<div class="diffs" id="diffs-{index}-{step.index}">'
        f"<h4>step {step.index + 1}: {escape(step.describe())}</h4>{panel}</div>"
        if panel
        else ""
    )
    opened = " open" if open_ else ""
    return (
        f'<details class="{css}" data-open="{int(open_)}"{opened}>'
        f"<summary>{summary}</summary>{body}{panel_html}</details>"
    )


def _row_html(
    row: _Row,
    names: SignalNames,
    lane_of: dict[str, int],
    server: int,
    step_label: str = "",
    badge: str = "",
) -> str:
    event = row.event
    lane = lane_of.get(row.conn, 0)
    to_server = isinstance(event, ConnectEvent | ClientFrame | ClientDisconnect)
    classes = ["ev", "to-server" if to_server else "to-client", _kind_class(event, names)]
    if step_label:
        classes.append("action")
    if row.ghost:
        classes.append("ghost")
    classes.extend(sorted({mark for mark, _, _ in row.marks}))
    span = server - lane + 1
    margin = f"{50 / span:.4f}%"
    label = _label(event, names, _LABEL_LIMIT)
    if row.ghost:
        label = f"missing: {label}"
    marks = "".join(
        f'<a class="mark {mark}" href="#{anchor}" title="{escape(difference.describe())}">'
        f"≠ {escape(difference.path or difference.kind)}</a>"
        for mark, anchor, difference in row.marks
    )
    t = "" if row.t is None else f"{row.t:.3f}"
    full = _cut(_full_text(event), _TITLE_LIMIT)
    step_html = f'<span class="step-no">{escape(step_label)}</span> ' if step_label else ""
    return (
        f'<div class="{" ".join(classes)}" data-conn="{escape(row.conn)}" title="{escape(full)}">'
        f'<span class="t">{step_html}{t}</span>'
        f'<div class="arrow" style="grid-column: {lane + 2} / {server + 3}; '
        f'margin: 0 {margin}"><span class="label">{marks}{escape(label)}</span></div>'
        f"{badge}</div>"
    )


def _kind_class(event: Event, names: SignalNames) -> str:
    if isinstance(event, ServerFrame):
        kind = names.kind_of(event.text)
        return "frame" if kind is None else f"signal signal-{kind}"
    return {
        "connect": "connect",
        "accept": "accept",
        "client_frame": "frame",
        "server_close": "close",
        "client_disconnect": "close",
    }[event.kind]


def _label(event: Event, names: SignalNames, limit: int) -> str:
    """One line for an arrow: what was sent, a JSON frame's action first."""
    if isinstance(event, ConnectEvent):
        query = f"?{event.query_string}" if event.query_string else ""
        who = f" as {event.user}" if event.user else ""
        text = f"connect {event.path}{query}{who}"
    elif isinstance(event, AcceptEvent):
        text = "accept" + (f" {event.subprotocol}" if event.subprotocol else "")
    elif isinstance(event, ServerClose):
        if event.refused:
            text = f"refused: HTTP {event.status}" + (f" {event.reason}" if event.reason else "")
        else:
            text = f"close {event.code}" + (f" {event.reason}" if event.reason else "")
    elif isinstance(event, ClientDisconnect):
        text = f"disconnect {event.code}"
    elif event.text is None:
        data = event.data or b""
        text = f"<{len(data)} bytes {data[:24].hex()}>"
    else:
        text = _frame_label(event.text, names)
    return _cut(text, limit)


def _frame_label(text: str, names: SignalNames) -> str:
    kind = names.kind_of(text)
    if kind in ("complete", "group_complete"):
        return f"✓ {kind}"
    try:
        value = loads_bounded(text)
    except ValueError:
        return text
    if isinstance(value, dict) and names.action_key in value:
        rest = {k: v for k, v in value.items() if k != names.action_key}
        payload = rest.get("payload", rest) if set(rest) <= {"payload"} else rest
        compact = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        return f"{value[names.action_key]} {compact}"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _full_text(event: Event) -> str:
    if isinstance(event, ServerFrame | ClientFrame) and event.text is not None:
        return event.text
    if isinstance(event, ConnectEvent):
        headers = "; ".join(f"{name}: {value}" for name, value in event.headers)
        return f"{_label(event, SignalNames(), _TITLE_LIMIT)} headers: {headers}"
    return _label(event, SignalNames(), _TITLE_LIMIT)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- the page ------------------------------------------------------------------------------


def _page(title: str, verdict: str, ok: bool | None, names: list[str], sections: list[str]) -> str:
    state = "neutral" if ok is None else ("pass" if ok else "fail")
    toc = ""
    if len(names) > 1:
        links = "".join(
            f'<li><a href="#cassette-{i}">{escape(name)}</a></li>' for i, name in enumerate(names)
        )
        toc = f'<nav class="toc"><ul>{links}</ul></nav>'
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="icon" href="data:,">'
        f"<style>{_CSS}</style></head><body>"
        f'<header class="top {state}"><h1 id="verdict">{escape(verdict)}</h1>'
        '<div class="tools"><input id="search" type="search" placeholder="search events…" '
        'aria-label="search events" autocomplete="off">'
        '<span id="search-status" aria-live="polite"></span>'
        '<button type="button" id="expand">expand all</button>'
        '<button type="button" id="collapse">collapse all</button></div>'
        '<p class="legend"><span class="key to-server">→ client to server</span>'
        '<span class="key to-client">← server to client</span>'
        '<span class="key signal">✓ signal</span><span class="key diff">≠ difference</span>'
        '<span class="key ghost">missing</span></p>'
        f"</header>{toc}<main>{''.join(sections)}</main>"
        f"<script>{_JS}</script></body></html>\n"
    )


_CSS: Final = """
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;font:14px/1.4 system-ui,sans-serif;color:#1d232b;background:#fafbfc}
header.top{position:sticky;top:0;z-index:5;padding:.5rem 1rem;background:#fff;
  border-bottom:3px solid #8a94a3}
header.top.pass{border-color:#1f883d}header.top.fail{border-color:#cf222e}
header.top h1{margin:0 0 .3rem;font-size:1.2rem}
header.top.pass h1{color:#1a7f37}header.top.fail h1{color:#cf222e}
.tools{display:flex;gap:.5rem;align-items:center}
#search{width:22rem;padding:.25rem .5rem;font:inherit}
#search-status{color:#57606a}
.legend{margin:.3rem 0 0;color:#57606a;font-size:12px;display:flex;gap:1rem}
.legend .diff{color:#cf222e}.legend .ghost{border:1px dashed #cf222e;padding:0 .3rem}
.toc{padding:0 1rem}
main{padding:0 1rem 3rem}
section.cassette{margin:1rem 0 2rem}
h2.banner{font-size:1.05rem;padding:.4rem .6rem;border-radius:4px;margin:.5rem 0}
h2.banner.pass{background:#dafbe1;color:#116329}
h2.banner.fail{background:#ffebe9;color:#a40e26}
h2.banner.neutral{background:#eaeef2}
.fact{margin:.1rem 0;color:#57606a}
.note{color:#9a6700}
.app-error{color:#a40e26}
.app-error pre{background:#fff5f5;padding:.5rem;overflow:auto}
.logged pre{background:#fff8c5;padding:.4rem;white-space:pre-wrap;margin:0}
.rules ul{padding-left:1.2rem}
.rules li{margin:.3rem 0}
.rules summary{cursor:pointer}
ol.at-a-glance{margin:.3rem 0;padding-left:1.5rem}
ol.at-a-glance a{color:#a40e26}
table{border-collapse:collapse;margin:.3rem 0}
td,th{border:1px solid #d0d7de;padding:.2rem .4rem;text-align:left;vertical-align:top}
td pre{margin:0;white-space:pre-wrap;word-break:break-word;max-width:40rem}
.diagram{--time:8.5rem;margin-top:.5rem;border:1px solid #d0d7de;background:#fff}
.lanes,.ev,.lifelines{display:grid;
  grid-template-columns:var(--time) repeat(var(--lanes),minmax(0,1fr))}
.lanes{position:sticky;top:var(--head,0);z-index:3;background:#f6f8fa;
  border-bottom:1px solid #d0d7de}
.lane-head{text-align:center;padding:.3rem;display:flex;flex-direction:column;min-width:0}
.lane-head .conn{font-weight:600}
.lane-head .identity{color:#0550ae}
.lane-head .path{color:#57606a;font-size:11px;overflow:hidden;text-overflow:ellipsis}
.lane-head.time{justify-content:center;color:#57606a}
.lane-head.server .identity{color:#57606a}
.body{position:relative}
.lifelines{position:absolute;inset:0;pointer-events:none;z-index:0}
.lifeline{position:relative}
.lifeline::before{content:"";position:absolute;left:50%;top:0;bottom:0;
  border-left:2px dashed #c4ccd6}
details.step{position:relative;z-index:1;border-top:1px solid #eef1f4}
details.step>summary{list-style:none;cursor:pointer}
details.step>summary::-webkit-details-marker{display:none}
details.step.failed{background:rgba(255,235,233,.35)}
.ev{min-height:1.7rem;align-items:center;position:relative}
.ev .t{grid-column:1;font:11px ui-monospace,monospace;color:#57606a;padding-left:.3rem;
  grid-row:1}
.step-no{display:inline-block;min-width:4.6rem;color:#1d232b;font-weight:600}
details.step>summary .step-no::before{content:"▸ "}
details.step[open]>summary .step-no::before{content:"▾ "}
.arrow{grid-row:1;position:relative;height:1.5rem;border-bottom:2px solid #0969da;min-width:0}
.arrow .label{position:absolute;left:.6rem;right:.6rem;bottom:1px;white-space:nowrap;
  overflow:hidden;text-overflow:ellipsis;font:12px ui-monospace,monospace}
.to-server .arrow::after,.to-client .arrow::after{content:"";position:absolute;bottom:-6px;
  border:5px solid transparent}
.to-server .arrow::after{right:-2px;border-left:8px solid #0969da}
.to-client .arrow::after{left:-2px;border-right:8px solid #0969da}
.to-client .arrow{border-color:#1f883d}
.to-client .arrow::after{border-right-color:#1f883d}
.to-client .arrow .label{text-align:right}
.signal .arrow{border-bottom-style:dotted;border-color:#8c959f}
.signal.to-client .arrow::after{border-right-color:#8c959f}
.signal .label{color:#57606a}
.signal-authentication .label{color:#0550ae}
.close .arrow{border-color:#8250df}
.close.to-client .arrow::after{border-right-color:#8250df}
.close.to-server .arrow::after{border-left-color:#8250df}
.action .arrow .label{font-weight:600}
.ev.diff,.ev.extra,.ev.order,.ev.missing{background:#ffebe9}
.ev.diff .arrow,.ev.extra .arrow,.ev.order .arrow{border-color:#cf222e}
.ev.diff .arrow::after,.ev.extra .arrow::after,.ev.order .arrow::after{border-right-color:#cf222e}
.ev.ghost .arrow{border-bottom-style:dashed;border-color:#cf222e;opacity:.8}
.ev.ghost .arrow::after{border-right-color:#cf222e}
.ev.diff .label,.ev.extra .label,.ev.order .label,.ev.ghost .label{color:#a40e26}
a.mark{display:inline-block;margin-right:.4rem;padding:0 .3rem;border-radius:3px;font-size:11px;
  background:#cf222e;color:#fff;text-decoration:none;font-weight:700}
a.badge{position:absolute;right:.3rem;top:.1rem;background:#cf222e;color:#fff;
  border-radius:8px;padding:0 .4rem;font-size:11px;text-decoration:none;z-index:2}
.diffs{position:relative;z-index:2;background:#fff;margin:.3rem .5rem .8rem var(--time);
  border:1px solid #cf222e;border-radius:4px;padding:.3rem .6rem}
.diffs h4{margin:.2rem 0}
tr.difference:target{outline:2px solid #cf222e}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:.6rem}
.side h5{margin:.3rem 0}
ol.frames{list-style:none;padding:0;margin:0}
ol.frames li{display:flex;gap:.3rem;border:1px solid #d0d7de;margin:.2rem 0;padding:.2rem}
ol.frames li.marked{border-color:#cf222e;background:#fff5f5}
ol.frames pre{margin:0;white-space:pre-wrap;word-break:break-word;font-size:12px}
.idx{color:#57606a;font:11px ui-monospace,monospace}
"""

_JS: Final = """
(function () {
  "use strict";
  var box = document.getElementById("search");
  var status = document.getElementById("search-status");
  var steps = Array.prototype.slice.call(document.querySelectorAll("details.step"));
  var timer = null;
  var head = document.querySelector("header.top");
  function pinLanes() {
    document.documentElement.style.setProperty("--head", head.offsetHeight + "px");
  }
  pinLanes();
  window.addEventListener("resize", pinLanes);
  var index = null;
  function build() {
    // each step's rows with their text, lowercased once: searching reads only these
    index = steps.map(function (step) {
      return Array.prototype.map.call(step.querySelectorAll(".ev"), function (row) {
        var text = row.textContent + " " + (row.getAttribute("title") || "");
        return { row: row, text: text.toLowerCase(), action: row.classList.contains("action") };
      });
    });
  }
  function show(element, visible) {
    if (element.hidden === visible) { element.hidden = !visible; }
  }
  function reset() {
    steps.forEach(function (step, i) {
      show(step, true);
      step.open = step.getAttribute("data-open") === "1";
      if (index) { index[i].forEach(function (entry) { show(entry.row, true); }); }
    });
    status.textContent = "";
  }
  function apply() {
    var query = box.value.trim().toLowerCase();
    if (!query) { reset(); return; }
    if (!index) { build(); }
    var events = 0, found = 0;
    steps.forEach(function (step, i) {
      var any = false;
      index[i].forEach(function (entry) {
        var hit = entry.text.indexOf(query) !== -1;
        if (hit) { any = true; events += 1; }
        show(entry.row, hit || entry.action);
      });
      show(step, any);
      if (any) { step.open = true; found += 1; }
    });
    status.textContent = events + " event(s) in " + found + " step(s) match";
  }
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(apply, 120);
  });
  document.getElementById("expand").addEventListener("click", function () {
    steps.forEach(function (step) { if (!step.hidden) { step.open = true; } });
  });
  document.getElementById("collapse").addEventListener("click", function () {
    steps.forEach(function (step) { step.open = false; });
  });
  document.querySelectorAll("a.mark, a.badge").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.stopPropagation();
      var step = link.closest("details.step");
      if (step) { step.open = true; }
    });
  });
})();
"""
