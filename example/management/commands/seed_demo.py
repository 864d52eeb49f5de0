"""Create the demo users alice and bob with their tokens (idempotent)."""

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from example.models import AccessToken

DEMO_USERS = {"alice": "alice-secret-token", "bob": "bob-secret-token"}


def seed_demo_users() -> None:
    for username, key in DEMO_USERS.items():
        user, _ = User.objects.get_or_create(username=username)
        AccessToken.objects.update_or_create(key=key, defaults={"user": user})


class Command(BaseCommand):
    help = "Create the demo users alice and bob and their access tokens."

    def handle(self, *args: Any, **options: Any) -> None:
        seed_demo_users()
        self.stdout.write(f"demo users: {', '.join(DEMO_USERS)}")
