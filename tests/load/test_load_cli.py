"""`channels-replay load` against real uvicorn servers of the example app, Locust in earnest.

A few users for a few seconds: the unchanged app answers every diffed session as
recorded (no failure) and Locust writes its CSV stats; a variant that changes chat
messages shows as failures listing the difference. The command line itself never
imports Locust or gevent.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.recorder.helpers import REPO
from tests.servers import HOST, ServerProcess, free_port

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("locust") is None,  # never imported here: it patches with gevent
    reason="load replay needs Locust: pip install -e '.[load]'",
)

CASSETTES = REPO / "cassettes"
RUN_BOUND = 120.0
CHAT_OPTIONS = [
    "--path-map",
    "/ws/chat/lobby/=/ws/chat/room{user}/",
    "--ignore",
    "chat_message:payload.room",
]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "src")])
    return subprocess.run(
        [sys.executable, "-m", "channels_replay.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or REPO,
        timeout=RUN_BOUND,
        check=False,
    )


def target(server: ServerProcess) -> str:
    return f"ws://{server.host}:{server.port}"


def stats_rows(prefix: Path) -> list[dict[str, str]]:
    with Path(f"{prefix}_stats.csv").open(newline="") as stats:
        return list(csv.DictReader(stats))


def test_the_command_line_never_imports_locust_or_gevent() -> None:
    code = (
        "import sys\n"
        "from channels_replay.cli import main\n"
        "try:\n"
        "    main(['load', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "--users" in done.stdout


def test_the_unchanged_app_under_load_has_no_failures_and_csv_stats(
    example_server: ServerProcess, pool_file: Path, tmp_path: Path
) -> None:
    prefix = tmp_path / "stats"
    done = run_cli(
        "load",
        str(CASSETTES / "chat.cassette"),
        str(CASSETTES / "echo.cassette"),
        "--target",
        target(example_server),
        "--users",
        "4",
        "--spawn-rate",
        "4",
        "--run-time",
        "4s",
        "--pool",
        str(pool_file),
        *CHAT_OPTIONS,
        "--csv",
        str(prefix),
        "--html",
        str(tmp_path / "report.html"),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {(row["Type"], row["Name"]): row for row in stats_rows(prefix)}
    assert rows[("diffed", "chat")]["Failure Count"] == "0"
    assert int(rows[("diffed", "chat")]["Request Count"]) >= 4
    assert int(rows[("diffed", "echo")]["Request Count"]) >= 4
    assert rows[("WS", "chat 3: c1 message")]["Failure Count"] == "0"
    assert rows[("", "Aggregated")]["Failure Count"] == "0"
    assert float(rows[("WS", "echo 2: c1 echo")]["50%"]) > 0
    assert (tmp_path / "report.html").read_text().lower().startswith("<!doctype html")
    assert "load: " in done.stderr  # the progress line
    assert "Response time percentiles" in done.stdout + done.stderr


def test_a_wrong_answer_under_load_is_a_diff_failure(
    broken_server: ServerProcess, tmp_path: Path
) -> None:
    prefix = tmp_path / "stats"
    done = run_cli(
        "load",
        str(CASSETTES / "chat.cassette"),
        "--target",
        target(broken_server),
        "--users",
        "3",
        "--spawn-rate",
        "3",
        "--run-time",
        "3s",
        "--header",
        "alice:authorization=Token alice-secret-token",
        "--query",
        "bob:token=bob-secret-token",
        *CHAT_OPTIONS,
        "--csv",
        str(prefix),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    rows = {(row["Type"], row["Name"]): row for row in stats_rows(prefix)}
    diffed = rows[("diffed", "chat")]
    assert int(diffed["Failure Count"]) == int(diffed["Request Count"]) > 0
    with Path(f"{prefix}_failures.csv").open(newline="") as failures:
        errors = [row for row in csv.DictReader(failures) if row["Method"] == "diffed"]
    # One kind of failure is one row, its values (ids, times) left out of the message.
    (error,) = errors
    assert "step 3 on c1: changed chat_message payload.text" in error["Error"]
    assert "step 4 on c2: changed chat_message payload.text" in error["Error"]
    assert error["Occurrences"] == diffed["Failure Count"]
    assert rows[("WS", "chat 3: c1 message")]["Failure Count"] == "0"  # answered, wrongly


def test_a_sample_of_zero_times_sessions_without_diffing(
    broken_server: ServerProcess, tmp_path: Path
) -> None:
    prefix = tmp_path / "stats"
    done = run_cli(
        "load",
        str(CASSETTES / "chat.cassette"),
        "--target",
        target(broken_server),
        "-u",
        "2",
        "-r",
        "2",
        "-t",
        "2s",
        "--header",
        "alice:authorization=Token alice-secret-token",
        "--query",
        "bob:token=bob-secret-token",
        *CHAT_OPTIONS,
        "--diff-sample",
        "0",
        "--csv",
        str(prefix),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {(row["Type"], row["Name"]): row for row in stats_rows(prefix)}
    assert ("diffed", "chat") not in rows
    assert int(rows[("session", "chat")]["Request Count"]) > 0


def test_cassette_user_in_a_locustfile_of_ones_own(
    example_server: ServerProcess, tmp_path: Path
) -> None:
    locustfile = tmp_path / "locustfile.py"
    locustfile.write_text(
        "from channels_replay.load import CassetteUser\n"
        "\n"
        "class Echo(CassetteUser):\n"
        f"    cassettes = [{str(CASSETTES / 'echo.cassette')!r}]\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "src")])
    prefix = tmp_path / "own"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(locustfile),
            "--headless",
            "--only-summary",
            "-u",
            "2",
            "-r",
            "2",
            "-t",
            "2s",
            "--host",
            target(example_server),
            "--csv",
            str(prefix),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=RUN_BOUND,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {(row["Type"], row["Name"]): row for row in stats_rows(prefix)}
    assert int(rows[("diffed", "echo")]["Request Count"]) > 0
    assert rows[("diffed", "echo")]["Failure Count"] == "0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nothing-here.cassette", "--target", "ws://127.0.0.1:9"], "no cassette at"),
        ([str(CASSETTES / "echo.cassette"), "--target", "http://x"], "is not a WebSocket"),
        (
            [
                str(CASSETTES / "echo.cassette"),
                "--target",
                "ws://127.0.0.1:9",
                "--diff-sample",
                "2",
            ],
            "--diff-sample 2 is not a share",
        ),
        (
            [str(CASSETTES / "chat.cassette"), "--target", "ws://127.0.0.1:9", "--header", "bad"],
            "bad --header 'bad'",
        ),
    ],
)
def test_bad_options_are_one_error_line_before_locust_starts(args: list[str], message: str) -> None:
    done = run_cli("load", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error: ")
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert "locust" not in done.stderr.lower()


def test_master_and_worker_pass_through_to_locusts_distribution(
    example_server: ServerProcess, tmp_path: Path
) -> None:
    port = str(free_port())
    common = [str(CASSETTES / "echo.cassette"), "--target", target(example_server)]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "src")])
    cli = [sys.executable, "-m", "channels_replay.cli", "load"]
    with subprocess.Popen(
        [*cli, *common, "--worker", "--master-host", HOST, "--master-port", port],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=REPO,
    ) as worker:
        try:
            master = run_cli(
                "load",
                *common,
                "--master",
                "--expect-workers",
                "1",
                "--master-port",
                port,
                "-u",
                "2",
                "-r",
                "2",
                "-t",
                "3s",
                "--csv",
                str(tmp_path / "stats"),
            )
            worker.wait(timeout=RUN_BOUND)
        finally:
            worker.kill()
        assert worker.stdout is not None
        worker_output = worker.stdout.read().decode()
    assert master.returncode == 0, master.stdout + master.stderr + worker_output
    rows = {(row["Type"], row["Name"]): row for row in stats_rows(tmp_path / "stats")}
    assert int(rows[("diffed", "echo")]["Request Count"]) > 0  # counted by the worker
    assert rows[("diffed", "echo")]["Failure Count"] == "0"


def test_the_credentials_file_gives_every_user_its_values(
    example_server: ServerProcess, tmp_path: Path
) -> None:
    credentials = tmp_path / "replay.toml"
    credentials.write_text(
        '[alice]\nheaders = { authorization = "Token alice-secret-token" }\n'
        '[bob]\nquery = { token = "bob-secret-token" }\n'
    )
    prefix = tmp_path / "stats"
    done = run_cli(
        "load",
        str(CASSETTES / "chat.cassette"),
        "--target",
        target(example_server),
        *("-u", "2", "-r", "2", "-t", "3s"),
        "--credentials",
        str(credentials),
        *CHAT_OPTIONS,
        "--csv",
        str(prefix),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {(row["Type"], row["Name"]): row for row in stats_rows(prefix)}
    assert rows[("diffed", "chat")]["Failure Count"] == "0"
    assert int(rows[("diffed", "chat")]["Request Count"]) >= 2
