"""`curator plan`, `curator calendar` and `curator slot ...`: the editorial plan."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any

import click

from curator.app import CalendarView, Curator
from curator.cli import cli, echo_json, pass_app
from curator.plan import WeekLog, zone
from curator.types import Item, Slot, SlotKind, SlotStatus

_STATUS_MARK = {
    SlotStatus.EMPTY: "[red]∅ empty[/red]",
    SlotStatus.PLANNED: "[yellow]✎ comment needed[/yellow]",
    SlotStatus.READY: "[green]✔ ready[/green]",
    SlotStatus.PUBLISHED: "[blue]● published[/blue]",
    SlotStatus.SKIPPED: "[dim]– skipped[/dim]",
}
EDIT_MARKER = "# Lines starting with '#' are ignored. Write your comment above."


@cli.command("plan")
@click.option("--profile", metavar="NAME", help="Only this profile (default: all).")
@pass_app
def plan_command(app: Curator, profile: str | None) -> None:
    """Re-plan the publishing calendar from approved items (also part of `curator run`)."""
    report = app.plan(profile)
    click.echo(report.summary())
    for p in report.plans:
        for note in p.notes:
            click.echo(f"  {p.profile}: {note}")
    click.echo("See it with `curator calendar`.")


@cli.command()
@click.option("--profile", metavar="NAME", help="Profile to show (default: the first one).")
@click.option("--weeks", default=2, show_default=True, type=click.IntRange(1, 52))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--past", is_flag=True, help="The results log: what was published, week by week.")
@pass_app
def calendar(app: Curator, profile: str | None, weeks: int, as_json: bool, past: bool) -> None:
    """Show the plan as a week grid, flagging relays without a comment and empty slots."""
    view = app.calendar(profile, weeks=weeks, past=past)
    tz = zone(view.profile.timezone)
    if as_json:
        if past:
            echo_json(
                {
                    "profile": view.profile.name,
                    "weeks": [_week_json(w, tz) for w in view.log],
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
        "topic": slot.topic,
        "comment": slot.comment,
        "comment_starter": slot.comment_starter,
        "empty_reason": slot.empty_reason,
        "pinned": slot.pinned,
        "minutes": slot.minutes,
        "published_at": _iso(slot.published_at, tz),
        "published_url": slot.published_url,
    }


def _week_json(week: WeekLog, tz: tzinfo) -> dict[str, Any]:
    del tz
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


_OPEN = (SlotStatus.PLANNED, SlotStatus.READY, SlotStatus.EMPTY)


def _mark(slot: Slot) -> str:
    if slot.kind is SlotKind.ORIGINAL and slot.status is SlotStatus.PLANNED:
        return "[yellow]✎ to write[/yellow]"
    return _STATUS_MARK[slot.status]


def _what(slot: Slot, items: dict[int, Item]) -> str:
    from rich.markup import escape

    if slot.kind is SlotKind.ORIGINAL:
        return f"[bold]Your post[/bold]: {escape(slot.topic or slot.empty_reason or '')}"
    item = items.get(slot.item_id) if slot.item_id is not None else None
    if item is None:
        return f"Relay: [dim]{escape(slot.empty_reason or '')}[/dim]"
    source = f" [dim]({escape(item.feed_name)})[/dim]" if item.feed_name else ""
    return "Relay: " + escape(item.title) + source


def print_calendar(view: CalendarView, *, weeks: int) -> None:
    """The week grid of a calendar view (also shown at the end of `curator demo`)."""
    _print_grid(view, zone(view.profile.timezone), weeks)


def _short(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _notes(slot: Slot) -> str:
    """The user's comment when written, else the comment starter: help, never a ready answer."""
    from rich.markup import escape

    if slot.comment:
        return f"\n[green]💬 {escape(_short(slot.comment))}[/green]"
    if slot.kind is SlotKind.RELAY and slot.comment_starter:
        lines = [escape(_short(line, 120)) for line in slot.comment_starter.splitlines()]
        return "\n[italic dim]starter:[/italic dim] " + "\n".join(
            f"[italic dim]{line}[/italic dim]" for line in lines
        )
    return ""


def _print_grid(view: CalendarView, tz: tzinfo, weeks: int) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(soft_wrap=False)
    today = view.now.astimezone(tz).date()
    schedule = view.profile.schedule
    console.print(f"[bold]{escape(view.profile.name)}[/bold] — times in {view.profile.timezone}")
    days = [today + timedelta(days=n) for n in range(7 * weeks)]
    for monday in sorted({local_week_of(d) for d in days}):
        minutes = view.week_minutes.get(monday, 0)
        budget = f" / {schedule.weekly_minutes}" if schedule.weekly_minutes else ""
        table = Table(
            title=f"Week of {monday:%a %d %b %Y} — {minutes}{budget} minutes planned",
            title_justify="left",
            expand=True,
        )
        table.add_column("day", no_wrap=True, min_width=6)
        table.add_column("time", no_wrap=True, min_width=5)
        table.add_column("status", no_wrap=True)
        table.add_column("what  [dim](slot id)[/dim]", overflow="fold", ratio=1)
        for date_ in (d for d in days if local_week_of(d) == monday):
            todays = [s for s in view.slots if s.starts_at.astimezone(tz).date() == date_]
            if not todays:
                table.add_row(f"{date_:%a %d}", "", "", "[dim]—[/dim]")
                continue
            for i, s in enumerate(todays):
                local = s.starts_at.astimezone(tz)
                mark = _mark(s) + (" 📌" if s.pinned else "")
                if s.starts_at <= view.now and s.status in _OPEN:
                    mark += " [red](missed)[/red]"
                table.add_row(
                    f"{date_:%a %d}" if i == 0 else "",
                    f"{local:%H:%M}",
                    mark,
                    f"{_what(s, view.items)}{_notes(s)}\n[dim]{s.id}[/dim]",
                )
        console.print(table)
    todo = [
        s
        for s in view.slots
        if s.starts_at > view.now and s.kind is SlotKind.RELAY and s.status is SlotStatus.PLANNED
    ]
    empty = [s for s in view.slots if s.starts_at > view.now and s.status is SlotStatus.EMPTY]
    if todo:
        console.print(
            f"[yellow]{len(todo)} relay slot(s) need your comment[/yellow]: "
            "curator slot comment ID --edit"
        )
    if empty:
        console.print(f"[red]{len(empty)} empty slot(s)[/red]: approve items in the review queue")


def _print_log(view: CalendarView, tz: tzinfo) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(soft_wrap=False)
    if not view.log:
        console.print("Nothing published yet: `curator slot done ID` records a publication.")
        return
    table = Table(title=f"Results log — {escape(view.profile.name)}", title_justify="left")
    for column in ("week of", "published", "relays", "originals", "skipped", "missed", "minutes"):
        table.add_column(column, justify="right" if column != "week of" else "left")
    for w in view.log:
        budget = f" / {w.budget}" if w.budget else ""
        rhythm = f"{w.published}/{w.planned}"
        table.add_row(
            f"{w.week:%d %b %Y}",
            rhythm,
            str(w.published_relays),
            str(w.published_originals),
            str(w.skipped),
            f"[red]{w.missed}[/red]" if w.missed else "0",
            f"{w.minutes_spent}{budget}",
        )
    console.print(table)
    published = _published(view)
    if published:
        done = Table(title="Published", title_justify="left", expand=True)
        done.add_column("when", no_wrap=True)
        done.add_column("what  [dim](where)[/dim]", overflow="fold", ratio=1)
        for s in published:
            where = f"\n[dim]{escape(s.published_url)}[/dim]" if s.published_url else ""
            done.add_row(
                f"{(s.published_at or s.starts_at).astimezone(tz):%a %d %b %H:%M}",
                _what(s, view.items) + where,
            )
        console.print(done)


@cli.group()
def slot() -> None:
    """Act on one slot of the plan (ids are shown by `curator calendar`)."""


def _show(s: Slot) -> None:
    click.echo(f"{s.id}: {s.status.value} (sequence {s.sequence})")


@slot.command("comment")
@click.argument("slot_id", metavar="ID")
@click.option("--text", "-t", help="The comment.")
@click.option("--edit", is_flag=True, help="Write it in $EDITOR, with the comment starter.")
@pass_app
def slot_comment(app: Curator, slot_id: str, text: str | None, edit: bool) -> None:
    """Write your comment for a slot: a relay slot is ready once it is written."""
    if (text is None) == (not edit):
        raise click.UsageError("give exactly one of --text or --edit")
    if edit:
        current = app.get_slot(slot_id)
        text = _edit(current)
        if text is None:
            raise click.ClickException("no comment written: the slot is unchanged")
    assert text is not None
    _show(app.comment_slot(slot_id, text))


def _edit(current: Slot) -> str | None:
    hints = [EDIT_MARKER]
    if current.topic:
        hints.append(f"# Topic: {current.topic}")
    for line in (current.comment_starter or "").splitlines():
        hints.append(f"# {line}")
    template = (current.comment or "") + "\n\n" + "\n".join(hints) + "\n"
    edited = click.edit(template, extension=".md")
    if edited is None:
        return None
    kept = [line for line in edited.splitlines() if not line.startswith("#")]
    return "\n".join(kept).strip() or None


@slot.command("pin")
@click.argument("slot_id", metavar="ID")
@click.option("--off", is_flag=True, help="Unpin instead.")
@pass_app
def slot_pin(app: Curator, slot_id: str, off: bool) -> None:
    """Pin a slot: re-planning never moves or refills it."""
    _show(app.pin_slot(slot_id, pinned=not off))


@slot.command("done")
@click.argument("slot_id", metavar="ID")
@click.option("--url", metavar="URL", help="Where it was published.")
@pass_app
def slot_done(app: Curator, slot_id: str, url: str | None) -> None:
    """Record that a slot was published now (and where): it feeds `calendar --past`."""
    _show(app.slot_done(slot_id, url=url))


@slot.command("skip")
@click.argument("slot_id", metavar="ID")
@pass_app
def slot_skip(app: Curator, slot_id: str) -> None:
    """Skip a slot; its item moves to the next free slot that fits."""
    _show(app.skip_slot(slot_id))
