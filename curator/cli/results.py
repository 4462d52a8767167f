"""`curator results ...`: time spent against what it brought (issue 15)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from curator import i18n
from curator.cli import choose_profile, cli, echo_json, pass_app, profile_speaker

if TYPE_CHECKING:  # --help and completion must not pay for the app (issue 16)
    from curator.app import Curator


@cli.group("results", invoke_without_command=True)
@click.option("--profile", metavar="NAME", help="Profile (default: the only profile).")
@click.option("--weeks", default=4, show_default=True, type=click.IntRange(1, 52))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def results_group(ctx: click.Context, profile: str | None, weeks: int, as_json: bool) -> None:
    """The weekly review: time spent against your budget, posts published against planned,
    results and results per hour; per kind, source and topic; the trend, the best posts and
    advice where the data is sufficient."""
    from curator import results

    if ctx.invoked_subcommand is not None:
        return
    app = _app(ctx)
    report = app.results_report(choose_profile(app, profile).name, weeks=weeks)
    if as_json:
        echo_json(results.report_json(report))
        return
    for line in results.report_lines(report):
        click.echo(line)


def _app(ctx: click.Context) -> Curator:
    from curator.cli import CliState

    state = ctx.find_object(CliState)
    assert state is not None
    return state.app()


@results_group.command("add")
@click.argument("slot_id", metavar="ID")
@click.option("--reactions", type=click.IntRange(0), help="Reactions (likes...).")
@click.option("--comments", type=click.IntRange(0), help="Comments received.")
@click.option("--reposts", type=click.IntRange(0), help="Reposts / shares.")
@click.option("--contacts", type=click.IntRange(0), help="New contacts it brought.")
@click.option("--contacts-close", type=click.IntRange(0), help="…of them, people you know well.")
@click.option("--contacts-lost", type=click.IntRange(0), help="…people you had lost touch with.")
@click.option("--contacts-target", type=click.IntRange(0), help="…people you target.")
@click.option("--conversations", type=click.IntRange(0), help="Conversations started.")
@click.option("--meetings", type=click.IntRange(0), help="Meetings obtained.")
@click.option("--note", help="A free note.")
@click.option("--minutes", type=click.IntRange(1, 24 * 60), help="Correct the time it took.")
@pass_app
def results_add(
    app: Curator,
    /,
    slot_id: str,
    note: str | None,
    minutes: int | None,
    **counts: int | None,
) -> None:
    """Enter or change the results of a published post (ID as in `curator calendar --past`).

    Only the counts given change; every change is kept with its date (`results list --json`).
    """
    from curator import results

    if note is None and minutes is None and all(v is None for v in counts.values()):
        raise click.UsageError(
            i18n.locale_language()._(
                "give at least one count (e.g. --reactions 14), --note or --minutes"
            )
        )
    post = app.record_results(slot_id, counts, note=note, minutes=minutes)
    m = post.results or results.Metrics()
    t = profile_speaker(app, post.profile)
    said = t.ngettext("{slot}: {n} result ({detail})", "{slot}: {n} results ({detail})", m.points)
    click.echo(said.format(slot=post.slot_id, n=m.points, detail=results.metrics_text(m) or "0"))


@results_group.command("list")
@click.option("--profile", metavar="NAME", help="Profile (default: the only profile).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output, with history.")
@pass_app
def results_list(app: Curator, profile: str | None, as_json: bool) -> None:
    """Published posts with the minutes they took and their results."""
    from curator import results

    chosen = choose_profile(app, profile).name
    rows = app.results_posts(chosen)
    t = profile_speaker(app, chosen)
    if as_json:
        echo_json(
            [
                results.post_json(post)
                | {
                    "history": [
                        {
                            "changed_at": c.changed_at.isoformat(),
                            "origin": c.origin,
                            "results": c.results.to_json(),
                            "minutes": c.minutes,
                            "note": c.note,
                        }
                        for c in history
                    ]
                }
                for post, history in rows
            ]
        )
        return
    if not rows:
        click.echo(t._("No published post yet: `curator slot done ID` records one."))
        return
    for post, history in rows:
        m = post.results
        figures = t._("no results")
        if m:
            figures = t.ngettext("{n} result ({detail})", "{n} results ({detail})", m.points)
            figures = figures.format(n=m.points, detail=results.metrics_text(m) or "0")
        changed = ""
        if history:
            changed = t.ngettext(", {n} change", ", {n} changes", len(history))
            changed = changed.format(n=len(history))
        click.echo(
            f"{post.published_at:%Y-%m-%d} {post.slot_id} [{post.kind.value}, "
            f"{post.minutes} min] {figures}{changed}"
        )
        if post.title:
            click.echo(f"    {post.title}")


@results_group.command("import")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--profile", metavar="NAME", help="Only this profile's posts (default: all).")
@pass_app
def results_import(app: Curator, path: Path, profile: str | None) -> None:
    """Import post metrics from a CSV or XLSX file keyed by post URL (see README, "Results")."""
    report = app.import_results(path, profile=profile)
    for line in report.lines():
        click.echo(line)


@results_group.command("advice")
@click.option("--profile", metavar="NAME", help="Profile (default: the only profile).")
@click.option("--weeks", default=12, show_default=True, type=click.IntRange(1, 52))
@click.option("--apply", "apply_n", type=click.IntRange(1), metavar="N", help="Apply advice N.")
@pass_app
def results_advice(app: Curator, profile: str | None, weeks: int, apply_n: int | None) -> None:
    """The advice alone, with its evidence; --apply N changes the schedule in feeds.yaml."""
    from curator import results

    name = choose_profile(app, profile).name
    if apply_n is None:
        report = app.results_report(name, weeks=weeks)
        for line in results.advice_lines(report):
            click.echo(line)
        return
    click.echo(app.apply_advice(name, apply_n, weeks=weeks))
