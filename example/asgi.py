"""The example project's ASGI application: Django for http, the consumers for websocket."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from example.auth import TokenAuthMiddleware  # noqa: E402
from example.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": TokenAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
