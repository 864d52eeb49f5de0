"""The hand-made corpus of hostile cassettes, through every command that reads one.

Each file either reads faithfully or ends in exit 2 with one `error:` line naming it;
never a traceback, a hang, an internal error or a silently shortened read.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from channels_replay.cassettes import load_cassette
from channels_replay.cassettes._msgpack_codec import MAX_RECORD_BYTES
from channels_replay.cassettes.redaction import Redactor
from tests.fuzz.corpus import CONNECT, END, EVENTS, HEADER, Case, cases, lines, pack
from tests.fuzz.harness import COMMANDS, run_cli, run_commands

CASES = list(cases())


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_command_reads_it_or_says_where_it_is_wrong(case: Case, tmp_path: Path) -> None:
    path = tmp_path / case.filename
    path.write_bytes(case.data)
    # a valid file gets as far as running the app, which sets up Django's test environment:
    # pytest-django has done that in this process already, so those runs get their own
    real = ("replay", "learn-noise") if case.valid else ()
    outcomes = run_commands(path, tmp_path, list(COMMANDS), valid=case.valid, in_subprocess=real)
    bad = [
        (o.command, o.verdict, o.exit_code, o.output[-400:]) for o in outcomes if o.verdict != "ok"
    ]
    assert not bad


def test_a_nil_record_is_an_error_not_the_end(tmp_path: Path) -> None:
    path = tmp_path / "nil.cassette"
    path.write_bytes(pack(HEADER, CONNECT) + b"\xc0" + pack(*EVENTS[1:], END))
    code, output, _ = run_cli(["show", str(path)])
    assert code == 2
    assert f"{path}: record 3 (byte offset " in output
    assert "a nil where a record belongs" in output


def test_valid_values_still_read(tmp_path: Path) -> None:
    """Integers where numbers belong, and the upper ends of the ranges, are fine."""
    close = {**EVENTS[3], "code": 65535, "t": 1}
    path = tmp_path / "edges.jsonl"
    path.write_bytes(lines(HEADER, *EVENTS[:3], close, END))
    cassette = load_cassette(path)
    assert cassette.complete
    assert [event.seq for event in cassette.events] == [0, 1, 2, 3]


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.cassette"
    os.mkfifo(pipe)
    for command in ("show", "convert", "redact", "replay", "learn-noise"):
        args = [part.format(path=pipe, out=tmp_path / "out.cassette") for part in COMMANDS[command]]
        code, output, escaped = run_cli(args, timeout=20)
        assert code == 2, (command, output)
        assert not escaped
        assert f"{pipe}: cannot open the cassette: it is a named pipe" in output, output


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_device_is_refused(device: str) -> None:
    code, output, _ = run_cli(["show", device], timeout=20)
    assert code == 2
    assert f"{device}: cannot open the cassette: it is a character device" in output


def test_a_line_longer_than_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    size = MAX_RECORD_BYTES + 6 * 1024 * 1024  # 70 MiB
    with path.open("wb") as file:
        file.write(lines(HEADER, CONNECT))
        file.write(b'{"seq":1,"t":0,"conn":"c1","kind":"server_frame","text":"')
        chunk = b"x" * (1024 * 1024)
        for _ in range(size // len(chunk)):
            file.write(chunk)
        file.write(b'"}\n')
    peak: list[int] = []
    done = threading.Event()

    def watch() -> None:  # the process's resident memory while the command runs
        while not done.wait(0.02):
            with open("/proc/self/statm") as statm:
                peak.append(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))

    watcher = threading.Thread(target=watch)
    with open("/proc/self/statm") as statm:
        before = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    watcher.start()
    try:
        code, output, _ = run_cli(["show", str(path)])
    finally:
        done.set()
        watcher.join()
    assert code == 2
    assert f"{path}: line 3 (byte offset " in output
    assert "longer than the 64 MiB a record may hold" in output
    # the line is refused once 64 MiB are read: never the whole 70 MiB, nor a copy of it
    assert max(peak, default=before) - before < 2 * MAX_RECORD_BYTES


def test_the_recorder_redacts_a_frame_at_any_depth() -> None:
    deep = '{"token":' + "[" * 5000 + "1" + "]" * 5000 + "}"
    text, count = Redactor().redact_json_text(deep)
    assert (text, count) == ('{"token":"<redacted:json:token>"}', 1)
