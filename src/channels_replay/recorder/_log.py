"""Log records that never show a query value: the console of `record` and `proxy`.

uvicorn logs each WebSocket handshake with its path and query string (`"WebSocket
/ws/?token=..." [accepted]` on `uvicorn.error`, HTTP requests on `uvicorn.access`), and
an error may quote a URL (the proxy's upstream one). Query strings carry tokens
(`?token=`, `?jwt=`, `?api_key=`), so `hide_query_values_in_logs()` adds a filter to
those loggers that replaces every query value in a record (message, arguments,
traceback) by `***`: the parameter names stay, for debugging.
"""

from __future__ import annotations

import logging
import re

__all__ = ["LOGGERS", "hide_query_values", "hide_query_values_in_logs"]

LOGGERS = (
    "uvicorn.error",
    "uvicorn.access",
    "websockets.server",
    "websockets.client",
    "channels_replay.recorder",
)
"""The loggers a recording server writes URLs to."""

_QUERY = re.compile(r"\?([^\s\"'<>]+)")
_HIDDEN = "***"


def _hide_part(part: str) -> str:
    name, equals, _ = part.partition("=")
    if equals:
        return f"{name}={_HIDDEN}"
    return _HIDDEN if part else part


def hide_query_values(text: str) -> str:
    """The text with each `?query` in it shown with its values replaced by `***`."""
    if "?" not in text:
        return text
    return _QUERY.sub(lambda m: "?" + "&".join(map(_hide_part, m.group(1).split("&"))), text)


def _hide_argument(argument: object) -> object:
    if argument is None or isinstance(argument, int | float):
        return argument  # kept as they are: `%d` must still format them
    text = str(argument)
    return hide_query_values(text) if "?" in text else argument


class _HideQueryValues(logging.Filter):
    """Rewrites a record in place; keeps its argument tuple's shape (uvicorn's access
    formatter unpacks it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = hide_query_values(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_hide_argument(argument) for argument in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _hide_argument(value) for key, value in record.args.items()}
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = hide_query_values(
                logging.Formatter().formatException(record.exc_info)
            )
        return True


_FILTER = _HideQueryValues()


def hide_query_values_in_logs() -> None:
    """Add the filter to every logger in LOGGERS (once; safe to call again)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
