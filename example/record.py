"""Record the scripted sessions of the example app, with the real recorder and dev server.

`python -m example.record OUT_DIR [SESSION ...]` runs `channels-replay record` for
each session (a fresh server, a fresh SQLite database with the demo users), drives
it with real `websockets` clients, and stops it with SIGTERM, which closes the
cassette. `cassettes/` was made this way: `python -m example.record cassettes`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from example.demo import REPO, free_port, prepare_database, wait_for_port
from example.sessions import SESSIONS


def _environment(workdir: Path) -> dict[str, str]:
    env = {**os.environ, "EXAMPLE_DB": str(workdir / "db.sqlite3")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "src"), env.get("PYTHONPATH", "")])
    return env


def record_session(name: str, out: Path, *, quiet: bool = False) -> Path:
    """Record session `name` into `out`; returns the cassette's path."""
    workdir = Path(tempfile.mkdtemp(prefix="channels-replay-record-"))
    env = _environment(workdir)
    prepare_database(env)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "channels_replay.cli",
        "record",
        "--app",
        "example.asgi:application",
        "--out",
        str(out),
        "--port",
        str(port),
    ]
    server = subprocess.Popen(
        command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        wait_for_port(port, server)
        log = (lambda line: None) if quiet else print
        asyncio.run(SESSIONS[name](f"ws://127.0.0.1:{port}", log))
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    if server.returncode != 0:
        raise SystemExit(f"the recording server for {name} failed:\n{output}")
    return out


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    out_dir = Path(argv[0])
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in argv[1:] or list(SESSIONS):
        path = record_session(name, out_dir / f"{name}.cassette", quiet=True)
        print(f"recorded {name} -> {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
