"""`replay --jobs N`: the same output and exit code as a serial run, from N processes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from channels_replay.cassettes import ServerFrame, load_cassette, save_cassette
from example.demo import APP
from example.demo import REPLAY_CREDENTIALS as CREDENTIALS
from tests.commands import channels_replay

REPO = Path(__file__).resolve().parents[2]
TIMES = re.compile(r"\(\d+(\.\d+)? ?m?s\)")
NOISE = re.compile(r"[0-9a-f]{32}|\d{4}-\d\d-\d\dT[\d:.+]+")
"""The app's fresh message ids and timestamps, shown in a failure's frames."""


def cassettes_with_one_regression(tmp_path: Path) -> Path:
    """Two copies of each committed cassette; in one chat copy a message text changed."""
    directory = tmp_path / "cassettes"
    directory.mkdir()
    for cassette in sorted((REPO / "cassettes").glob("*.cassette")):
        for copy in (1, 2):
            shutil.copy(cassette, directory / f"{cassette.stem}_{copy}.cassette")
    changed = load_cassette(directory / "chat_2.cassette")
    events = [
        event.model_copy(update={"text": event.text.replace("hi bob!", "hi rob!")})
        if isinstance(event, ServerFrame) and event.text
        else event
        for event in changed.events
    ]
    save_cassette(changed.model_copy(update={"events": events}), directory / "chat_2.cassette")
    return directory


def without_times(text: str) -> str:
    return NOISE.sub("N", TIMES.sub("(T)", text))


def test_jobs_print_the_same_report_and_exit_code_as_a_serial_run(tmp_path: Path) -> None:
    directory = cassettes_with_one_regression(tmp_path)
    serial = channels_replay("replay", str(directory), *APP, *CREDENTIALS)
    parallel = channels_replay("replay", str(directory), "--jobs", "2", *APP, *CREDENTIALS)

    assert serial.returncode == parallel.returncode == 1, serial.stderr + parallel.stderr
    assert "10 cassettes: 1 failed" in parallel.stdout
    assert "FAIL chat_2.cassette" in parallel.stdout
    assert without_times(parallel.stdout) == without_times(serial.stdout)


def test_jobs_give_the_same_json_and_junit(tmp_path: Path) -> None:
    directory = cassettes_with_one_regression(tmp_path)
    reports = []
    for jobs in ("1", "3"):
        junit = tmp_path / f"junit-{jobs}.xml"
        done = channels_replay(
            "replay", str(directory), "--jobs", jobs, "--json", "--junit-xml", str(junit),
            *APP, *CREDENTIALS,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        report = json.loads(done.stdout)
        for cassette in report["cassettes"]:
            cassette.pop("duration_s")
        junit_text = re.sub(r'time="[^"]*"', "", junit.read_text())
        reports.append(without_times(json.dumps(report) + junit_text))
    assert reports[0] == reports[1]
