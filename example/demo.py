"""The demo: run the example app on a real server and click through it with real clients.

Run from the repository root: `python -m example.demo`. Uses a fresh SQLite file
and the in-memory channel layer; nothing else to install or start.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], deadline: float = 30) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if process.poll() is not None:
            raise SystemExit(f"the server exited early with code {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the server did not listen on 127.0.0.1:{port} within {deadline}s")


def prepare_database(env: dict[str, str]) -> None:
    for command in (["migrate", "-v0"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, str(REPO / "example" / "manage.py"), *command],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def main() -> None:
    from example.sessions import SESSIONS

    workdir = Path(tempfile.mkdtemp(prefix="channels-replay-demo-"))
    env = {**os.environ, "EXAMPLE_DB": str(workdir / "db.sqlite3")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "src"), env.get("PYTHONPATH", "")])
    prepare_database(env)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "example.asgi:application", "--port", str(port),
         "--host", "127.0.0.1", "--log-level", "warning"],
        env=env,
        cwd=REPO,
    )
    try:
        wait_for_port(port, server)
        print(f"example app on ws://127.0.0.1:{port}")
        for name, session in SESSIONS.items():
            print(f"session {name}:")
            asyncio.run(session(f"ws://127.0.0.1:{port}", print))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("demo done")


if __name__ == "__main__":
    main()
