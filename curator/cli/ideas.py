"""`curator ideas ...`: the backlog of ideas for your own posts (issue 15)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from curator import i18n
from curator.cli import choose_profile, cli, echo_json, pass_app

if TYPE_CHECKING:  # --help and completion must not pay for the app (issue 16)
    from curator.app import Curator
    from curator.ideas import Idea


@cli.group("ideas")
def ideas_group() -> None:
    """Ideas for your own posts: original slots are filled from them first."""


def _speaker(app: Curator, profile: str) -> i18n.Language:
    from curator.outputs.words import profile_language

    return i18n.language(profile_language(app.settings.profile(profile)))


def _show(idea: Idea, t: i18n.Language) -> str:
    if idea.dropped_at:
        state = t.pgettext("idea", "dropped")
    else:
        state = t.pgettext("idea", "used") if idea.used_at else t.pgettext("idea", "open")
    where = f" -> {idea.used_slot_id}" if idea.used_slot_id else ""
    return f"#{idea.id} [{state}{where}] {idea.topic}"


@ideas_group.command("add")
@click.argument("text")
@click.option("--angle", help="The angle you want to take on it.")
@click.option("--profile", metavar="NAME", help="Profile (default: the only profile).")
@pass_app
def ideas_add(app: Curator, text: str, angle: str | None, profile: str | None) -> None:
    """Add an idea (TEXT) to the backlog."""
    name = choose_profile(app, profile).name
    idea = app.add_idea(name, text, angle=angle)
    t = _speaker(app, name)
    added = t._("Added {idea}. `curator plan` gives it to the next free original slot.")
    click.echo(added.format(idea=_show(idea, t)))


@ideas_group.command("list")
@click.option("--profile", metavar="NAME", help="Profile (default: the only profile).")
@click.option("--all", "all_", is_flag=True, help="Also the ideas used or dropped.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def ideas_list(app: Curator, profile: str | None, all_: bool, as_json: bool) -> None:
    """The backlog, oldest first."""
    name = choose_profile(app, profile).name
    rows = app.ideas(name, all_=all_)
    if as_json:
        echo_json(
            [
                {
                    "id": i.id,
                    "text": i.text,
                    "angle": i.angle,
                    "item_id": i.item_id,
                    "created_at": i.created_at.isoformat(),
                    "used_slot_id": i.used_slot_id,
                    "used_at": i.used_at.isoformat() if i.used_at else None,
                    "dropped_at": i.dropped_at.isoformat() if i.dropped_at else None,
                }
                for i in rows
            ]
        )
        return
    t = _speaker(app, name)
    if not rows:
        click.echo(t._('No ideas yet: `curator ideas add "TEXT"`, or `i` in `curator review`.'))
    for idea in rows:
        click.echo(_show(idea, t))


@ideas_group.command("drop")
@click.argument("idea_id", metavar="ID", type=int)
@click.option("--profile", metavar="NAME", help="Profile (default: the only profile).")
@pass_app
def ideas_drop(app: Curator, idea_id: int, profile: str | None) -> None:
    """Drop an idea from the backlog (kept in `list --all`)."""
    name = choose_profile(app, profile).name
    t = _speaker(app, name)
    dropped = _show(app.drop_idea(name, idea_id), t)
    click.echo(t._("Dropped {idea}").format(idea=dropped))
