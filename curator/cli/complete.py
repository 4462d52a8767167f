"""Shell completion of the values users type most: profile names, feed names, slot ids.

click's own completion (`_CURATOR_COMPLETE=bash_source curator`, see the README) completes
commands and options; these functions add the values. They run with no group callback, so
they read --config/--db from the command line being completed, and they never raise: a
broken configuration completes nothing rather than printing a traceback into the shell.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from click.shell_completion import CompletionItem

if TYPE_CHECKING:
    from curator.config import Settings


def _root_params(ctx: click.Context) -> dict[str, object]:
    return ctx.find_root().params


def _settings(ctx: click.Context) -> Settings | None:
    from curator.config import load_settings, resolve_config_path

    config = _root_params(ctx).get("config")
    try:
        return load_settings(resolve_config_path(config if isinstance(config, str) else None))
    except Exception:  # completion must never break the shell
        return None


def profiles(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    settings = _settings(ctx)
    if settings is None:
        return []
    return [
        CompletionItem(p.name, help=p.objective[:60])
        for p in settings.profiles
        if p.name.startswith(incomplete)
    ]


def feeds(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Feed names as feeds.yaml gives them (else their URL): what `--feed` and the feeds
    commands accept."""
    settings = _settings(ctx)
    if settings is None:
        return []
    values = [f.name or f.url for f in settings.feeds]
    return [CompletionItem(v) for v in values if v.startswith(incomplete)]


def slots(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The ids of the slots around now, with when and what as help (zsh and fish show it).

    This one opens the database, so it takes longer than the others (SQLAlchemy)."""
    from curator.app import Curator
    from curator.cli import _clock_from_environment

    settings = _settings(ctx)
    if settings is None:
        return []
    db = _root_params(ctx).get("db")
    try:
        clock = _clock_from_environment()
        app = Curator.open(settings.path, db if isinstance(db, str) else None, clock=clock)
    except Exception:
        return []
    try:
        found = app.slots_around()
    except Exception:
        return []
    finally:
        app.close()
    return [
        CompletionItem(
            s.id, help=f"{s.starts_at:%Y-%m-%d %H:%M} UTC {s.kind.value} {s.status.value}"
        )
        for s in found
        if s.id.startswith(incomplete)
    ]
