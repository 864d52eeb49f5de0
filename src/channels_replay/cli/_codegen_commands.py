"""`codegen`: write a recorded session as an editable WebsocketTestCase module."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from channels_replay.cli._group import main

__all__ = ["codegen"]


@main.command()
@click.argument("cassette", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the module here (default: print it).",
)
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="ID:NAME=VALUE",
    help="Header for a redacted one; ID is a recorded user, a connection id (c2) or *.",
)
@click.option(
    "--query", multiple=True, metavar="ID:NAME=VALUE", help="Query parameter for a redacted one."
)
@click.option(
    "--json-value",
    "json_values",
    multiple=True,
    metavar="ID:KEY=VALUE",
    help="JSON value for a redacted key in client frames.",
)
@click.option(
    "--ignore", multiple=True, metavar="RULE", help="Noise rule, [ACTION:]PATH[=MATCHER]."
)
@click.option(
    "--command",
    "commands",
    multiple=True,
    metavar="NAME",
    help="Django management command the test's setUp runs (e.g. to create users).",
)
@click.option(
    "--messages",
    metavar="MODULE",
    help="The app's module of pydantic message models: client frames are sent as models.",
)
def codegen(
    cassette: Path,
    out: Path | None,
    force: bool,
    headers: tuple[str, ...],
    query: tuple[str, ...],
    json_values: tuple[str, ...],
    ignore: tuple[str, ...],
    commands: tuple[str, ...],
    messages: str | None,
) -> None:
    """Write CASSETTE's session as a WebsocketTestCase module to edit and keep.

    Each step is a comment, the client's action and assertions on what the server
    sent: the authentication message, the frames up to each complete / group_complete
    signal, closes. Values the noise rules cover (the cassette's and --ignore's) are
    `ANY`. Redacted credentials are filled in from --header/--query/--json-value, as
    replay does.
    """
    from channels_replay.cassettes import load_cassette
    from channels_replay.codegen import CodegenOptions, generate_testcase
    from channels_replay.errors import ConfigurationError
    from channels_replay.replay.noise import NoiseRules
    from channels_replay.replay.substitution import Credentials

    if out is not None and out.exists() and not force:
        raise ConfigurationError(f"{out} exists: pass --force to overwrite it")
    credentials = Credentials.parse("header", headers)
    credentials.extend("query", query)
    credentials.extend("json", json_values)
    try:
        rules = NoiseRules.parse(ignore)
    except ValueError as exc:
        raise ConfigurationError(f"bad --ignore rule: {exc}") from None
    if messages is not None and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    options = CodegenOptions(
        source=cassette.as_posix(),
        credentials=credentials,
        rules=rules,
        commands=commands,
        messages_module=messages,
    )
    source = generate_testcase(load_cassette(cassette), options)
    if out is None:
        click.echo(source, nl=False)
        return
    out.write_text(source, encoding="utf-8")
    click.echo(f"wrote {out}: the session of {cassette} as a test; edit it and keep it")
