"""The demo: record the example app's sessions on a real server, then replay them.

Run from the repository root: `python -m example.demo`. Each scripted session
(echo, two users chatting, a failed authentication, a validation error, the plain
consumer) is recorded by `channels-replay record` (uvicorn, real websockets
clients, a fresh SQLite database); `channels-replay learn-noise` learns the chat's
timestamps and random ids; `channels-replay replay` replays every cassette
in-process against the app and prints the report. Then the chat cassette is replayed
once more against a deliberately changed variant of the app (`example/changed.py`:
chat messages carry "Alice" where they carried "alice"), to show the difference a
replay reports; that report is also saved beside the cassettes. Exit code 0 when the
unchanged app replays green and the change is caught. Nothing to install or start.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# What the cassettes' redacted credentials are replaced with at replay.
REPLAY_CREDENTIALS = [
    "--header", "alice:authorization=Token alice-secret-token",
    "--header", "bob:authorization=Token bob-secret-token",
    "--query", "bob:token=bob-secret-token",
    "--header", "*:authorization=Token wrong-token",
]  # fmt: skip
APP = ["--app", "example.asgi:application", "--command", "seed_demo"]
# The same app with one deliberate change (example/changed.py), which a replay must catch.
CHANGED = ["--app", "example.changed:application", "--command", "seed_demo"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[str], deadline: float = 30) -> None:
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


def _cli(*args: str) -> int:
    command = [sys.executable, "-m", "channels_replay.cli", *args]
    return subprocess.run(command, cwd=REPO, check=False).returncode


def _cli_to(report: Path, *args: str) -> int:
    """Run the command line, printing its output and saving it into `report` too."""
    command = [sys.executable, "-m", "channels_replay.cli", *args]
    done = subprocess.run(command, cwd=REPO, check=False, capture_output=True, text=True)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    report.write_text(done.stdout, encoding="utf-8")
    return done.returncode


def main() -> None:
    from example.record import record_session
    from example.sessions import SESSIONS

    out = Path(tempfile.mkdtemp(prefix="channels-replay-demo-"))
    print(f"1. recording {len(SESSIONS)} sessions of the example app into {out}")
    for name in SESSIONS:
        print(f"session {name}:")
        record_session(name, out / f"{name}.cassette")
    print("\n2. the chat cassette, as recorded:")
    _cli("show", str(out / "chat.cassette"))
    print("\n3. learning the chat's noise (timestamps, random ids) from three replays:")
    if _cli("learn-noise", str(out / "chat.cassette"), *APP, *REPLAY_CREDENTIALS, "--yes"):
        raise SystemExit("learn-noise failed")
    print("\n4. replaying every cassette against the app:")
    code = _cli("replay", str(out), *APP, *REPLAY_CREDENTIALS)
    if code != 0:
        raise SystemExit(f"demo: replay exited with {code}")
    print(
        "\n5. the chat session against a deliberately changed app (example/changed.py: "
        'chat messages now say "Alice" where they said "alice"):'
    )
    report = out / "changed-chat-report.txt"
    caught = _cli_to(report, "replay", str(out / "chat.cassette"), *CHANGED, *REPLAY_CREDENTIALS)
    if caught != 1:
        raise SystemExit(f"demo: the changed app was not caught (replay exited with {caught})")
    # The HTML report goes here once `replay --html` exists: pass it and print its path.
    print(f"\nthe report of that replay: {report}")
    print("demo done: the recorded sessions replay green, and the change is caught")


if __name__ == "__main__":
    main()
