"""`curator plan`, `curator calendar` and `curator slot ...`: the editorial plan."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

import click

from curator import i18n
from curator.cli import choose_profile, cli, complete, echo_json, pass_app
from curator.i18n import N_

if TYPE_CHECKING:
    from curator.app import CalendarView, Curator, PlanReport
    from curator.outputs.words import GridWords
    from curator.plan import WeekLog
    from curator.types import Item, Slot

# By SlotStatus value: the types are imported by the commands that run, not at start-up.
_STATUS_MARK = {
    "empty": "[red]∅ {w.empty}[/red]",
    "planned": "[yellow]✎ {w.comment_needed}[/yellow]",
    "ready": "[green]✔ {w.ready}[/green]",
    "published": "[blue]● {w.published}[/blue]",
    "skipped": "[dim]– {w.skipped}[/dim]",
}
EDIT_MARKER = N_("# Lines starting with '#' are ignored. Write your comment above.")


@cli.command("plan")
@click.option(
    "--profile",
    metavar="NAME",
    shell_complete=complete.profiles,
    help="Only this profile (default: all).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def plan_command(app: Curator, profile: str | None, as_json: bool) -> None:
    """Re-plan the publishing calendar from approved items (also part of `curator run`)."""
    report = app.plan(profile)
    if as_json:
        from curator.plan import needs_comment, zone

        profiles = []
        for p in report.plans:
            tz = zone(app.settings.profile(p.profile).timezone)
            upcoming = p.upcoming(report.now) if report.now else p.slots
            profiles.append(
                {
                    "profile": p.profile,
                    "created": p.created,
                    "updated": p.updated,
                    "removed": p.removed,
                    "need_comment": sum(1 for s in upcoming if needs_comment(s)),
                    "empty": sum(1 for s in upcoming if s.status.value == "empty"),
                    "notes": p.notes,
                    "upcoming": [_slot_json(s, {}, tz) for s in upcoming],
                }
            )
        echo_json({"profiles": profiles})
        return
    for line in _plan_lines(app, report):
        click.echo(line)


def _plan_lines(app: Curator, report: PlanReport) -> list[str]:
    """What planning did, each profile in its own language (issue 16); the closing hint in the
    last profile's (the locale's without any)."""
    from curator.outputs.words import profile_language
    from curator.plan import needs_comment

    t = i18n.locale_language()
    lines = []
    for p in report.plans:
        t = i18n.language(profile_language(app.settings.profile(p.profile)))
        upcoming = p.upcoming(report.now) if report.now else p.slots
        summary = t.ngettext(
            "{profile}: {n} upcoming slot ({created} new, {updated} changed, {removed} removed), "
            "{todo} need a comment, {empty} empty",
            "{profile}: {n} upcoming slots ({created} new, {updated} changed, {removed} removed), "
            "{todo} need a comment, {empty} empty",
            len(upcoming),
        )
        lines.append(
            summary.format(
                profile=p.profile,
                n=len(upcoming),
                created=p.created,
                updated=p.updated,
                removed=p.removed,
                todo=sum(1 for s in upcoming if needs_comment(s)),
                empty=sum(1 for s in upcoming if s.status.value == "empty"),
            )
        )
        lines += [f"  {p.profile}{t.colon} {t.say(note)}" for note in p.notes]
    if not report.plans:
        lines.append(t._("no profile to plan"))
    lines.append(t._("See it with `curator calendar`."))
    return lines


@cli.command()
@click.option(
    "--profile",
    metavar="NAME",
    shell_complete=complete.profiles,
    help="Profile to show (default: the only profile).",
)
@click.option("--weeks", default=2, show_default=True, type=click.IntRange(1, 52))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--past", is_flag=True, help="The results log: what was published, week by week.")
@pass_app
def calendar(app: Curator, profile: str | None, weeks: int, as_json: bool, past: bool) -> None:
    """Show the plan as a week grid, flagging relays without a comment and empty slots."""
    from curator.plan import zone

    view = app.calendar(choose_profile(app, profile).name, weeks=weeks, past=past)
    tz = zone(view.profile.timezone)
    if as_json:
        if past:
            echo_json(
                {
                    "profile": view.profile.name,
                    "weeks": [_week_json(w) for w in view.log],
                    "published": [_slot_json(s, view.items, tz) for s in _published(view)],
                }
            )
        else:
            echo_json([_slot_json(s, view.items, tz) for s in view.slots])
        return
    if past:
        _print_log(view, tz)
    else:
        _print_grid(view, tz, weeks)


def local_week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _iso(moment: datetime | None, tz: tzinfo) -> str | None:
    return moment.astimezone(tz).isoformat() if moment is not None else None


def _slot_json(slot: Slot, items: dict[int, Item], tz: tzinfo) -> dict[str, Any]:
    from curator.plan import empty_reason_code

    item = items.get(slot.item_id) if slot.item_id is not None else None
    return {
        "id": slot.id,
        "start": _iso(slot.starts_at, tz),
        "end": _iso(slot.starts_at + timedelta(minutes=slot.minutes), tz),
        "kind": slot.kind.value,
        "status": slot.status.value,
        "sequence": slot.sequence,
        "item": (
            {"id": item.id, "title": item.title, "url": item.url, "feed": item.feed_name}
            if item is not None
            else None
        ),
        "item_id": slot.item_id,
        "topic": slot.topic,
        "comment": slot.comment,
        "comment_starter": slot.comment_starter,
        # A code for scripts, and the text beside it in the profile's language (issue 16).
        "empty_reason": empty_reason_code(slot.empty_reason),
        "empty_reason_text": slot.empty_reason,
        "pinned": slot.pinned,
        "minutes": slot.minutes,
        "published_at": _iso(slot.published_at, tz),
        "published_url": slot.published_url,
        **_publishing(slot, item),
    }


def _publishing(slot: Slot, item: Item | None) -> dict[str, str | None]:
    """What it takes to publish a relay by hand (issue 16): the text to paste (comment, blank
    line, link) once the comment is written, and LinkedIn's share dialog for the link."""
    from curator.outputs.share import paste_block, share_url

    open_relay = slot.kind.value == "relay" and slot.status.value in ("planned", "ready")
    url = item.url if item is not None and open_relay else None
    ready = slot.status.value == "ready"
    return {
        "share_url": share_url(url) if url else None,
        "paste": paste_block(slot.comment, url) if ready else None,
    }


def _week_json(week: WeekLog) -> dict[str, Any]:
    return {
        "week": week.week.isoformat(),
        "planned": week.planned,
        "published": week.published,
        "published_relays": week.published_relays,
        "published_originals": week.published_originals,
        "skipped": week.skipped,
        "missed": week.missed,
        "minutes_spent": week.minutes_spent,
        "budget_minutes": week.budget,
    }


def _published(view: CalendarView) -> list[Slot]:
    return [s for w in view.log for s in w.published_slots]


_OPEN = ("planned", "ready", "empty")


def _mark(slot: Slot, w: GridWords) -> str:
    if slot.kind.value == "original" and slot.status.value == "planned":
        return f"[yellow]✎ {w.to_write}[/yellow]"
    return _STATUS_MARK[slot.status.value].format(w=w)


def _what(slot: Slot, items: dict[int, Item], w: GridWords) -> str:
    from rich.markup import escape

    if slot.kind.value == "original":
        topic = escape(slot.topic or slot.empty_reason or "")
        return f"[bold]{w.your_post}[/bold]{w.colon} {topic}"
    item = items.get(slot.item_id) if slot.item_id is not None else None
    if item is None:
        return f"{w.relay}{w.colon} [dim]{escape(slot.empty_reason or '')}[/dim]"
    source = f" [dim]({escape(item.feed_name)})[/dim]" if item.feed_name else ""
    # Only once ready: before that the next step is the comment, and the link is long.
    share = _publishing(slot, item)["share_url"] if slot.status.value == "ready" else None
    link = f"\n[dim]{w.share}{w.colon} {escape(share)}[/dim]" if share else ""
    return f"{w.relay}{w.colon} " + escape(item.title) + source + link


def print_calendar(view: CalendarView, *, weeks: int) -> None:
    """The week grid of a calendar view (also shown at the end of `curator demo`)."""
    from curator.plan import zone

    _print_grid(view, zone(view.profile.timezone), weeks)


def _count(n: int, one: str, many: str) -> str:
    return (one if n == 1 else many).format(n=n)


def _notes(slot: Slot, w: GridWords) -> str:
    """The user's comment when written, else the comment starter: help, never a ready answer."""
    from rich.markup import escape

    from curator.outputs.words import one_line, shorten

    if slot.comment:
        return f"\n[green]💬 {escape(shorten(one_line(slot.comment), 160))}[/green]"
    if slot.kind.value == "relay" and slot.comment_starter:
        lines = [escape(shorten(one_line(line), 120)) for line in slot.comment_starter.splitlines()]
        return f"\n[italic dim]{w.starter}{w.colon}[/italic dim] " + "\n".join(
            f"[italic dim]{line}[/italic dim]" for line in lines
        )
    return ""


def _print_grid(view: CalendarView, tz: tzinfo, weeks: int) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from curator.outputs.words import grid_words
    from curator.plan import needs_comment

    console = Console(soft_wrap=False)
    w = grid_words(view.profile)
    today = view.now.astimezone(tz).date()
    schedule = view.profile.schedule
    where = w.zone.format(zone=view.profile.timezone)
    console.print(f"[bold]{escape(view.profile.name)}[/bold] — {where}")
    days = [today + timedelta(days=n) for n in range(7 * weeks)]
    for monday in sorted({local_week_of(d) for d in days}):
        minutes = view.week_minutes.get(monday, 0)
        budget = f" / {schedule.weekly_minutes}" if schedule.weekly_minutes else ""
        table = Table(
            title=w.week.format(monday=w.date_long(monday), minutes=minutes, budget=budget),
            title_justify="left",
            expand=True,
        )
        table.add_column(w.day, no_wrap=True, min_width=6)
        table.add_column(w.time, no_wrap=True, min_width=5)
        table.add_column(w.status, no_wrap=True)
        table.add_column(f"{w.what}  [dim]({w.slot_id})[/dim]", overflow="fold", ratio=1)
        for date_ in (d for d in days if local_week_of(d) == monday):
            todays = [s for s in view.slots if s.starts_at.astimezone(tz).date() == date_]
            if not todays:
                table.add_row(w.day_short(date_), "", "", "[dim]—[/dim]")
                continue
            for i, s in enumerate(todays):
                local = s.starts_at.astimezone(tz)
                mark = _mark(s, w) + (" 📌" if s.pinned else "")
                if s.starts_at <= view.now and s.status.value in _OPEN:
                    mark += f" [red]({w.missed})[/red]"
                table.add_row(
                    w.day_short(date_) if i == 0 else "",
                    f"{local:%H:%M}",
                    mark,
                    f"{_what(s, view.items, w)}{_notes(s, w)}\n[dim]{s.id}[/dim]",
                )
        console.print(table)
    todo = [s for s in view.slots if s.starts_at > view.now and needs_comment(s)]
    empty = [s for s in view.slots if s.starts_at > view.now and s.status.value == "empty"]
    if todo:
        need = _count(len(todo), w.need_comment_one, w.need_comment_many)
        console.print(f"[yellow]{need}[/yellow]{w.colon} curator slot comment ID --edit")
    if empty:
        holes = _count(len(empty), w.empty_one, w.empty_many)
        console.print(f"[red]{holes}[/red]{w.colon} {w.approve_hint}")


def _print_log(view: CalendarView, tz: tzinfo) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from curator.outputs.words import grid_words

    console = Console(soft_wrap=False)
    w = grid_words(view.profile)
    if not view.log:
        console.print(w.nothing_published)
        return
    title = w.log_title.format(profile=escape(view.profile.name))
    table = Table(title=title, title_justify="left")
    for n, column in enumerate(w.log_columns):
        table.add_column(column, justify="left" if n == 0 else "right")
    for week in view.log:
        budget = f" / {week.budget}" if week.budget else ""
        rhythm = f"{week.published}/{week.planned}"
        table.add_row(
            w.date_short(week.week),
            rhythm,
            str(week.published_relays),
            str(week.published_originals),
            str(week.skipped),
            f"[red]{week.missed}[/red]" if week.missed else "0",
            f"{week.minutes_spent}{budget}",
        )
    console.print(table)
    published = _published(view)
    if published:
        done = Table(title=w.published_title, title_justify="left", expand=True)
        done.add_column(w.when, no_wrap=True)
        done.add_column(f"{w.what}  [dim]({w.where})[/dim]", overflow="fold", ratio=1)
        for s in published:
            where = f"\n[dim]{escape(s.published_url)}[/dim]" if s.published_url else ""
            done.add_row(
                w.moment((s.published_at or s.starts_at).astimezone(tz)),
                _what(s, view.items, w) + where,
            )
        console.print(done)


@cli.group()
def slot() -> None:
    """Act on one slot of the plan (ids are shown by `curator calendar`)."""


def _speaker(app: Curator, profile: str) -> i18n.Language:
    """The profile's language (issue 16)."""
    from curator.outputs.words import profile_language

    return i18n.language(profile_language(app.settings.profile(profile)))


def _show(app: Curator, s: Slot) -> None:
    t = _speaker(app, s.profile)
    line = t._("{slot}: {status} (sequence {sequence})")
    click.echo(line.format(slot=s.id, status=t.word(s.status.value), sequence=s.sequence))


@slot.command("show")
@click.argument("slot_id", metavar="ID", shell_complete=complete.slots)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def slot_show(app: Curator, slot_id: str, as_json: bool) -> None:
    """One slot in full: when, what, your comment, and the text to paste with the share link."""
    from curator.outputs.words import grid_words, one_line
    from curator.plan import zone

    s, item, profile = app.slot_detail(slot_id)
    tz = zone(profile.timezone)
    if as_json:
        echo_json(_slot_json(s, {item.id: item} if item is not None else {}, tz))
        return
    w = grid_words(profile)
    status = {"planned": w.to_write if s.kind.value == "original" else w.comment_needed}.get(
        s.status.value, getattr(w, s.status.value, s.status.value)
    )
    where = w.zone.format(zone=profile.timezone)
    lines = [
        f"{s.id}  {w.moment(s.starts_at.astimezone(tz))} ({where})",
        f"{w.status}{w.colon} {status}",
    ]
    if s.kind.value == "original":
        lines.append(f"{w.your_post}{w.colon} {one_line(s.topic or s.empty_reason or '')}")
    elif item is not None:
        source = f" ({one_line(item.feed_name)})" if item.feed_name else ""
        lines += [
            f"{w.relay}{w.colon} {one_line(item.title)}{source}",
            f"{w.link}{w.colon} {item.url}",
        ]
    elif s.empty_reason:
        lines.append(f"{w.relay}{w.colon} {w.empty} ({one_line(s.empty_reason)})")
    publishing = _publishing(s, item)
    if publishing["paste"]:
        lines += ["", f"{w.paste}{w.colon}", publishing["paste"]]
    elif s.comment:
        lines += ["", f"{w.your_comment}{w.colon}", s.comment]
    elif s.comment_starter:
        lines += ["", f"{w.starter}{w.colon}", s.comment_starter]
    if publishing["share_url"]:
        lines += ["", f"{w.share}{w.colon} {publishing['share_url']}"]
    for line in lines:
        click.echo(line)


@slot.command("comment")
@click.argument("slot_id", metavar="ID", shell_complete=complete.slots)
@click.option("--text", "-t", help="The comment.")
@click.option("--edit", is_flag=True, help="Write it in $EDITOR, with the comment starter.")
@pass_app
def slot_comment(app: Curator, slot_id: str, text: str | None, edit: bool) -> None:
    """Write your comment for a slot: a relay slot is ready once it is written."""
    if (text is None) == (not edit):
        raise click.UsageError(i18n.locale_language()._("give exactly one of --text or --edit"))
    if edit:
        current = app.get_slot(slot_id)
        text = _edit(current, _speaker(app, current.profile))
        if text is None:
            t = _speaker(app, current.profile)
            raise click.ClickException(t._("no comment written: the slot is unchanged"))
    assert text is not None
    _show(app, app.comment_slot(slot_id, text))


def _edit(current: Slot, t: i18n.Language) -> str | None:
    hints = [t.gettext(EDIT_MARKER)]
    if current.topic:
        hints.append("# " + t._("Topic: {topic}").format(topic=current.topic))
    for line in (current.comment_starter or "").splitlines():
        hints.append(f"# {line}")
    template = (current.comment or "") + "\n\n" + "\n".join(hints) + "\n"
    edited = click.edit(template, extension=".md")
    if edited is None:
        return None
    kept = [line for line in edited.splitlines() if not line.startswith("#")]
    return "\n".join(kept).strip() or None


@slot.command("pin")
@click.argument("slot_id", metavar="ID", shell_complete=complete.slots)
@click.option("--off", is_flag=True, help="Unpin instead.")
@pass_app
def slot_pin(app: Curator, slot_id: str, off: bool) -> None:
    """Pin a slot: re-planning never moves or refills it."""
    _show(app, app.pin_slot(slot_id, pinned=not off))


@slot.command("done")
@click.argument("slot_id", metavar="ID", shell_complete=complete.slots)
@click.option("--url", metavar="URL", help="Where it was published.")
@click.option(
    "--minutes",
    type=click.IntRange(1, 24 * 60),
    help="The time it took [default: the slot's estimate].",
)
@click.option("--force", is_flag=True, help="Record a relay without comment, or an empty slot.")
@pass_app
def slot_done(
    app: Curator, slot_id: str, url: str | None, minutes: int | None, force: bool
) -> None:
    """Record that a slot was published now (where, and the time it took): it feeds
    `calendar --past` and `curator results`."""
    _show(app, app.slot_done(slot_id, url=url, minutes=minutes, force=force))


@slot.command("skip")
@click.argument("slot_id", metavar="ID", shell_complete=complete.slots)
@pass_app
def slot_skip(app: Curator, slot_id: str) -> None:
    """Skip a slot; its item moves to the next free slot that fits."""
    _show(app, app.skip_slot(slot_id))
