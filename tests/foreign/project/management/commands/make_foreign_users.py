"""`make_foreign_users`: alice and bob with their fixed DRF tokens, and the chat rooms."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

from tests.foreign.project.models import Room
from tests.foreign.project.users import ROOMS, USERS


class Command(BaseCommand):
    help = "Create the users alice and bob with fixed tokens, and the rooms (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        for username, key in USERS.items():
            user, _ = user_model.objects.get_or_create(username=username)
            Token.objects.filter(user=user).exclude(key=key).delete()
            Token.objects.get_or_create(user=user, key=key)
        for name in ROOMS:
            Room.objects.get_or_create(name=name)
        self.stdout.write(f"users: {', '.join(USERS)}; rooms: {', '.join(ROOMS)}")
