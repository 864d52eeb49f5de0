"""`channels-replay load`: recorded sessions as load, on Locust.

The options are checked here (cassettes read, credentials and rewrites parsed), then
Locust runs in a subprocess with the library's locustfile and the settings in its
environment: Locust's import patches the standard library with gevent, which the
rest of the command line must never see.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Literal

import click

from channels_replay.cli._group import main
from channels_replay.cli._replay_commands import _replay_options
from channels_replay.errors import ConfigurationError

__all__ = ["load"]


def _locustfile() -> str:
    spec = importlib.util.find_spec("channels_replay.load.locustfile")
    assert spec is not None
    assert spec.origin is not None
    return spec.origin


def _check_locust() -> None:
    if importlib.util.find_spec("locust") is None:
        raise ConfigurationError(
            "load replay runs on Locust, which is not installed: "
            "pip install 'channels-replay[load]'"
        )


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="CASSETTE_OR_DIR...")
@click.option("--target", required=True, metavar="ws://HOST:PORT", help="The server to load.")
@click.option("--users", "-u", type=click.IntRange(min=1), default=10, show_default=True)
@click.option(
    "--spawn-rate", "-r", type=float, default=10.0, show_default=True, help="Users started per s."
)
@click.option("--run-time", "-t", default="30s", show_default=True, help="e.g. 20s, 3m, 1h30m.")
@click.option(
    "--grace",
    type=float,
    default=0.25,
    show_default=True,
    help="How long (s) the end of a session must stay quiet to be over.",
)
@click.option(
    "--diff-sample",
    type=float,
    default=1.0,
    show_default=True,
    help="Share of sessions diffed against the recording (0: time only).",
)
@click.option(
    "--wait",
    type=float,
    default=0.0,
    show_default=True,
    help="Seconds each user pauses between two sessions.",
)
@click.option(
    "--pool",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON list of identities (credential specs); user N takes the Nth, in turn.",
)
@click.option("--settings", metavar="MODULE", help="Django settings, for noise and redaction.")
@click.option("--csv", "csv_prefix", metavar="PREFIX", help="Write Locust's CSV stats files.")
@click.option("--html", metavar="FILE", help="Write Locust's HTML report.")
@click.option("--master", is_flag=True, help="Run as Locust master (workers do the load).")
@click.option("--worker", is_flag=True, help="Run as a Locust worker of a master.")
@click.option("--master-host", metavar="HOST", help="Where the master is (with --worker).")
@click.option(
    "--master-port", type=int, help="The master's port, to bind or reach (Locust's: 5557)."
)
@click.option("--expect-workers", type=int, help="With --master: workers to wait for.")
@click.option(
    "--locust-option",
    "locust_options",
    multiple=True,
    metavar="ARGS",
    help="More Locust options, passed as written (e.g. --locust-option '--loglevel DEBUG').",
)
@_replay_options
def load(
    paths: tuple[str, ...],
    target: str,
    users: int,
    spawn_rate: float,
    run_time: str,
    grace: float,
    diff_sample: float,
    wait: float,
    pool: Path | None,
    settings: str | None,
    csv_prefix: str | None,
    html: str | None,
    master: bool,
    worker: bool,
    master_host: str | None,
    master_port: int | None,
    expect_workers: int | None,
    locust_options: tuple[str, ...],
    ignore: tuple[str, ...],
    ordering: Literal["strict", "any"],
    pace: Literal["fast", "recorded"],
    timeout: float,
    cassette_timeout: float | None,
    headers: tuple[str, ...],
    query: tuple[str, ...],
    json_values: tuple[str, ...],
    credentials_file: Path | None,
    path_map: tuple[str, ...],
) -> None:
    """Replay cassettes as load on a running server, each virtual user a session at a time.

    Runs Locust headless: every connect and client frame is a request timed from
    the action to its recorded answer, every session one more; a share of sessions
    (--diff-sample) is diffed against the recording, and one with differences is a
    failure. Strings in --header, --query, --json-value, --path-map and the pool may
    hold {user}, the user's number: --path-map /ws/chat/lobby/=/ws/chat/room{user}/
    gives each user a room of its own. Exit code: Locust's (1 when anything failed).
    """
    from channels_replay.load.settings import ENVIRONMENT_VARIABLE, LoadSettings, load_pool

    if master and worker:
        raise ConfigurationError("--master and --worker exclude each other: pick one per process")
    _check_locust()
    load_settings = LoadSettings(
        cassettes=list(paths),
        target=target,
        ignore=ignore,
        ordering=ordering,
        pace=pace,
        timeout=timeout,
        grace=grace,
        headers=headers,
        query=query,
        json=json_values,
        path_map=path_map,
        pool=load_pool(pool) if pool is not None else (),
        diff_sample=diff_sample,
        wait=wait,
        settings=settings,
        credentials_file=None if credentials_file is None else str(credentials_file),
        cassette_timeout=cassette_timeout,
    )
    if settings:
        os.environ["DJANGO_SETTINGS_MODULE"] = settings
        import django

        django.setup()
    load_settings.check()
    argv = [sys.executable, "-m", "locust", "-f", _locustfile(), "--host", load_settings.target]
    if worker:
        argv.append("--worker")
    else:
        argv += ["--headless", "--only-summary", "-u", str(users), "-r", f"{spawn_rate:g}"]
        argv += ["-t", run_time]
        if master:
            argv.append("--master")
        if expect_workers is not None:
            argv += ["--expect-workers", str(expect_workers)]
        if csv_prefix:
            argv += ["--csv", csv_prefix]
        if html:
            argv += ["--html", html]
    if master_host:
        argv += ["--master-host", master_host]
    if master_port is not None:  # the master binds it, a worker connects to it
        argv += ["--master-bind-port" if master else "--master-port", str(master_port)]
    for option in locust_options:
        argv += shlex.split(option)
    env = {**os.environ, ENVIRONMENT_VARIABLE: load_settings.to_json()}
    try:
        completed = subprocess.run(argv, env=env, check=False)
    except KeyboardInterrupt:  # Locust got the same signal and prints its summary
        sys.exit(1)
    sys.exit(completed.returncode)
