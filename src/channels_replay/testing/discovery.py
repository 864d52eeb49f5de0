"""Find the project's WebSocket application: the `"websocket"` entry of its ProtocolTypeRouter."""

from __future__ import annotations

from typing import Any

from channels_replay._middleware_chain import find_protocol_router
from channels_replay.errors import ConfigurationError

__all__ = ["ApplicationNotFound", "find_websocket_application", "import_application"]


class ApplicationNotFound(ConfigurationError, ValueError):
    """No WebSocket application could be found (a ValueError, as in chanx)."""


def import_application(dotted: str) -> Any:
    """Import `module:attr` or `module.attr`, with an error that says what to fix."""
    import importlib

    module_name, _, attribute = dotted.partition(":") if ":" in dotted else dotted.rpartition(".")
    if not module_name or not attribute:
        raise ApplicationNotFound(
            f"cannot import the application {dotted!r}: give it as 'module:attribute', "
            "e.g. 'example.asgi:application'"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ApplicationNotFound(
            f"cannot import the application {dotted!r}: module {module_name!r} failed to import "
            f"({exc}); check the path and that it is importable from the current directory"
        ) from exc
    try:
        return getattr(module, attribute)
    except AttributeError:
        pass
    if ":" not in dotted and _is_module(dotted):
        example = "application" if hasattr(importlib.import_module(dotted), "application") else ""
        raise ApplicationNotFound(
            f"cannot import the application {dotted!r}: it is a module, not an application; "
            f"name the application in it as '{dotted}:ATTRIBUTE'"
            + (f", e.g. '{dotted}:{example}'" if example else "")
        )
    raise ApplicationNotFound(
        f"cannot import the application {dotted!r}: module {module_name!r} has no "
        f"attribute {attribute!r}{_did_you_mean(attribute, dir(module))}"
    )


def _is_module(dotted: str) -> bool:
    import importlib

    try:
        importlib.import_module(dotted)
    except ImportError:
        return False
    return True


def _did_you_mean(name: str, candidates: Any) -> str:
    import difflib

    public = [c for c in candidates if isinstance(c, str) and not c.startswith("_")]
    close = difflib.get_close_matches(name, public, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _websocket_entry(app: Any) -> Any | None:
    """Walk down through wrapping middleware to a ProtocolTypeRouter's websocket entry."""
    router = find_protocol_router(app)
    return router.application_mapping.get("websocket") if router is not None else None


def find_websocket_application(asgi_application: Any | None = None) -> Any:
    """The websocket application, with all its middleware.

    `asgi_application` defaults to the one named by `settings.ASGI_APPLICATION`.
    Raises ApplicationNotFound (a ValueError) saying what is missing.
    """
    if asgi_application is None:
        from django.conf import settings

        dotted = getattr(settings, "ASGI_APPLICATION", None)
        if not dotted:
            raise ApplicationNotFound(
                "settings.ASGI_APPLICATION is not set: set it to your ProtocolTypeRouter "
                "(e.g. 'myproject.asgi.application') or set `router` on the test case"
            )
        asgi_application = import_application(dotted)
        where = f"settings.ASGI_APPLICATION ({dotted!r})"
    else:
        where = repr(asgi_application)
    entry = _websocket_entry(asgi_application)
    if entry is None:
        raise ApplicationNotFound(
            f"{where} has no 'websocket' entry in a ProtocolTypeRouter: wrap your websocket "
            "routes in ProtocolTypeRouter({'websocket': ...}) or set `router` on the test case"
        )
    return entry
