"""`channels-replay replay` and `learn-noise`: cassettes against the app, in-process."""

from __future__ import annotations

import contextlib
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


CREDENTIAL_OPTIONS = (
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
        help="JSON value for a redacted key in client frames (or jwt, bearer: a token).",
    ),
)
"""--header, --query and --json-value: what was redacted, given on the command line."""


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
            "--cassette-timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=None,
            help="Upper bound (s) of a whole cassette's replay, 300 by default; past it, "
            "nothing more is awaited.",
        ),
        *CREDENTIAL_OPTIONS,
        click.option(
            "--credentials",
            "credentials_file",
            type=click.Path(path_type=Path),
            metavar="FILE",
            help="TOML file of credentials by identity, minted or given "
            "(default: CHANNELS_REPLAY['CREDENTIALS']).",
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
        cassette_timeout: float | None,
        headers: tuple[str, ...],
        query: tuple[str, ...],
        json_values: tuple[str, ...],
        path_map: tuple[str, ...],
        credentials_file: Path | None,
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
            credentials=credentials_file,
            on_blocked=_exit_when_blocked,
        )
        if cassette_timeout is not None:
            config.cassette_timeout = cassette_timeout
        function(environment=environment, config=config, **rest)

    return _app_options(_replay_options(command))


_replaying: list[Path] = []
"""The cassette being replayed, for the message of `_exit_when_blocked`."""


def _exit_when_blocked(message: str) -> None:
    """The app blocked the event loop past --timeout: report it and end the process.

    Called from the watchdog's thread; the app's code cannot be interrupted, so waiting
    for it would hold every bound off for as long as it blocks.
    """
    where = f"{_replaying[-1]}: " if _replaying else ""
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        click.secho(f"error: {where}{message}; stopping here", err=True, fg="red")
        sys.stderr.flush()
    os._exit(EXIT_DIFFERENCES)


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


def _stdout_to_stderr() -> Callable[[], None]:
    """Send whatever is written to stdout to stderr, until the returned function is called.

    For `--json`, whose document must be all that stdout holds (`| jq`). The file
    descriptor is redirected, so print(), logging handlers and structlog loggers that
    hold the `sys.stdout` object, and C extensions, all write to stderr; a stdout
    without a descriptor (an embedding host) is swapped for `sys.stderr` instead.
    """
    sys.stdout.flush()
    try:
        fileno = sys.stdout.fileno()
        saved = os.dup(fileno)
    except (AttributeError, OSError, ValueError):
        swap = contextlib.redirect_stdout(sys.stderr)
        swap.__enter__()

        def unswap() -> None:
            swap.__exit__(None, None, None)

        return unswap
    sys.stderr.flush()
    os.dup2(sys.stderr.fileno(), fileno)

    def restore() -> None:
        sys.stdout.flush()
        os.dup2(saved, fileno)
        os.close(saved)

    return restore


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
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a self-contained HTML report here (sequence diagram, differences marked).",
)
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
    html_file: Path | None = None,
    jobs: int = 1,
) -> None:
    """Replay cassettes against the app and report every difference.

    In-process by default (the app runs in this process, on a fresh test database);
    with --target, against a running server over real sockets.
    Exit code 0: all passed; 1: differences; 2: bad input.
    """
    from asgiref.sync import async_to_sync

    from channels_replay.replay.runner import (
        check_cassette,
        check_named_identities,
        find_cassettes,
        replay_file,
    )

    if html_file is not None and not html_file.resolve().parent.is_dir():
        raise ConfigurationError(
            f"--html {html_file}: the directory {html_file.parent} does not exist; "
            "create it first or write the report elsewhere"
        )
    cassettes = find_cassettes(paths)
    if not cassettes:
        raise ReplayError(f"no cassettes under {', '.join(paths)}: record a session first")
    for path in cassettes:  # bad input is reported before the app is set up
        check_cassette(path)
    check_named_identities(cassettes, config)
    restore_stdout = _stdout_to_stderr() if as_json else None  # the app's prints off the JSON
    results = []
    try:
        if jobs > 1 and len(cassettes) > 1:
            from channels_replay.cli._jobs import replay_in_processes

            results = replay_in_processes(jobs, environment, config, cassettes)
            for path, result in zip(cassettes, results, strict=True):
                _report_one(path, result, as_json, update)
        else:
            app = environment.load_app()
            environment.set_up()
            try:
                show_bar = len(cassettes) > 1 and sys.stderr.isatty() and not as_json
                with click.progressbar(
                    cassettes, label="replaying", file=sys.stderr, hidden=not show_bar
                ) as bar:
                    for path in bar:
                        _replaying.append(path)
                        environment.before_cassette()
                        result = async_to_sync(replay_file)(path, app, config)
                        results.append(result)
                        _report_one(path, result, as_json, update)
            finally:
                environment.tear_down()
    finally:
        if restore_stdout is not None:
            restore_stdout()
    _finish(results, as_json, junit_xml, html_file, update)


def _report_one(path: Path, result: ReplayResult, as_json: bool, update: bool) -> None:
    """One cassette's report (and its rewrite, with --update), as soon as it is replayed."""
    from channels_replay.replay.update import rewrite_cassette
    from channels_replay.reports import render_text

    if update and not result.ok:
        rewrite_cassette(path, result)
    if not as_json:
        click.echo(render_text(result, _style))
        if update and not result.ok:
            click.echo(f"  updated {path} from the current app: {result.changes()}")


def _finish(
    results: list[ReplayResult],
    as_json: bool,
    junit_xml: Path | None,
    html_file: Path | None,
    update: bool,
) -> None:
    """The JSON, JUnit and HTML reports, the verdict line, and the exit code of `replay`."""
    from channels_replay.reports import render_json, render_junit

    if as_json:
        click.echo(render_json(results))
    if junit_xml is not None:
        junit_xml.write_text(render_junit(results), encoding="utf-8")
    if html_file is not None:
        from channels_replay.reports.html import render_html

        try:
            html_file.write_text(render_html(results), encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(
                f"--html {html_file}: cannot write it ({exc.strerror}); "
                "give a path in a writable directory"
            ) from exc
        click.echo(f"HTML report: {html_file}", err=as_json)
    failed = sum(not r.ok for r in results)
    if update and not as_json:
        click.echo(f"updated {failed} of {len(results)} cassette(s)")
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
    from channels_replay.replay.runner import check_cassette

    if runs < 2:
        raise ConfigurationError(
            f"--runs must be at least 2, not {runs}: noise is what differs between replays"
        )
    check_cassette(cassette)  # bad input is reported before the app is set up
    _replaying.append(cassette)
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
