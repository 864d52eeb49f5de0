"""The regression switch: `FOREIGN_REGRESSION=<name>[,<name>...]`, read at call time.

Each name changes one behaviour of the consumers, so that a replay of a recording made
with the switch off must notice it:

- `rename_field`: a payload key renamed (`payload.message` becomes `payload.text`);
- `drop_frame`: one reply frame is not sent;
- `drop_group_complete`: the chanx room sends no `group_complete` after a member message;
- `change_value`: a payload value changes (upper-cased);
- `extra_frame`: one more frame is sent;
- `close_code`: the private endpoint refuses anonymous clients with close code 4003.
"""

from __future__ import annotations

import os

NAMES = (
    "rename_field",
    "drop_frame",
    "drop_group_complete",
    "change_value",
    "extra_frame",
    "close_code",
)


def active(name: str) -> bool:
    """Whether the regression `name` is switched on in the environment right now."""
    if name not in NAMES:
        raise ValueError(f"unknown regression {name!r}; known: {', '.join(NAMES)}")
    value = os.environ.get("FOREIGN_REGRESSION", "")
    return name in {part.strip() for part in value.split(",")}


def message_key() -> str:
    """The key of a text in reply payloads (`text` under `rename_field`)."""
    return "text" if active("rename_field") else "message"


def value(text: str) -> str:
    """A value sent back to clients (upper-cased under `change_value`)."""
    return text.upper() if active("change_value") else text
