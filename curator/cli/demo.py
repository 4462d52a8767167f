"""`curator demo`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from curator import i18n
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

    t = i18n.locale_language()
    result = run_demo(directory, progress=lambda text: click.echo(t.say(text)))
    for line in result.report.lines(t):
        click.echo(line)
    from curator.cli.plan import print_calendar

    for view in result.calendars:
        print_calendar(view, weeks=2)
    click.echo("")
    click.echo(t._("Everything is in {folder}/:").format(folder=result.directory))
    said = t._("  {path}   the configuration (two profiles, eight feeds)")
    click.echo(said.format(path=result.config))
    click.echo(t._("  {path}   the SQLite database").format(path=result.database))
    for output in result.outputs:
        click.echo(f"  {output}")
    for line in explore_lines(result.config, sys.argv[0], t):
        click.echo(line)


def explore_lines(config: Path, argv0: str, t: i18n.Language | None = None) -> list[str]:
    """What to try next, spelled as this program was started: after `make demo` the `curator`
    command is `.venv/bin/curator`, which is not on the PATH."""
    program = argv0 if Path(argv0).name == "curator" else "curator"
    base = f"{program} --config {config}"
    _ = (t or i18n.language("en")).gettext
    return [
        _("Explore it:"),
        f"  {base} review --profile claire    # " + _("triage the queue"),
        f"  {base} queue list --profile sam   # " + _("the queue as a table"),
        f"  {base} calendar --profile claire  # " + _("the two-week plan"),
        f"  {base} results --profile claire   # " + _("six weeks of results, with advice"),
        f"  {base} feeds list                 # " + _("each feed's health"),
        _(
            "The sample feeds were served only while the demo ran, so `fetch` now reports each\n"
            "feed as unreachable. Open the .eml files with a mail client; import the .ics files\n"
            "into a calendar."
        ),
        _("Open it in the browser (triage, comment and plan; Ctrl-C stops it):"),
        f"  {base} serve --open",
    ]
