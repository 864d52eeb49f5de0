"""LoadSettings and credential pools: parsed and checked before Locust starts; pure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from channels_replay.cassettes import ConnectEvent
from channels_replay.errors import ConfigurationError
from channels_replay.load import Identity, LoadSettings, load_pool
from tests.recorder.helpers import REPO

CHAT = str(REPO / "cassettes" / "chat.cassette")


def settings(**fields: object) -> LoadSettings:
    return LoadSettings(cassettes=[CHAT], target="ws://127.0.0.1:8000/", **fields)  # type: ignore[arg-type]


def test_user_numbers_fill_paths_and_credentials_and_pick_the_pool_identity() -> None:
    load = settings(
        path_map=["/ws/chat/lobby/=/ws/chat/room{user}/"],
        json=["*:password=secret-{user}"],
        pool=[
            Identity(headers=("alice:authorization=Token a0",)),
            Identity(query=("bob:token=b1",)),
        ],
    )
    load.check()
    assert load.target == "ws://127.0.0.1:8000"

    options = load.config_for(3).options_for(load.cassette_objects()[0])

    assert options.rewrite_path is not None
    connect = ConnectEvent(seq=0, conn="c1", t=0.0, path="/ws/chat/lobby/")
    assert options.rewrite_path("/ws/chat/lobby/", connect) == "/ws/chat/room3/"
    assert options.credentials.query == {"bob": {"token": "b1"}}  # identity 3 % 2
    assert options.credentials.json == {"*": {"password": "secret-3"}}


def test_settings_travel_as_json() -> None:
    load = settings(pool=[Identity(headers=("alice:authorization=Token a0",))], diff_sample=0.5)
    again = LoadSettings.from_json(load.to_json())
    assert again.to_json() == load.to_json()
    assert again.pool == load.pool


def test_a_pool_file_is_a_list_of_identities(tmp_path: Path) -> None:
    path = tmp_path / "pool.json"
    path.write_text(json.dumps([{"header": ["alice:authorization=Token x"], "json": []}]))
    assert load_pool(path) == [Identity(headers=("alice:authorization=Token x",))]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "cannot read it as JSON"),
        ("[]", "non-empty JSON list"),
        ('[{"cookie": []}]', "identity 1 must be an object with only the keys"),
        ('[{"header": "alice:a=b"}]', "'header' must be a list"),
    ],
)
def test_a_bad_pool_file_says_what_to_write(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "pool.json"
    path.write_text(content)
    with pytest.raises(ConfigurationError, match=message) as caught:
        load_pool(path)
    assert str(path) in str(caught.value)
