"""Import a dotted path the user gave (`package.module.name` or `module:name`), clearly."""

from __future__ import annotations

import importlib
from typing import Any

from channels_replay.errors import ConfigurationError

__all__ = ["import_object"]


def import_object(dotted: str, what: str) -> Any:
    """The object at `dotted`; `what` names the setting or option it came from, for the error."""
    if not isinstance(dotted, str):
        raise ConfigurationError(
            f"{what} must be a dotted path such as 'myproject.replay.hook', not {dotted!r}"
        )
    module_name, _, attribute = dotted.partition(":") if ":" in dotted else dotted.rpartition(".")
    if not module_name or not attribute:
        raise ConfigurationError(
            f"{what} {dotted!r} is not a dotted path: write 'package.module.name', "
            "e.g. 'channels_replay.identity.jwt_user'"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(
            f"{what} {dotted!r}: module {module_name!r} failed to import ({exc}); check the "
            "path and that it is importable from the current directory"
        ) from exc
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ConfigurationError(
            f"{what} {dotted!r}: module {module_name!r} has no attribute {attribute!r}"
        ) from None
