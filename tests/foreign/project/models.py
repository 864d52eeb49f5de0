"""Rooms (the chanx room consumer looks its room up), work items (the slow consumers), notes
(the notes consumers list and add a user's notes)."""

from django.conf import settings
from django.db import models


class Room(models.Model):
    name = models.CharField(max_length=50, unique=True)

    def __str__(self) -> str:
        return self.name


class WorkItem(models.Model):
    """One row per message the slow chanx consumer and the plain echo consumer handle."""

    kind = models.CharField(max_length=20)
    label = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind}:{self.label}"


def add_work_item(kind: str, label: str) -> int:
    """Store one work item; how many items of this kind there are now (sync: wrap it)."""
    WorkItem.objects.create(kind=kind, label=label)
    return WorkItem.objects.filter(kind=kind).count()


class Note(models.Model):
    """A user's note: the notes consumers answer with their ids, which must match on replay."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    text = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.text


def notes_of(user_id: int) -> list[dict[str, object]]:
    """The user's notes, oldest first (sync: wrap it)."""
    return [
        {"id": note.pk, "text": note.text}
        for note in Note.objects.filter(owner_id=user_id).order_by("pk")
    ]


def add_note(user_id: int, text: str) -> int:
    """Store a note for the user; its id (sync: wrap it)."""
    return int(Note.objects.create(owner_id=user_id, text=text).pk)
