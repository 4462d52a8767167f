"""Commands about relevance: `curator score` and the pending review queue."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from curator import i18n
from curator.cli import choose_profile, cli, complete, echo_json, pass_app

if TYPE_CHECKING:
    from curator.app import Curator
    from curator.types import ClusterVersion, QueueEntry


@cli.command()
@click.option(
    "--profile",
    metavar="NAME",
    shell_complete=complete.profiles,
    help="Only this profile (default: all).",
)
@pass_app
def score(app: Curator, profile: str | None) -> None:
    """Re-score recent items against each profile's objective and decisions."""
    report = app.score(profile)
    lang = i18n.locale_language()
    for warning in report.warnings:
        click.echo(lang._("warning: {warning}").format(warning=lang.say(warning)), err=True)
    click.echo(report.summary())


@cli.group()
def queue() -> None:
    """The review queue: items waiting for your decision, best first."""


def entry_json(entry: QueueEntry, versions: Sequence[ClusterVersion] = ()) -> dict[str, Any]:
    item, s = entry.item, entry.score
    return {
        "id": item.id,
        "rank": s.rank,
        "title": item.title,
        "url": item.url,
        "feed": item.feed_name,
        "published": item.published_at.isoformat() if item.published_at else None,
        "language": item.language,
        "score": s.final,
        "relevance": s.relevance,
        "feedback": s.feedback,
        "freshness": s.freshness,
        "source": s.source,
        "boost": s.boost,
        "why": [t.text for t in s.why],
        "status": entry.status.value,
        # The followed colleagues who picked it, with their comments (issue 17).
        "picked_by": [
            {
                "item_id": p.item_id,
                "profile": p.profile,
                "comment": p.comment,
                "picked_at": p.picked_at.isoformat(),
            }
            for p in entry.picked_by
        ],
        # The story's other versions, folded into this one: never simply missing (issue 18).
        "versions": [
            {"id": v.item_id, "feed": v.feed, "title": v.title, "url": v.url} for v in versions
        ],
    }


@queue.command("list")
@click.option(
    "--profile",
    metavar="NAME",
    shell_complete=complete.profiles,
    help="Profile (needed when several are configured).",
)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--all", "show_all", is_flag=True, help="Every pending item, no limit.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def queue_list(
    app: Curator, profile: str | None, limit: int, show_all: bool, as_json: bool
) -> None:
    """Pending items ranked by score (run `curator score` or `curator run` first)."""
    chosen = choose_profile(app, profile)
    name = chosen.name
    entries = app.queue(name, limit=None if show_all else limit)
    if as_json:
        versions = app.get_versions([e.item for e in entries])
        echo_json([entry_json(e, versions.get(e.item.id, ())) for e in entries])
        return
    from curator.outputs.words import profile_language

    t = i18n.language(profile_language(chosen))  # the profile's language (issue 16)
    _ = t.gettext
    if not entries:
        click.echo(
            _("Nothing waiting for {name}: run `curator run` (or `curator score`).").format(
                name=name
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("#", "id", _("score"), _("title"), _("feed"), _("published"), _("why")):
        table.add_column(column, overflow="fold")
    for e in entries:
        published = e.item.published_at.strftime("%Y-%m-%d") if e.item.published_at else ""
        mark = f" ({t.word('snoozed')})" if e.status.value == "snoozed" else ""
        table.add_row(
            str(e.score.rank or ""),
            str(e.item.id),
            t.format_decimal(e.score.final),
            e.item.title + mark,
            e.item.feed_name or "",
            published,
            ", ".join(t.text for t in e.score.brief),
        )
    Console(soft_wrap=True).print(table)
