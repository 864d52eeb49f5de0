"""No HTTP views: the project only serves WebSockets (Django needs a URLconf for http)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
