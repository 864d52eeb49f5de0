"""`replay --jobs N`: cassettes fanned out over N processes, results back in order.

Each process prepares the app and its own test database once (a database name
suffixed with the job number where the database is not SQLite's in-memory one, as
Django's parallel test runner does), replays its share of the cassettes (every
Nth, so long and short ones spread), and sends the results back; the command
prints and judges them exactly as a serial run would. This process takes the first
share itself.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from channels_replay.replay.result import ReplayResult
    from channels_replay.replay.runner import ReplayConfig

__all__ = ["replay_in_processes"]


def _own_test_databases(job: int) -> None:
    """Give this process's test databases names of their own (not SQLite in memory)."""
    from django.conf import settings

    databases: dict[str, dict[str, Any]] = settings.DATABASES
    for database in databases.values():
        test: dict[str, Any] = database.setdefault("TEST", {})
        in_memory = "sqlite" in str(database.get("ENGINE", "")) and not test.get("NAME")
        if in_memory:
            continue
        name = test.get("NAME") or f"test_{database.get('NAME', 'db')}"
        test["NAME"] = f"{name}_job{job}"


def _replay_share(
    job: int, environment: Any, config: ReplayConfig, paths: list[Path]
) -> list[tuple[Path, ReplayResult]]:
    from asgiref.sync import async_to_sync

    from channels_replay.replay.runner import replay_file

    app = environment.load_app()
    if environment.django:
        _own_test_databases(job)
    environment.set_up()
    results = []
    try:
        for path in paths:
            environment.before_cassette()
            results.append((path, async_to_sync(replay_file)(path, app, config)))
    finally:
        environment.tear_down()
    return results


def replay_in_processes(
    jobs: int, environment: Any, config: ReplayConfig, paths: list[Path]
) -> list[ReplayResult]:
    """Replay `paths` over `jobs` processes (this one included); results in `paths` order.

    The other processes are forked before this one loads Django or the app (where
    the platform forks; spawned elsewhere), so they start without importing anew.
    """
    shares = [share for share in (paths[job::jobs] for job in range(jobs)) if share]
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with context.Pool(len(shares) - 1) as pool:
        pending = [
            pool.apply_async(_replay_share, (job, environment, config, share))
            for job, share in enumerate(shares[1:], 1)
        ]
        done = _replay_share(0, environment, config, shares[0])
        for result in pending:
            done.extend(result.get())
    by_path = dict(done)
    return [by_path[path] for path in paths]
