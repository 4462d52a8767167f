"""Commands about the installation itself: init, db, feeds list, run."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from curator.cli import CliState, cli, echo_json, pass_app, pass_state
from curator.errors import ConfigError

if TYPE_CHECKING:
    from curator.app import Curator
    from curator.types import Feed, FeedSource


@cli.command()
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@pass_state
def init(state: CliState, force: bool) -> None:
    """Write a starter feeds.yaml (at --config, else ./feeds.yaml)."""
    path = state.config_path
    if path.exists() and not force:
        from curator.i18n import N_, Message

        raise ConfigError(
            Message(N_("{path} already exists; use --force to overwrite it"), path=path)
        )
    from importlib import resources

    from curator.config import load_settings

    path.write_text(
        resources.files("curator").joinpath("templates/starter_feeds.yaml").read_text("utf-8"),
        encoding="utf-8",
    )
    load_settings(path)  # the starter must always be valid
    from curator import i18n

    said = i18n.locale_language()._(
        "Wrote {path}. Edit your objective and feeds, then run `curator run`."
    )
    click.echo(said.format(path=path))


@cli.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@pass_state
def db_upgrade(state: CliState) -> None:
    """Create the database or migrate it to the latest schema."""
    from curator.config import load_settings, resolve_database_url
    from curator.store import Database

    settings = load_settings(state.config_path) if state.config_path.exists() else None
    database = Database.open(resolve_database_url(state.db, settings), migrate=False)
    try:
        before = database.current_revision()
        database.upgrade()
        after = database.current_revision()
    finally:
        database.close()
    from curator import i18n

    t = i18n.locale_language()
    if before == after:
        said = t._("{database} is up to date (revision {revision}).")
        click.echo(said.format(database=database.display_url, revision=after))
    else:
        said = t._("Migrated {database} from {before} to {after}.")
        before_text = before or t._("empty database")
        click.echo(said.format(database=database.display_url, before=before_text, after=after))


@cli.group()
def feeds() -> None:
    """The feeds you follow."""


def feed_json(feed: Feed, source: FeedSource | None = None) -> dict[str, Any]:
    """A feed as scripts see it: what it is and how it fares. The HTTP validators (etag,
    last_modified) and the body digest are the fetcher's own bookkeeping (issue 16).
    `source` is its entry in feeds.yaml, when found by URL."""
    return {
        "id": feed.id,
        "url": feed.url,
        "name": feed.name,
        "display_name": feed.display_name,
        "title": feed.title,
        "site_url": feed.site_url,
        "status": feed.status.value,
        "weight": feed.weight,
        "full_text": feed.full_text.value,
        "interval_minutes": feed.interval_minutes,
        "last_fetched_at": _iso(feed.last_fetched_at),
        "next_fetch_at": _iso(feed.next_fetch_at),
        "error_count": feed.error_count,
        "first_error_at": _iso(feed.first_error_at),
        "last_error": feed.last_error,
        "disabled_reason": feed.disabled_reason,
        "paused": source is not None and source.paused,
        "tags": list(source.tags) if source is not None else [],
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def feeds_list(app: Curator, as_json: bool) -> None:
    """List stored feeds with their health."""
    rows = app.feeds()
    sources = {s.url: s for s in app.settings.feeds}
    if as_json:
        echo_json([feed_json(feed, sources.get(feed.url)) for feed in rows])
        return
    from curator import i18n
    from curator.outputs.words import explain_feed_error
    from curator.types import FeedStatus

    # Feeds belong to every profile: the locale's language (issue 16).
    t = i18n.locale_language()
    _ = t.gettext
    if not rows:
        click.echo(
            _("No feeds yet: add some under `feeds:` in {path}.").format(path=app.settings.path)
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    columns = (
        "id",
        _("feed"),
        _("status"),
        _("last fetch"),
        _("next fetch"),
        _("errors"),
        _("note"),
    )
    for column in columns:
        table.add_column(column)
    for feed in rows:
        last = (
            feed.last_fetched_at.strftime("%Y-%m-%d %H:%M") if feed.last_fetched_at else _("never")
        )
        upcoming = "—"
        source = sources.get(feed.url)
        status = t.word(feed.status.value)
        if source is not None and source.paused:
            status = t.word("paused")
        elif feed.status is FeedStatus.ACTIVE:
            upcoming = f"{feed.next_fetch_at:%Y-%m-%d %H:%M}" if feed.next_fetch_at else _("now")
        note = explain_feed_error(feed.disabled_reason or feed.last_error or "", t.code)
        if source is not None and source.tags:
            note = f"[{', '.join(source.tags)}] {note}".strip()
        table.add_row(
            str(feed.id),
            feed.display_name,
            status,
            last,
            upcoming,
            str(feed.error_count),
            note,
        )
    Console(soft_wrap=True).print(table)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output: each stage.")
@pass_app
def run(app: Curator, as_json: bool) -> None:
    """Run one full cycle of the main job: fetch, score, plan, export, digest."""
    from curator import i18n

    report = app.run()
    t = i18n.locale_language()
    if as_json:
        echo_json(
            {
                "stages": [
                    {"name": s.name, "seconds": round(s.seconds, 3), "summary": s.summary}
                    # the summary in the locale's language beside the English (issue 16)
                    | {"text": t.say(s.summary), "detail": s.detail}
                    for s in report.stages
                ]
            }
        )
        return
    from curator import i18n

    # `run` is about every profile: the locale's language (issue 16)
    t = i18n.locale_language()
    for line in report.lines(t):
        click.echo(line)
    if not report.stages:
        click.echo(t._("Nothing to do yet."))
