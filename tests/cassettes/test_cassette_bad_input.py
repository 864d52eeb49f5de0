"""Bad input gives one CassetteError naming the file, the place and the fault; never a traceback
from msgpack, pydantic or json, and never a silently empty cassette."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import msgpack
import pytest

from channels_replay.cassettes import (
    FORMAT_NAME,
    FORMAT_VERSION,
    CassetteHeader,
    CassetteWriter,
    ClientFrame,
    ConnectEvent,
    ServerFrame,
    detect_form,
    load_cassette,
    open_cassette,
)
from channels_replay.cassettes.migrations import can_migrate, migrate_record, migration
from channels_replay.errors import CassetteError

HEADER: dict[str, Any] = {"record": "header", "format": FORMAT_NAME, "version": FORMAT_VERSION}
END: dict[str, Any] = {"record": "end", "events": 1}
FRAME = [4, 0, 0.5, "c1", "hello"]
AT = len(msgpack.packb(HEADER))  # where record 2 starts in the msgpack form
JSONL_AT = len(json.dumps(HEADER)) + 1  # where line 2 starts in the JSON Lines form


def _pack(*records: Any) -> bytes:
    return b"".join(msgpack.packb(record, use_bin_type=True) for record in records)


def _lines(*records: Any) -> bytes:
    return b"".join(json.dumps(record).encode() + b"\n" for record in records)


def _load_file(tmp_path: Path, data: bytes, name: str = "bad.cassette") -> Exception:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CassetteError) as info:
        load_cassette(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert "Traceback" not in message
    assert info.value.__cause__ is None or isinstance(info.value.__cause__, CassetteError)
    return info.value


def test_valid_baselines_load(tmp_path: Path) -> None:
    (tmp_path / "ok.cassette").write_bytes(_pack(HEADER, FRAME, END))
    (tmp_path / "ok.jsonl").write_bytes(
        _lines(HEADER, {"seq": 0, "t": 0.5, "conn": "c1", "kind": "server_frame", "text": "hello"})
        + _lines(END)
    )
    for name in ("ok.cassette", "ok.jsonl"):
        cassette = load_cassette(tmp_path / name)
        assert cassette.events == [ServerFrame(seq=0, conn="c1", t=0.5, text="hello")]
        assert cassette.complete


def test_empty_file(tmp_path: Path) -> None:
    error = _load_file(tmp_path, b"")
    assert "the file is empty" in str(error)
    assert "record the session again" in str(error)


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04zipzipzip",
        b"\x00\x01\x02",
        b"hello world\n",
        b"[1, 2, 3]\n",
        b"\x93\x01\x02\x03",
    ],
)
def test_garbage_is_not_a_cassette(tmp_path: Path, data: bytes) -> None:
    error = _load_file(tmp_path, data)
    assert "not a channels-replay cassette: it starts with" in str(error)
    assert data[:4].hex(" ") in str(error)


@pytest.mark.parametrize(
    "data",
    [
        msgpack.packb({"hello": "world"}),
        msgpack.packb({"format": "something-else", "version": 1}),
        b'{"format": "something-else", "version": 1}\n',
        b'{"name": "package.json"}\n',
    ],
)
def test_other_maps_are_not_cassettes(tmp_path: Path, data: bytes) -> None:
    error = _load_file(tmp_path, data)
    assert "not a channels-replay cassette: the first record" in str(error)
    assert "record 1" in str(error) or "line 1" in str(error)


def test_detect_form_refuses_garbage(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="<bytes>: not a channels-replay cassette"):
        detect_form(b"\x00garbage")
    with pytest.raises(CassetteError, match="empty"):
        detect_form(b"")
    with pytest.raises(CassetteError, match="cannot open"):
        detect_form(tmp_path / "missing.cassette")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match=r"missing\.cassette: cannot open the cassette"):
        open_cassette(tmp_path / "missing.cassette")
    with pytest.raises(CassetteError, match="cannot open the cassette"):
        open_cassette(tmp_path)


def test_text_stream_is_refused() -> None:
    with pytest.raises(CassetteError, match="binary mode"):
        open_cassette(io.StringIO("{}"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            [4, "zero", 0.5, "c1", "x"],
            "invalid server_frame event: seq: an integer from 0 to 2**63-1 is needed",
        ),
        (
            [4, 0, -1.0, "c1", "x"],
            "t: a number of seconds from 0 to 1e+09 is needed, not a number (-1.0)",
        ),
        ([4, 0, 0.5, "c1", 7], "refers to the frame 7 frames back, but 0 frame(s) are within"),
        ([4, 0, 0.5, "c1", 1.5], "payload is a string, bytes or a back-reference, not float"),
        ([4, 0, 0.5, "c1"], "a server_frame record has 5 fields"),
        ([9, 0, 0.5, "c1", "x"], "unknown event code 9"),
        ([4, 0, 0.5, 3, "x"], "connection index 3 refers to no connection seen before"),
        ([4, 0, 0.5, 1.5, "x"], "conn is a string or an index, not float"),
        (
            [1, 0, 0.5, "c1", "/ws/", "", [["h"]], [], None, None],
            "invalid connect event: headers: an array of [name, value] string pairs",
        ),
        ({"seq": 0, "t": 0, "conn": "c", "kind": "teleport"}, "unknown event kind 'teleport'"),
        (
            {"seq": 0, "t": 0, "conn": "c", "kind": "client_frame"},
            "exactly one of 'text' and 'data'",
        ),
        ({"seq": 0, "t": 0, "conn": "c", "kind": "accept", "x": 1}, "x: Extra inputs"),
        ({"record": "header", "format": FORMAT_NAME, "version": 1}, "a second header record"),
        ({"record": "chapter"}, "unknown record type 'chapter'"),
        ("just a string", "a record is a map or an array, not str"),
    ],
)
def test_wrong_records_name_the_record(tmp_path: Path, record: Any, expected: str) -> None:
    error = _load_file(tmp_path, _pack(HEADER, record, END))
    assert expected in str(error)
    assert f"record 2 (byte offset {AT})" in str(error)
    assert "the file is damaged: record the session again" in str(error)  # what to do
    assert "pydantic" not in str(error)
    assert "errors.pydantic.dev" not in str(error)


def test_validation_errors_are_summarized(tmp_path: Path) -> None:
    record = {"seq": "a", "t": "b", "conn": "", "kind": "server_close", "code": "c", "reason": 1}
    error = str(_load_file(tmp_path, _pack(HEADER, record)))
    assert "seq: an integer from 0 to 2**63-1 is needed, not a string ('a')" in error
    assert len(error) < 600


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({**HEADER, "version": "1"}, "the header's version is '1', not an integer"),
        ({**HEADER, "created_at": "yesterday"}, "invalid header: created_at"),
        ({**HEADER, "metadata": [1]}, "invalid header: metadata"),
        ({**HEADER, "surprise": True}, "surprise: Extra inputs are not permitted"),
        ({**HEADER, "version": 0, "created": "soon"}, "invalid header: created_at"),
    ],
)
def test_wrong_headers(tmp_path: Path, header: dict[str, Any], expected: str) -> None:
    assert expected in str(_load_file(tmp_path, _pack(header)))


def test_newer_version_is_refused(tmp_path: Path) -> None:
    for data in (_pack({**HEADER, "version": 3}, [99]), _lines({**HEADER, "version": 3})):
        error = _load_file(tmp_path, data)
        assert str(error).endswith(
            "written by a newer channels-replay (format version 3); "
            f"this one reads up to {FORMAT_VERSION}: upgrade channels-replay"
        )


def test_too_old_version_is_refused(tmp_path: Path) -> None:
    error = _load_file(tmp_path, _pack({**HEADER, "version": -1}))
    assert "format version -1 is older than this channels-replay reads" in str(error)


def test_absurd_string_length_is_damage_not_a_cut(tmp_path: Path) -> None:
    prefix = _pack(HEADER)
    two_gb_string = b"\x95\x04\x00\xcb" + b"\x00" * 8 + b"\xa2c1\xdb\x7f\xff\xff\xff" + b"abc"
    error = _load_file(tmp_path, prefix + two_gb_string)
    assert "declares 2147483647 bytes" in str(error)
    assert "64 MiB" in str(error)
    assert f"record 2 (byte offset {AT})" in str(error)
    huge_array = b"\xdd\x7f\xff\xff\xff\x01"
    assert "exceeds max_array_len" in str(_load_file(tmp_path, prefix + huge_array))
    huge_map = b"\xdf\x7f\xff\xff\xff\x01"
    assert "exceeds max_map_len" in str(_load_file(tmp_path, prefix + huge_map))


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (b"\xc1", "not valid msgpack (FormatError"),
        (b"\x91" * 5000, "not valid msgpack (nested deeper than a record may be"),
        (b"\xa2\xff\xfe", "not valid msgpack (UnicodeDecodeError"),
        (b"\x81\x01\x02", "int is not allowed for map key"),
        (b"\xd4\x05\x00", "extension type 5 does not occur in cassettes"),
    ],
)
def test_invalid_msgpack(tmp_path: Path, tail: bytes, expected: str) -> None:
    error = _load_file(tmp_path, _pack(HEADER) + tail + _pack(END))
    assert expected in str(error)
    assert f"record 2 (byte offset {AT})" in str(error)


def test_damage_in_the_header(tmp_path: Path) -> None:
    header = _pack(HEADER)
    assert "the header record is cut" in str(_load_file(tmp_path, header[:20]))
    bad = header[:10] + b"\xc1" + header[11:]
    assert "the header record is unreadable: not valid msgpack" in str(_load_file(tmp_path, bad))


def test_records_after_the_end(tmp_path: Path) -> None:
    error = _load_file(tmp_path, _pack(HEADER, FRAME, END, FRAME))
    assert "record 4 (byte offset" in str(error)
    assert "more records after the end record" in str(error)


def test_end_count_must_match(tmp_path: Path) -> None:
    error = _load_file(tmp_path, _pack(HEADER, FRAME, {"record": "end", "events": 2}))
    assert "the end record counts 2 events but 1 were read" in str(error)
    bad_end = {"record": "end", "events": 1, "complete": "yes"}
    assert "invalid end record: complete" in str(
        _load_file(tmp_path, _pack(HEADER, FRAME, bad_end))
    )


def test_back_reference_to_a_long_payload(tmp_path: Path) -> None:
    long_frame = [4, 0, 0.5, "c1", "x" * 5000]
    error = _load_file(tmp_path, _pack(HEADER, long_frame, [4, 1, 0.6, 0, 1]))
    assert "record 3" in str(error)
    assert "whose payload is longer than the 4096 a reference may share" in str(error)


def test_seq_must_increase(tmp_path: Path) -> None:
    error = _load_file(tmp_path, _pack(HEADER, FRAME, [4, 0, 0.6, 0, "again"]))
    assert "record 3" in str(error)
    assert "seq 0 comes after seq 0" in str(error)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"{not json}", "not valid JSON"),
        (b"[1, 2]", "a record is a JSON object, not an array"),
        (b'{"seq":0,"t":0,"conn":"c","kind":"server_frame","data_b64":"@@@"}', "not valid base64"),
        (b'{"seq":0,"t":0,"conn":"c","kind":"server_frame","data_b64":5}', "data_b64: base64 text"),
        (
            b'{"seq":"x","t":0,"conn":"c","kind":"server_frame","text":"a"}',
            "seq: an integer from 0",
        ),
        (b'{"text": "\xff\xfe"}', "not valid JSON"),
    ],
)
def test_wrong_jsonl_lines(tmp_path: Path, line: bytes, expected: str) -> None:
    data = json.dumps(HEADER).encode() + b"\n" + line + b"\n" + _lines(END)
    error = _load_file(tmp_path, data, "bad.jsonl")
    assert expected in str(error)
    assert f"line 2 (byte offset {JSONL_AT})" in str(error)


def test_jsonl_damage_before_the_last_line_is_not_a_cut(tmp_path: Path) -> None:
    frame = {"seq": 0, "t": 0, "conn": "c", "kind": "server_frame", "text": "a"}
    data = _lines(HEADER, frame)[:-20] + b"\n" + _lines(END)
    assert "line 2" in str(_load_file(tmp_path, data, "bad.jsonl"))


def test_jsonl_blank_lines_bom_and_crlf_are_fine(tmp_path: Path) -> None:
    frame = {"seq": 0, "t": 0, "conn": "c", "kind": "client_frame", "data_b64": "AAE="}
    data = b"\xef\xbb\xbf" + _lines(HEADER).replace(b"\n", b"\r\n") + b"\n\n" + _lines(frame, END)
    path = tmp_path / "ok.jsonl"
    path.write_bytes(data)
    assert load_cassette(path).events == [ClientFrame(seq=0, conn="c", t=0, data=b"\x00\x01")]


# Format version 0 is synthetic (see channels_replay.cassettes.migrations): it exercises
# the migration mechanism with a record shape channels-replay never wrote.
V0_HEADER = {
    "format": FORMAT_NAME,
    "version": 0,
    "created": "2024-01-02T03:04:05Z",
    "library": "0.0.1",
}
V0_EVENTS: list[dict[str, Any]] = [
    {"seq": 0, "conn": "c", "ms": 0, "type": "open", "path": "/ws/", "query_string": "a=1"},
    {"seq": 1, "conn": "c", "ms": 5, "type": "accepted"},
    {"seq": 2, "conn": "c", "ms": 1500, "type": "in", "payload": '{"action":"hi"}'},
    {"seq": 3, "conn": "c", "ms": 1501, "type": "out", "payload": b"\x00\x01"},
    {"seq": 4, "conn": "c", "ms": 2000, "type": "gone", "code": 1001},
]
V0_END = {"end": True, "count": 5}


def test_v0_msgpack_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.cassette"
    path.write_bytes(_pack(V0_HEADER, *V0_EVENTS, V0_END))
    _check_v0(path)


def test_v0_jsonl_is_migrated(tmp_path: Path) -> None:
    lines = []
    for event in V0_EVENTS:
        line = dict(event)
        if isinstance(line.get("payload"), bytes):
            line["payload_b64"] = base64.b64encode(line.pop("payload")).decode()
        lines.append(line)
    path = tmp_path / "old.jsonl"
    path.write_bytes(_lines(V0_HEADER, *lines, V0_END))
    _check_v0(path)


def _check_v0(path: Path) -> None:
    with open_cassette(path) as reader:
        assert reader.source_version == 0
        assert reader.header.version == FORMAT_VERSION
        assert reader.header.library_version == "0.0.1"
        assert reader.header.created_at.year == 2024
        events = list(reader)
        assert reader.complete
    assert [event.kind for event in events] == [
        "connect",
        "accept",
        "client_frame",
        "server_frame",
        "client_disconnect",
    ]
    assert isinstance(events[0], ConnectEvent)
    assert events[0].query_string == "a=1"
    assert events[2] == ClientFrame(seq=2, conn="c", t=1.5, text='{"action":"hi"}')
    assert events[3] == ServerFrame(seq=3, conn="c", t=1.501, data=b"\x00\x01")


def test_v0_record_that_the_migration_cannot_handle(tmp_path: Path) -> None:
    error = _load_file(tmp_path, _pack(V0_HEADER, {"seq": 0, "type": "open"}))
    assert "record 2" in str(error)
    assert "cannot migrate this record from format version 0" in str(error)


def test_migration_registry() -> None:
    assert can_migrate(0)
    assert can_migrate(FORMAT_VERSION)
    assert not can_migrate(-1)
    assert migrate_record({"end": True, "count": 2}, 0) == {"record": "end", "events": 2}
    with pytest.raises(ValueError, match="registered"):
        migration(0)(lambda record: record)


def test_writer_output_never_depends_on_input_header_version(tmp_path: Path) -> None:
    path = tmp_path / "s.cassette"
    CassetteWriter(path, CassetteHeader(version=0)).close()
    assert load_cassette(path).header.version == FORMAT_VERSION


def test_overlong_jsonl_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from channels_replay.cassettes import _jsonl_codec

    monkeypatch.setattr(_jsonl_codec, "MAX_RECORD_BYTES", 1000)
    frame = {"seq": 0, "t": 0, "conn": "c", "kind": "server_frame", "text": "x" * 200_000}
    error = _load_file(tmp_path, _lines(HEADER, frame, END), "long.jsonl")
    assert "line 2" in str(error)
    assert "longer than the" in str(error)


def test_writer_refuses_an_oversized_record(monkeypatch: pytest.MonkeyPatch) -> None:
    from channels_replay.cassettes import _msgpack_codec

    monkeypatch.setattr(_msgpack_codec, "MAX_RECORD_BYTES", 1000)
    for form in ("msgpack", "jsonl"):
        buffer = io.BytesIO()
        with CassetteWriter(buffer, CassetteHeader(), form=form) as writer:  # type: ignore[arg-type]
            with pytest.raises(CassetteError, match="more than the 0 MiB"):
                writer.write(ServerFrame(seq=0, conn="c", t=0, text="x" * 2000))
            writer.write(ServerFrame(seq=1, conn="c", t=0, text="fits"))
        cassette = load_cassette(io.BytesIO(buffer.getvalue()))
        assert [event.seq for event in cassette.events] == [1]
