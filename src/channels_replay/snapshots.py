"""Database state that travels with a cassette: a fixture of the rows that existed at record time.

`record --snapshot APP_LABEL` (or `CHANNELS_REPLAY["SNAPSHOT"]`) dumps the named apps' rows
when a cassette starts, into `NAME.snapshot.json` beside `NAME.cassette` (Django's fixture
format, natural foreign keys, primary keys kept so that ids in the frames match), and the
cassette's header names it. Replay loads it before the cassette, on the fresh test
database, and resets the sequences, so the ids the app hands out match the recording.

Secrets do not land in it: the values of the keys the recorder redacts in frames
(password, token, secret...) are redacted here too, and models whose rows are secrets
(sessions, API tokens) are left out; replay mints those (`channels_replay.credentials`).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from channels_replay.cassettes import CassetteHeader, Redactor, parse_redaction_marker
from channels_replay.cassettes._safe_io import make_private_dirs, open_private_for_writing
from channels_replay.errors import ConfigurationError, ReplayError

__all__ = [
    "SECRET_MODEL_WORDS",
    "SNAPSHOT_SUFFIX",
    "Snapshot",
    "header_snapshot",
    "load_snapshot",
    "reset_sequences",
    "secret_models",
    "snapshot_path",
    "take_snapshot",
    "write_snapshot",
]

SNAPSHOT_SUFFIX = ".snapshot.json"
METADATA_KEY = "snapshot"
"""The header's metadata key naming the snapshot file (relative to the cassette's folder)."""

SECRET_MODEL_WORDS = ("token", "session", "secret", "credential", "apikey", "password")
"""A model whose name holds one of these keeps credentials in its rows (DRF's Token, Django's
Session, simplejwt's OutstandingToken, a project's AccessToken): it is never dumped."""

UNUSABLE_PASSWORD = "!redacted-at-record-time"
"""What a redacted password field becomes on load: Django's unusable-password form."""


def snapshot_path(cassette: str | os.PathLike[str]) -> Path:
    """`NAME.snapshot.json` beside the cassette `NAME.cassette` (or `NAME.jsonl`)."""
    path = Path(cassette)
    return path.with_name(path.name.rsplit(".", 1)[0] + SNAPSHOT_SUFFIX)


@dataclass(frozen=True)
class Snapshot:
    """A dump of rows as fixture JSON text, and how many rows it holds."""

    text: str
    rows: int


def take_snapshot(app_labels: Sequence[str], redactor: Redactor | None) -> Snapshot:
    """The named apps' rows as fixture JSON, secrets redacted; raises ConfigurationError
    for an unknown app label."""
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    try:
        call_command(
            "dumpdata",
            *app_labels,
            natural_foreign=True,
            exclude=secret_models(),
            stdout=out,
            verbosity=0,
        )
    except CommandError as exc:
        raise ConfigurationError(
            f"cannot snapshot {' '.join(app_labels)}: {exc}; give installed app labels, "
            "e.g. --snapshot auth --snapshot chat"
        ) from exc
    text = out.getvalue() or "[]"
    if redactor is not None:
        text = redactor.redact_json_text(text)[0]
    rows = json.loads(text)
    return Snapshot(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", len(rows))


def secret_models() -> list[str]:
    """The installed models left out of snapshots (`app_label.modelname`)."""
    from django.apps import apps

    return sorted(
        model._meta.label_lower
        for model in apps.get_models(include_auto_created=True)
        if any(
            word in (model._meta.model_name or "").replace("_", "") for word in SECRET_MODEL_WORDS
        )
    )


def write_snapshot(cassette: Path, snapshot: Snapshot, header: CassetteHeader) -> CassetteHeader:
    """Write the snapshot beside `cassette`; the header naming it."""
    path = snapshot_path(cassette)
    make_private_dirs(path.parent)
    fd = open_private_for_writing(path, "snapshot")  # private and never through a link
    with open(fd, "w", encoding="utf-8") as file:
        file.write(snapshot.text)
    metadata = {**header.metadata, METADATA_KEY: path.name}
    return header.model_copy(update={"metadata": metadata})


def header_snapshot(cassette: str | os.PathLike[str], header: CassetteHeader) -> Path | None:
    """The snapshot file the header names, beside the cassette; None when it names none."""
    name = header.metadata.get(METADATA_KEY)
    if not isinstance(name, str) or not name:
        return None
    return Path(cassette).parent / Path(name).name


def _unredacted(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Redacted password fields as Django's unusable passwords."""
    for item in objects:
        fields = item.get("fields")
        if isinstance(fields, dict):
            for name, value in fields.items():
                if "password" in name and parse_redaction_marker(value) is not None:
                    fields[name] = UNUSABLE_PASSWORD
    return objects


def load_snapshot(path: Path, cassette: str | os.PathLike[str]) -> int:
    """Load a snapshot into the database (then reset sequences); how many rows it held."""
    from django.core.management import call_command

    try:
        objects = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReplayError(
            f"{cassette}: its snapshot {path.name} is missing: keep it beside the cassette "
            "(it holds the rows that existed when it was recorded), or record again with "
            "--snapshot"
        ) from None
    except ValueError as exc:
        raise ReplayError(f"{path}: not a snapshot ({exc}); record again with --snapshot") from exc
    if not isinstance(objects, list):
        raise ReplayError(f"{path}: not a snapshot (not a list of rows); record again")
    with tempfile.TemporaryDirectory(prefix="channels-replay-") as folder:
        fixture = Path(folder) / "snapshot.json"
        fixture.write_text(json.dumps(_unredacted(objects)), encoding="utf-8")
        try:
            call_command("loaddata", str(fixture), verbosity=0, stdout=io.StringIO())
        except Exception as exc:
            raise ReplayError(
                f"{path}: the snapshot does not load into this database ({exc}): are the "
                "migrations of the recorded app applied, and its models unchanged?"
            ) from exc
    reset_sequences()
    return len(objects)


def reset_sequences() -> None:
    """Set every table's id sequence to follow its rows (a no-op on SQLite), so that ids
    handed out during a replay do not depend on what earlier replays created."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
