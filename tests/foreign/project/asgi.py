"""The foreign project's ASGI application: Django for http (login views); for WebSockets,
Channels' session auth stack, then the token middleware, then the consumers."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.foreign.project.settings")

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from tests.foreign.project.auth import TokenScopeMiddleware  # noqa: E402
from tests.foreign.project.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AuthMiddlewareStack(TokenScopeMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
