"""Noticing, from outside the event loop, that the app has stopped it.

In-process, the app runs on the replay's own event loop, so every time bound of the
replay (`asyncio` timeouts, the driver's waits) is a callback on that loop: an app that
blocks it (`time.sleep`, a busy loop, a synchronous socket call in an `async def`) holds
every bound off for as long as it blocks. The watchdog is a thread the loop cannot
block: the loop beats every few milliseconds, and when no beat has come for `limit`
seconds the watchdog reports the stall once (what the replay was doing, for how long).
Python cannot interrupt code that is running on another thread, so what happens then
is the reporter's choice: the command line reports and ends the process; a test gets
the stall in its result once the loop runs again.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

__all__ = ["LoopWatchdog"]

_BEAT = 0.02
"""How often the loop beats, in seconds."""


class LoopWatchdog:
    """Watches `loop` from a thread; calls `on_stall(seconds)` there when it stops beating."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, limit: float, on_stall: Callable[[float], None]
    ) -> None:
        self.loop = loop
        self.limit = limit
        self.on_stall = on_stall
        self.stalled: float | None = None
        """How long the loop had been blocked when the stall was reported (None: never)."""
        self._last = time.monotonic()
        self._stop = threading.Event()
        self._handle: asyncio.TimerHandle | None = None
        self._thread = threading.Thread(target=self._watch, name="replay-watchdog", daemon=True)

    def start(self) -> None:
        """Start beating (call it on the loop) and watching."""
        self._beat()
        self._thread.start()

    def stop(self) -> None:
        """Stop watching and beating (on the loop)."""
        self._stop.set()
        if self._handle is not None:
            self._handle.cancel()
        self._thread.join()

    def _beat(self) -> None:
        self._last = time.monotonic()
        self._handle = self.loop.call_later(_BEAT, self._beat)

    def _watch(self) -> None:
        pause = min(max(self.limit / 10, 0.005), 0.1)
        while not self._stop.wait(pause):
            blocked = time.monotonic() - self._last
            if blocked > self.limit and self.stalled is None:
                self.stalled = blocked
                self.on_stall(blocked)
