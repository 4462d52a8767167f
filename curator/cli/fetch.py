"""`curator fetch` and the feed-list commands that touch the network or feeds.yaml."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from curator import i18n
from curator.cli import cli, complete, echo_json, pass_app
from curator.cli.core import feeds
from curator.errors import ConfigError
from curator.i18n import N_

if TYPE_CHECKING:
    from curator.app import Curator
    from curator.ingest.report import FeedReport

ProgressCallback = Callable[["FeedReport", int, int], None]


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[ProgressCallback | None]:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("fetching"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def update(report: FeedReport, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=report.name[:50])

        yield update


@cli.command()
@click.option("--all", "fetch_all", is_flag=True, help="Fetch every active feed, due or not.")
@click.option(
    "--feed",
    metavar="URL|NAME",
    shell_complete=complete.feeds,
    help="Fetch only this feed (also a manual retry).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON, per feed.")
@pass_app
def fetch(app: Curator, fetch_all: bool, feed: str | None, as_json: bool) -> None:
    """Fetch the feeds that are due and store their new items."""
    from curator.ingest.report import FeedOutcome
    from curator.outputs.words import explain_feed_error

    with _progress_bar(not as_json) as progress:
        report = app.fetch(all=fetch_all, feed=feed, progress=progress)
    # One broken feed among many is ordinary life (it is listed, and backs off); when not a
    # single feed could be fetched something is wrong on this side (network, proxy), and
    # scripts and cron should see it in the exit code.
    nothing_fetched = bool(report.feeds) and report.failed == len(report.feeds)
    if as_json:
        echo_json(report.to_dict())
        if nothing_fetched:
            click.get_current_context().exit(1)
        return
    # Feeds belong to every profile: the locale's language (issue 16).
    t = i18n.locale_language()
    if not report.feeds:
        click.echo(t._("No feed is due (use --all to fetch them anyway)."))
        return
    seconds = t.format_decimal(report.seconds, "0.0")
    click.echo(t._("{summary} in {seconds} s").format(summary=report.summary(), seconds=seconds))
    for item in report.feeds:
        if item.outcome in (FeedOutcome.FAILED, FeedOutcome.GONE, FeedOutcome.DISABLED):
            error = explain_feed_error(item.error or "", t.code)
            click.echo(f"  {t.word(item.outcome.value)}{t.colon} {item.name}{t.colon} {error}")
        elif item.warning:
            click.echo(
                "  "
                + t._("warning: {feed}: {warning}").format(feed=item.name, warning=item.warning)
            )
        if item.moved_to:
            click.echo(
                "  " + t._("moved: {feed} -> {url}").format(feed=item.name, url=item.moved_to)
            )
    if nothing_fetched:
        click.echo(t._("curator: error: no feed could be fetched (see above)"), err=True)
        click.get_current_context().exit(1)


@feeds.command("add")
@click.argument("url")
@click.option("--name", help="Display name (default: the feed's own title).")
@pass_app
def feeds_add(app: Curator, url: str, name: str | None) -> None:
    """Follow a feed, given its URL or a blog/home page that leads to it (autodiscovery).

    The feed is appended to feeds.yaml; your comments and layout are kept.
    """
    source = app.add_feed(url, name=name)
    label = f" ({source.name})" if source.name else ""
    t = i18n.locale_language()
    click.echo(
        t._("Added {url}{label} to {path}.").format(
            url=source.url, label=label, path=app.settings.path
        )
    )


def _feed_key() -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.argument("feed", metavar="URL|NAME", shell_complete=complete.feeds)


@feeds.command("remove")
@_feed_key()
@pass_app
def feeds_remove(app: Curator, feed: str) -> None:
    """Stop following a feed: its entry leaves feeds.yaml (your comments elsewhere are kept).

    What it brought stays: your decisions, planned slots and the results log.
    """
    url = app.remove_feed(feed)
    t = i18n.locale_language()
    click.echo(t._("Removed {url} from {path}.").format(url=url, path=app.settings.path))


@feeds.command("pause")
@_feed_key()
@pass_app
def feeds_pause(app: Curator, feed: str) -> None:
    """Stop fetching a feed for now (`paused: true` in feeds.yaml); `feeds resume` restarts it."""
    url, changed = app.pause_feed(feed, paused=True)
    t = i18n.locale_language()
    said = t._("Paused {url}.") if changed else t._("{url} was already paused.")
    click.echo(said.format(url=url))


@feeds.command("resume")
@_feed_key()
@pass_app
def feeds_resume(app: Curator, feed: str) -> None:
    """Fetch a paused feed again."""
    url, changed = app.pause_feed(feed, paused=False)
    t = i18n.locale_language()
    said = t._("Resumed {url}.") if changed else t._("{url} was not paused.")
    click.echo(said.format(url=url))


@feeds.command("rename")
@_feed_key()
@click.argument("name")
@pass_app
def feeds_rename(app: Curator, feed: str, name: str) -> None:
    """Give a feed the name shown in the queue, the digest and the calendar."""
    url = app.rename_feed(feed, name)
    t = i18n.locale_language()
    click.echo(t._("{url} is now named {name!r}.").format(url=url, name=" ".join(name.split())))


@feeds.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_app
def feeds_import(app: Curator, file: Path) -> None:
    """Follow every feed of an OPML subscription list (from another feed reader)."""
    added, followed = app.import_opml(file.read_bytes(), source=str(file))
    t = i18n.locale_language()
    said = t.ngettext("Added {n} feed to {path}", "Added {n} feeds to {path}", len(added))
    said = said.format(n=len(added), path=app.settings.path)
    if followed:
        said += "; " + t._("{n} already followed").format(n=len(followed))
    click.echo(said + ".")
    for source in added:
        click.echo(f"  {source.url}" + (f" ({source.name})" if source.name else ""))


@feeds.command("export")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE."
)
@pass_app
def feeds_export(app: Curator, output: Path | None) -> None:
    """Write the feeds you follow as OPML 2.0 (to stdout, or to --output FILE)."""
    text = app.export_opml()
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as e:
        raise ConfigError(
            i18n.Message(N_("cannot write {path}: {reason}"), path=output, reason=e.strerror)
        ) from e
    click.echo(i18n.locale_language()._("Wrote {path}.").format(path=output))
