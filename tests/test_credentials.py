"""The credentials file and mapping, and the helpers that mint credentials at replay time."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels_replay.credentials import jwt_access_token, load_credentials, minted
from channels_replay.errors import ConfigurationError, ReplayError


def label(identity: str | None) -> str:
    """A mint of the test's own, named by dotted path in a credentials file."""
    return f"made-for-{identity}"


def test_a_toml_file_gives_plain_and_minted_values(tmp_path: Path) -> None:
    path = tmp_path / "replay.toml"
    path.write_text(
        "[alice]\n"
        'headers = { authorization = { mint = "tests.test_credentials.label", format = "T {}" } }\n'
        '["*"]\n'
        'json = { password = "pw" }\n'
    )
    credentials = load_credentials(path)

    assert credentials.header("c1", "alice", "Authorization") == "T made-for-alice"
    assert credentials.json["*"] == {"password": "pw"}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[alice\n", "not a valid TOML file"),
        ('[alice]\nheaders = { a = { mint = "nope" } }\n', "unknown mint 'nope': use one of"),
        ('[alice]\nheaders = { a = { mint = "no.such.module" } }\n', "module 'no.such' failed"),
        ('[alice]\nheaders = { a = { mint = "session", extra = 1 } }\n', r"\{ mint = KIND \}"),
        ('alice = "x"\n', "identity 'alice' must map to sections"),
    ],
)
def test_a_bad_file_is_one_error_naming_it(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "replay.toml"
    path.write_text(text)
    with pytest.raises(ConfigurationError, match=says) as caught:
        load_credentials(path)
    assert str(path) in str(caught.value)


def test_a_missing_file_says_what_to_give(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no credentials file at"):
        load_credentials(tmp_path / "nope.toml")


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:The HMAC key is")  # the example project's short test key
def test_a_mint_for_an_anonymous_or_unknown_user_says_what_to_do() -> None:
    from django.contrib.auth import get_user_model

    mint = minted("jwt", "Bearer {}")
    with pytest.raises(ReplayError, match="anonymous"):
        mint(None)
    with pytest.raises(ReplayError, match="no user 'zoe' in the replay database: record with"):
        mint("zoe")
    user = get_user_model().objects.create(username="zoe")
    token = mint("zoe")
    assert token.startswith("Bearer eyJ")
    assert jwt_access_token(user).count(".") == 2
