"""`make_foreign_users`: alice and bob with their passwords, fixed DRF tokens and notes, and
the chat rooms."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

from tests.foreign.project.models import Note, Room
from tests.foreign.project.users import NOTES, PASSWORDS, ROOMS, USERS


class Command(BaseCommand):
    help = "Create alice and bob (password, token, notes) and the rooms (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        for username, key in USERS.items():
            user, created = user_model.objects.get_or_create(username=username)
            if created:
                user.set_password(PASSWORDS[username])
                user.save()
                for text in NOTES[username]:
                    Note.objects.create(owner=user, text=text)
            Token.objects.filter(user=user).exclude(key=key).delete()
            Token.objects.get_or_create(user=user, key=key)
        for name in ROOMS:
            Room.objects.get_or_create(name=name)
        self.stdout.write(f"users: {', '.join(USERS)}; rooms: {', '.join(ROOMS)}")
