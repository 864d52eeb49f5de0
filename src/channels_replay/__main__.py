"""`python -m channels_replay`: the same as the `channels-replay` command."""

from channels_replay.cli import main

main(prog_name="channels-replay")
