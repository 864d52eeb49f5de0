"""Load replay on Locust: recorded sessions as virtual users.

`CassetteUser` is a Locust user (import it from a locustfile of your own);
`channels-replay load` runs Locust with a locustfile of its own. Importing this
package does not import Locust (whose import patches the standard library with
gevent): `CassetteUser` is loaded on first use, so the command line can read and
check `LoadSettings` before Locust starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from channels_replay.load.settings import ENVIRONMENT_VARIABLE, Identity, LoadSettings, load_pool

if TYPE_CHECKING:
    from channels_replay.load.user import CassetteUser, DifferencesFound, NoAnswer

__all__ = [
    "ENVIRONMENT_VARIABLE",
    "CassetteUser",
    "DifferencesFound",
    "Identity",
    "LoadSettings",
    "NoAnswer",
    "load_pool",
]

_FROM_USER = frozenset({"CassetteUser", "DifferencesFound", "NoAnswer"})


def __getattr__(name: str) -> Any:
    if name in _FROM_USER:
        from channels_replay.load import user

        return getattr(user, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
