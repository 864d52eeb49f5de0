"""Run a real ASGI server in a subprocess on 127.0.0.1, for tests that need real sockets.

`running_server(argv_for_port)` picks a free loopback port, starts the command that
`argv_for_port(port)` returns, and waits until the port accepts TCP connections (polling
with a bounded deadline, never a fixed sleep). It fails at once, with the server's
output, when the process exits before it is ready. On leaving the block the server is
stopped (SIGTERM, then SIGKILL after a bound) unless the test stopped it already.

`uvicorn_argv(app)` is the usual command for `running_server`; `channels-replay record`
builds its own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "HOST",
    "ServerProcess",
    "free_port",
    "running_server",
    "uvicorn_argv",
    "wait_for_port",
]

HOST = "127.0.0.1"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0


def free_port(host: str = HOST) -> int:
    """A TCP port that is free on `host` right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(
    host: str,
    port: int,
    *,
    timeout: float = READY_TIMEOUT,
    alive: Callable[[], bool] = lambda: True,
) -> None:
    """Poll until `host:port` accepts a TCP connection; TimeoutError after `timeout` seconds.

    `alive` is asked between attempts; RuntimeError as soon as it says the server is gone.
    """
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        if _accepts(host, port):
            return
        if not alive():
            raise RuntimeError(f"the server exited before it listened on {host}:{port}")
        if time.monotonic() >= deadline:
            raise TimeoutError(f"nothing accepted connections on {host}:{port} within {timeout:g}s")
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


@dataclass
class ServerProcess:
    """A server started by `running_server`: its process, address and captured output."""

    process: subprocess.Popen[bytes]
    host: str
    port: int
    argv: list[str]
    _stdout: Path
    _stderr: Path
    returncode: int | None = field(default=None)
    _kept: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    def url(self, path: str = "/", *, scheme: str = "http") -> str:
        """`scheme://host:port/path`; `ws_url` for WebSockets."""
        return f"{scheme}://{self.host}:{self.port}{path}"

    def ws_url(self, path: str = "/") -> str:
        return self.url(path, scheme="ws")

    @property
    def stdout(self) -> str:
        """Everything the server printed on stdout so far (kept after the block ends)."""
        if "stdout" in self._kept:
            return self._kept["stdout"]
        return self._stdout.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        """Everything the server printed on stderr so far (kept after the block ends)."""
        if "stderr" in self._kept:
            return self._kept["stderr"]
        return self._stderr.read_text(errors="replace")

    def _keep_output(self) -> None:
        self._kept = {"stdout": self.stdout, "stderr": self.stderr}

    def output(self) -> str:
        """Both streams, labelled, for assertion messages."""
        return f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"

    def wait_for_output(self, text: str, *, timeout: float = READY_TIMEOUT) -> None:
        """Poll the captured stdout and stderr until `text` appears (bounded)."""
        deadline = time.monotonic() + timeout
        while text not in self.stdout and text not in self.stderr:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{text!r} did not appear within {timeout:g}s\n{self.output()}")
            time.sleep(0.02)

    def stop(self, sig: int = signal.SIGTERM, *, timeout: float = STOP_TIMEOUT) -> int:
        """Send `sig` and wait for the exit (SIGKILL after `timeout`); the return code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.returncode = self.process.returncode
        return self.returncode

    def kill(self) -> int:
        """SIGKILL: the server gets no chance to clean up."""
        return self.stop(signal.SIGKILL)


@contextlib.contextmanager
def running_server(
    argv_for_port: Callable[[int], list[str]],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    host: str = HOST,
    ready_timeout: float = READY_TIMEOUT,
) -> Iterator[ServerProcess]:
    """Start the server on a free port of `host`, wait until it listens, stop it afterwards.

    `env` is added to (not substituted for) the current environment.
    """
    port = free_port(host)
    argv = argv_for_port(port)
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with tempfile.TemporaryDirectory(prefix="server-output-") as logs:
        stdout, stderr = Path(logs) / "stdout", Path(logs) / "stderr"
        with stdout.open("wb") as out, stderr.open("wb") as err:
            process = subprocess.Popen(argv, stdout=out, stderr=err, env=full_env, cwd=cwd)
        server = ServerProcess(process, host, port, argv, stdout, stderr)
        try:
            try:
                wait_for_port(
                    host, port, timeout=ready_timeout, alive=lambda: process.poll() is None
                )
            except (TimeoutError, RuntimeError) as exc:
                server.stop()
                server._keep_output()
                raise RuntimeError(f"{exc}: {' '.join(argv)}\n{server.output()}") from None
            yield server
        finally:
            server.stop()
            server._keep_output()


def uvicorn_argv(app: str, *, ws: str = "websockets-sansio") -> Callable[[int], list[str]]:
    """The command line of a plain uvicorn serving `app` (e.g. `example.asgi:application`)."""

    def argv(port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--host",
            HOST,
            "--port",
            str(port),
            "--ws",
            ws,
            "--no-access-log",
        ]

    return argv
