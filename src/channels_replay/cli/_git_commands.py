"""`git-setup`: make `git diff` show cassettes as JSON Lines, so a change can be reviewed.

Cassettes are msgpack; git shows a binary diff of them unless told how to turn one into
text. Two settings do that: a `.gitattributes` line (committed, shared) naming a diff
driver for `*.cassette`, and the driver's `textconv` command (git config, per clone or
global) printing a cassette as JSON Lines.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click

from channels_replay.cli._group import main
from channels_replay.errors import ConfigurationError

__all__ = ["ATTRIBUTES_LINE", "DRIVER", "git_setup", "textconv_command"]

DRIVER = "channels-replay"
ATTRIBUTES_LINE = f"*.cassette diff={DRIVER}"


def textconv_command() -> str:
    """The command git runs with a cassette's path: this interpreter, so no PATH is needed."""
    return f"{shlex.quote(sys.executable)} -m channels_replay convert --stdout"


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    git = shutil.which("git")
    if git is None:
        raise ConfigurationError("git-setup needs git, and there is no `git` on PATH: install it")
    return subprocess.run([git, *args], cwd=cwd, capture_output=True, text=True, check=False)


@main.command("git-setup")
@click.option(
    "--global",
    "global_config",
    is_flag=True,
    help="Set the diff driver in your global git config (every clone) instead of this one's.",
)
def git_setup(global_config: bool) -> None:
    """Make `git diff` show *.cassette files as JSON Lines.

    Run in a git repository: appends `*.cassette diff=channels-replay` to the
    repository's top-level .gitattributes (commit it), and sets the git config
    `diff.channels-replay.textconv` to a command printing a cassette as JSON Lines
    (`channels-replay convert --stdout`, with this Python). Running it again changes
    nothing.
    """
    cwd = Path.cwd()
    top = _git("rev-parse", "--show-toplevel", cwd=cwd)
    if top.returncode != 0:
        raise ConfigurationError(
            f"{cwd} is not in a git repository ({top.stderr.strip()}): run git-setup from "
            "the repository whose cassettes you review"
        )
    root = Path(top.stdout.strip())
    attributes = root / ".gitattributes"
    text = attributes.read_text(encoding="utf-8") if attributes.exists() else ""
    if ATTRIBUTES_LINE in (line.strip() for line in text.splitlines()):
        click.echo(f"{attributes}: already has `{ATTRIBUTES_LINE}`")
    else:
        separator = "" if not text or text.endswith("\n") else "\n"
        attributes.write_text(f"{text}{separator}{ATTRIBUTES_LINE}\n", encoding="utf-8")
        click.echo(f"{attributes}: added `{ATTRIBUTES_LINE}` (commit it)")
    scope = "--global" if global_config else "--local"
    key = f"diff.{DRIVER}.textconv"
    command = textconv_command()
    current = _git("config", scope, "--get", key, cwd=root).stdout.strip()
    if current == command:
        click.echo(f"git config {scope} {key}: already `{command}`")
        return
    done = _git("config", scope, key, command, cwd=root)
    if done.returncode != 0:
        raise ConfigurationError(f"git config {scope} {key} failed: {done.stderr.strip()}")
    click.echo(f"git config {scope} {key}: `{command}`")
