"""`record` and `proxy`: the recording commands of `channels-replay`.

Registered on the `main` group when `channels_replay.cli` is imported. Library errors
(a bad `--app`, DEBUG off without `--force`, a port in use) reach the group, which
prints them as one `error: ...` line and exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from channels_replay.cli._cassette_commands import no_signals_note
from channels_replay.cli._group import main
from channels_replay.errors import RecorderError

if TYPE_CHECKING:  # the recorder (Django, uvicorn) is imported by the commands that run it
    from channels_replay.recorder.session import RecordingSummary

__all__ = ["proxy", "record"]


@main.command()
@click.option(
    "--app",
    "app_path",
    required=True,
    metavar="MODULE:ATTR",
    help="The ASGI application, e.g. example.asgi:application (from the current directory).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="The cassette file (.cassette, or .jsonl for JSON Lines) or a directory.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option("--per-connection", is_flag=True, help="One cassette per connection.")
@click.option("--no-redact", is_flag=True, help="Record secrets as they are (no redaction).")
@click.option("--force", is_flag=True, help="Record even when Django's DEBUG is False.")
@click.option(
    "--ws",
    type=click.Choice(["websockets-sansio", "websockets", "wsproto"]),
    help="uvicorn's WebSocket implementation (default: websockets-sansio).",
)
@click.option(
    "--identity",
    metavar="DOTTED.PATH",
    help="f(scope) -> str | None naming a connection's user where scope['user'] does not, "
    "e.g. channels_replay.identity.jwt_user (default: CHANNELS_REPLAY['IDENTITY']).",
)
@click.option(
    "--snapshot",
    "snapshot",
    multiple=True,
    metavar="APP_LABEL",
    help="Dump this app's rows beside the cassette when it starts, for replay to load "
    "(repeatable; default: CHANNELS_REPLAY['SNAPSHOT']).",
)
def record(
    app_path: str,
    out: Path,
    host: str,
    port: int,
    per_connection: bool,
    no_redact: bool,
    force: bool,
    ws: str | None,
    identity: str | None,
    snapshot: tuple[str, ...],
) -> None:
    """Serve the app on a dev server and record its WebSocket sessions into a cassette.

    Click through the app; Ctrl-C (or SIGTERM) stops the server and closes the cassette.
    """
    from channels_replay.recorder.server import (
        DEFAULT_WS,
        prepare_app_import,
        serve_recording,
        server_label,
    )
    from channels_replay.recorder.session import RecordingSession
    from channels_replay.testing.discovery import import_application

    prepare_app_import(app_path)
    application = import_application(app_path)
    session = RecordingSession(
        out,
        per_connection=per_connection,
        redact=not no_redact,
        force=force,
        app_label=app_path,
        server=server_label(),
        identity=identity,
        snapshot=snapshot or None,
    )

    def announce(url: str) -> None:
        ws_url = "ws" + url.removeprefix("http")
        mode = " (one cassette per connection)" if per_connection else ""
        click.echo(f"channels-replay: listening on {url} (WebSocket: {ws_url}/)")
        click.echo(f"channels-replay: recording to {out}{mode}; Ctrl-C to stop and save")
        if session.snapshot_rows is not None:
            click.echo(
                f"channels-replay: snapshot of {session.snapshot_rows} row(s) goes beside "
                "each cassette (NAME.snapshot.json)"
            )

    summary = serve_recording(
        application, session, host=host, port=port, ws=ws or DEFAULT_WS, on_listening=announce
    )
    _echo_summary(summary)


def _echo_summary(summary: RecordingSummary) -> None:
    """The summary, and one warning line when the cassette(s) hold no signal at all."""
    click.echo(f"channels-replay: {summary.describe()}")
    if summary.files and not summary.signals:
        note = no_signals_note("the recording holds")
        click.secho(f"channels-replay: warning: {note}", err=True, fg="yellow")


def _host_port(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise RecorderError(
            f"--listen {listen!r} is not HOST:PORT, e.g. 127.0.0.1:8765 (port 0: any free port)"
        )
    return host.strip("[]"), int(port)


@main.command()
@click.option(
    "--target",
    required=True,
    metavar="URL",
    help="The WebSocket server to record, e.g. ws://127.0.0.1:8000.",
)
@click.option(
    "--listen",
    default="127.0.0.1:8765",
    show_default=True,
    metavar="HOST:PORT",
    help="Where clients connect instead.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="The cassette file (.cassette, or .jsonl for JSON Lines) or a directory.",
)
@click.option("--per-connection", is_flag=True, help="One cassette per connection.")
@click.option("--no-redact", is_flag=True, help="Record secrets as they are (no redaction).")
@click.option("--force", is_flag=True, help="Record even when Django's DEBUG is False.")
def proxy(
    target: str, listen: str, out: Path, per_connection: bool, no_redact: bool, force: bool
) -> None:
    """Record the WebSocket sessions of any server through a relaying proxy.

    Point clients at --listen; every connection is relayed to --target (same path, query
    string, headers and subprotocols) and recorded. Ctrl-C (or SIGTERM) stops it.
    """
    from channels_replay.recorder.proxy import run_proxy
    from channels_replay.recorder.session import RecordingSession

    host, port = _host_port(listen)
    session = RecordingSession(
        out,
        per_connection=per_connection,
        redact=not no_redact,
        force=force,
        app_label=target,
        server="channels-replay proxy",
    )

    def announce(url: str) -> None:
        click.echo(f"channels-replay: proxy listening on {url}, relaying to {target}")
        click.echo(f"channels-replay: recording to {out}; Ctrl-C to stop and save")

    summary = run_proxy(target, session, host=host, port=port, on_listening=announce)
    _echo_summary(summary)
