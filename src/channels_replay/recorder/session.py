"""One recording session: where the cassette goes, the global event order, and failure handling.

A session turns what the middleware saw into cassette events: it numbers the
connections (`c1`, `c2`, ... in order of connect), gives every event the next `seq`
and its time offset `t` from the start of the session (monotonic clock), redacts it
and writes it with a `CassetteWriter`.

Capturing is cheap and keeps the order: the middleware's call stamps the time and
appends to a queue, nothing more. The queue is written out by a callback on the
running event loop, `FLUSH_DELAY` seconds later: typically while the server waits for
the client, instead of between a client frame and the reply. Each flush hands its
batch to the OS in one write. A crash (kill -9) loses at most the events of the last
few milliseconds; everything before stays readable, and the reader reports the cut.

The cassette is opened lazily, at the first connection, and closed by `close()` (or at
interpreter exit, as a safety net). With `per_connection=True` every connection gets a
cassette of its own, opened at its connect and closed when the app is done with it.

Recording never breaks the app: when anything in the recording path fails (the file
cannot be created, the disk is full, ...) one warning is logged, the cassette is closed
as incomplete where that is still possible, and every later event is dropped.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, cast

from channels_replay import __version__
from channels_replay.asgi import Translated
from channels_replay.cassettes import (
    AcceptEvent,
    CassetteHeader,
    CassetteWriter,
    ClientDisconnect,
    ClientFrame,
    ConnectEvent,
    Redactor,
    ServerClose,
    ServerFrame,
    form_for_path,
)
from channels_replay.cassettes._construct import make_event
from channels_replay.errors import RecorderError
from channels_replay.identity import IdentityHook
from channels_replay.recorder._files import BatchedFile, CassettePaths
from channels_replay.recorder._options import (
    check_recording_allowed,
    resolve_identity,
    resolve_redactor,
    take_settings_snapshot,
)
from channels_replay.settings import signal_names
from channels_replay.signals import SignalKind
from channels_replay.snapshots import write_snapshot

__all__ = ["FLUSH_DELAY", "ConnectionRecording", "RecordingSession", "RecordingSummary"]

logger = logging.getLogger("channels_replay.recorder")

FLUSH_DELAY = 0.01
"""Seconds between capturing an event and writing it (with whatever came meanwhile)."""
_monotonic = time.monotonic
_running_loop = asyncio.get_running_loop
_MAX_PENDING = 2000
"""More captured events than this are written at once, whatever the delay."""

_KINDS: dict[type, str] = {
    ConnectEvent: "connect",
    AcceptEvent: "accept",
    ClientFrame: "client_frame",
    ServerFrame: "server_frame",
    ServerClose: "server_close",
    ClientDisconnect: "client_disconnect",
}


@dataclass(frozen=True)
class RecordingSummary:
    """What a session recorded: connections, frames (both directions), events, files."""

    connections: int
    frames: int
    events: int
    files: tuple[Path, ...]
    problem: str | None = None
    """Why recording stopped early, when it did (the cassette is then incomplete)."""
    signals: Mapping[SignalKind, int] = field(default_factory=dict)
    """How many server frames of each signal kind were recorded (none: the app sends none)."""

    def describe(self) -> str:
        """One or two lines for a person: counts and where the cassette went."""
        if not self.files and not self.problem:
            return "recorded nothing: no WebSocket connection was made"
        where = ", ".join(str(path) for path in self.files) or "no cassette"
        text = (
            f"recorded {self.connections} connection{'s' * (self.connections != 1)}, "
            f"{self.frames} frame{'s' * (self.frames != 1)} ({self.events} events) to {where}"
        )
        if self.problem:
            text += f"\nrecording stopped early: {self.problem}"
        return text


class _Cassette:
    """One cassette being written: its file, writer, next seq and clock origin."""

    __slots__ = ("file", "path", "seq", "t0", "writer")

    def __init__(self, path: Path, header: CassetteHeader) -> None:
        self.path = path
        self.file = BatchedFile(path)
        try:
            stream = cast(BinaryIO, self.file)
            self.writer = CassetteWriter(stream, header, form=form_for_path(path))
            self.file.commit()  # the header: even an empty recording is a readable cassette
        except BaseException:
            self.file.close()
            raise
        self.seq = 0
        self.t0 = time.monotonic()

    def close(self, **completion: Any) -> None:
        """End record and close; a file whose last commit failed gets nothing more."""
        try:
            if not self.file.broken:
                self.writer.close(**completion)
        finally:
            self.file.close()


_Pending = tuple[_Cassette, type | None, str, dict[str, Any] | None]
"""A captured event: its cassette, class (None: close that cassette), conn and fields."""


_EVENT_CLASSES: dict[str, type] = {
    "accept": AcceptEvent,
    "client_frame": ClientFrame,
    "server_frame": ServerFrame,
    "server_close": ServerClose,
    "client_disconnect": ClientDisconnect,
}
_ENDS = frozenset({"server_close", "client_disconnect"})


class ConnectionRecording:
    """The recording of one connection, handed to the middleware by `RecordingSession.connect`.

    `record` takes each event as `channels_replay.asgi` translated it; it never raises
    (a failure stops the session's recording).
    """

    __slots__ = ("_cassette", "_session", "conn", "ended", "finished", "number")

    def __init__(
        self, session: RecordingSession, cassette: _Cassette, conn: str, number: int
    ) -> None:
        self._session = session
        self._cassette = cassette
        self.conn = conn
        """The connection id in the cassette (`c1`, `c2`, ...)."""
        self.number = number
        """The connection's number in the session (1, 2, ...), also in per-connection mode."""
        self.ended = False
        """Whether the application is done with the connection."""
        self.finished = False
        """Whether its end (server close or client disconnect) has been recorded."""

    def record(self, translated: Translated) -> None:
        """Record one translated event of this connection (its connect is the session's)."""
        if translated.kind in _ENDS:
            self.finished = True
        self._session._capture(
            self._cassette, _EVENT_CLASSES[translated.kind], self.conn, dict(translated.fields)
        )

    def fail(self, exc: BaseException) -> None:
        """Recording this connection failed (an odd message, a bug of ours): keep what was
        captured so far, then stop the session's recording with one warning."""
        with contextlib.suppress(Exception):
            self._session.flush()
        self._session._fail(
            self._cassette, exc, what="stopped at an event it could not record on " + self.conn
        )

    def end(self) -> None:
        """The application is done with this connection (closes its own cassette if any)."""
        if not self.ended:
            self.ended = True
            self._session._end(self)


class RecordingSession:
    """Records the connections of one session into one cassette (or one per connection).

    `target` is a cassette file (`.cassette` or `.msgpack`: the msgpack stream; `.jsonl`:
    JSON Lines) or a directory, where `session-YYYYmmdd-HHMMSS.cassette` is created (with
    `-cN` before the suffix per connection in per-connection mode). Raises RecorderError
    when Django's DEBUG is False and neither `force` nor `RECORD_FORCE` is set, and when
    a file `target` is a symbolic link.
    """

    def __init__(
        self,
        target: str | os.PathLike[str],
        *,
        per_connection: bool = False,
        redactor: Redactor | None = None,
        redact: bool = True,
        force: bool = False,
        app_label: str | None = None,
        server: str | None = None,
        identity: IdentityHook | str | None = None,
        snapshot: Sequence[str] | None = None,
    ) -> None:
        check_recording_allowed(force=force, where=os.fspath(target))
        self.target = Path(target)
        self.per_connection = per_connection
        self.redactor = resolve_redactor(redactor, redact=redact)
        self.identity = resolve_identity(identity)
        """Who a connection's user is where `scope["user"]` does not say (None: unknown)."""
        self._snapshot = take_settings_snapshot(snapshot, self.redactor)
        self.snapshot_rows = None if self._snapshot is None else self._snapshot.rows
        """How many rows the snapshot written beside each cassette holds (None: no snapshot)."""
        self._paths = CassettePaths(target)
        if not self._paths.directory and self.target.is_symlink():
            raise RecorderError(
                f"{self.target}: is a symbolic link, and channels-replay does not write a "
                "cassette through one (it would overwrite what the link points at): remove "
                "the link or give another path"
            )
        self.signal_names = signal_names()
        """The signal convention of the recorded app (Django settings, else the defaults)."""
        self._header = CassetteHeader(
            library_version=__version__,
            app=app_label,
            server=server,
            redacted=self.redactor is not None,
            signals=self.signal_names,
        )
        self._signals: Counter[SignalKind] = Counter()
        self._lock = threading.Lock()
        self._shared: _Cassette | None = None
        self._live: dict[int, _Cassette] = {}
        self._open: dict[int, ConnectionRecording] = {}
        self._files: list[Path] = []
        self._connections = 0
        self._frames = 0
        self._events = 0
        self._problem: str | None = None
        self._stopped = False
        self._closed = False
        self._atexit_registered = False
        self._pending: deque[_Pending] = deque()
        self._flush_loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        state = "closed" if self._closed else "stopped" if self._stopped else "recording"
        return f"<RecordingSession {self.target} ({state}, {self._connections} connections)>"

    @property
    def recording(self) -> bool:
        """Whether events are still being recorded (False once closed or after a failure)."""
        return not (self._stopped or self._closed)

    @property
    def files(self) -> list[Path]:
        """The cassette files created so far."""
        return list(self._files)

    @property
    def summary(self) -> RecordingSummary:
        """What has been written so far."""
        return RecordingSummary(
            connections=self._connections,
            frames=self._frames,
            events=self._events,
            files=tuple(self._files),
            problem=self._problem,
            signals=dict(self._signals),
        )

    def connect(
        self,
        *,
        path: str,
        query_string: str,
        headers: list[tuple[str, str]],
        subprotocols: list[str],
        client: tuple[str, int] | None,
        user: str | None,
    ) -> ConnectionRecording | None:
        """Record a new connection; its recorder, or None when the session records no more."""
        if self._stopped or self._closed:
            return None
        with self._lock:
            if self._stopped or self._closed:
                return None
            number = self._connections + 1
            path_of_cassette = (
                self._paths.connection(number) if self.per_connection else self._paths.session()
            )
            try:
                if self.per_connection:
                    cassette = self._open_cassette(path_of_cassette)
                elif self._shared is None:
                    cassette = self._shared = self._open_cassette(path_of_cassette)
                else:
                    cassette = self._shared
            except Exception as exc:
                self._fail(path_of_cassette, exc)
                return None
            self._connections = number
            conn = "c1" if self.per_connection else f"c{number}"
            recording = ConnectionRecording(self, cassette, conn, number)
            self._open[number] = recording
        self._capture(
            cassette,
            ConnectEvent,
            conn,
            {
                "path": path,
                "query_string": query_string,
                "headers": headers,
                "subprotocols": subprotocols,
                "client": client,
                "user": user,
            },
        )
        return recording

    def flush(self) -> None:
        """Write every captured event now (otherwise done `FLUSH_DELAY` after capture)."""
        self._flush_loop = None
        with self._lock:
            if not (self._stopped or self._closed):
                self._drain()

    def close(self) -> RecordingSummary:
        """Write what is pending, finish the cassette(s) with an end record; the summary.

        A cassette with a connection that has not ended (no close or disconnect recorded)
        is marked incomplete, saying which. Later events are dropped. Closing twice does
        nothing more.
        """
        with self._lock:
            if not self._closed:
                if not self._stopped:
                    self._drain()
                self._closed = True
                self._unregister_atexit()
                if not self._stopped:
                    self._close_all()
        return self.summary

    # -- capturing (the hot path) -------------------------------------------------------

    def _capture(self, cassette: _Cassette, cls: Any, conn: str, fields: dict[str, Any]) -> None:
        """Stamp and queue one event; schedule the write on the running event loop."""
        if self._stopped or self._closed:
            return
        fields["t"] = _monotonic() - cassette.t0
        pending = self._pending
        pending.append((cassette, cls, conn, fields))
        if len(pending) >= _MAX_PENDING:
            self.flush()
            return
        try:
            loop = _running_loop()
        except RuntimeError:  # no event loop (a thread, a script): write at once
            self.flush()
            return
        if self._flush_loop is not loop:  # the same as _schedule_flush, inlined: hot path
            self._flush_loop = loop
            loop.call_later(FLUSH_DELAY, self.flush)

    def _schedule_flush(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a thread, a script): write at once
            self.flush()
            return
        if self._flush_loop is not loop:
            self._flush_loop = loop
            loop.call_later(FLUSH_DELAY, self.flush)

    def _end(self, recording: ConnectionRecording) -> None:
        with self._lock:
            self._open.pop(recording.number, None)
        if self.per_connection and not (self._stopped or self._closed):
            self._pending.append((recording._cassette, None, recording.conn, None))
            self._schedule_flush()

    # -- writing (the lock is held) -----------------------------------------------------

    def _drain(self) -> None:
        """Write out the queue in order, then commit each touched file in one write."""
        pending = self._pending
        redactor = self.redactor
        touched: list[_Cassette] = []
        last: _Cassette | None = None
        frames = events = 0
        try:
            while pending and not self._stopped:
                cassette, cls, conn, fields = pending.popleft()
                if cassette is not last:
                    last = cassette
                    if cassette not in touched:
                        touched.append(cassette)
                if cls is None or fields is None:  # the app is done with its own cassette
                    self._close_cassette(cassette, {"complete": True})
                    continue
                is_frame = cls is ClientFrame or cls is ServerFrame
                try:
                    if is_frame:  # most events: straight to the writer, no event object
                        text = fields["text"]
                        if redactor is not None and text is not None:
                            text = redactor.redact_text(text)[0]
                        cassette.writer.write_frame(
                            server=cls is ServerFrame,
                            seq=cassette.seq,
                            t=fields["t"],
                            conn=conn,
                            text=text,
                            data=fields["data"],
                        )
                        if text is not None and cls is ServerFrame:
                            self._count_signal(text)
                    else:
                        fields["seq"] = cassette.seq
                        fields["conn"] = conn
                        fields["kind"] = _KINDS[cls]
                        event = make_event(cls, fields)
                        if redactor is not None:
                            event = redactor.redact_event(event)
                        cassette.writer.write(event)
                except Exception as exc:
                    self._fail(cassette, exc)
                    return
                cassette.seq += 1
                events += 1
                frames += is_frame
        finally:
            self._events += events
            self._frames += frames
        for cassette in touched:
            try:
                cassette.file.commit()
            except Exception as exc:
                self._fail(cassette, exc)
                return

    def _count_signal(self, text: str) -> None:
        """Count a server text frame that is a signal (`SignalNames.kind_of` is cheap on
        the frames that are not, and remembers the short texts of those that are)."""
        kind = self.signal_names.kind_of(text)
        if kind is not None:
            self._signals[kind] += 1

    def _open_cassette(self, path: Path) -> _Cassette:
        header = self._header.model_copy(update={"created_at": datetime.now(UTC)})
        if self._snapshot is not None:
            header = write_snapshot(path, self._snapshot, header)
        cassette = _Cassette(path, header)
        self._files.append(path)
        self._live[id(cassette)] = cassette
        if not self._atexit_registered:
            atexit.register(self.close)
            self._atexit_registered = True
        if len(self._files) == 1:
            logger.info("channels-replay: recording WebSocket sessions to %s", path)
        return cassette

    def _close_cassette(self, cassette: _Cassette, completion: dict[str, Any]) -> None:
        self._live.pop(id(cassette), None)
        try:
            cassette.close(**completion)
        except Exception as exc:
            self._fail(cassette, exc)

    def _close_all(self) -> None:
        """Close every open cassette, incomplete where a connection has not ended."""
        open_recordings = sorted(self._open.values(), key=lambda rec: rec.number)
        for cassette in list(self._live.values()):
            held = [rec for rec in open_recordings if rec._cassette is cassette]
            self._close_cassette(cassette, _completion(held))

    # -- failure ------------------------------------------------------------------------

    def _fail(
        self, where: _Cassette | Path, exc: BaseException, *, what: str = "could not be written"
    ) -> None:
        """Stop recording for good: one warning, cassettes closed as incomplete."""
        if self._stopped:
            return
        self._stopped = True
        self._pending.clear()
        path = where.path if isinstance(where, _Cassette) else where
        self._problem = f"{type(exc).__name__}: {exc}"
        logger.warning(
            "channels-replay: recording stopped, the cassette %s %s (%s); "
            "the application carries on unrecorded and the cassette (if any) is incomplete",
            path,
            what,
            self._problem,
        )
        problem = f"recording stopped: {self._problem}"
        for cassette in list(self._live.values()):
            with contextlib.suppress(Exception):
                cassette.close(complete=False, problem=problem)
        self._live.clear()
        self._unregister_atexit()

    def _unregister_atexit(self) -> None:
        if self._atexit_registered:
            atexit.unregister(self.close)
            self._atexit_registered = False


def _completion(recordings: Sequence[ConnectionRecording]) -> dict[str, Any]:
    """The close arguments of a cassette holding these connections not released by the app."""
    unfinished = [rec for rec in recordings if not rec.finished]
    if not unfinished:
        return {"complete": True}
    names = ", ".join(f"c{rec.number}" for rec in unfinished)
    return {
        "complete": False,
        "problem": f"the recording stopped while connection(s) {names} were still open",
    }
