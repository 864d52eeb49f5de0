"""Outputs never written through a symbolic link, private directories, errors naming the
user's file, and `show` printing no terminal control sequences from a cassette."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from channels_replay.cassettes import CassetteHeader, CassetteWriter, _msgpack_codec
from channels_replay.cli import main
from channels_replay.errors import CassetteError
from channels_replay.recorder._files import BatchedFile
from tests.fuzz.corpus import CONNECT, END, EVENTS, HEADER, lines


def _cassette(tmp_path: Path, name: str = "source.jsonl", **connect: object) -> Path:
    path = tmp_path / name
    path.write_bytes(lines(HEADER, {**CONNECT, **connect}, *EVENTS[1:], END))
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.output


@pytest.mark.parametrize("command", ["convert", "redact"])
def test_an_output_that_is_a_symlink_is_refused(tmp_path: Path, command: str) -> None:
    source = _cassette(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "out.cassette"
    link.symlink_to(victim)
    code, output = _run(command, str(source), str(link))
    assert code == 2
    assert f"error: {link}: is a symbolic link" in output
    assert "remove the link or give another path" in output
    assert victim.read_text() == "precious"
    assert link.is_symlink()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_redact_in_place_refuses_a_symlinked_source(tmp_path: Path) -> None:
    real = _cassette(tmp_path, "real.jsonl")
    before = real.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    code, output = _run("redact", str(link))
    assert code == 2
    assert f"{link}: is a symbolic link" in output
    assert real.read_bytes() == before


def test_the_recorder_and_the_writer_never_write_through_a_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "rec.cassette"
    link.symlink_to(victim)
    with pytest.raises(CassetteError, match=r"rec\.cassette: is a symbolic link"):
        BatchedFile(link)
    with pytest.raises(CassetteError, match=r"rec\.cassette: is a symbolic link"):
        CassetteWriter(link, CassetteHeader())
    assert victim.read_text() == "precious"


def test_directories_created_for_a_recording_are_private(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "session.cassette"
    BatchedFile(path).close()
    for directory in (tmp_path / "a", tmp_path / "a" / "b"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_failed_convert_names_the_target_not_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _cassette(tmp_path, path="/ws/" + "x" * 2000)
    target = tmp_path / "target.cassette"
    monkeypatch.setattr(_msgpack_codec, "MAX_RECORD_BYTES", 1000)  # the msgpack writer's limit
    code, output = _run("convert", str(source), str(target))
    assert code == 2
    assert f"error: {target}: " in output
    assert ".tmp" not in output
    assert not target.exists()


def test_show_prints_no_control_sequence_from_the_cassette(tmp_path: Path) -> None:
    source = _cassette(
        tmp_path,
        "\x1b]0;owned\x07.jsonl",
        path="/ws/\x1b[2J",
        query_string="a=%1b[31m\x1b[31mred",
        user="\x1b[1mroot\u202e",
    )
    for args in (["show", "--width", "0"], ["show", "--json"]):
        code, output = _run(*args, str(source))
        assert code == 0, output
        assert not any(ord(c) < 0x20 and c not in "\n\t" for c in output), output
        assert "\u202e" not in output
        assert "\\u001b[2J" in output
        assert "\\u001b[1mroot\\u202e" in output


def test_record_refuses_an_out_path_that_is_a_symlink(tmp_path: Path) -> None:
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "session.cassette"
    link.symlink_to(victim)
    done = subprocess.run(
        [sys.executable, "-m", "channels_replay.cli", "record", "--app",
         "example.asgi:application", "--out", str(link), "--port", "0"],
        cwd=repo, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{repo}:{repo / 'src'}"},
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"error: {link}: is a symbolic link" in done.stderr
    assert "Traceback" not in done.stderr
    assert victim.read_text() == "precious"
