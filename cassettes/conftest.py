"""Replaying the example app's recorded sessions: what the pytest plugin needs to know.

Every `*.cassette` here is collected by the channels-replay pytest plugin and
replayed against `example.asgi`'s websocket application. This fixture creates
the demo users and supplies the credentials that were redacted at record time, in
the mapping form `--credentials` reads from a TOML file (docs/replaying-in-ci.md).
"""

from typing import Any

import pytest

from example.management.commands.seed_demo import seed_demo_users


@pytest.fixture
def replay_config(transactional_db: None) -> dict[str, Any]:
    seed_demo_users()
    return {
        "credentials": {
            "alice": {"headers": {"authorization": "Token alice-secret-token"}},
            "bob": {
                "headers": {"authorization": "Token bob-secret-token"},
                "query": {"token": "bob-secret-token"},
            },
            "*": {"headers": {"authorization": "Token wrong-token"}},
        }
    }
