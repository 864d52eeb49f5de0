"""The library's exception hierarchy.

Every error the library raises on purpose derives from `ChannelsReplayError`, so
callers (and the CLI) can catch one type. Messages name the file, the
connection, the event and what to do, as far as each is known.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AssertionTimeout",
    "CassetteError",
    "ChannelsReplayError",
    "CommunicatorError",
    "ConfigurationError",
    "MessageInvalid",
    "NeverSent",
    "NotReceived",
    "ReceiveError",
    "ReceiveTimeout",
    "RecorderError",
    "ReplayError",
]


class ChannelsReplayError(Exception):
    """Base class of every error raised by channels-replay."""


class ConfigurationError(ChannelsReplayError):
    """A setting, option or discovered application is unusable."""


class CommunicatorError(ChannelsReplayError):
    """A WebsocketCommunicator could not do what it was asked."""


def _describe_frames(frames: list[Any], limit: int = 10) -> str:
    if not frames:
        return "nothing was received"
    shown = [repr(frame)[:300] for frame in frames[:limit]]
    more = f"\n  ... and {len(frames) - limit} more" if len(frames) > limit else ""
    return f"received so far ({len(frames)}):\n  " + "\n  ".join(shown) + more


class ReceiveError(CommunicatorError):
    """An awaited frame did not arrive; `received` holds everything that did."""

    def __init__(self, reason: str, *, awaited: str, received: list[Any]) -> None:
        self.awaited = awaited
        self.received = received
        super().__init__(f"{reason}; {_describe_frames(received)}")


class ReceiveTimeout(ReceiveError, TimeoutError):
    """The awaited frame did not arrive within the time bound.

    Subclasses TimeoutError, so code written for `channels.testing` that expects a
    timeout still catches it.
    """

    def __init__(self, *, awaited: str, timeout: float, received: list[Any]) -> None:
        self.timeout = timeout
        super().__init__(
            f"timed out after {timeout:g}s waiting for {awaited}",
            awaited=awaited,
            received=received,
        )


class NotReceived(ReceiveError, AssertionError):
    """The app settled (or closed) without sending the awaited frame.

    Raised as soon as that is known, instead of waiting for a timeout. An
    AssertionError, so a test reports it as a failure.
    """


class CassetteError(ChannelsReplayError):
    """A cassette file or stream is unreadable, malformed or of an unknown version."""


class RecorderError(ChannelsReplayError):
    """The recorder could not be set up."""


class ReplayError(ChannelsReplayError):
    """A cassette could not be replayed (bad input, missing credential, app not importable)."""


class NeverSent(NotReceived, TimeoutError):
    """The app is done and did not send the awaited frame: nothing more can come.

    Raised at once, instead of after the timeout. Both an AssertionError (a test
    failure) and a TimeoutError, so code written for chanx's timeouts still
    catches it.
    """


class MessageInvalid(NotReceived):
    """A frame arrived but is not a valid instance of the awaited message model.

    The message shows the frame and pydantic's error; `validation_error` holds the
    pydantic ValidationError and `received` the frames.
    """

    def __init__(self, reason: str, *, awaited: str, received: list[Any], validation_error: Any):
        self.validation_error = validation_error
        super().__init__(f"{reason}\n{validation_error}", awaited=awaited, received=received)


class AssertionTimeout(ReceiveTimeout, AssertionError):
    """A timeout inside an `assert_*` helper: a TimeoutError (as in chanx) that a test
    reports as a failure."""
