"""What a failed replay likely needs, where its differences say so. Pure: over results."""

from __future__ import annotations

import re
from typing import Any

from channels_replay.replay.result import ReplayResult

__all__ = ["ROW_HINT", "row_difference_hint"]

ROW_HINT = (
    "hint: the expected values look like they came from database rows that this replay's "
    "database does not have: record with --snapshot APP_LABEL (the rows travel with the "
    "cassette), or create them with --command / --fixture"
)

_ID_KEY = re.compile(r"(^|_)(id|pk)$", re.IGNORECASE)
_NOT_FOUND = re.compile(
    r"not[ _]found|does ?not ?exist|doesnotexist|no such|matching query", re.IGNORECASE
)


def _says_not_found(value: Any) -> bool:
    """Whether a value (a JSON string, or a frame's text) says a row was not found."""
    text = value if isinstance(value, str) else getattr(value, "text", None)
    return isinstance(text, str) and _NOT_FOUND.search(text) is not None


def row_difference_hint(result: ReplayResult) -> str | None:
    """ROW_HINT when a difference is an id, a value the recording had and the replay has as
    null, or an answer saying a row was not found; else None."""
    for step in result.failed_steps:
        for _, difference in step.differences:
            last = difference.path_parts[-1] if difference.path_parts else None
            if isinstance(last, str) and _ID_KEY.search(last):
                return ROW_HINT
            if difference.expected is not None and difference.actual is None and last is not None:
                return ROW_HINT
            if _says_not_found(difference.actual) and not _says_not_found(difference.expected):
                return ROW_HINT
    return None
