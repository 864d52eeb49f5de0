"""An access token per user, for the chat's token authentication."""

from django.conf import settings
from django.db import models


class AccessToken(models.Model):
    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    def __str__(self) -> str:
        return f"token of {self.user}"
