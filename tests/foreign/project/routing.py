from django.urls import path

from tests.foreign.project import consumers_chanx, consumers_plain

websocket_urlpatterns = [
    path("ws/chanx/echo/", consumers_chanx.EchoConsumer.as_asgi()),
    path("ws/chanx/room/<str:name>/", consumers_chanx.RoomConsumer.as_asgi()),
    path("ws/chanx/private/", consumers_chanx.PrivateConsumer.as_asgi()),
    path("ws/chanx/slow/", consumers_chanx.SlowConsumer.as_asgi()),
    path("ws/plain/room/<str:name>/", consumers_plain.PlainRoomConsumer.as_asgi()),
    path("ws/plain/echo/", consumers_plain.PlainEchoConsumer.as_asgi()),
    path("ws/chanx/notes/", consumers_chanx.NotesConsumer.as_asgi()),
    path("ws/plain/notes/", consumers_plain.PlainNotesConsumer.as_asgi()),
]
