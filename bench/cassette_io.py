"""Cassette I/O benchmark: msgpack stream vs JSON Lines, and reading memory vs length.

Run: `.venv/bin/python bench/cassette_io.py [--events N] [--memory-events M]`

Prints, per form: events/s written (`CassetteWriter.write`, as the recorder calls it,
file unbuffered and written record by record) and read (`open_cassette`, each event
validated), bytes per event, and the msgpack/JSON Lines ratios; then the tracemalloc
peak while iterating M and M/10 events (the file is generated streaming, never held in
memory) to show that reading memory does not grow with length. Figures only: nothing is
asserted, timings vary with the machine. The event mix is a chat session: connects
with cookies, an authentication frame, messages with uuids and timestamps, `complete`
and `group_complete` signals, a few binary frames, disconnects.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from channels_replay.cassettes import (
    AcceptEvent,
    CassetteHeader,
    CassetteWriter,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Event,
    ServerFrame,
    open_cassette,
)

_WORDS = [
    "hello",
    "there",
    "how",
    "are",
    "you",
    "doing",
    "today",
    "the",
    "meeting",
    "moved",
    "to",
    "three",
    "pm",
    "can",
    "we",
    "ship",
    "the",
    "release",
    "after",
    "lunch",
    "sounds",
    "good",
    "see",
    "you",
    "soon",
    "thanks",
    "a",
    "lot",
    "great",
    "news",
]
_USERS = ["alice", "bob", "carol", "dave", "erin", "frank"]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 18)))


def _json(action: str, payload: object) -> str:
    return json.dumps({"action": action, "payload": payload}, separators=(",", ":"))


def chat_events(count: int, *, seed: int = 7) -> Iterator[Event]:
    """`count` events of chat sessions, in seq order: 4 connections at a time in a room."""
    return itertools.islice(_chat_events(seed), count)


def _chat_events(seed: int) -> Iterator[Event]:
    rng = random.Random(seed)
    start = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    seq, t, number = 0, 0.0, 0
    while True:
        conns = [f"c{number + i + 1}" for i in range(4)]
        number += 4
        users = {conn: rng.choice(_USERS) for conn in conns}
        script: list[tuple[str, str, dict[str, object]]] = []
        for conn in conns:
            script.append(("connect", conn, {}))
            script.append(("accept", conn, {}))
            auth = {"status_code": 200, "status_text": "OK", "data": {"user": users[conn]}}
            script.append(("server", conn, {"text": _json("authentication", auth)}))
        for _ in range(40):
            sender = rng.choice(conns)
            script.append(("message", sender, {}))
        for conn in conns:
            script.append(("disconnect", conn, {}))
        for kind, conn, extra in script:
            t += rng.expovariate(20.0)
            if kind == "connect":
                cookie = f"sessionid={uuid.UUID(int=rng.getrandbits(128)).hex}; csrftoken=x"
                yield ConnectEvent(
                    seq=seq,
                    conn=conn,
                    t=t,
                    path="/ws/chat/lobby/",
                    headers=[
                        ("host", "chat.example.org"),
                        ("origin", "https://chat.example.org"),
                        ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/123.0"),
                        ("cookie", cookie),
                    ],
                    client=("10.0.0.7", 50000 + seq % 10000),
                    user=users[conn],
                )
                seq += 1
            elif kind == "accept":
                yield AcceptEvent(seq=seq, conn=conn, t=t)
                seq += 1
            elif kind == "server":
                yield ServerFrame(seq=seq, conn=conn, t=t, **extra)  # type: ignore[arg-type]
                seq += 1
            elif kind == "disconnect":
                yield ClientDisconnect(seq=seq, conn=conn, t=t)
                seq += 1
            else:
                for event in _message(rng, seq, t, conn, conns, users, start):
                    yield event
                    seq += 1


def _message(
    rng: random.Random,
    seq: int,
    t: float,
    sender: str,
    conns: list[str],
    users: dict[str, str],
    start: datetime,
) -> Iterator[Event]:
    if rng.random() < 0.05:  # an attachment chunk, in a bytes frame
        yield ClientFrame(seq=seq, conn=sender, t=t, data=rng.randbytes(rng.randint(64, 512)))
        seq += 1
    text = _text(rng)
    client_id = str(uuid.UUID(int=rng.getrandbits(128)))
    payload = {"room": "lobby", "text": text, "client_msg_id": client_id}
    yield ClientFrame(seq=seq, conn=sender, t=t, text=_json("send_message", payload))
    message = {
        "id": str(uuid.UUID(int=rng.getrandbits(128))),
        "room": "lobby",
        "author": users[sender],
        "text": text,
        "created_at": (start + timedelta(seconds=t)).isoformat(),
    }
    for conn in conns:
        seq += 1
        t += 0.0003
        yield ServerFrame(seq=seq, conn=conn, t=t, text=_json("new_message", message))
    seq += 1
    yield ServerFrame(seq=seq, conn=sender, t=t, text='{"action":"complete"}')
    for conn in conns:
        if conn != sender:
            seq += 1
            yield ServerFrame(seq=seq, conn=conn, t=t, text='{"action":"group_complete"}')


def _write(path: Path, events: list[Event]) -> float:
    begin = time.perf_counter()
    with CassetteWriter(path, CassetteHeader(app="bench")) as writer:
        for event in events:
            writer.write(event)
    return time.perf_counter() - begin


def _read(path: Path) -> tuple[float, int]:
    begin = time.perf_counter()
    with open_cassette(path) as reader:
        count = sum(1 for _ in reader)
    return time.perf_counter() - begin, count


def _best(function: object, *args: object, repeat: int = 2) -> float:
    times = []
    for _ in range(repeat):
        result = function(*args)  # type: ignore[operator]
        times.append(result if isinstance(result, float) else result[0])
    return min(times)


def _peak_iterating(path: Path) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with open_cassette(path) as reader:
            for _event in reader:
                pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _write_streaming(path: Path, template: list[Event], count: int) -> None:
    """Write `count` events made from `template` on the fly, never holding them all.

    Past the template's end it starts again with new connection ids and later times,
    so the long cassette has as many distinct connections as a real one would.
    """
    span = template[-1].t + 1.0
    with CassetteWriter(path, CassetteHeader(app="bench")) as writer:
        for seq in range(count):
            cycle, index = divmod(seq, len(template))
            event = template[index]
            if cycle:
                update = {"seq": seq, "t": event.t + cycle * span, "conn": f"{event.conn}.{cycle}"}
                event = event.model_copy(update=update)
            writer.write(event)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000, help="events per speed run")
    parser.add_argument(
        "--memory-events", type=int, default=1_000_000, help="the long cassette's length"
    )
    args = parser.parse_args()

    events = list(chat_events(args.events))
    kinds: dict[str, int] = {}
    for event in events:
        kinds[event.kind] = kinds.get(event.kind, 0) + 1
    print(f"{len(events)} events: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))

    with tempfile.TemporaryDirectory() as directory:
        results = {}
        for form, name in (("msgpack", "bench.cassette"), ("jsonl", "bench.jsonl")):
            path = Path(directory) / name
            write = _best(_write, path, events)
            read = _best(_read, path)
            size = os.path.getsize(path)
            results[form] = (write, read, size)
            print(
                f"{form:8} write {len(events) / write:>10,.0f} events/s   "
                f"read {len(events) / read:>10,.0f} events/s   "
                f"{size / len(events):7.1f} bytes/event"
            )
        (mw, mr, ms), (jw, jr, js) = results["msgpack"], results["jsonl"]
        print(
            f"msgpack vs jsonl: {js / ms:.2f}x smaller, writes {jw / mw:.2f}x faster, "
            f"reads {jr / mr:.2f}x faster"
        )

        long_count, short_count = args.memory_events, args.memory_events // 10
        for count in (short_count, long_count):
            path = Path(directory) / f"memory-{count}.cassette"
            _write_streaming(path, events, count)
            peak = _peak_iterating(path)
            size = os.path.getsize(path)
            print(
                f"iterating {count:>9,} events ({size / 1e6:5.1f} MB, "
                f"{_connections(events, count):>6,} connections): "
                f"tracemalloc peak {peak / 1024:7.1f} KiB"
            )
            path.unlink()
        print(
            "(the peak does not grow with the events; what it gains with a longer cassette "
            "is the connection-id table, ~100 bytes per connection)"
        )


def _connections(template: list[Event], count: int) -> int:
    """How many distinct connections `_write_streaming` gives `count` events."""
    cycles, rest = divmod(count, len(template))
    return cycles * len({e.conn for e in template}) + len({e.conn for e in template[:rest]})


if __name__ == "__main__":
    main()
