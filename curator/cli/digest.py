"""`curator digest`: show, write or send the daily digest email."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from curator import i18n
from curator.cli import cli, complete, pass_app
from curator.i18n import N_

if TYPE_CHECKING:
    from curator.app import Curator
    from curator.outputs.outbox import DigestOutcome
    from curator.types import Digest


@cli.command()
@click.option(
    "--profile",
    metavar="NAME",
    shell_complete=complete.profiles,
    help="Only this profile (default: every profile).",
)
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The digest of this local date, YYYY-MM-DD (default: today in the profile's zone).",
)
@click.option("--dry-run", is_flag=True, help="Print it; send and record nothing.")
@click.option(
    "--to-file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.eml",
    help="Write the message to a .eml file (one per profile when there are several).",
)
@click.option("--send", is_flag=True, help="Send it through the smtp: settings.")
@click.option(
    "--force",
    is_flag=True,
    help="With --send: send again even if already sent or in doubt (same Message-ID).",
)
@click.option("--status", is_flag=True, help="Show the outbox: what was sent, what failed.")
@click.option("--json", "as_json", is_flag=True, help="With --status: machine-readable output.")
@pass_app
def digest(
    app: Curator,
    profile: str | None,
    day: datetime | None,
    dry_run: bool,
    path: Path | None,
    send: bool,
    force: bool,
    status: bool,
    as_json: bool,
) -> None:
    """The daily digest email: new items worth your time and the slots of the next 3 days.

    Exactly one of --dry-run, --to-file, --send or --status. A digest is sent at most once per
    profile and date; a send interrupted mid-way is reported as "in doubt" and only resent
    with --force.
    """
    chosen = [
        mode
        for mode, wanted in (
            ("dry-run", dry_run),
            ("file", path is not None),
            ("send", send),
            ("status", status),
        )
        if wanted
    ]
    if len(chosen) != 1:
        raise click.UsageError(
            i18n.locale_language()._(
                "choose exactly one of --dry-run, --to-file FILE, --send, --status"
            )
        )
    mode = chosen[0]
    if force and mode != "send":
        raise click.UsageError(i18n.locale_language()._("--force only applies to --send"))
    if as_json and mode != "status":
        raise click.UsageError(i18n.locale_language()._("--json only applies to --status"))
    if mode == "status":
        _status(app, profile, as_json)
        return
    the_day = day.date() if day is not None else None  # click hands a datetime
    report = app.digest(profile, the_day, mode, path, force=force)
    for outcome in report.outcomes:
        _show(outcome, _speaker(app, outcome.profile))
    if not report.ok:
        raise click.exceptions.Exit(1)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _digest_json(d: Digest) -> dict[str, Any]:
    return {
        "profile": d.profile,
        "day": d.day.isoformat(),
        "state": d.state.value,
        "message_id": d.message_id,
        "attempts": d.attempts,
        "items": len(d.item_ids),
        "item_ids": list(d.item_ids),
        "sent_at": _iso(d.sent_at),
        "last_error": d.last_error,
        "next_attempt_at": _iso(d.next_attempt_at),
    }


def _speaker(app: Curator, profile: str) -> i18n.Language:
    """The profile's language (issue 16)."""
    from curator.outputs.words import profile_language

    return i18n.language(profile_language(app.settings.profile(profile)))


# The outcomes `curator digest` reports, as msgids (the code stays in --json).
_OUTCOMES = (
    N_("sent"), N_("written"), N_("retry-later"), N_("failed"), N_("skipped"), N_("busy"),
    N_("already-sent"), N_("in-doubt"), N_("empty"), N_("dry-run"),
)  # fmt: skip


def _show(o: DigestOutcome, t: i18n.Language) -> None:
    from curator.outputs.words import explain_digest_error

    if o.text is not None:
        click.echo(o.text)
        return
    line = f"{o.profile} {o.day.isoformat()}{t.colon} {t.gettext(o.outcome)}"
    if o.outcome in ("sent", "written", "retry-later", "failed"):
        counts = t._("{items} items, {alerts} slot alerts").format(items=o.items, alerts=o.alerts)
        line += f" ({counts}, {o.message_id})"
    if o.path:
        line += f" -> {o.path}"
    if o.next_attempt_at and o.outcome == "retry-later":
        when = f"{o.next_attempt_at:%Y-%m-%d %H:%M} UTC"
        line += "; " + t._("next attempt after {when}").format(when=when)
    click.echo(line, err=not o.ok)
    if o.detail:
        click.echo(f"  {explain_digest_error(t.say(o.detail), t.code)}", err=not o.ok)


def _status(app: Curator, profile: str | None, as_json: bool) -> None:
    rows = app.digest_status(profile)
    if as_json:
        from curator.cli import echo_json

        echo_json([_digest_json(d) for d in rows])
        return
    if not rows:
        t = _speaker(app, profile) if profile else i18n.locale_language()
        click.echo(t._("No digest recorded yet."))
        return
    for d in rows:
        t = _speaker(app, d.profile)
        when = ""
        if d.sent_at:
            when = " " + t._("at {when}").format(when=f"{d.sent_at:%Y-%m-%d %H:%M} UTC")
        attempts = t.ngettext("{n} attempt", "{n} attempts", d.attempts).format(n=d.attempts)
        items = t.ngettext("{n} item", "{n} items", len(d.item_ids)).format(n=len(d.item_ids))
        click.echo(
            f"{d.day.isoformat()} {d.profile}{t.colon} {t.word(d.state.value)}{when}, "
            f"{attempts}, {items}"
        )
        if d.last_error:
            from curator.outputs.words import explain_digest_error

            error = explain_digest_error(d.last_error, t.code)
            click.echo("  " + t._("last error: {error}").format(error=error))
        if d.next_attempt_at:
            when = f"{d.next_attempt_at:%Y-%m-%d %H:%M} UTC"
            click.echo("  " + t._("next attempt after {when}").format(when=when))
