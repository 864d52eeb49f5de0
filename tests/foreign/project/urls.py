"""Login views, as a browser uses them before it opens a WebSocket.

- `POST /login/session/` (username, password): logs in to a Django session; the
  `sessionid` cookie comes back.
- `POST /login/jwt/` (username, password): a simplejwt access token in the `access`
  cookie, as dj-rest-auth's JWT cookie login sets it.
"""

from django.contrib.auth import authenticate, login
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.csrf import csrf_exempt
from rest_framework_simplejwt.tokens import AccessToken

from tests.foreign.project.auth import JWT_COOKIE


def _user(request: HttpRequest) -> object | None:
    return authenticate(
        request,
        username=request.POST.get("username", ""),
        password=request.POST.get("password", ""),
    )


@csrf_exempt
def session_login(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user is None:
        return HttpResponse("bad credentials", status=403)
    login(request, user)  # type: ignore[arg-type]
    return HttpResponse("ok")


@csrf_exempt
def jwt_login(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user is None:
        return HttpResponse("bad credentials", status=403)
    response = HttpResponse("ok")
    response.set_cookie(JWT_COOKIE, str(AccessToken.for_user(user)), httponly=True)
    return response


urlpatterns: list[URLPattern] = [
    path("login/session/", session_login),
    path("login/jwt/", jwt_login),
]
