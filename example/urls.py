from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

CHAT_PAGE = Path(__file__).resolve().parent / "pages" / "chat.html"


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def chat_page(request: HttpRequest) -> HttpResponse:
    """A small chat page (plain JS over /ws/chat/ROOM/, login by token), to record by clicking."""
    return HttpResponse(CHAT_PAGE.read_text(encoding="utf-8"), content_type="text/html")


urlpatterns = [path("", chat_page), path("health/", health)]
