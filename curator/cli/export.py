"""`curator export ics`: the plan as an .ics file to import or to publish."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from curator import i18n
from curator.cli import choose_profile, cli, complete, pass_app

if TYPE_CHECKING:
    from curator.app import Curator


@cli.group()
def export() -> None:
    """Write what curator planned in formats other tools read."""


@export.command("ics")
@click.option(
    "--profile",
    metavar="NAME",
    shell_complete=complete.profiles,
    help="Only this profile [default: every profile].",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="File or folder to write; '-' for standard output "
    "[default: calendar-<profile>.ics beside the database].",
)
@click.option(
    "--keep-cancelled/--drop-cancelled",
    default=None,
    help="Keep slots removed from the plan as cancelled events "
    "[default: calendar.keep_cancelled in feeds.yaml].",
)
@pass_app
def export_ics(
    app: Curator, profile: str | None, output: str | None, keep_cancelled: bool | None
) -> None:
    """Export the publishing plan as an iCalendar (.ics) file.

    Import the file into any calendar, or subscribe to the live calendar that `curator serve`
    publishes at /calendar/<profile>.ics so changes show up by themselves.
    """
    if output == "-":  # one calendar: the profile named, else the only one
        body = app.calendar_ics(choose_profile(app, profile).name, keep_cancelled=keep_cancelled)
        click.echo(body, nl=False)  # bytes go to the binary stream untouched: CRLF stays CRLF
        return
    paths = app.export_ics(
        profile, path=Path(output) if output else None, keep_cancelled=keep_cancelled
    )
    for path in paths:
        click.echo(i18n.locale_language()._("Wrote {path}.").format(path=path))
