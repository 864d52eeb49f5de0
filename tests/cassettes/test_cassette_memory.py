"""Reading holds one event at a time: peak memory does not grow with the cassette's length.

A memory assertion, not a timing one: the tracemalloc peak while iterating 10^5 events
stays well under three times the peak for 10^4 (linear growth would make it ten times).
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from channels_replay.cassettes import CassetteHeader, CassetteWriter, ServerFrame, open_cassette


def _write(path: Path, count: int) -> None:
    with CassetteWriter(path, CassetteHeader()) as writer:
        for seq in range(count):
            text = f'{{"action":"message","payload":{{"n":{seq},"text":"{"z" * (seq % 200)}"}}}}'
            writer.write(ServerFrame(seq=seq, conn=f"conn-{seq % 7}", t=seq / 1000, text=text))


def _peak_while_iterating(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        count = 0
        with open_cassette(path) as reader:
            for _event in reader:
                count += 1
            assert reader.complete
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("suffix", [".cassette", ".jsonl"])
def test_peak_memory_is_flat_in_length(tmp_path: Path, suffix: str) -> None:
    small, large = tmp_path / f"small{suffix}", tmp_path / f"large{suffix}"
    _write(small, 10_000)
    _write(large, 100_000)
    small_count, small_peak = _peak_while_iterating(small)
    large_count, large_peak = _peak_while_iterating(large)
    assert (small_count, large_count) == (10_000, 100_000)
    assert large.stat().st_size > 9 * small.stat().st_size
    assert large_peak < 3 * small_peak, (small_peak, large_peak)
