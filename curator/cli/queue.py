"""`curator queue`: the review queue as commands (the group; `list` lives with the scorer)."""

from __future__ import annotations

from curator.cli import cli


@cli.group()
def queue() -> None:
    """The review queue as scriptable commands (the same rules as `curator review`)."""
