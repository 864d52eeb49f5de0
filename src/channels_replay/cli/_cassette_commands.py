"""`show`, `convert` and `redact`: the cassette commands of `channels-replay`.

Registered on the `main` group when `channels_replay.cli` is imported. Library errors
(`CassetteError`) reach the group, which prints them as one `error: ...` line, exit 2.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from channels_replay.cli._group import main, printable
from channels_replay.errors import ConfigurationError
from channels_replay.signals import SignalKind, SignalNames

if TYPE_CHECKING:
    from channels_replay.cassettes import CassetteForm, CassetteHeader, CassetteReader, Event

__all__ = ["convert", "no_signals_note", "redact", "show"]

_EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_NEW_FILE = click.Path(dir_okay=False, writable=True, path_type=Path)
_FORM = click.Choice(["msgpack", "jsonl"])
_SIGNAL_KINDS: tuple[SignalKind, ...] = ("authentication", "complete", "group_complete")
# The cassette model (pydantic) and the codecs are imported by the commands that use them,
# so that `channels-replay --help` starts fast.


def no_signals_note(what: str = "the cassette holds") -> str:
    """What it means for replay that a recording holds no signal frames at all."""
    return (
        f"{what} no signals at all: replay will go by recorded frame counts and, "
        "in-process, by when the app is done"
    )


@main.command()
@click.argument("cassette", type=_EXISTING_FILE)
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines records instead.")
@click.option("--conn", "conn", metavar="ID", help="Only the events of this connection.")
@click.option(
    "--width",
    type=click.IntRange(min=0),
    default=None,
    help="Cut lines to this many characters (default: the terminal's width; 0: never).",
)
@click.option(
    "--html",
    "html_file",
    type=_NEW_FILE,
    help="Write the recording as a sequence diagram to this self-contained HTML file.",
)
def show(
    cassette: Path,
    as_json: bool,
    conn: str | None,
    width: int | None,
    html_file: Path | None = None,
) -> None:
    """Print a cassette as a timeline, one line per event.

    Columns: seq, time offset, connection, direction (-> client to server, <- server to
    client), kind, and what was sent (a JSON frame's action and payload). The header
    says which signal convention the cassette was recorded with; the end, each
    connection's user and how many signals the cassette holds. With --html, the
    recording is drawn as the replay's HTML report draws it instead.
    """
    if html_file is not None:
        from channels_replay.cassettes import load_cassette
        from channels_replay.cassettes.identities import with_identities
        from channels_replay.reports.html import render_cassette_html

        page = render_cassette_html(with_identities(load_cassette(cassette)), cassette.name)
        try:
            html_file.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(
                f"--html {html_file}: cannot write it ({exc.strerror}); "
                "give a path in a writable directory"
            ) from exc
        click.echo(f"HTML: {html_file}")
        return
    from channels_replay.cassettes import open_cassette

    if width is None:
        width = shutil.get_terminal_size((120, 24)).columns
    with open_cassette(cassette) as reader:
        lines = _json_lines(reader, conn) if as_json else _timeline(reader, conn)
        try:
            for line in lines:
                click.echo(printable(line) if as_json else _cut(printable(line), width))
        except BrokenPipeError:  # `channels-replay show x | head`
            _silence_stdout()
            return
    if not as_json and not reader.complete:
        click.secho(f"warning: {printable(reader.problem or '')}", err=True, fg="yellow")


def _timeline(reader: CassetteReader, conn: str | None) -> Iterator[str]:
    from channels_replay.cassettes import ConnectEvent, ServerFrame
    from channels_replay.cassettes.identities import identity_in_frame

    yield from _header_lines(reader, reader.header)
    yield f"{'seq':>6}  {'t':>9}  {'conn':<8} dir  {'kind':<17} detail"
    names = reader.header.signal_names()
    shown = 0
    connections: dict[str, str | None] = {}  # conn -> the user of its connect event
    named: set[str] = set()  # connections whose user only their authentication frame names
    signals: Counter[SignalKind] = Counter()
    for event in reader:
        if isinstance(event, ConnectEvent):
            connections[event.conn] = event.user
        else:
            connections.setdefault(event.conn, None)
        kind = names.kind_of(event.text) if isinstance(event, ServerFrame) else None
        if kind is not None:
            signals[kind] += 1
            if kind == "authentication" and connections[event.conn] is None:
                connections[event.conn] = identity_in_frame(cast(ServerFrame, event).text, names)
                named.update([event.conn] if connections[event.conn] else [])
        if conn is not None and event.conn != conn:
            continue
        shown += 1
        yield _event_line(event, names.action_key)
    on = f"connection {conn}" if conn is not None else f"{len(connections)} connection(s)"
    yield f"{shown} event(s) on {on}"
    if conn is not None and conn not in connections:
        known = ", ".join(connections) or "none"
        yield f"no events of connection {conn!r} (connections: {known})"
    if connections:
        users = (
            f"{name} {user or '(no user)'}{' (from its authentication frame)' * (name in named)}"
            for name, user in connections.items()
        )
        yield f"users: {', '.join(users)}"
    if signals:
        held = ", ".join(f"{kind} {signals[kind]}" for kind in _SIGNAL_KINDS)
        yield f"signals held: {held}"
    else:
        yield no_signals_note()


def _convention(header: CassetteHeader) -> str:
    """The signal convention the cassette was recorded with, on one line."""
    names = header.signal_names()
    if names == SignalNames():
        which = "the defaults" if header.signals is not None else "the defaults (not recorded)"
        return (
            f"signal convention: {which}, action key {names.action_key!r}; "
            f"{', '.join(_SIGNAL_KINDS)}"
        )
    return (
        f"signal convention: action key {names.action_key!r}; authentication "
        f"{names.authentication!r}, complete {names.complete!r}, "
        f"group_complete {names.group_complete!r}"
    )


def _header_lines(reader: CassetteReader, header: CassetteHeader) -> Iterator[str]:
    from channels_replay.snapshots import header_snapshot

    created = header.created_at.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    by = f" by channels-replay {header.library_version}" if header.library_version else ""
    version = f"format version {reader.source_version}"
    if reader.source_version != header.version:
        version += f", read as {header.version}"
    yield f"{reader.name}: {reader.form}, {version}"
    yield f"recorded {created}{by}"
    details = [f"app {header.app}" if header.app else ""]
    details.append(f"server {header.server}" if header.server else "")
    details.append(f"redacted: {'yes' if header.redacted else 'no'}")
    if header.noise:
        details.append(f"{len(header.noise)} noise rule(s)")
    yield ", ".join(detail for detail in details if detail)
    yield _convention(header)
    snapshot = header_snapshot(reader.name, header)
    if snapshot is not None:
        state = "beside it" if snapshot.is_file() else "MISSING: replay will fail"
        yield f"database snapshot: {snapshot.name} ({state})"


def _event_line(event: Event, action_key: str) -> str:
    from channels_replay.cassettes import ClientDisconnect, ClientFrame, ConnectEvent

    arrow = "->" if isinstance(event, ConnectEvent | ClientFrame | ClientDisconnect) else "<-"
    conn = event.conn if len(event.conn) <= 8 else event.conn[:7] + "~"
    line = f"{event.seq:>6}  {event.t:>8.3f}s  {conn:<8} {arrow}   {event.kind:<17} "
    return (line + _detail(event, action_key)).rstrip()


def _detail(event: Event, action_key: str) -> str:
    from channels_replay.cassettes import (
        ClientDisconnect,
        ClientFrame,
        ConnectEvent,
        ServerClose,
        ServerFrame,
    )

    if isinstance(event, ClientFrame | ServerFrame):
        if event.data is not None:
            return f"{len(event.data)} bytes {event.data[:16].hex(' ')}"
        return _describe_text(event.text or "", action_key)
    if isinstance(event, ConnectEvent):
        target = event.path + (f"?{event.query_string}" if event.query_string else "")
        extras = [f"[{', '.join(event.subprotocols)}]" if event.subprotocols else ""]
        extras.append(f"user={event.user}" if event.user else "")
        return " ".join([target, *filter(None, extras)])
    if isinstance(event, ServerClose):
        refused = f"refused: HTTP {event.status}, " if event.status is not None else ""
        return f"{refused}code {event.code}" + (f" {event.reason!r}" if event.reason else "")
    if isinstance(event, ClientDisconnect):
        return f"code {event.code}"
    return event.subprotocol or ""


def _describe_text(text: str, action_key: str) -> str:
    from channels_replay._json import loads_bounded

    try:
        document = loads_bounded(text)
    except ValueError:  # not JSON, or nested too deep to render
        return repr(text)
    if isinstance(document, dict) and isinstance(document.get(action_key), str):
        action: str = document[action_key]
        rest = {key: value for key, value in document.items() if key != action_key}
        body = rest.get("payload") if set(rest) == {"payload"} else rest
        return f"{action} {_compact(body)}" if rest else action
    return _compact(document)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _cut(line: str, width: int) -> str:
    if width and len(line) > width:
        return line[: max(width - 3, 0)] + "..."
    return line


def _json_lines(reader: CassetteReader, conn: str | None) -> Iterator[str]:
    from channels_replay.cassettes import event_to_record, header_to_record, json_line

    yield json_line(header_to_record(reader.header))
    shown = 0
    for event in reader:
        if conn is None or event.conn == conn:
            shown += 1
            yield json_line(event_to_record(event))
    end: dict[str, Any] = {"record": "end", "events": shown, "complete": reader.complete}
    if reader.problem:
        end["problem"] = reader.problem
    yield json_line(end)


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the exit flush does not fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file descriptor
        pass


@main.command()
@click.argument("source", type=_EXISTING_FILE)
@click.argument("target", type=_NEW_FILE, required=False)
@click.option("--form", type=_FORM, help="The form to write (default: from TARGET's extension).")
@click.option(
    "--stdout", "to_stdout", is_flag=True, help="Print the cassette as JSON Lines instead."
)
def convert(source: Path, target: Path | None, form: str | None, to_stdout: bool) -> None:
    """Convert a cassette between msgpack and JSON Lines (.jsonl).

    The form of SOURCE is read from its content; TARGET's form is --form, else its
    extension (.jsonl for JSON Lines, anything else the msgpack stream). With --stdout
    and no TARGET, the cassette is printed as JSON Lines (what `git diff` shows of a
    cassette after `channels-replay git-setup`).
    """
    from channels_replay.cassettes import convert_cassette, detect_form, form_for_path

    if to_stdout:
        if target is not None or form == "msgpack":
            raise click.UsageError("--stdout prints JSON Lines: give no TARGET and no --form")
        convert_cassette(source, sys.stdout.buffer, form="jsonl")
        return
    if target is None:
        raise click.UsageError("give a TARGET file, or --stdout to print JSON Lines")
    source_form = detect_form(source)
    target_form = cast("CassetteForm", form) if form else form_for_path(target)
    count = convert_cassette(source, target, form=target_form)
    click.echo(f"converted {count} event(s): {source} ({source_form}) -> {target} ({target_form})")


@main.command()
@click.argument("source", type=_EXISTING_FILE)
@click.argument("target", type=_NEW_FILE, required=False)
@click.option("--header", "headers", multiple=True, metavar="NAME", help="Also redact this header.")
@click.option(
    "--query-param", "query_params", multiple=True, metavar="NAME", help="Also this parameter."
)
@click.option("--json-key", "json_keys", multiple=True, metavar="NAME", help="Also this JSON key.")
@click.option(
    "--pattern",
    "patterns",
    multiple=True,
    metavar="REGEX",
    help="Also names where this regular expression is found.",
)
@click.option("--allow", multiple=True, metavar="NAME", help="Never redact this name.")
def redact(
    source: Path,
    target: Path | None,
    headers: tuple[str, ...],
    query_params: tuple[str, ...],
    json_keys: tuple[str, ...],
    patterns: tuple[str, ...],
    allow: tuple[str, ...],
) -> None:
    """Redact the secrets in a cassette recorded with redaction off.

    Writes TARGET, or replaces SOURCE when TARGET is omitted (through a temporary file
    renamed into place). Redacts what is redacted at record time by default (see
    docs/security.md) and the names and patterns given with the options.
    """
    from channels_replay.cassettes import redact_cassette_file
    from channels_replay.cassettes.redaction import Redactor

    try:
        redactor = Redactor().extended(
            headers=headers,
            query_params=query_params,
            json_keys=json_keys,
            patterns=patterns,
            allow=allow,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    summary = redact_cassette_file(source, target, redactor=redactor)
    written = target if target is not None else source
    click.echo(f"redacted {summary.redacted} value(s) in {summary.events} event(s): {written}")
