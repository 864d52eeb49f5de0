"""ReplayTestCase: one test per cassette, and `self.replay(path)` inside any test.

```python
class RecordedSessions(ReplayTestCase):
    cassettes = "cassettes/*.cassette"

    def setUp(self):
        super().setUp()
        create_users()                      # database fixtures, as usual

    def get_replay_headers(self, identity):
        return {"authorization": f"Token {TOKENS[identity]}"}
```

Each cassette becomes a test method `test_<name>` when the class is created.
Patterns are relative to the current directory (where the test run starts).
"""

from __future__ import annotations

import glob
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from asgiref.sync import async_to_sync

from channels_replay.cassettes import ConnectEvent
from channels_replay.replay.result import ReplayResult
from channels_replay.replay.runner import ReplayConfig, replay_file
from channels_replay.replay.substitution import Credentials
from channels_replay.testing.testcase import WebsocketTestCase

__all__ = ["ReplayTestCase"]


def _test_name(path: Path, taken: set[str]) -> str:
    base = "test_" + re.sub(r"\W+", "_", path.stem).strip("_").lower()
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


class ReplayTestCase(WebsocketTestCase):
    """WebsocketTestCase that replays cassettes as tests.

    `cassettes`: a glob pattern or a list of them; each match becomes a test.
    `replay_options`: keyword arguments of ReplayConfig applied to every replay
    (e.g. `{"ignore": ["chat_message:payload.ts=datetime"], "ordering": "any"}`).
    `replay_credentials`: the credentials mapping, or a TOML file's path, as
    `--credentials` takes it (default: `CHANNELS_REPLAY["CREDENTIALS"]`).
    Hooks: `get_replay_headers(identity)`, `get_replay_query(identity)`,
    `get_replay_json(identity)` supply what was redacted at record time (identity is
    None for an anonymous connection);
    `rewrite_path(path, connect)` maps recorded paths to this run's.
    """

    cassettes: ClassVar[str | Sequence[str]] = ()
    replay_options: ClassVar[dict[str, Any]] = {}
    replay_credentials: ClassVar[Mapping[str, Any] | str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        patterns = [cls.cassettes] if isinstance(cls.cassettes, str) else list(cls.cassettes)
        if not patterns:
            return
        taken = {name for name in dir(cls) if name.startswith("test")}
        paths = [
            Path(p) for pattern in patterns for p in sorted(glob.glob(pattern, recursive=True))
        ]
        if not paths:
            message = (
                f"{cls.__name__}.cassettes = {cls.cassettes!r} matches no file "
                f"(patterns are relative to the current directory, {Path.cwd()})"
            )

            def test_cassettes_found(self: ReplayTestCase) -> None:
                raise AssertionError(message)

            cls.test_cassettes_found = test_cassettes_found  # type: ignore[attr-defined]
            return
        for path in dict.fromkeys(paths):
            setattr(cls, _test_name(path, taken), cls._replay_test(path))

    @staticmethod
    def _replay_test(path: Path) -> Any:
        def test(self: ReplayTestCase) -> None:
            from channels_replay.testing._modes import apply_record_mode

            apply_record_mode(path, self.replay(path))

        test.__doc__ = f"Replay {path}."
        return test

    # -- hooks --------------------------------------------------------------------

    def get_replay_headers(self, identity: str | None) -> dict[str, str]:
        """Header values for a connection recorded as `identity`, for redacted headers."""
        return {}

    def get_replay_query(self, identity: str | None) -> dict[str, str]:
        """Query parameter values for `identity`, for redacted parameters."""
        return {}

    def get_replay_json(self, identity: str | None) -> dict[str, Any]:
        """JSON values for `identity`, for keys redacted in client frames."""
        return {}

    def rewrite_path(self, path: str, connect: ConnectEvent) -> str:
        """The path to connect to instead of the recorded one (default: the same)."""
        return path

    # -- replaying ----------------------------------------------------------------

    def _credentials(self, path: Path) -> Credentials:
        from channels_replay.cassettes import open_cassette
        from channels_replay.cassettes.identities import connection_identities
        from channels_replay.replay.runner import ReplayConfig

        given = self.replay_credentials
        credentials = ReplayConfig(credentials=given).options_for_credentials()
        with open_cassette(path) as reader:
            identities = set(connection_identities(reader, reader.header.signal_names()).values())
        for identity in identities:
            key = identity or "*"
            for name, value in self.get_replay_headers(identity).items():
                credentials.add("header", key, name, value)
            for name, value in self.get_replay_query(identity).items():
                credentials.add("query", key, name, value)
            for name, value in self.get_replay_json(identity).items():
                credentials.add("json", key, name, value)
        return credentials

    async def areplay(self, path: str | Path, **options: Any) -> ReplayResult:
        """Replay the cassette at `path` against `self.router`; for async tests."""
        path = Path(path)
        merged = {**self.replay_options, **options}
        merged.setdefault("credentials", self._credentials(path))
        merged.setdefault("rewrite_path", self.rewrite_path)
        router = self.router if self.router is not None else self.create_router()
        return await replay_file(path, router, ReplayConfig(**merged))

    def replay(self, path: str | Path, **options: Any) -> ReplayResult:
        """Replay the cassette at `path`; for sync tests (`await self.areplay` in async ones).

        Options are those of ReplayConfig (ignore, ordering, pace, timeout, headers,
        query, json, path_map). The result's `.assert_ok()` fails with the report.
        """
        return async_to_sync(self.areplay)(path, **options)

    def create_router(self) -> Any:
        from channels_replay.testing.testcase import _discovered_router

        return _discovered_router()

    def _find_router(self) -> Any:
        return self.create_router()
