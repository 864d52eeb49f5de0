"""A cut cassette (crash, kill -9) reads up to the cut and says the tail is missing."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from channels_replay.cassettes import (
    CassetteHeader,
    CassetteWriter,
    Event,
    ServerFrame,
    load_cassette,
    open_cassette,
)


def _written(form: str, header: CassetteHeader, events: list[Event]) -> tuple[bytes, list[int]]:
    """The cassette's bytes and the offset where each record ends (header, events, end)."""
    buffer = io.BytesIO()
    ends = []
    writer = CassetteWriter(buffer, header, form=form)  # type: ignore[arg-type]
    ends.append(buffer.tell())
    for event in events:
        writer.write(event)
        ends.append(buffer.tell())
    writer.close()
    ends.append(buffer.tell())
    return buffer.getvalue(), ends


@pytest.mark.parametrize("form", ["msgpack", "jsonl"])
def test_cut_at_every_byte_offset(form: str, header: CassetteHeader, events: list[Event]) -> None:
    data, ends = _written(form, header, events)
    # A JSON Lines record is whole without its newline: only the newline was cut.
    whole_at = [end - 1 for end in ends] if form == "jsonl" else ends
    for cut in range(ends[0], len(data)):
        whole = sum(1 for end in whole_at[1:-1] if end <= cut)  # events wholly before the cut
        cassette = load_cassette(io.BytesIO(data[:cut]))
        assert cassette.events == events[:whole], cut
        if cut >= whole_at[-1]:
            assert cassette.complete, cut
            continue
        assert cassette.complete is False, cut
        assert cassette.problem is not None
        assert cassette.problem.startswith("the tail is missing"), cassette.problem
        start = max(end for end in ends if end <= cut)
        if cut in ends or cut in whole_at:
            assert "no end record" in cassette.problem, (cut, cassette.problem)
        else:
            assert f"cut at byte offset {start} (the file ends at byte {cut})" in cassette.problem
    assert load_cassette(io.BytesIO(data)).complete


@pytest.mark.parametrize("form", ["msgpack", "jsonl"])
def test_cut_in_the_last_record_of_a_longer_cassette(form: str, header: CassetteHeader) -> None:
    frames: list[Event] = [
        ServerFrame(seq=i, conn=f"c{i % 5}", t=i / 100, text="x" * (i % 300)) for i in range(300)
    ]
    data, ends = _written(form, header, frames)
    last_start, last_end = ends[-3], ends[-2]
    if form == "jsonl":
        last_end -= 1  # without only its newline, the line is whole
    for cut in range(last_start + 1, last_end):
        with open_cassette(io.BytesIO(data[:cut])) as reader:
            assert sum(1 for _ in reader) == 299
            assert not reader.complete
            assert reader.problem is not None
            assert f"record 301 is cut at byte offset {last_start}" in reader.problem


_CHILD = textwrap.dedent(
    """
    import sys
    from channels_replay.cassettes import CassetteHeader, CassetteWriter, ServerFrame

    writer = CassetteWriter(sys.argv[1], CassetteHeader(app="killed"))
    seq = 0
    while True:
        text = '{"action":"tick","payload":{"n":%d,"pad":"%s"}}' % (seq, "y" * (seq % 97))
        writer.write(ServerFrame(seq=seq, conn="c%d" % (seq % 3), t=seq / 1000, text=text))
        seq += 1
        if seq == 3000:
            print("ready", flush=True)
    """
)


@pytest.mark.parametrize("suffix", [".cassette", ".jsonl"])
def test_a_writer_killed_with_sigkill_leaves_a_readable_cassette(
    tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"killed{suffix}"
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    cassette = load_cassette(path)
    assert cassette.header.app == "killed"
    assert len(cassette.events) >= 3000
    assert [event.seq for event in cassette.events] == list(range(len(cassette.events)))
    assert cassette.complete is False
    assert cassette.problem is not None
    assert "the tail is missing" in cassette.problem
