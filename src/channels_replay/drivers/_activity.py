"""Whether an in-process app is done: every task it started is parked, nothing is pending.

"The app asked for its next event" is not "the app is done": chanx handles each
frame in a task of its own, channels dispatches from child tasks, and any
consumer may await a database thread or a timer. So the app's work is tracked
where it can be seen:

- **Tasks.** The app runs in a context holding an `AppActivity`; a task factory
  on the event loop registers every task created in such a context (the app's
  own task, channels' receive tasks, chanx's handler tasks, and their children).
- **Timers** (`asyncio.sleep`, `loop.call_later`) and **executor jobs**
  (`database_sync_to_async`, `sync_to_async`, `asyncio.to_thread`) started in that
  context are counted until they fire or finish.

The app is done when every registered task that is still alive is blocked on a
future that is not yet resolved, and no counted timer or executor job is
pending. A message put into a queue the app waits on (its connection's input, an
in-memory channel layer's channel) resolves the waiter at once, so a task about
to receive it counts as runnable: nothing in flight is missed. What cannot be
seen: sockets the app reads itself (a Redis channel layer, an HTTP call) and
callbacks it schedules with `call_soon`; for those apps, the recorded signals and
the timeout bound decide.

The loop is instrumented while at least one activity is attached to it, and
restored after the last one detaches.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import weakref
from collections.abc import Callable, Coroutine, Generator
from typing import Any, Literal

__all__ = ["ActivityState", "AppActivity", "activity_for", "waiting_for_input"]

ActivityState = Literal["running", "waiting", "done"]

_current: contextvars.ContextVar[AppActivity | None] = contextvars.ContextVar(
    "channels_replay_app_activity", default=None
)

_RECHECK = 0.05
"""Seconds between fallback checks while only timers or thread jobs are pending."""
_POLL = 0.002
"""Seconds between fallback checks while a task of the app runs, for blockers no hook
reports (a task waiting on something that is not input)."""


class AppActivity:
    """The tasks, timers and executor jobs of the apps run in-process on one event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = weakref.ref(loop)  # the loop keeps the activity, not the reverse
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._jobs = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._poll: asyncio.TimerHandle | None = None
        self._users = 0
        self._instrumentation: _LoopInstrumentation | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        loop = self._loop()
        if loop is None:  # pragma: no cover - an activity is only used on its live loop
            raise RuntimeError("the event loop of this AppActivity is gone")
        return loop

    # -- attaching ------------------------------------------------------------------

    def attach(self) -> None:
        """Instrument the loop for one more user (a driver, a communicator)."""
        if self._users == 0:
            self._instrumentation = _LoopInstrumentation(self.loop, self)
        self._users += 1

    def detach(self) -> None:
        """One user less; the last one restores the loop and forgets what it tracked.

        A task still alive then belongs to an app nobody drives any more (a test's
        leftover): it must not keep a later app on this loop from being done.
        """
        self._users -= 1
        if self._users == 0 and self._instrumentation is not None:
            self._instrumentation.restore()
            self._instrumentation = None
            self._tasks.clear()
            self._timers.clear()
            self._jobs = 0

    def start(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run an app coroutine as a tracked task, in a fresh context (as asgiref does)."""
        context = contextvars.Context()
        context.run(_current.set, self)
        task: asyncio.Task[None] = context.run(self.loop.create_task, coroutine)
        self._track(task)  # also when another task factory replaced ours
        return task

    # -- what the instrumentation reports ---------------------------------------------

    def _track(self, task: asyncio.Task[Any]) -> None:
        if task not in self._tasks and not task.done():
            self._tasks.add(task)
            task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self.notify()

    def _timer_started(self, handle: asyncio.TimerHandle) -> None:
        self._timers.add(handle)

    def _timer_fired(self, handle: asyncio.TimerHandle) -> None:
        self._timers.discard(handle)
        self.notify()

    def _job_started(self, future: asyncio.Future[Any]) -> None:
        self._jobs += 1
        future.add_done_callback(self._job_done)

    def _job_done(self, _future: asyncio.Future[Any]) -> None:
        self._jobs = max(self._jobs - 1, 0)
        self.notify()

    # -- the question -------------------------------------------------------------------

    @property
    def state(self) -> ActivityState:
        """`running` while a task of the app can run, `waiting` while only timers or thread
        jobs are pending, `done` when every task is blocked and nothing is pending."""
        if any(_runnable(task) for task in self._tasks):
            return "running"
        if self._jobs:
            return "waiting"
        if self._timers:
            for handle in list(self._timers):
                if handle.cancelled():
                    self._timers.discard(handle)
            if self._timers:
                return "waiting"
        return "done"

    @property
    def done(self) -> bool:
        """Whether every task of the app is blocked and no timer or thread job is pending."""
        return self.state == "done"

    def busy(self) -> str:
        """What keeps the app from being done, for an error message."""
        running = sum(1 for task in self._tasks if _runnable(task))
        parts = []
        if running:
            parts.append(f"{running} task(s) running")
        live_timers = [handle for handle in self._timers if not handle.cancelled()]
        if live_timers:
            parts.append(f"{len(live_timers)} timer(s) pending (asyncio.sleep, call_later)")
        if self._jobs:
            parts.append(f"{self._jobs} thread job(s) running (database_sync_to_async, ...)")
        return "the app was still busy: " + ", ".join(parts) if parts else "the app was done"

    async def settled(self, ready: Callable[[], bool], deadline: float) -> bool:
        """Wait until `ready()` or the app is done; True if done (and not ready).

        While a task of the app can run, this yields one loop iteration at a time;
        while only timers or thread jobs are pending, it sleeps until one of them
        ends (or `_RECHECK`). "Done" must hold across one more iteration, and with
        nothing else scheduled to run: a callback already scheduled (a finished task
        waking its awaiter, through `gather` or a chain of `call_soon`) may be about
        to resolve what a task waits on.
        Raises TimeoutError at `deadline` (loop time).
        """
        loop = self.loop
        confirmed = False
        while True:
            if ready():
                return False
            state = self.state
            if state == "done" and not _scheduled(loop):
                if confirmed or _sees_scheduled(loop):
                    return True
                confirmed = True
            else:
                confirmed = False
                if state == "done":
                    state = "running"  # something is scheduled: let it run, then look again
            if loop.time() >= deadline:
                raise TimeoutError
            if confirmed:
                await asyncio.sleep(0)  # one iteration, to confirm
            else:
                # Woken by what the app sends, a task ending, a timer or a thread job, or
                # a task about to wait for input (`waiting_for_input`); the poll is for
                # blockers no hook reports.
                poll = _RECHECK if state == "waiting" else _POLL
                await self._wait_for_change(min(deadline, loop.time() + poll))

    async def _wait_for_change(self, until: float) -> None:
        """Sleep until `notify` or (loop time) `until`; one poll timer serves every wait."""
        future: asyncio.Future[None] = self.loop.create_future()
        self._waiters.append(future)
        poll = self._poll
        if poll is None or poll.cancelled() or poll.when() > until:
            if poll is not None:
                poll.cancel()
            self._poll = self.loop.call_at(until, self._polled)
        await future

    def _polled(self) -> None:
        self._poll = None
        self.notify()

    def notify(self) -> None:
        """Wake whoever waits in `settled` (an event arrived, or the app changed)."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            _resolve(waiter)


def waiting_for_input() -> None:
    """Called by a task of the app about to wait for input (its connection's receive, a
    channel layer's receive): whoever waits for the app to be done looks again once it
    has blocked."""
    owner = _current.get()
    if owner is not None and owner._waiters:
        owner.loop.call_soon(owner.notify)


def _runnable(task: asyncio.Task[Any]) -> bool:
    """Whether a task is running or about to run (not blocked on an unresolved future)."""
    if task.done():
        return False
    waiting_on = getattr(task, "_fut_waiter", None)
    return waiting_on is None or bool(waiting_on.done())


def _scheduled(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether callbacks are queued to run on this loop's next iteration.

    Standard asyncio loops keep them in `_ready`; for another loop, nothing is known
    and nothing is assumed.
    """
    ready = getattr(loop, "_ready", None)
    return bool(ready)


def _sees_scheduled(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether `_scheduled` can see this loop's queue (then no confirming iteration is
    needed: with nothing queued, nothing can resolve what a task waits on)."""
    return isinstance(getattr(loop, "_ready", None), collections.deque)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _LoopInstrumentation:
    """Our task factory, `call_at` and `run_in_executor` on one loop, and how to undo them."""

    def __init__(self, loop: asyncio.AbstractEventLoop, activity: AppActivity) -> None:
        self.loop = loop
        self._previous_factory = loop.get_task_factory()
        previous_factory = self._previous_factory
        original_call_at = loop.call_at
        original_run_in_executor = loop.run_in_executor

        def task_factory(
            loop: asyncio.AbstractEventLoop,
            coro: Generator[Any, None, Any] | Coroutine[Any, Any, Any],
            **kwargs: Any,
        ) -> asyncio.Future[Any]:
            if previous_factory is not None:
                task = previous_factory(loop, coro, **kwargs)
            else:
                task = asyncio.Task(coro, loop=loop, **kwargs)
            context = kwargs.get("context")
            owner = context.get(_current) if context is not None else _current.get()
            if owner is not None and isinstance(task, asyncio.Task):
                owner._track(task)
            return task

        def call_at(
            when: float,
            callback: Callable[..., object],
            *args: Any,
            context: contextvars.Context | None = None,
        ) -> asyncio.TimerHandle:
            owner = context.get(_current) if context is not None else _current.get()
            if owner is None:
                return original_call_at(when, callback, *args, context=context)
            handle: asyncio.TimerHandle

            def fire(*fire_args: Any) -> None:
                owner._timer_fired(handle)
                callback(*fire_args)

            handle = original_call_at(when, fire, *args, context=context)
            owner._timer_started(handle)
            return handle

        def run_in_executor(executor: Any, func: Callable[..., Any], *args: Any) -> Any:
            future = original_run_in_executor(executor, func, *args)
            owner = _current.get()
            if owner is not None:
                owner._job_started(future)
            return future

        def call_later(
            delay: float,
            callback: Callable[..., object],
            *args: Any,
            context: contextvars.Context | None = None,
        ) -> asyncio.TimerHandle:
            return call_at(loop.time() + delay, callback, *args, context=context)

        loop.set_task_factory(task_factory)
        # Instance attributes shadow the loop's methods; `restore` removes them. A loop
        # whose methods cannot be replaced (uvloop) keeps them: its timers and thread
        # jobs are then not seen, which docs/architecture.md says.
        self._patched: list[str] = []
        for name, function in (
            ("call_at", call_at),
            ("call_later", call_later),
            ("run_in_executor", run_in_executor),
        ):
            try:
                setattr(loop, name, function)
            except (AttributeError, TypeError):
                continue
            self._patched.append(name)

    def restore(self) -> None:
        self.loop.set_task_factory(self._previous_factory)
        for name in self._patched:
            vars(self.loop).pop(name, None)


_activities: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AppActivity] = (
    weakref.WeakKeyDictionary()
)


def activity_for(loop: asyncio.AbstractEventLoop | None = None) -> AppActivity:
    """The activity of the apps run in-process on `loop` (the running loop by default)."""
    loop = loop or asyncio.get_running_loop()
    activity = _activities.get(loop)
    if activity is None:
        activity = _activities[loop] = AppActivity(loop)
    return activity
