from django.urls import path

from example.consumers import ChatConsumer, EchoConsumer, PlainConsumer

websocket_urlpatterns = [
    path("ws/echo/", EchoConsumer.as_asgi()),
    path("ws/chat/<str:room>/", ChatConsumer.as_asgi()),
    path("ws/plain/", PlainConsumer.as_asgi()),
]
