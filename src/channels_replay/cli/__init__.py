"""The `channels-replay` command line: click commands over the library. Nothing imports it."""

from channels_replay.cli._group import EXIT_BAD_INPUT, EXIT_DIFFERENCES, EXIT_OK, main

__all__ = ["EXIT_BAD_INPUT", "EXIT_DIFFERENCES", "EXIT_OK", "main"]
