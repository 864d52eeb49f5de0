"""The `channels-replay` command line: click commands over the library. Nothing imports it."""

from channels_replay.cli import _cassette_commands as _cassette_commands  # registers its commands
from channels_replay.cli import _codegen_commands as _codegen_commands  # registers its commands
from channels_replay.cli import _git_commands as _git_commands  # registers its commands
from channels_replay.cli import _load_command as _load_command  # registers its commands
from channels_replay.cli import _record_commands as _record_commands  # registers its commands
from channels_replay.cli import _replay_commands as _replay_commands  # registers its commands
from channels_replay.cli._group import EXIT_BAD_INPUT, EXIT_DIFFERENCES, EXIT_OK, main

__all__ = ["EXIT_BAD_INPUT", "EXIT_DIFFERENCES", "EXIT_OK", "main"]
