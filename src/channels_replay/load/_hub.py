"""One asyncio loop per process, run in a greenlet on gevent's hub.

Locust runs each virtual user as a greenlet, and patches the standard library so
that blocking calls yield to gevent. The replay loop and the live driver are
asyncio code; rather than a second, synchronous form of them, every user hands
its replay to one asyncio event loop that runs in a greenlet of its own. Under
Locust's patching asyncio's selector is gevent's, so while the loop waits for
sockets the other greenlets (users, Locust's stats) run, and a user waiting for
its replay only waits on a gevent event. One loop serves every user of the
process: per user, a few coroutines, no thread (see docs/load.md for the
measurement against `websockets.sync` clients in greenlets).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

import gevent
from gevent.event import AsyncResult

__all__ = ["run_on_loop"]

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None


def _running_loop() -> asyncio.AbstractEventLoop:
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
        gevent.spawn(_loop.run_forever)
    return _loop


def run_on_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` on the process's asyncio loop; block this greenlet until it ends.

    If this greenlet is killed meanwhile (Locust stopping a user), the coroutine
    is cancelled.
    """
    done: AsyncResult = AsyncResult()
    future = asyncio.run_coroutine_threadsafe(coroutine, _running_loop())
    future.add_done_callback(done.set)
    try:
        finished: concurrent.futures.Future[T] = done.get()
    except BaseException:
        future.cancel()
        raise
    return finished.result()
