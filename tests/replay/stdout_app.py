"""The example app talking on stdout, as many apps do.

print(), a logging handler on sys.stdout and a structlog logger printing to stdout:
`replay --json` must keep all of it out of its document.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")
import django

django.setup()

from example.consumers import EchoConsumer  # noqa: E402
from tests.replay.regressions import _app  # noqa: E402

_log = logging.getLogger("tests.replay.stdout_app")
_log.addHandler(logging.StreamHandler(sys.stdout))
_log.setLevel(logging.INFO)
try:  # structlog comes with chanx, in the dev extra
    import structlog

    _structlog: Any = structlog.PrintLogger(sys.stdout)
except ImportError:  # pragma: no cover
    _structlog = None

print("stdout_app imported")  # at import, before the replay starts


class TalkativeEcho(EchoConsumer):
    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        print(f"received {content}")
        _log.info("handling %s", content.get("action"))
        if _structlog is not None:
            _structlog.msg(f"event=received action={content.get('action')}")
        await super().receive_json(content, **kwargs)


application = _app(echo=TalkativeEcho)
