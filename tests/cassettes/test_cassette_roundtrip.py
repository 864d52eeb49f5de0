"""Writing and reading back: every event kind in both forms, detection by content, files."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels_replay.cassettes import (
    FILE_MODE,
    FORMAT_VERSION,
    Cassette,
    CassetteHeader,
    CassetteWriter,
    ClientFrame,
    Event,
    ServerFrame,
    convert_cassette,
    detect_form,
    load_cassette,
    open_cassette,
    save_cassette,
)
from channels_replay.errors import CassetteError

FORMS = ["msgpack", "jsonl"]


def _write(path: Path, header: CassetteHeader, events: list[Event], **kwargs: object) -> None:
    with CassetteWriter(path, header, **kwargs) as writer:  # type: ignore[arg-type]
        for event in events:
            writer.write(event)


@pytest.fixture(autouse=True)
def _permissive_umask() -> Iterator[None]:
    old = os.umask(0)
    yield
    os.umask(old)


@pytest.mark.parametrize("suffix", [".cassette", ".jsonl"])
def test_every_kind_round_trips(
    tmp_path: Path, header: CassetteHeader, events: list[Event], suffix: str
) -> None:
    path = tmp_path / f"session{suffix}"
    _write(path, header, events)
    cassette = load_cassette(path)
    assert cassette.events == events
    assert [type(e) for e in cassette.events] == [type(e) for e in events]
    assert cassette.header == header
    assert cassette.complete is True
    assert cassette.problem is None
    assert cassette.connections() == ["c1", "c1-b"]


@pytest.mark.parametrize("form", FORMS)
def test_stream_round_trip_and_form_from_content(
    header: CassetteHeader, events: list[Event], form: str
) -> None:
    buffer = io.BytesIO()
    with CassetteWriter(buffer, header, form=form) as writer:  # type: ignore[arg-type]
        for event in events:
            writer.write(event)
        assert writer.path is None
        assert writer.events_written == len(events)
    assert not buffer.closed  # a stream given to the writer stays open
    data = buffer.getvalue()
    assert detect_form(data) == form
    with open_cassette(io.BytesIO(data)) as reader:
        assert reader.form == form
        assert reader.header == header
        assert list(reader) == events
        assert reader.complete
        assert reader.problem is None
        assert reader.finished


def test_form_is_detected_from_content_not_name(
    tmp_path: Path, header: CassetteHeader, events: list[Event]
) -> None:
    misnamed_jsonl = tmp_path / "really-jsonl.cassette"
    misnamed_msgpack = tmp_path / "really-msgpack.jsonl"
    _write(misnamed_jsonl, header, events, form="jsonl")
    _write(misnamed_msgpack, header, events, form="msgpack")
    assert misnamed_jsonl.read_bytes()[:1] == b"{"
    assert detect_form(misnamed_jsonl) == "jsonl"
    assert detect_form(misnamed_msgpack) == "msgpack"
    assert load_cassette(misnamed_jsonl).events == events
    assert load_cassette(misnamed_msgpack).events == events


def test_jsonl_is_readable(tmp_path: Path, header: CassetteHeader, events: list[Event]) -> None:
    path = tmp_path / "s.jsonl"
    _write(path, header, events)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(events) + 2
    first, connect, *_, end = (json.loads(line) for line in lines)
    assert list(first)[:3] == ["record", "format", "version"]
    assert first["version"] == FORMAT_VERSION
    assert list(connect)[:4] == ["seq", "t", "conn", "kind"]
    assert end == {"record": "end", "events": len(events)}
    assert "héllo ✓ 日本語" in lines[4]  # text as UTF-8, not \\u escapes
    assert '"data_b64":"AAECAwQF' in lines[6]


def test_msgpack_is_smaller(tmp_path: Path, header: CassetteHeader, events: list[Event]) -> None:
    _write(tmp_path / "s.cassette", header, events)
    _write(tmp_path / "s.jsonl", header, events)
    assert (tmp_path / "s.cassette").stat().st_size < (tmp_path / "s.jsonl").stat().st_size


@pytest.mark.parametrize("suffix", [".cassette", ".jsonl"])
def test_file_mode_is_owner_only(tmp_path: Path, header: CassetteHeader, suffix: str) -> None:
    fresh = tmp_path / f"fresh{suffix}"
    CassetteWriter(fresh, header).close()
    assert fresh.stat().st_mode & 0o777 == FILE_MODE == 0o600
    existing = tmp_path / f"existing{suffix}"
    existing.write_bytes(b"old")
    existing.chmod(0o666)
    CassetteWriter(existing, header).close()
    assert existing.stat().st_mode & 0o777 == 0o600
    saved = tmp_path / f"saved{suffix}"
    save_cassette(Cassette(header=header), saved)
    assert saved.stat().st_mode & 0o777 == 0o600


def test_save_load_convert(tmp_path: Path, header: CassetteHeader, events: list[Event]) -> None:
    cassette = Cassette(header=header, events=events)
    save_cassette(cassette, tmp_path / "a.cassette")
    assert convert_cassette(tmp_path / "a.cassette", tmp_path / "b.jsonl") == len(events)
    assert detect_form(tmp_path / "b.jsonl") == "jsonl"
    assert convert_cassette(tmp_path / "b.jsonl", tmp_path / "c.cassette") == len(events)
    assert (tmp_path / "c.cassette").read_bytes() == (tmp_path / "a.cassette").read_bytes()
    assert convert_cassette(tmp_path / "c.cassette", tmp_path / "c.cassette", form="jsonl") == 12
    assert detect_form(tmp_path / "c.cassette") == "jsonl"
    assert load_cassette(tmp_path / "c.cassette") == cassette
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.cassette", "b.jsonl", "c.cassette"]


@pytest.mark.parametrize("suffix", [".cassette", ".jsonl"])
def test_incomplete_close_round_trips(
    tmp_path: Path, header: CassetteHeader, events: list[Event], suffix: str
) -> None:
    path = tmp_path / f"s{suffix}"
    writer = CassetteWriter(path, header)
    writer.write(events[0])
    writer.close(complete=False, problem="the server stopped with 1 connection open")
    writer.close()  # twice: nothing more
    cassette = load_cassette(path)
    assert cassette.events == events[:1]
    assert not cassette.complete
    assert cassette.problem == "the server stopped with 1 connection open"
    converted = tmp_path / f"copy{suffix}"
    convert_cassette(path, converted)
    assert load_cassette(converted).problem == cassette.problem


def test_context_manager_marks_an_error_incomplete(
    tmp_path: Path, header: CassetteHeader, events: list[Event]
) -> None:
    path = tmp_path / "s.cassette"

    def record_then_fail() -> None:
        with CassetteWriter(path, header) as writer:
            writer.write(events[0])
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        record_then_fail()
    cassette = load_cassette(path)
    assert cassette.events == events[:1]
    assert not cassette.complete
    assert cassette.problem is not None
    assert "RuntimeError: boom" in cassette.problem


def test_empty_recording_is_a_cassette(tmp_path: Path, header: CassetteHeader) -> None:
    path = tmp_path / "empty.cassette"
    CassetteWriter(path, header).close()
    cassette = load_cassette(path)
    assert cassette.events == []
    assert cassette.complete


def test_writer_refuses_what_it_could_not_read_back(tmp_path: Path, header: CassetteHeader) -> None:
    with CassetteWriter(tmp_path / "s.cassette", header) as writer:
        writer.write(ServerFrame(seq=5, conn="c", t=0, text="x"))
        with pytest.raises(CassetteError, match=r"seq 5 comes after seq 5"):
            writer.write(ServerFrame(seq=5, conn="c", t=0, text="y"))
        with pytest.raises(TypeError, match="not dict"):
            writer.write({"seq": 6})  # type: ignore[arg-type]
        with pytest.raises(CassetteError, match="cannot be encoded"):
            writer.write(ServerFrame(seq=7, conn="c", t=0, text="\ud800"))
        writer.write(ServerFrame(seq=8, conn="c", t=0, text="ok"))
    assert [e.seq for e in load_cassette(tmp_path / "s.cassette").events] == [5, 8]
    with pytest.raises(CassetteError, match="closed"):
        writer.write(ServerFrame(seq=9, conn="c", t=0, text="late"))
    for value in (object(), b"\xff"):
        bad_header = CassetteHeader(metadata={"raw": value})
        with pytest.raises(CassetteError, match="JSON values"):
            CassetteWriter(io.BytesIO(), bad_header)


def test_subclassed_events_are_written_as_their_kind(
    tmp_path: Path, header: CassetteHeader
) -> None:
    class TaggedFrame(ClientFrame):
        pass

    path = tmp_path / "s.cassette"
    _write(path, header, [TaggedFrame(seq=0, conn="c", t=0, text="hi")])
    assert load_cassette(path).events == [ClientFrame(seq=0, conn="c", t=0, text="hi")]


def test_conn_ids_are_interned_in_msgpack(tmp_path: Path, header: CassetteHeader) -> None:
    conn = "7f1c0a52-3b8e-4d2b-9a57-5c3e2f0d9b11"
    frames: list[Event] = [ServerFrame(seq=i, conn=conn, t=i, text="x") for i in range(50)]
    path = tmp_path / "s.cassette"
    _write(path, header, frames)
    assert path.read_bytes().count(conn.encode()) == 1
    assert load_cassette(path).events == frames


def test_reader_reads_once(tmp_path: Path, header: CassetteHeader, events: list[Event]) -> None:
    path = tmp_path / "s.cassette"
    _write(path, header, events)
    with open_cassette(path) as reader:
        assert reader.complete is False
        assert reader.finished is False
        assert len(list(reader)) == len(events)
        with pytest.raises(CassetteError, match="reads its events once"):
            iter(reader)
    with open_cassette(path) as reader:  # stopping early closes cleanly too
        assert next(iter(reader)) == events[0]
        assert reader.events_read == 1


def test_the_format_layer_imports_no_django() -> None:
    code = (
        "import sys, channels_replay.cassettes, channels_replay.cassettes.redaction;"
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0


@pytest.mark.parametrize("suffix", [".cassette", ".jsonl"])
def test_repeated_payloads_round_trip(tmp_path: Path, header: CassetteHeader, suffix: str) -> None:
    broadcast = '{"action":"new_message","payload":{"text":"' + "hi " * 100 + '"}}'
    frames: list[Event] = []
    for seq in range(400):
        conn = f"c{seq % 4}"
        if seq % 7 == 0:
            frames.append(ClientFrame(seq=seq, conn=conn, t=seq, data=b"\x00\x01" * (seq % 3)))
        elif seq % 50 == 0:
            frames.append(ServerFrame(seq=seq, conn=conn, t=seq, text="L" * 5000))  # never shared
        elif seq % 11 == 0:
            frames.append(ServerFrame(seq=seq, conn=conn, t=seq, text=f"unique {seq}"))
        elif seq % 5 == 0:
            frames.append(ServerFrame(seq=seq, conn=conn, t=seq, text='{"action":"complete"}'))
        else:
            frames.append(ServerFrame(seq=seq, conn=conn, t=seq, text=broadcast))
    path = tmp_path / f"s{suffix}"
    _write(path, header, frames)
    assert load_cassette(path).events == frames
    if suffix == ".cassette":  # each repeated text is stored once within the window
        assert path.read_bytes().count(broadcast.encode()) == 1
        assert path.stat().st_size < 400 * 40 + 10 * 5000


def test_repeated_payload_beyond_the_window(tmp_path: Path, header: CassetteHeader) -> None:
    frames: list[Event] = [ServerFrame(seq=0, conn="c", t=0, text="again " * 10)]
    frames += [ServerFrame(seq=i, conn="c", t=0, text=f"filler {i}") for i in range(1, 70)]
    frames.append(ServerFrame(seq=70, conn="c", t=0, text="again " * 10))
    path = tmp_path / "s.cassette"
    _write(path, header, frames)
    assert path.read_bytes().count(b"again " * 10) == 2
    assert load_cassette(path).events == frames


def test_a_failed_write_leaves_the_encoder_consistent(
    tmp_path: Path, header: CassetteHeader
) -> None:
    path = tmp_path / "s.cassette"
    with CassetteWriter(path, header) as writer:
        writer.write(ServerFrame(seq=0, conn="a", t=0, text="shared"))
        with pytest.raises(CassetteError, match="cannot be encoded"):
            writer.write(ServerFrame(seq=2**64, conn="new", t=0, text="shared"))
        writer.write(ServerFrame(seq=1, conn="new", t=0, text="shared"))
        writer.write(ServerFrame(seq=2, conn="new", t=0, text="shared"))
    assert [(e.conn, e.text) for e in load_cassette(path).events] == [  # type: ignore[union-attr]
        ("a", "shared"),
        ("new", "shared"),
        ("new", "shared"),
    ]


@pytest.mark.parametrize("suffix", [".cassette", ".jsonl"])
def test_write_frame_writes_what_write_writes_for_the_same_frame(
    tmp_path: Path, suffix: str
) -> None:
    frames = [
        ClientFrame(seq=0, conn="c1", t=0.5, text='{"action": "go"}'),
        ServerFrame(seq=1, conn="c1", t=0.75, data=b"\x00\xff"),
        ServerFrame(seq=2, conn="c2", t=1.0, text='{"action": "go"}'),
    ]
    header = CassetteHeader(created_at=datetime(2026, 1, 1, tzinfo=UTC))
    by_event, by_parts = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    with CassetteWriter(by_event, header) as writer:
        for frame in frames:
            writer.write(frame)
    with CassetteWriter(by_parts, header) as writer:
        for frame in frames:
            writer.write_frame(
                server=isinstance(frame, ServerFrame),
                seq=frame.seq,
                t=frame.t,
                conn=frame.conn,
                text=frame.text,
                data=frame.data,
            )
        with pytest.raises(ValueError, match="exactly one of 'text' and 'data'"):
            writer.write_frame(server=True, seq=9, t=2.0, conn="c1")
    assert by_parts.read_bytes() == by_event.read_bytes()
    assert load_cassette(by_parts).events == frames
