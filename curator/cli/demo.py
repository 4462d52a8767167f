"""`curator demo`."""

from __future__ import annotations

import sys
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
    for line in explore_lines(result.config, sys.argv[0]):
        click.echo(line)


def explore_lines(config: Path, argv0: str) -> list[str]:
    """What to try next, spelled as this program was started: after `make demo` the `curator`
    command is `.venv/bin/curator`, which is not on the PATH."""
    program = argv0 if Path(argv0).name == "curator" else "curator"
    base = f"{program} --config {config}"
    return [
        "Explore it:",
        f"  {base} review --profile claire    # triage the queue",
        f"  {base} queue list --profile sam   # the queue as a table",
        f"  {base} calendar --profile claire  # the two-week plan",
        f"  {base} results --profile claire   # six weeks of results, with advice",
        f"  {base} feeds list                 # each feed's health",
        "The sample feeds were served only while the demo ran, so `fetch` now reports each",
        "feed as unreachable. Open the .eml files with a mail client; import the .ics files",
        "into a calendar.",
        "Open it in the browser (triage, comment and plan; Ctrl-C stops it):",
        f"  {base} serve --open",
    ]
