"""From what a user gives (paths, rule strings, credential specs) to replay results.

Shared by the command line, ReplayTestCase and the pytest plugin, so that all
three read cassettes, merge noise rules and fill in credentials the same way.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from channels_replay.cassettes import Cassette, ConnectEvent, Redactor, load_cassette
from channels_replay.cassettes.identities import connection_identities
from channels_replay.errors import CassetteError, ConfigurationError, ReplayError
from channels_replay.replay.engine import replay_cassette
from channels_replay.replay.hints import row_difference_hint
from channels_replay.replay.noise import NoiseRules
from channels_replay.replay.result import ReplayResult
from channels_replay.replay.run import DEFAULT_CASSETTE_TIMEOUT, DEFAULT_GRACE, ReplayOptions
from channels_replay.replay.substitution import Credentials, redacted_names

__all__ = [
    "CASSETTE_SUFFIXES",
    "ReplayConfig",
    "check_cassette",
    "check_named_identities",
    "find_cassettes",
    "replay_file",
    "settings_noise",
]

CASSETTE_SUFFIXES = (".cassette", ".jsonl")


def find_cassettes(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Cassette files named, under named directories (recursively), or matching globs."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.suffix in CASSETTE_SUFFIXES and p.is_file())
            )
        elif path.is_file() or path.exists():  # a named pipe or device: the reader says why not
            found.append(path)
        else:
            matches = sorted(Path(m) for m in glob.glob(str(raw), recursive=True))
            if not matches:
                raise ReplayError(
                    f"no cassette at {raw!s}{_did_you_mean(path)}: give cassette files, "
                    "directories holding *.cassette / *.jsonl files, or glob patterns"
                )
            found.extend(m for m in matches if m.is_file())
    return list(dict.fromkeys(found))


def _did_you_mean(path: Path) -> str:
    """` (did you mean X?)` for a file or directory next to `path` with a close name."""
    import difflib

    parent = path.parent
    if glob.has_magic(str(path)) or not parent.is_dir():
        return ""
    names = [p.name for p in parent.iterdir() if p.is_dir() or p.suffix in CASSETTE_SUFFIXES]
    close = difflib.get_close_matches(path.name, names, n=1)
    return f" (did you mean {parent / close[0]}?)" if close else ""


def _django_settings() -> Any | None:
    try:
        from django.conf import settings
    except ImportError:  # pragma: no cover - django is a dependency
        return None
    return settings if settings.configured else None


def settings_noise() -> NoiseRules:
    """Noise rules from `CHANNELS_REPLAY["NOISE"]` (strings or dicts)."""
    from channels_replay.settings import replay_settings

    if _django_settings() is None:
        return NoiseRules()
    items = replay_settings.NOISE or []
    texts = [item for item in items if isinstance(item, str)]
    dicts = [item for item in items if isinstance(item, dict)]
    return NoiseRules.parse(texts).merged(NoiseRules.from_dicts(dicts))


def _redactor(cassette: Cassette) -> Redactor:
    """The redactor the recorder used, so what the app sends now is redacted alike: the
    settings' one, adjusted to the cassette (names added or allowed on the command line
    at record time)."""
    from channels_replay.recorder import redactor_from_settings

    redactor = Redactor() if _django_settings() is None else redactor_from_settings()
    return redactor.as_recorded(cassette.events)


def _path_rewriter(path_map: Sequence[str]) -> Callable[[str, ConnectEvent], str] | None:
    pairs = []
    for spec in path_map:
        old, equals, new = spec.partition("=")
        if not equals or not old:
            raise ConfigurationError(
                f"bad --path-map {spec!r}: write OLD=NEW, "
                "e.g. --path-map /ws/chat/lobby/=/ws/chat/ci/"
            )
        pairs.append((old, new))
    if not pairs:
        return None

    def rewrite(path: str, event: ConnectEvent) -> str:
        for old, new in pairs:
            if path.startswith(old):
                return new + path[len(old) :]
        return path

    return rewrite


def _chained(
    first: Callable[[str, ConnectEvent], str] | None,
    then: Callable[[str, ConnectEvent], str] | None,
) -> Callable[[str, ConnectEvent], str] | None:
    """The path map, then the hook, where both are given."""
    if first is None or then is None:
        return first or then

    def rewrite(path: str, event: ConnectEvent) -> str:
        return then(first(path, event), event)

    return rewrite


@dataclass
class ReplayConfig:
    """What a user can set for a replay, in the words of the command line."""

    ignore: Sequence[str] = ()
    ordering: Literal["strict", "any"] = "strict"
    pace: Literal["fast", "recorded"] = "fast"
    timeout: float = 5.0
    cassette_timeout: float = DEFAULT_CASSETTE_TIMEOUT
    headers: Sequence[str] = ()
    query: Sequence[str] = ()
    json: Sequence[str] = ()
    path_map: Sequence[str] = ()
    credentials: Credentials | Mapping[str, Any] | str | os.PathLike[str] | None = None
    """Credentials for redacted values: a `Credentials`, a mapping in its mapping form, or the
    path of a TOML credentials file (see `channels_replay.credentials`)."""
    rewrite_path: Callable[[str, ConnectEvent], str] | None = None
    target: str | None = None
    """A live server (`ws://HOST:PORT`) to replay against instead of the app in-process."""
    grace: float = DEFAULT_GRACE
    on_blocked: Callable[[str], None] | None = None
    """In-process: called when the app blocks the event loop past the timeout (see
    `ReplayOptions.on_blocked`)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def options_for_credentials(self) -> Credentials:
        """The credentials of this config: the given ones (else the settings'), then the
        command line's."""
        given = self.credentials if self.credentials is not None else settings_credentials()
        return self.command_line_credentials(_credentials(given))

    def command_line_credentials(self, into: Credentials | None = None) -> Credentials:
        """`into` (else new credentials) extended by --header, --query and --json-value."""
        credentials = into if into is not None else Credentials()
        credentials.extend("header", self.headers)
        credentials.extend("query", self.query)
        credentials.extend("json", self.json)
        return credentials

    def options_for(self, cassette: Cassette) -> ReplayOptions:
        """ReplayOptions for one cassette: its stored rules, then settings', then these."""
        rules = (
            NoiseRules.from_dicts(cassette.header.noise)
            .merged(settings_noise())
            .merged(NoiseRules.parse(self.ignore))
        )
        return ReplayOptions(
            rules=rules,
            ordering=self.ordering,
            credentials=self.options_for_credentials(),
            rewrite_path=_chained(_path_rewriter(self.path_map), self.rewrite_path),
            pace=self.pace,
            timeout=self.timeout,
            cassette_timeout=self.cassette_timeout,
            grace=self.grace,
            on_blocked=self.on_blocked,
            redactor=_redactor(cassette) if cassette.header.redacted else None,
        )


def _credentials(
    given: Credentials | Mapping[str, Any] | str | os.PathLike[str] | None,
) -> Credentials:
    """A fresh Credentials from what a user gave (never the given object: it is extended)."""
    from channels_replay.credentials import load_credentials

    if given is None:
        return Credentials()
    if isinstance(given, Credentials):
        return given.copy()
    return load_credentials(given)


def settings_credentials() -> Any:
    """`CHANNELS_REPLAY["CREDENTIALS"]` (a mapping or a TOML file's path), else None."""
    from channels_replay.settings import replay_settings

    return replay_settings.CREDENTIALS if _django_settings() is not None else None


def check_named_identities(paths: Iterable[Path], config: ReplayConfig) -> None:
    """Raise ConfigurationError when a credential given on the command line (`--header`,
    `--query`, `--json-value`) names an identity that no connection of the cassettes has:
    a typo would otherwise be ignored, and the replay fail later. A credentials file or
    mapping is a project's shared list, so it may name users a cassette does not have."""
    from channels_replay.cassettes import open_cassette

    named = config.command_line_credentials().named() - {"*"}
    if not named:
        return
    users: set[str] = set()
    conns: set[str] = set()
    anonymous: set[str] = set()
    for path in paths:
        with open_cassette(path) as reader:
            identities = connection_identities(reader, reader.header.signal_names())
        conns.update(identities)
        users.update(user for user in identities.values() if user)
        anonymous.update(conn for conn, user in identities.items() if not user)
    unknown = sorted(named - users - conns)
    if unknown:
        known = ", ".join(sorted(users)) or "none"
        unnamed = ", ".join(sorted(anonymous)) or "none"
        raise ConfigurationError(
            f"--header/--query/--json-value name {', '.join(map(repr, unknown))}, which no "
            f"connection of the replayed cassettes has (recorded users: {known}; anonymous "
            f"connections: {unnamed}): check the spelling, or give them for * (any "
            "connection) or a connection id such as c2"
        )


def _prepare_database(path: Path, cassette: Cassette) -> bool:
    """Before an in-process replay: sequences reset, the cassette's snapshot loaded. Whether
    it has a snapshot."""
    from channels_replay.snapshots import header_snapshot, load_snapshot, reset_sequences

    snapshot = header_snapshot(path, cassette.header)
    if snapshot is None:
        reset_sequences()
        return False
    load_snapshot(snapshot, path)
    return True


def check_cassette(path: str | os.PathLike[str]) -> None:
    """Read a cassette through and parse its stored noise rules, without replaying it.

    The command line does this before it sets up the app, so a bad file is reported
    (one line naming it) before any time is spent, and never half-way through a run.
    """
    cassette = load_cassette(path)
    if not cassette.events:
        raise ReplayError(f"{path}: the cassette holds no events; record a session into it first")
    try:
        NoiseRules.from_dicts(cassette.header.noise)
    except ConfigurationError as exc:
        raise CassetteError(
            f"{path}: the noise rules stored in its header are unusable: {exc}; fix or "
            "remove them (convert the cassette to .jsonl to edit the header)"
        ) from None


async def replay_file(
    path: str | os.PathLike[str], app: Any, settings: ReplayConfig | None = None
) -> ReplayResult:
    """Load the cassette at `path` and replay it against `app` (or `settings.target`).

    In-process with Django, the database is prepared first (the cassette's snapshot, id
    sequences), and the credentials' callables are called for the connections that need them.
    """
    from asgiref.sync import sync_to_async

    cassette = load_cassette(path)  # replay_cassette fills in identities from auth frames
    if not cassette.events:
        raise ReplayError(f"{path}: the cassette holds no events; record a session into it first")
    config = settings or ReplayConfig()
    options = config.options_for(cassette)
    snapshot = False
    if config.target is None and _django_settings() is not None:
        snapshot = await sync_to_async(_prepare_database)(Path(path), cassette)
    connections = connection_identities(cassette.events, cassette.signal_names())
    needs = redacted_names(cassette.events)
    options.credentials = await sync_to_async(options.credentials.resolved)(connections, needs)
    result = await replay_cassette(cassette, app, options, path=Path(path), target=config.target)
    if not result.ok and not snapshot:
        hint = row_difference_hint(result)
        if hint is not None:
            result.notes.append(hint)
    return result
