"""`channels-replay replay` and `learn-noise`: cassettes against the app, in-process."""

from __future__ import annotations

import functools
import io
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from channels_replay.cli._group import EXIT_DIFFERENCES, EXIT_OK, main
from channels_replay.errors import ConfigurationError, ReplayError

if TYPE_CHECKING:
    from channels_replay.replay.result import ReplayResult
    from channels_replay.replay.runner import ReplayConfig

__all__ = ["learn_noise", "replay"]

F = TypeVar("F", bound=Callable[..., Any])


def _app_options(function: F) -> F:
    """Options that say which app to replay against and how to prepare its database."""
    options = [
        click.option(
            "--app",
            "app_path",
            metavar="MODULE:ATTR",
            help="The ASGI application (default: settings.ASGI_APPLICATION's websocket entry).",
        ),
        click.option(
            "--target",
            metavar="ws://HOST:PORT",
            help="Replay against this running server over real sockets instead of in-process.",
        ),
        click.option(
            "--grace",
            type=float,
            default=0.25,
            show_default=True,
            help="With --target: how long (s) the end of a replay must stay quiet to be over.",
        ),
        click.option("--settings", metavar="MODULE", help="Django settings module to use."),
        click.option(
            "--test-db/--no-test-db",
            default=True,
            show_default=True,
            help="Replay against a fresh test database (created like Django's test runner does).",
        ),
        click.option(
            "--command",
            "commands",
            multiple=True,
            metavar="NAME",
            help="Django management command run before each cassette (e.g. to create users).",
        ),
        click.option(
            "--fixture",
            "fixtures",
            multiple=True,
            metavar="FILE",
            help="Fixture loaded before each cassette.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _replay_options(function: F) -> F:
    options = [
        click.option(
            "--ignore", multiple=True, metavar="RULE", help="Noise rule, [ACTION:]PATH[=MATCHER]."
        ),
        click.option(
            "--ordering",
            type=click.Choice(["strict", "any"]),
            default="strict",
            show_default=True,
            help="Whether frames of one step must come in the recorded order.",
        ),
        click.option(
            "--pace",
            type=click.Choice(["fast", "recorded"]),
            default="fast",
            show_default=True,
            help="fast: as fast as the app answers; recorded: with the recorded timing.",
        ),
        click.option(
            "--timeout",
            type=float,
            default=5.0,
            show_default=True,
            help="Upper bound (s) of one collection, for an app that stopped answering.",
        ),
        click.option(
            "--header",
            "headers",
            multiple=True,
            metavar="ID:NAME=VALUE",
            help="Header for a redacted one; ID is a recorded user, a connection id (c2) or *.",
        ),
        click.option(
            "--query",
            multiple=True,
            metavar="ID:NAME=VALUE",
            help="Query parameter for a redacted one.",
        ),
        click.option(
            "--json-value",
            "json_values",
            multiple=True,
            metavar="ID:KEY=VALUE",
            help="JSON value for a redacted key in client frames.",
        ),
        click.option(
            "--path-map", multiple=True, metavar="OLD=NEW", help="Rewrite connection paths."
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _replay_setup(function: Callable[..., None]) -> Callable[..., None]:
    """Give the command an `_Environment` and a `ReplayConfig` built from the shared options."""

    @functools.wraps(function)
    def command(
        *,
        app_path: str | None,
        target: str | None,
        grace: float,
        settings: str | None,
        test_db: bool,
        commands: tuple[str, ...],
        fixtures: tuple[str, ...],
        ignore: tuple[str, ...],
        ordering: Literal["strict", "any"],
        pace: Literal["fast", "recorded"],
        timeout: float,
        headers: tuple[str, ...],
        query: tuple[str, ...],
        json_values: tuple[str, ...],
        path_map: tuple[str, ...],
        **rest: Any,
    ) -> None:
        from channels_replay.replay.runner import ReplayConfig

        if target is not None:
            from channels_replay.drivers import check_target

            target = check_target(target)
            if app_path or commands or fixtures:
                raise ConfigurationError(
                    "--target replays against a running server: --app, --command and --fixture "
                    "are for in-process replay; prepare the server's database yourself"
                )
        environment = _Environment(app_path, settings, test_db, commands, fixtures, target)
        config = ReplayConfig(
            target=target,
            grace=grace,
            ignore=ignore,
            ordering=ordering,
            pace=pace,
            timeout=timeout,
            headers=headers,
            query=query,
            json=json_values,
            path_map=path_map,
        )
        function(environment=environment, config=config, **rest)

    return _app_options(_replay_options(command))


class _Environment:
    """The app and its database, prepared once for all cassettes of a run."""

    def __init__(
        self,
        app_path: str | None,
        settings: str | None,
        test_db: bool,
        commands: Sequence[str],
        fixtures: Sequence[str],
        target: str | None = None,
    ) -> None:
        self.target = target
        self.app_path = app_path
        self.settings = settings
        self.use_test_db = test_db
        self.commands = commands
        self.fixtures = fixtures
        self._old_config: Any = None
        self.django = False

    def load_app(self) -> Any:
        from channels_replay.recorder.install import disable_settings_hook

        disable_settings_hook()  # a replay is never recorded, whatever RECORD says
        if self.target is not None:
            if self.settings:  # for the settings' noise rules and redaction lists
                os.environ["DJANGO_SETTINGS_MODULE"] = self.settings
                _check_settings(self.settings, "--settings")
                import django

                django.setup()
            return None
        from channels_replay.testing.discovery import find_websocket_application, import_application

        sys.path.insert(0, os.getcwd())
        if self.settings:
            os.environ["DJANGO_SETTINGS_MODULE"] = self.settings
        if os.environ.get("DJANGO_SETTINGS_MODULE"):  # before the app, which may need it
            _check_settings(
                os.environ["DJANGO_SETTINGS_MODULE"],
                "--settings" if self.settings else "DJANGO_SETTINGS_MODULE",
            )
            import django

            django.setup()
            self.django = True
        app = import_application(self.app_path) if self.app_path else None
        if os.environ.get("DJANGO_SETTINGS_MODULE"):  # set by the app's module, perhaps
            import django

            django.setup()
            self.django = True
            _check_commands(self.commands)
        elif self.commands or self.fixtures:
            raise ConfigurationError(
                "--command and --fixture need Django settings: pass --settings MODULE "
                "(or set DJANGO_SETTINGS_MODULE)"
            )
        if app is None:
            if not self.django:
                raise ConfigurationError(
                    "no application to replay against: pass --app module:attr, or --settings "
                    "(or DJANGO_SETTINGS_MODULE) for a project with ASGI_APPLICATION"
                )
            return find_websocket_application()
        if getattr(app, "application_mapping", None) is not None or hasattr(app, "inner"):
            try:
                return find_websocket_application(app)
            except ValueError:
                return app
        return app

    def set_up(self) -> None:
        if self.target is not None or not (self.django and self.use_test_db):
            return
        from django.test.utils import setup_databases, setup_test_environment

        setup_test_environment()
        self._old_config = setup_databases(verbosity=0, interactive=False)

    def before_cassette(self) -> None:
        if self.target is not None or not self.django:
            return
        from django.core.management import CommandError, call_command

        if self.use_test_db:
            call_command("flush", interactive=False, verbosity=0)
        quiet = io.StringIO()
        for fixture in self.fixtures:
            try:
                call_command("loaddata", fixture, verbosity=0, stdout=quiet)
            except CommandError as exc:
                raise ConfigurationError(
                    f"--fixture {fixture!r} could not be loaded ({exc}): give a fixture file "
                    "path, or a fixture name found in an app's fixtures/ directory or "
                    "settings.FIXTURE_DIRS"
                ) from exc
        for command in self.commands:
            try:
                call_command(*command.split(), stdout=quiet)
            except CommandError as exc:
                raise ConfigurationError(
                    f"--command {command!r} failed ({exc}): fix the command or its arguments"
                ) from exc

    def tear_down(self) -> None:
        if self._old_config is None:
            return
        from django.test.utils import teardown_databases, teardown_test_environment

        teardown_databases(self._old_config, verbosity=0)
        teardown_test_environment()


def _check_settings(module: str, option: str) -> None:
    """Import the settings module now, so a typo is one line saying what to fix."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise ConfigurationError(
            f"the Django settings module {module!r} (from {option}) does not import ({exc}): "
            "check its dotted name and that it is importable from the current directory"
        ) from exc


def _check_commands(commands: Sequence[str]) -> None:
    """Every --command names a management command, before any database is created."""
    import difflib

    from django.core.management import get_commands

    known = sorted(get_commands())
    for command in commands:
        name = command.split()[0] if command.split() else command
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigurationError(
            f"--command {command!r}: there is no management command {name!r}; {hint}"
            "`django-admin help --settings=...` lists the commands of the project"
        )


def _style(text: str, **styles: Any) -> str:
    return click.style(text, **styles)


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="CASSETTE_OR_DIR...")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--junit-xml", type=click.Path(dir_okay=False, path_type=Path), help="Write JUnit XML here."
)
@click.option("--update", is_flag=True, help="Rewrite the cassettes from the current app.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Replay in this many processes (each its own test database).",
)
@_replay_setup
def replay(
    paths: tuple[str, ...],
    environment: _Environment,
    config: ReplayConfig,
    as_json: bool,
    junit_xml: Path | None,
    update: bool,
    jobs: int,
) -> None:
    """Replay cassettes against the app and report every difference.

    In-process by default (the app runs in this process, on a fresh test database);
    with --target, against a running server over real sockets.
    Exit code 0: all passed; 1: differences; 2: bad input.
    """
    from asgiref.sync import async_to_sync

    from channels_replay.replay.runner import find_cassettes, replay_file
    from channels_replay.replay.update import rewrite_cassette
    from channels_replay.reports import render_text

    cassettes = find_cassettes(paths)
    if not cassettes:
        raise ReplayError(f"no cassettes under {', '.join(paths)}: record a session first")
    if jobs > 1 and len(cassettes) > 1:
        from channels_replay.cli._jobs import replay_in_processes

        results = replay_in_processes(jobs, environment, config, cassettes)
        for path, result in zip(cassettes, results, strict=True):
            if update and not result.ok:
                rewrite_cassette(path, result)
            if not as_json:
                click.echo(render_text(result, _style))
                if update and not result.ok:
                    click.echo(f"  updated {path} from the current app")
        _finish(results, as_json, junit_xml, update)
        return
    app = environment.load_app()
    environment.set_up()
    results = []
    try:
        show_bar = len(cassettes) > 1 and sys.stderr.isatty() and not as_json
        with click.progressbar(
            cassettes, label="replaying", file=sys.stderr, hidden=not show_bar
        ) as bar:
            for path in bar:
                environment.before_cassette()
                result = async_to_sync(replay_file)(path, app, config)
                results.append(result)
                if update and not result.ok:
                    rewrite_cassette(path, result)
                if not as_json:
                    click.echo(render_text(result, _style))
                    if update and not result.ok:
                        click.echo(f"  updated {path} from the current app")
    finally:
        environment.tear_down()
    _finish(results, as_json, junit_xml, update)


def _finish(
    results: list[ReplayResult], as_json: bool, junit_xml: Path | None, update: bool
) -> None:
    """The JSON or the verdict line, the JUnit file, and the exit code of `replay`."""
    from channels_replay.reports import render_json, render_junit

    if as_json:
        click.echo(render_json(results))
    if junit_xml is not None:
        junit_xml.write_text(render_junit(results), encoding="utf-8")
    failed = sum(not r.ok for r in results)
    if not as_json and len(results) > 1:
        verdict = (
            _style("all passed", fg="green") if not failed else _style(f"{failed} failed", fg="red")
        )
        click.echo(f"{len(results)} cassettes: {verdict}")
    sys.exit(EXIT_OK if not failed or update else EXIT_DIFFERENCES)


@main.command("learn-noise")
@click.argument("cassette", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--runs",
    type=click.IntRange(max=20),
    default=3,
    show_default=True,
    help="Replays to compare (at least 2): noise is what differs between them.",
)
@click.option("--yes", is_flag=True, help="Write the proposed rules without asking.")
@_replay_setup
def learn_noise(
    cassette: Path, environment: _Environment, config: ReplayConfig, runs: int, yes: bool
) -> None:
    """Replay CASSETTE against the unchanged app and propose noise rules for what differs.

    A rule is proposed only where the values differ between the replays themselves,
    in frames that line up. Each rule is shown with the values it hides, then the
    rules are written into the cassette (asked first, unless --yes).
    """
    from asgiref.sync import async_to_sync

    from channels_replay.replay.learn import learn_proposals, store_rules

    if runs < 2:
        raise ConfigurationError(
            f"--runs must be at least 2, not {runs}: noise is what differs between replays"
        )
    app = environment.load_app()
    environment.set_up()
    try:
        found = async_to_sync(learn_proposals)(
            cassette, app, config, runs, environment.before_cassette
        )
    finally:
        environment.tear_down()
    notes = found.notes()
    if not found.proposed:
        if not notes:
            click.echo(f"{cassette}: {runs} replays match the recording; no noise rule needed")
            return
        click.echo(f"{cassette}: no noise rule proposed from {runs} replays")
    else:
        click.echo(f"{cassette}: {len(found.proposed)} proposed rule(s) from {runs} replays:")
        for proposal in found.proposed:
            for line in proposal.describe():
                click.echo(f"  {line}")
    if notes:
        click.echo("not learned:")
        for line in notes:
            click.echo(f"  {line}")
    if not found.proposed:
        return
    if not yes:
        if not sys.stdin.isatty():
            click.echo("not written (no terminal to ask): run again with --yes to store them")
            return
        if not click.confirm("write them into the cassette?", default=True):
            click.echo("not written")
            return
    store_rules(cassette, found.rules)
    click.echo(f"written {len(found.proposed)} rule(s) into {cassette}")
