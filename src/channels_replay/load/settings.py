"""What a load replay is told: cassettes, target, credentials, rewrites, sampling.

Plain data, checked before Locust starts (a bad option is one `error:` line, not a
failed swarm) and handed to Locust's processes as JSON in an environment variable.
Strings may hold `{user}`, replaced by each virtual user's number, so that one
option mints an identity or a room per user: `--path-map /ws/chat/lobby/=/ws/chat/u{user}/`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from channels_replay.cassettes import Cassette, load_cassette
from channels_replay.errors import ConfigurationError, ReplayError
from channels_replay.replay.runner import ReplayConfig, find_cassettes
from channels_replay.replay.substitution import Credentials

__all__ = ["ENVIRONMENT_VARIABLE", "Identity", "LoadSettings", "load_pool"]

ENVIRONMENT_VARIABLE = "CHANNELS_REPLAY_LOAD"
"""Where the command line leaves the settings for the locustfile it runs."""

_KINDS = {"header": "headers", "query": "query", "json": "json"}


@dataclass(frozen=True)
class Identity:
    """One entry of a credentials pool: specs `ID:NAME=VALUE` by kind, as on the command line."""

    headers: tuple[str, ...] = ()
    query: tuple[str, ...] = ()
    json: tuple[str, ...] = ()


def load_pool(path: str | os.PathLike[str]) -> list[Identity]:
    """A credentials pool from a JSON file: a list of `{"header": [...], "query": [...],
    "json": [...]}` objects, each list holding `ID:NAME=VALUE` specs."""
    where = Path(path)
    try:
        entries = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"--pool {where}: cannot read it as JSON ({exc}): give a JSON list of "
            '{"header": ["alice:authorization=Token ..."], "query": [...], "json": [...]}'
        ) from exc
    if not isinstance(entries, list) or not entries:
        raise ConfigurationError(
            f"--pool {where}: expected a non-empty JSON list of identities, one object each"
        )
    pool = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, Mapping) or set(entry) - set(_KINDS):
            raise ConfigurationError(
                f"--pool {where}: identity {number} must be an object with only the keys "
                "header, query and json (lists of ID:NAME=VALUE specs)"
            )
        specs = {}
        for kind, name in _KINDS.items():
            values = entry.get(kind, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ConfigurationError(
                    f"--pool {where}: identity {number}: {kind!r} must be a list of "
                    "ID:NAME=VALUE strings"
                )
            specs[name] = tuple(values)
        pool.append(Identity(**specs))
    return pool


@dataclass
class LoadSettings:
    """A load replay's settings: the same words as `channels-replay replay`, plus the pool."""

    cassettes: list[str]
    target: str
    ignore: Sequence[str] = ()
    ordering: Literal["strict", "any"] = "strict"
    pace: Literal["fast", "recorded"] = "fast"
    timeout: float = 5.0
    grace: float = 0.25
    headers: Sequence[str] = ()
    query: Sequence[str] = ()
    json: Sequence[str] = ()
    path_map: Sequence[str] = ()
    pool: Sequence[Identity] = ()
    diff_sample: float = 1.0
    """The share of sessions diffed against the recording (0 to 1); all are timed."""
    wait: float = 0.0
    """Seconds each user pauses between two sessions (Locust's wait time)."""
    settings: str | None = None
    """A Django settings module, for its noise rules and redaction lists."""
    credentials_file: str | None = None
    """A credentials file (TOML), as `replay --credentials` reads it; its plain values."""
    cassette_timeout: float | None = None
    """Upper bound (s) of one session's replay; None: the replay's default."""
    loaded: dict[str, Cassette] = field(default_factory=dict, repr=False, compare=False)

    def check(self) -> None:
        """Read every cassette and parse every option now; ConfigurationError/ReplayError."""
        from channels_replay.drivers.live import check_target

        self.target = check_target(self.target)
        if self.wait < 0:
            raise ConfigurationError(f"--wait {self.wait:g}: give a pause of 0 seconds or more")
        if not 0.0 <= self.diff_sample <= 1.0:
            raise ConfigurationError(
                f"--diff-sample {self.diff_sample:g} is not a share: give a number from 0 "
                "(time only) to 1 (diff every session)"
            )
        for cassette in self.cassette_objects():
            self.config_for(0).options_for(cassette)

    def cassette_paths(self) -> list[Path]:
        paths = find_cassettes(self.cassettes)
        if not paths:
            raise ReplayError(
                f"no cassettes under {', '.join(self.cassettes)}: record a session first"
            )
        return paths

    def cassette_objects(self) -> list[Cassette]:
        """The cassettes, read once per process."""
        found = []
        for path in self.cassette_paths():
            key = str(path)
            if key not in self.loaded:
                cassette = load_cassette(path)
                if not cassette.events:
                    raise ReplayError(
                        f"{path}: the cassette holds no events; record a session into it first"
                    )
                self.loaded[key] = cassette
            found.append(self.loaded[key])
        return found

    def config_for(self, user: int) -> ReplayConfig:
        """The replay settings of virtual user number `user`: `{user}` filled in, and the
        pool's identity number `user` (modulo its size) added to the given credentials."""

        def fill(specs: Sequence[str]) -> list[str]:
            return [spec.replace("{user}", str(user)) for spec in specs]

        identity = self.pool[user % len(self.pool)] if self.pool else Identity()
        credentials = Credentials()
        if self.credentials_file is not None:
            from channels_replay.credentials import load_credentials

            credentials = load_credentials(self.credentials_file)
        credentials.extend("header", fill(identity.headers))
        credentials.extend("query", fill(identity.query))
        credentials.extend("json", fill(identity.json))
        config = ReplayConfig(
            ignore=self.ignore,
            ordering=self.ordering,
            pace=self.pace,
            timeout=self.timeout,
            grace=self.grace,
            headers=fill(self.headers),
            query=fill(self.query),
            json=fill(self.json),
            path_map=fill(self.path_map),
            credentials=credentials,
            target=self.target,
        )
        if self.cassette_timeout is not None:
            config.cassette_timeout = self.cassette_timeout
        return config

    def to_json(self) -> str:
        data = asdict(self)
        data.pop("loaded")
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> LoadSettings:
        data: dict[str, Any] = json.loads(text)
        data["pool"] = [
            Identity(**{k: tuple(v) for k, v in entry.items()}) for entry in data["pool"]
        ]
        return cls(**data)

    @classmethod
    def from_environment(cls) -> LoadSettings:
        """The settings the command line left in `CHANNELS_REPLAY_LOAD`."""
        text = os.environ.get(ENVIRONMENT_VARIABLE)
        if not text:
            raise ConfigurationError(
                f"{ENVIRONMENT_VARIABLE} is not set: this locustfile is run by "
                "`channels-replay load`; in a locustfile of your own, subclass CassetteUser"
            )
        return cls.from_json(text)
