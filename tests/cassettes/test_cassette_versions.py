"""Every format version reads as the current one: the migration chain 0 -> 1 -> 2, in both forms.

data/v1/ holds cassettes written by the format version 1 code itself: chat.cassette and
failed_authentication.cassette are the example app's committed recordings as they were
before version 2, chat.jsonl is chat.cassette converted by version 1, and
refusals.{cassette,jsonl} were recorded by the version 1 recorder (see data/v1/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgpack
import pytest

from channels_replay.cassettes import (
    FORMAT_NAME,
    FORMAT_VERSION,
    REFUSAL_CODE,
    AcceptEvent,
    Cassette,
    CassetteHeader,
    CassetteWriter,
    ClientDisconnect,
    ConnectEvent,
    ServerClose,
    ServerFrame,
    convert_cassette,
    event_to_record,
    header_to_record,
    load_cassette,
    migrations,
    open_cassette,
    save_cassette,
)
from channels_replay.cassettes._msgpack_codec import MsgpackEventDecoder
from channels_replay.cassettes._problems import RecordProblem
from channels_replay.cassettes.migrations import Migrator, legacy_refusal, migrate_record, migration
from channels_replay.errors import CassetteError
from channels_replay.signals import SignalNames, count_signals

V1 = Path(__file__).parent / "data" / "v1"
DEFAULTS = SignalNames()


def _pack(*records: Any) -> bytes:
    return b"".join(msgpack.packb(record, use_bin_type=True) for record in records)


def _lines(*records: Any) -> bytes:
    return b"".join(json.dumps(record).encode() + b"\n" for record in records)


def _raw_records(path: Path) -> list[Any]:
    """The records of a msgpack cassette as stored (maps and compact arrays)."""
    with open(path, "rb") as file:
        return list(msgpack.Unpacker(file, raw=False))


def test_format_version_is_2() -> None:
    assert FORMAT_VERSION == 2
    assert migrations.can_migrate(0)
    assert migrations.can_migrate(1)
    assert migrations.OLDEST_READABLE_VERSION == 0


# -- version 1, as the version 1 code wrote it ---------------------------------------------


@pytest.mark.parametrize("name", ["chat.cassette", "chat.jsonl"])
def test_v1_chat_reads_as_v2(name: str) -> None:
    with open_cassette(V1 / name) as reader:
        assert reader.source_version == 1
        assert reader.form == ("jsonl" if name.endswith(".jsonl") else "msgpack")
        assert reader.header.version == FORMAT_VERSION
        assert reader.header.signals == DEFAULTS
        assert reader.header.app == "example.asgi:application"
        assert len(reader.header.noise) == 2
        events = list(reader)
        assert reader.complete
        assert reader.problem is None
    assert len(events) == 20
    assert [event.seq for event in events] == list(range(20))
    connects = [event for event in events if isinstance(event, ConnectEvent)]
    assert [(c.conn, c.user) for c in connects] == [("c1", "alice"), ("c2", "bob")]
    assert all(isinstance(event, ClientDisconnect) for event in events[-2:])
    texts = [event.text for event in events if isinstance(event, ServerFrame)]
    assert count_signals(texts, DEFAULTS) == {
        "authentication": 2,
        "complete": 2,
        "group_complete": 4,
    }


def test_v1_both_forms_hold_the_same_cassette() -> None:
    msgpack_form = load_cassette(V1 / "chat.cassette")
    jsonl_form = load_cassette(V1 / "chat.jsonl")
    assert msgpack_form.header == jsonl_form.header
    assert msgpack_form.events == jsonl_form.events
    assert msgpack_form.signal_names() == DEFAULTS


def test_v1_failed_authentication_keeps_its_close_after_accept() -> None:
    cassette = load_cassette(V1 / "failed_authentication.cassette")
    assert cassette.header.version == FORMAT_VERSION
    assert cassette.header.signals == DEFAULTS
    assert [event.kind for event in cassette.events] == [
        "connect",
        "accept",
        "server_frame",
        "server_close",
    ]
    close = cassette.events[-1]
    assert isinstance(close, ServerClose)
    assert (close.code, close.reason, close.status) == (4001, None, None)
    assert not close.refused


@pytest.mark.parametrize("name", ["refusals.cassette", "refusals.jsonl"])
def test_v1_refusals_become_statuses(name: str) -> None:
    cassette = load_cassette(V1 / name)
    assert cassette.complete
    closes = {e.conn: e for e in cassette.events if isinstance(e, ServerClose)}
    summary = {conn: (c.status, c.code, c.reason) for conn, c in closes.items()}
    assert summary == {
        "c1": (403, REFUSAL_CODE, None),  # the app closed (4003) before accept
        "c2": (401, REFUSAL_CODE, None),  # "denied with an HTTP 401 response"
        "c3": (None, 4000, "bye"),  # accepted, then closed: not a refusal
        "c4": (500, REFUSAL_CODE, None),  # raised before accept
    }
    assert [c.refused for c in closes.values()] == [True, True, False, True]


def test_v1_msgpack_rows_are_expanded_with_the_v1_layout() -> None:
    """The old compact rows reach the migration chain: read with their own layout."""
    rows = [raw for raw in _raw_records(V1 / "refusals.cassette") if isinstance(raw, list)]
    closes = [row for row in rows if row[0] == 5]
    assert [len(row) for row in closes] == [6, 6, 6, 6]  # v1: code, reason; no status
    v1 = MsgpackEventDecoder(1)
    expanded = [v1.event(row) for row in rows]
    t = rows[1][2]
    assert expanded[1] == {"seq": 1, "t": t, "conn": "c1", "kind": "server_close", "code": 4003}
    # a row with a status is version 2's: version 1 never wrote one, and refuses it
    with pytest.raises(RecordProblem, match=r"server_close record has 6 fields"):
        MsgpackEventDecoder(1).event([5, 0, 0.0, "c", 1006, None, 403])
    assert MsgpackEventDecoder(2).event([5, 0, 0.0, "c", 1006, None, 403])["status"] == 403
    with pytest.raises(RecordProblem, match=r"server_close record has 6 to 7 fields"):
        MsgpackEventDecoder(2).event([5, 0, 0.0, "c", 1006, None, 403, 1])
    with pytest.raises(RecordProblem, match="format version 0 stores events as maps"):
        MsgpackEventDecoder(0).event([4, 0, 0.0, "c", "x"])


@pytest.mark.parametrize("cut_at", [-1, -20, -700])
def test_a_v1_file_cut_mid_stream_still_reports_the_cut(tmp_path: Path, cut_at: int) -> None:
    data = (V1 / "chat.cassette").read_bytes()
    path = tmp_path / "cut.cassette"
    path.write_bytes(data[:cut_at])
    with open_cassette(path) as reader:
        assert reader.source_version == 1
        assert reader.header.signals == DEFAULTS
        events = list(reader)
        assert not reader.complete
        problem = reader.problem or ""
    count = len(events)
    assert problem.startswith("the tail is missing: ")
    assert f"the {count} events before it" in problem or f"after {count} events" in problem
    assert 0 < count <= 20
    full = load_cassette(V1 / "chat.cassette").events
    assert events == full[: len(events)]


def test_a_v1_jsonl_cut_mid_line_still_reports_the_cut(tmp_path: Path) -> None:
    data = (V1 / "refusals.jsonl").read_bytes()
    path = tmp_path / "cut.jsonl"
    path.write_bytes(data[: data.index(b'"conn":"c4"') + 5])  # inside the c4 connect line
    cassette = load_cassette(path)
    assert not cassette.complete
    assert "the tail is missing" in (cassette.problem or "")
    assert [e.conn for e in cassette.events][-1] == "c3"
    assert cassette.header.version == FORMAT_VERSION


def test_each_file_gets_its_own_migration_state(tmp_path: Path) -> None:
    """c1 is accepted in one file: a close of c1 in another file is still a refusal."""
    header = {"record": "header", "format": FORMAT_NAME, "version": 1}
    accepted = [
        header,
        [1, 0, 0.0, "c1", "/ws/", "", [], [], None, None],
        [2, 1, 0.1, 0, None],
        [5, 2, 0.2, 0, 1000, None],
        {"record": "end", "events": 3},
    ]
    refused = [header, [1, 0, 0.0, "c1", "/ws/", "", [], [], None, None], [5, 1, 0.1, 0, 4003, "x"]]
    (tmp_path / "a.cassette").write_bytes(_pack(*accepted))
    (tmp_path / "b.cassette").write_bytes(_pack(*refused, {"record": "end", "events": 2}))
    first = load_cassette(tmp_path / "a.cassette").events[-1]
    second = load_cassette(tmp_path / "b.cassette").events[-1]
    assert isinstance(first, ServerClose)
    assert isinstance(second, ServerClose)
    assert (first.status, first.code) == (None, 1000)
    assert (second.status, second.code, second.reason) == (403, 1006, None)


# -- version 0 (synthetic) through 1 to 2 --------------------------------------------------

V0_HEADER = {"format": FORMAT_NAME, "version": 0, "created": "2024-01-02T03:04:05Z", "library": "0"}
V0_EVENTS: list[dict[str, Any]] = [
    {"seq": 0, "conn": "a", "ms": 0, "type": "open", "path": "/ws/"},
    {"seq": 1, "conn": "a", "ms": 1, "type": "closed", "code": 4003},  # before accept
    {"seq": 2, "conn": "b", "ms": 2, "type": "open", "path": "/ws/"},
    {"seq": 3, "conn": "b", "ms": 3, "type": "accepted"},
    {"seq": 4, "conn": "b", "ms": 4, "type": "out", "payload": '{"action":"complete"}'},
    {"seq": 5, "conn": "b", "ms": 5, "type": "closed", "code": 4000},
]
V0_END = {"end": True, "count": 6}


@pytest.mark.parametrize("suffix", [".cassette", ".jsonl"])
def test_v0_runs_through_the_whole_chain(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"v0{suffix}"
    encode = _pack if suffix == ".cassette" else _lines
    path.write_bytes(encode(V0_HEADER, *V0_EVENTS, V0_END))
    with open_cassette(path) as reader:
        assert reader.source_version == 0
        assert reader.header.version == FORMAT_VERSION
        assert reader.header.signals == DEFAULTS  # from the 1 -> 2 step
        assert reader.header.library_version == "0"
        events = list(reader)
        assert reader.complete
    closes = [e for e in events if isinstance(e, ServerClose)]
    assert [(c.conn, c.status, c.code) for c in closes] == [("a", 403, 1006), ("b", None, 4000)]
    assert isinstance(events[3], AcceptEvent)


def test_migrate_record_runs_one_record_alone() -> None:
    header = migrate_record({"format": FORMAT_NAME, "version": 0, "created": "2024-01-01"}, 0)
    assert header["version"] == FORMAT_VERSION
    assert header["signals"] == DEFAULTS.to_dict()
    assert migrate_record({"record": "end", "events": 4}, 1) == {"record": "end", "events": 4}
    # alone, a close cannot know its connection was accepted: it reads as a refusal
    close = {"seq": 3, "t": 0.1, "conn": "c1", "kind": "server_close", "code": 1000}
    assert migrate_record(close, 1)["status"] == 403
    chain = Migrator(1)  # a file's chain knows
    chain({"seq": 2, "t": 0.0, "conn": "c1", "kind": "accept"})
    assert chain(close) == close


def test_legacy_refusal() -> None:
    assert legacy_refusal("denied with an HTTP 404 response", accepted=False) == {
        "status": 404,
        "code": 1006,
        "reason": None,
    }
    assert legacy_refusal(None, accepted=False) == {"status": 403, "code": 1006, "reason": None}
    assert legacy_refusal("bye", accepted=True) is None
    assert legacy_refusal("denied with an HTTP 4040 response", accepted=True) is None
    proxy = "the proxy could not reach the target: [Errno 111] Connection refused"
    assert legacy_refusal(proxy, accepted=False) == {"status": 502, "code": 1006, "reason": None}


def test_a_stateful_migration_is_made_once_per_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(migrations, "_MIGRATIONS", dict(migrations._MIGRATIONS))
    monkeypatch.setattr(migrations, "FORMAT_VERSION", FORMAT_VERSION + 1)
    made: list[object] = []

    @migration(FORMAT_VERSION)
    class Numbering:
        def __init__(self) -> None:
            self.count = 0
            made.append(self)

        def __call__(self, record: dict[str, Any]) -> dict[str, Any]:
            self.count += 1
            return {**record, "n": self.count}

    first, second = Migrator(1), Migrator(1)
    assert [first({})["n"], first({})["n"], second({})["n"]] == [1, 2, 1]
    assert len(made) == 2
    with pytest.raises(ValueError, match="registered"):
        migration(FORMAT_VERSION)(lambda record: record)


# -- version 2: status and signals, both forms -----------------------------------------------

CUSTOM = SignalNames(
    action_key="type", authentication="hello", complete="done", group_complete="gd"
)


def _v2_cassette() -> Cassette:
    header = CassetteHeader(library_version="0.2.0", app="tests", signals=CUSTOM)
    return Cassette(
        header=header,
        events=[
            ConnectEvent(seq=0, conn="c1", t=0.0, path="/ws/", user="alice"),
            ServerClose(seq=1, conn="c1", t=0.01, code=1006, status=403),
            ConnectEvent(seq=2, conn="c2", t=0.02, path="/ws/"),
            ServerClose(seq=3, conn="c2", t=0.03, code=1006, reason="no token", status=401),
            ConnectEvent(seq=4, conn="c3", t=0.04, path="/ws/"),
            AcceptEvent(seq=5, conn="c3", t=0.05),
            ServerFrame(seq=6, conn="c3", t=0.06, text='{"type":"hello"}'),
            ServerClose(seq=7, conn="c3", t=0.07, code=4000, reason="bye"),
        ],
    )


@pytest.mark.parametrize("suffix", [".cassette", ".jsonl"])
def test_v2_round_trip_of_status_and_signals(tmp_path: Path, suffix: str) -> None:
    original = _v2_cassette()
    path = tmp_path / f"v2{suffix}"
    save_cassette(original, path)
    loaded = load_cassette(path)
    assert loaded.header.signals == CUSTOM
    assert loaded.signal_names() == CUSTOM
    assert loaded.header.version == FORMAT_VERSION
    assert loaded.events == original.events
    other = tmp_path / ("other.jsonl" if suffix == ".cassette" else "other.cassette")
    convert_cassette(path, other)
    again = load_cassette(other)
    assert again.header == loaded.header
    assert again.events == original.events
    with open_cassette(other) as reader:
        assert reader.source_version == FORMAT_VERSION


def test_v2_msgpack_writes_status_only_on_refusals(tmp_path: Path) -> None:
    path = tmp_path / "v2.cassette"
    save_cassette(_v2_cassette(), path)
    records = _raw_records(path)
    assert records[0]["signals"] == CUSTOM.to_dict()
    closes = [row for row in records if isinstance(row, list) and row[0] == 5]
    assert closes == [
        [5, 1, 0.01, 0, 1006, None, 403],
        [5, 3, 0.03, 1, 1006, "no token", 401],
        [5, 7, 0.07, 2, 4000, "bye"],  # an ordinary close: 6 long, as in version 1
    ]


def test_v2_jsonl_names_status_and_signals(tmp_path: Path) -> None:
    path = tmp_path / "v2.jsonl"
    save_cassette(_v2_cassette(), path)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["version"] == 2
    assert lines[0]["signals"] == {
        "action_key": "type",
        "authentication": "hello",
        "complete": "done",
        "group_complete": "gd",
    }
    assert lines[2] == {"seq": 1, "t": 0.01, "conn": "c1", "kind": "server_close"} | {
        "code": 1006,
        "status": 403,
    }
    assert "status" not in lines[8]


def test_header_signals_survive_model_copy_and_records() -> None:
    header = CassetteHeader(signals=CUSTOM)
    copied = header.model_copy(update={"version": 1})
    assert copied.signals == CUSTOM
    assert header_to_record(copied)["signals"] == CUSTOM.to_dict()
    assert CassetteHeader.model_validate_json(header.model_dump_json()) == header
    assert CassetteHeader().signals is None
    assert Cassette().signal_names() == DEFAULTS
    assert "signals" not in header_to_record(CassetteHeader())


def test_bad_signals_and_status_are_refused(tmp_path: Path) -> None:
    header = {"record": "header", "format": FORMAT_NAME, "version": 2}
    bad_signals = {**header, "signals": {"complete": 3}}
    for data, name in ((_lines(bad_signals), "s.jsonl"), (_pack(bad_signals), "s.cassette")):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(CassetteError, match=r"invalid header: signals\.complete"):
            load_cassette(tmp_path / name)
    unknown = {**header, "signals": {"done": "x"}}
    (tmp_path / "u.jsonl").write_bytes(_lines(unknown))
    with pytest.raises(CassetteError, match=r"invalid header: signals\.done"):
        load_cassette(tmp_path / "u.jsonl")
    close = {"seq": 0, "t": 0, "conn": "c", "kind": "server_close", "code": 1006, "status": 42}
    (tmp_path / "c.jsonl").write_bytes(_lines(header, close))
    with pytest.raises(CassetteError, match=r"invalid server_close event: status"):
        load_cassette(tmp_path / "c.jsonl")


def test_writing_an_event_record_keeps_status() -> None:
    close = ServerClose(seq=0, conn="c", t=0.0, code=1006, status=403)
    assert event_to_record(close) == {
        "seq": 0,
        "t": 0.0,
        "conn": "c",
        "kind": "server_close",
        "code": 1006,
        "status": 403,
    }


def test_a_writer_records_a_refusal_as_written(tmp_path: Path) -> None:
    path = tmp_path / "w.cassette"
    with CassetteWriter(path, CassetteHeader(signals=DEFAULTS)) as writer:
        writer.write(ConnectEvent(seq=0, conn="c1", t=0.0, path="/"))
        writer.write(ServerClose(seq=1, conn="c1", t=0.1, code=1006, status=404))
    cassette = load_cassette(path)
    close = cassette.events[1]
    assert isinstance(close, ServerClose)
    assert close.refused
    assert close.status == 404
    assert cassette.header.signals == DEFAULTS
