"""The `channels-replay` click group, and how library errors become one line and an exit code."""

from __future__ import annotations

import os
from typing import Any

import click

from channels_replay import __version__
from channels_replay.errors import ChannelsReplayError

__all__ = ["EXIT_BAD_INPUT", "EXIT_DIFFERENCES", "EXIT_OK", "main", "printable"]

EXIT_OK = 0
EXIT_DIFFERENCES = 1
EXIT_BAD_INPUT = 2


_UNPRINTABLE = {
    code: f"\\u{code:04x}"
    for code in (*range(0x20), *range(0x7F, 0xA0), 0x200E, 0x200F, *range(0x202A, 0x202F))
    if code not in (0x09,)  # a tab is harmless
}
_UNPRINTABLE.update({code: f"\\u{code:04x}" for code in range(0x2066, 0x206A)})


def printable(text: str) -> str:
    """`text` with control characters (ESC, CR, C1, bidi overrides) shown as `\\uNNNN`.

    What the CLI prints from a cassette (paths, query strings, identities, frames) was
    sent by clients: printed raw, an escape sequence would drive the terminal. The
    escapes are JSON's own, so a JSON line stays the same JSON.
    """
    return text.translate(_UNPRINTABLE)


class _Group(click.Group):
    """A click group that reports library errors as `error: ...` and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChannelsReplayError as exc:
            click.secho(f"error: {printable(str(exc))}", err=True, fg="red")
            ctx.exit(EXIT_BAD_INPUT)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("CHANNELS_REPLAY_TRACEBACK"):
                raise
            click.secho(
                f"error: unexpected {type(exc).__name__}: {exc} "
                "(set CHANNELS_REPLAY_TRACEBACK=1 to see where; please report it)",
                err=True,
                fg="red",
            )
            ctx.exit(EXIT_BAD_INPUT)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="channels-replay")
def main() -> None:
    """Record Django Channels WebSocket sessions into cassettes and replay them as tests."""
