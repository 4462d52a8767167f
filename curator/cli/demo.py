"""`curator demo`."""

from __future__ import annotations

from pathlib import Path

import click

from curator.cli import cli


@cli.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("curator-demo"),
    show_default=True,
    help="Where to keep the generated feeds.yaml, database and outputs.",
)
def demo(directory: Path) -> None:
    """Run the whole main job on generated sample feeds, offline.

    Sample feeds (French and English) are served on 127.0.0.1, fetched, scored and planned
    into a fresh SQLite database in DIR, which you can explore afterwards.
    """
    from curator.demo import run_demo

    result = run_demo(directory, progress=click.echo)
    for line in result.report.lines():
        click.echo(line)
    from curator.cli.plan import print_calendar

    for view in result.calendars:
        print_calendar(view, weeks=2)
    click.echo("")
    click.echo(f"Everything is in {result.directory}/:")
    click.echo(f"  {result.config}   the configuration (two profiles, eight feeds)")
    click.echo(f"  {result.database}   the SQLite database")
    for output in result.outputs:
        click.echo(f"  {output}")
    click.echo("Explore it:")
    click.echo(f"  curator --config {result.config} feeds list")
