"""Database snapshots beside a cassette: taken without secrets, loaded with matching ids."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from channels_replay.cassettes import CassetteHeader, Redactor
from channels_replay.errors import ConfigurationError, ReplayError
from channels_replay.snapshots import (
    header_snapshot,
    load_snapshot,
    snapshot_path,
    take_snapshot,
    write_snapshot,
)


@pytest.mark.django_db
def test_a_snapshot_round_trips_rows_with_their_ids_and_no_password_hash(tmp_path: Path) -> None:
    from django.contrib.auth import get_user_model

    users = get_user_model()
    alice = users.objects.create_user(username="alice", password="alice-secret-pw")
    snapshot = take_snapshot(["auth"], Redactor())
    assert snapshot.rows >= 1
    assert "pbkdf2" not in snapshot.text
    assert "alice-secret-pw" not in snapshot.text

    cassette = tmp_path / "new" / "dir" / "login.cassette"
    header = write_snapshot(cassette, snapshot, CassetteHeader())
    path = header_snapshot(cassette, header)
    assert path == snapshot_path(cassette) == tmp_path / "new" / "dir" / "login.snapshot.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    users.objects.all().delete()
    assert load_snapshot(path, cassette) == snapshot.rows
    restored = users.objects.get(username="alice")
    assert restored.pk == alice.pk
    assert not restored.has_usable_password()


@pytest.mark.django_db
def test_an_unknown_app_label_says_what_to_give() -> None:
    with pytest.raises(ConfigurationError, match=r"cannot snapshot nope: .*give installed app"):
        take_snapshot(["nope"], None)


@pytest.mark.django_db
def test_a_missing_or_broken_snapshot_is_a_replay_error_naming_it(tmp_path: Path) -> None:
    cassette = tmp_path / "a.cassette"
    with pytest.raises(ReplayError, match=r"its snapshot a\.snapshot\.json is missing"):
        load_snapshot(snapshot_path(cassette), cassette)
    snapshot_path(cassette).write_text(json.dumps([{"model": "auth.nope", "pk": 1}]))
    with pytest.raises(ReplayError, match="does not load into this database"):
        load_snapshot(snapshot_path(cassette), cassette)
