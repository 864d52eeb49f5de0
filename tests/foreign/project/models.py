"""Rooms (the chanx room consumer looks its room up) and work items (the slow consumers)."""

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
