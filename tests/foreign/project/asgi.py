"""The foreign project's ASGI application: Django for http, token middleware and consumers."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.foreign.project.settings")

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from tests.foreign.project.auth import TokenScopeMiddleware  # noqa: E402
from tests.foreign.project.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": TokenScopeMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
