"""Writing a cassette record by record, so that a crash loses at most the record being written.

The writer runs in a live server's hot path: each event is encoded straight from its
attributes (no `model_dump`, no validation of what the recorder just built) and written
with one `write` call on an unbuffered file, or written and flushed on a stream. The
header goes out when the writer is created, so even an empty recording is a readable
cassette; `close()` adds the end record that marks the cassette complete.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from channels_replay.cassettes._jsonl_codec import JsonlEncoder
from channels_replay.cassettes._msgpack_codec import MAX_RECORD_BYTES, MsgpackEncoder
from channels_replay.cassettes._reader import CassetteForm
from channels_replay.cassettes._records import EVENT_CLASSES, end_record, header_to_record
from channels_replay.cassettes._safe_io import FILE_MODE, open_private_for_writing
from channels_replay.cassettes.model import FORMAT_VERSION, CassetteHeader, Event
from channels_replay.errors import CassetteError

__all__ = ["FILE_MODE", "CassetteWriter", "form_for_path"]

_EVENT_TYPES = tuple(EVENT_CLASSES.values())


def form_for_path(path: str | os.PathLike[str]) -> CassetteForm:
    """The form a file name asks for: JSON Lines for `.jsonl`, else the msgpack stream."""
    return "jsonl" if os.fspath(path).lower().endswith(".jsonl") else "msgpack"


def _open_private(path: Path) -> BinaryIO:
    """Create or truncate `path` with mode 0o600 (whatever the umask), unbuffered, never
    through a symbolic link."""
    fd = open_private_for_writing(path)
    try:
        return open(fd, "wb", buffering=0)
    except BaseException:
        os.close(fd)
        raise


class CassetteWriter:
    """Writes one cassette: the header now, then `write(event)` per event, then `close()`.

    `target` is a path (created with mode 0o600) or a binary stream (flushed after every
    record, left open). `form` defaults to the path's extension: `.jsonl` gives JSON
    Lines, anything else (and a stream) the msgpack stream. Events must come in
    increasing `seq` order. Safe to share between threads. As a context manager it closes
    the cassette, marking it incomplete when the block raised.
    """

    def __init__(
        self,
        target: str | os.PathLike[str] | BinaryIO,
        header: CassetteHeader,
        *,
        form: CassetteForm | None = None,
    ) -> None:
        if not isinstance(header, CassetteHeader):
            raise TypeError(f"header must be a CassetteHeader, not {type(header).__name__}")
        if form not in (None, "msgpack", "jsonl"):
            raise ValueError(f"form must be 'msgpack' or 'jsonl', not {form!r}")
        self._path: Path | None = None
        self._name = "<stream>"
        given: BinaryIO | None = None
        if isinstance(target, str | os.PathLike):
            self._path = Path(target)
            self._name = os.fsdecode(target)
            self.form: CassetteForm = form or form_for_path(target)
            """The form being written."""
        else:
            given = target
            self._name = str(getattr(target, "name", "") or "<stream>")
            self.form = form or "msgpack"
        self.header = header.model_copy(update={"version": FORMAT_VERSION})
        """The header as written (its version is this library's format version)."""
        try:
            header_record = header_to_record(self.header)
            json.dumps(header_record)
        except (TypeError, ValueError) as exc:
            raise CassetteError(
                f"{self._name}: the header's metadata and noise must hold JSON values "
                f"only (both forms store them as JSON would): {exc}"
            ) from None
        self._encoder = MsgpackEncoder() if self.form == "msgpack" else JsonlEncoder()
        self._lock = threading.Lock()
        self._events_written = 0
        self._last_seq = -1
        self._closed = False
        self._owned: BinaryIO | None = None
        self._stream: BinaryIO
        self._flush: Callable[[], object] | None = None
        if given is not None:
            self._stream = given
            self._flush = getattr(given, "flush", None)
        else:
            assert self._path is not None
            try:
                self._owned = self._stream = _open_private(self._path)
            except OSError as exc:
                raise CassetteError(
                    f"{self._name}: cannot create the cassette: {exc.strerror or exc}"
                ) from None
        try:
            self._emit(self._encoder.map_record(header_record))
        except BaseException:
            self._close_stream()
            raise

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        count = self._events_written
        return f"<CassetteWriter {self._name} ({self.form}, {count} events, {state})>"

    @property
    def path(self) -> Path | None:
        """The file being written, or None for a stream."""
        return self._path

    @property
    def events_written(self) -> int:
        """How many events have been written."""
        return self._events_written

    @property
    def closed(self) -> bool:
        """Whether `close()` has been called."""
        return self._closed

    def write(self, event: Event) -> None:
        """Append one event and push it to the file at once (it survives a crash after this).

        Raises TypeError for anything that is not an event, and CassetteError when the
        writer is closed, the event's seq is not after the last one, or writing failed.
        """
        if type(event) not in _EVENT_TYPES and not isinstance(event, _EVENT_TYPES):
            raise TypeError(
                "a cassette holds events (ConnectEvent, AcceptEvent, ClientFrame, "
                f"ServerFrame, ServerClose, ClientDisconnect), not {type(event).__name__}"
            )
        self._write(event.seq, lambda: self._encoder.event(event))

    def write_frame(
        self,
        *,
        server: bool,
        seq: int,
        t: float,
        conn: str,
        text: str | None = None,
        data: bytes | None = None,
    ) -> None:
        """Append one frame from its parts: `write` without building an event first.

        For the recorder's hot path, which has the parts already; exactly one of
        `text` and `data`. Written as `write` would write the same ServerFrame or
        ClientFrame.
        """
        if (text is None) == (data is None):
            raise ValueError("a frame has exactly one of 'text' and 'data'")
        self._write(seq, lambda: self._encoder.frame(server, seq, t, conn, text, data))

    def _write(self, seq: int, encode: Callable[[], bytes]) -> None:
        with self._lock:
            if self._closed:
                raise CassetteError(f"{self._name}: the cassette writer is closed")
            if seq <= self._last_seq:
                raise CassetteError(
                    f"{self._name}: event seq {seq} comes after seq {self._last_seq}: "
                    "events are written in increasing seq order"
                )
            try:
                data = encode()
            except (ValueError, OverflowError) as exc:  # UnicodeEncodeError is a ValueError
                # (the encoder changes no state of its own when it fails)
                raise CassetteError(
                    f"{self._name}: event seq {seq} cannot be encoded: {exc}"
                ) from None
            self._emit(data)
            self._last_seq = seq
            self._events_written += 1

    def _emit(self, data: bytes) -> None:
        if len(data) > MAX_RECORD_BYTES:
            raise CassetteError(
                f"{self._name}: a record of {len(data)} bytes is larger than the "
                f"{MAX_RECORD_BYTES // (1024 * 1024)} MiB a cassette record may hold"
            )
        try:
            written = self._stream.write(data)
            if written is not None and written < len(data):
                self._write_rest(memoryview(data)[written:])
            if self._flush is not None:
                self._flush()
        except OSError as exc:
            # The file may now end in a partial record: write nothing more (no end
            # record either), so a reader sees the cut as it would after a crash.
            self._closed = True
            self._close_stream()
            raise CassetteError(f"{self._name}: writing the cassette failed: {exc}") from None

    def _write_rest(self, rest: memoryview) -> None:
        while rest:
            written = self._stream.write(rest)
            if not written:  # a non-blocking stream that would block: give up, as on a full disk
                raise OSError("the stream took no more bytes")
            rest = rest[written:]

    def close(self, *, complete: bool = True, problem: str | None = None) -> None:
        """Write the end record and close the file (a stream is flushed, left open).

        `complete=False` marks the cassette incomplete, with `problem` saying why (e.g.
        the server stopped while connections were open). Closing twice does nothing.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                record = end_record(self._events_written, complete=complete, problem=problem)
                self._emit(self._encoder.map_record(record))
            finally:
                self._close_stream()

    def _close_stream(self) -> None:
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def __enter__(self) -> CassetteWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            problem = f"the recording stopped on {exc_type.__name__}: {exc}"
            self.close(complete=False, problem=problem)
