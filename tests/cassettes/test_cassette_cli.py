"""`channels-replay show`, `convert` and `redact`, through click's runner and one real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from channels_replay.cassettes import (
    FORMAT_VERSION,
    AcceptEvent,
    CassetteHeader,
    CassetteWriter,
    ConnectEvent,
    Event,
    ServerClose,
    ServerFrame,
    detect_form,
    load_cassette,
)
from channels_replay.cli import main
from channels_replay.signals import SignalNames

BIN = Path(sys.executable).parent / "channels-replay"


@pytest.fixture
def cassette(tmp_path: Path, header: CassetteHeader, events: list[Event]) -> Path:
    path = tmp_path / "session.cassette"
    with CassetteWriter(path, header) as writer:
        for event in events:
            writer.write(event)
    return path


@pytest.fixture
def cut(tmp_path: Path, cassette: Path) -> Path:
    path = tmp_path / "cut.cassette"
    path.write_bytes(cassette.read_bytes()[:-30])
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_show_timeline(cassette: Path, events: list[Event]) -> None:
    code, out, err = _run("show", str(cassette), "--width", "0")
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == f"{cassette}: msgpack, format version {FORMAT_VERSION}"
    assert "by channels-replay 0.1.0" in lines[1]
    assert "app example.asgi:application, server uvicorn 0.30, redacted: no" in lines[2]
    assert lines[3] == (
        "signal convention: the defaults (not recorded), action key 'action'; "
        "authentication, complete, group_complete"
    )
    body = [line for line in lines if line[:6].strip().isdigit()]
    assert len(body) == len(events)
    assert body[0].split() == [
        "0",
        "0.000s",
        "c1",
        "->",
        "connect",
        "/ws/chat/?room=lobby&token=abc",
        "[chat.v1,",
        "chat.v2]",
        "user=alice",
    ]
    assert body[1].split()[3:] == ["<-", "accept", "chat.v1"]
    assert body[2].split()[3:] == ["->", "client_frame", "ping", "null"]
    assert "<-   server_frame      'héllo ✓" in body[3]
    assert "256 bytes 00 01 02" in body[5]
    assert body[7].split()[3:] == ["<-", "server_close", "code", "4001", "'bye'"]
    assert body[8].split()[3:] == ["->", "client_disconnect", "code", "1001"]
    assert lines[-3] == f"{len(events)} event(s) on 2 connection(s)"
    assert lines[-2] == "users: c1 alice, c1-b (no user)"
    assert lines[-1] == (
        "the cassette holds no signals at all: replay will go by recorded frame counts "
        "and, in-process, by when the app is done"
    )


def test_show_a_v1_cassette_its_convention_users_and_signals() -> None:
    v1 = Path(__file__).parent / "data" / "v1" / "chat.cassette"
    code, out, err = _run("show", str(v1), "--width", "0")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"{v1}: msgpack, format version 1, read as {FORMAT_VERSION}"
    assert lines[3] == (
        "signal convention: the defaults, action key 'action'; "
        "authentication, complete, group_complete"
    )
    assert lines[-3:] == [
        "20 event(s) on 2 connection(s)",
        "users: c1 alice, c2 bob",
        "signals held: authentication 2, complete 2, group_complete 4",
    ]
    _, out, _ = _run("show", str(v1), "--conn", "c2")  # the whole cassette's, still
    assert out.splitlines()[-2:] == lines[-2:]


def test_show_a_custom_convention_and_a_refusal(tmp_path: Path) -> None:
    names = SignalNames(action_key="type", authentication="hi", complete="done")
    path = tmp_path / "custom.jsonl"
    with CassetteWriter(path, CassetteHeader(signals=names)) as writer:
        writer.write(ConnectEvent(seq=0, conn="c1", t=0.0, path="/ws/", user="carol"))
        writer.write(AcceptEvent(seq=1, conn="c1", t=0.1))
        writer.write(ServerFrame(seq=2, conn="c1", t=0.2, text='{"type":"hi","payload":1}'))
        writer.write(ServerFrame(seq=3, conn="c1", t=0.3, text='{"action":"complete"}'))
        writer.write(ServerFrame(seq=4, conn="c1", t=0.4, text='{"type":"done"}'))
        writer.write(ConnectEvent(seq=5, conn="c2", t=0.5, path="/ws/"))
        writer.write(ServerClose(seq=6, conn="c2", t=0.6, code=1006, reason="nope", status=401))
    code, out, _ = _run("show", str(path), "--width", "0")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"{path}: jsonl, format version {FORMAT_VERSION}"
    assert lines[3] == (
        "signal convention: action key 'type'; authentication 'hi', complete 'done', "
        "group_complete 'group_complete'"
    )
    body = [line for line in lines if line[:6].strip().isdigit()]
    assert body[2].split()[3:] == ["<-", "server_frame", "hi", "1"]
    assert body[4].split()[3:] == ["<-", "server_frame", "done"]
    assert body[6].split()[3:] == [
        "<-", "server_close", "refused:", "HTTP", "401,", "code", "1006", "'nope'"
    ]  # fmt: skip
    assert lines[-2:] == [
        "users: c1 carol, c2 (no user)",
        "signals held: authentication 1, complete 1, group_complete 0",
    ]


def test_show_cuts_lines_to_the_width(cassette: Path) -> None:
    _, out, _ = _run("show", str(cassette), "--width", "50")
    assert max(len(line) for line in out.splitlines()) <= 50
    assert any(line.endswith("...") for line in out.splitlines())


def test_show_filters_a_connection(cassette: Path) -> None:
    _, out, _ = _run("show", str(cassette), "--conn", "c1-b")
    body = [line for line in out.splitlines() if line[:6].strip().isdigit()]
    assert [line.split()[0] for line in body] == ["9", "10", "11"]
    assert out.splitlines()[-3] == "3 event(s) on connection c1-b"
    _, out, _ = _run("show", str(cassette), "--conn", "nobody")
    assert "no events of connection 'nobody' (connections: c1, c1-b)" in out


def test_show_json(cassette: Path, events: list[Event]) -> None:
    code, out, _ = _run("show", str(cassette), "--json")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert records[0]["record"] == "header"
    assert [r["seq"] for r in records[1:-1]] == [e.seq for e in events]
    assert records[6]["data_b64"].startswith("AAEC")
    assert records[-1] == {"record": "end", "events": len(events), "complete": True}


def test_show_warns_about_a_missing_tail(cut: Path) -> None:
    code, out, err = _run("show", str(cut))
    assert code == 0
    assert err.startswith("warning: the tail is missing: record ")
    code, out, err = _run("show", str(cut), "--json")
    end = json.loads(out.splitlines()[-1])
    assert end["complete"] is False
    assert "tail is missing" in end["problem"]


def test_convert_both_ways(tmp_path: Path, cassette: Path, events: list[Event]) -> None:
    code, out, _ = _run("convert", str(cassette), str(tmp_path / "s.jsonl"))
    assert code == 0
    jsonl = tmp_path / "s.jsonl"
    assert out == f"converted {len(events)} event(s): {cassette} (msgpack) -> {jsonl} (jsonl)\n"
    assert detect_form(tmp_path / "s.jsonl") == "jsonl"
    code, out, _ = _run(
        "convert", str(tmp_path / "s.jsonl"), str(tmp_path / "t.txt"), "--form", "jsonl"
    )
    assert code == 0
    assert detect_form(tmp_path / "t.txt") == "jsonl"
    code, _, _ = _run("convert", str(tmp_path / "t.txt"), str(tmp_path / "back.cassette"))
    assert (tmp_path / "back.cassette").read_bytes() == cassette.read_bytes()


def test_redact_in_place_and_to_a_new_file(tmp_path: Path, cassette: Path) -> None:
    code, out, _ = _run(
        "redact", str(cassette), str(tmp_path / "clean.jsonl"), "--json-key", "action"
    )
    assert code == 0
    assert out == f"redacted 3 value(s) in 12 event(s): {tmp_path / 'clean.jsonl'}\n"
    text = (tmp_path / "clean.jsonl").read_text()
    assert "s3cret" not in text
    assert "<redacted:json:action>" in text
    code, out, _ = _run("redact", str(cassette))
    assert code == 0
    assert out == f"redacted 2 value(s) in 12 event(s): {cassette}\n"
    assert b"s3cret" not in cassette.read_bytes()
    assert load_cassette(cassette).header.redacted is True
    assert detect_form(cassette) == "msgpack"
    code, out, _ = _run("redact", str(cassette))
    assert out.startswith("redacted 0 value(s)")


def test_bad_option_values(cassette: Path) -> None:
    code, _, err = _run("redact", str(cassette), "--json-key", "!!!")
    assert code == 2
    assert "not a name" in err
    code, _, err = _run("redact", str(cassette), "--pattern", "(unclosed")
    assert code == 2
    assert "not a regular expression" in err


@pytest.mark.parametrize("command", ["show", "convert", "redact"])
def test_errors_are_one_line_and_exit_2(tmp_path: Path, command: str) -> None:
    bad = tmp_path / "bad.cassette"
    bad.write_bytes(b"\x00 not a cassette")
    args = [command, str(bad)] + ([str(tmp_path / "out.jsonl")] if command == "convert" else [])
    code, out, err = _run(*args)
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith(f"error: {bad}: not a channels-replay cassette")
    assert "Traceback" not in out + err
    assert not (tmp_path / "out.jsonl").exists()


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    code, _, err = _run("show", str(tmp_path / "nope.cassette"))
    assert code == 2
    assert "does not exist" in err
    assert "Traceback" not in err


def test_show_in_a_real_process(cassette: Path, cut: Path) -> None:
    result = subprocess.run(
        [str(BIN), "show", str(cassette)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "client_frame" in result.stdout
    assert result.stderr == ""
    result = subprocess.run(
        [str(BIN), "show", str(cut)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stderr.startswith("warning: the tail is missing")
    bad = cassette.with_name("bad.cassette")
    bad.write_bytes(b"garbage")
    result = subprocess.run(
        [str(BIN), "show", str(bad)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr + result.stdout
