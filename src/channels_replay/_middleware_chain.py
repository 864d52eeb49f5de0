"""Walking an ASGI application's middleware chain (shared by discovery and the recorder)."""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_DEPTH", "find_protocol_router", "wrapped_app"]

# Attributes through which ASGI middleware commonly refer to the app they wrap.
_WRAPPED_ATTRIBUTES = ("inner", "app", "application", "wrapped")
MAX_DEPTH = 32


def wrapped_app(app: Any) -> tuple[str, Any] | None:
    """The attribute name and the app that `app` wraps, if it is middleware."""
    for name in _WRAPPED_ATTRIBUTES:
        inner = getattr(app, name, None)
        if inner is not None and callable(inner) and inner is not app:
            return name, inner
    return None


def find_protocol_router(app: Any) -> Any | None:
    """The ProtocolTypeRouter (anything with an `application_mapping`) at or below `app`."""
    seen: set[int] = set()
    for _ in range(MAX_DEPTH):
        if app is None or id(app) in seen:
            return None
        seen.add(id(app))
        if isinstance(getattr(app, "application_mapping", None), dict):
            return app
        step = wrapped_app(app)
        app = step[1] if step else None
    return None
