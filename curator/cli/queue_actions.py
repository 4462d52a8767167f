"""`curator queue show|approve|reject|snooze|undo|apply`: the review decisions, scriptable.

Each command resolves the profile, calls one facade method and prints what it did; the rules
(only pending items, a snooze date in the future, the re-plan) live in `Curator`, shared with
the `curator review` screen.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from curator import i18n
from curator.cli import choose_profile, complete, echo_json, pass_app
from curator.cli.queue import queue
from curator.errors import InvalidAction

if TYPE_CHECKING:
    from curator.app import Curator
    from curator.review import LineResult

profile_option = click.option(
    "--profile",
    "profile_name",
    metavar="NAME",
    shell_complete=complete.profiles,
    help="The profile deciding [default: the only profile].",
)


def _tz(app: Curator, profile: str) -> str:
    return app.settings.profile(profile).timezone


def _lang(app: Curator, profile: str) -> str:
    """The profile's language: every line these commands print speaks it (issue 16)."""
    from curator.outputs.words import profile_language

    return profile_language(app.settings.profile(profile))


@queue.command("show")
@click.argument("item_id", type=int)
@profile_option
@click.option(
    "--starter",
    is_flag=True,
    help="A sharper comment starter (the scorer picks the key sentences): loads it, ~1 s.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def show(
    app: Curator, item_id: int, profile_name: str | None, starter: bool, as_json: bool
) -> None:
    """Show one item: source, date, score and its reasons, text, duplicates, decision."""
    from curator import review

    profile = choose_profile(app, profile_name).name
    entry, current = app.review_item(profile, item_id, starter=starter)
    if as_json:
        echo_json(asdict(entry) | {"decision": asdict(current) if current else None})
        return
    language = _lang(app, profile)
    t = i18n.language(language)
    for line in review.detail_lines(entry, _tz(app, profile), language=language):
        click.echo(line)
    decision = review.decision_text(current, _tz(app, profile), language)
    label = t._("Decision") + t.colon
    click.echo(label.ljust(11) + decision)
    if not starter:
        click.echo(
            t._("A sharper comment starter: curator queue show {id} --starter").format(id=item_id)
        )


@queue.command("approve")
@click.argument("item_id", type=int)
@profile_option
@click.option("--comment", metavar="TEXT", help="Your comment, posted with the relay.")
@click.option(
    "--comment-file",
    type=click.File("r", encoding="utf-8"),
    help="Read the comment from a file ('-' for standard input).",
)
@pass_app
def approve(
    app: Curator,
    item_id: int,
    profile_name: str | None,
    comment: str | None,
    comment_file: Any,
) -> None:
    """Approve an item for the plan, with your comment.

    Without a comment the item is still planned, but its slot stays "planned" (not "ready")
    until a comment of at least `schedule.min_comment_chars` characters is written.
    """
    if comment is not None and comment_file is not None:
        raise click.UsageError(
            i18n.locale_language()._("give --comment or --comment-file, not both")
        )
    if comment_file is not None:
        comment = comment_file.read()
    from curator import review

    profile = choose_profile(app, profile_name).name
    outcome = app.approve(profile, item_id, comment)
    click.echo(review.describe(outcome, _tz(app, profile), _lang(app, profile)))


@queue.command("reject")
@click.argument("item_id", type=int)
@profile_option
@click.option("--reason", metavar="TEXT", help="Why (kept in the history).")
@pass_app
def reject(app: Curator, item_id: int, profile_name: str | None, reason: str | None) -> None:
    """Reject an item: it leaves the queue and teaches the scorer what you skip."""
    from curator import review

    profile = choose_profile(app, profile_name).name
    outcome = app.reject(profile, item_id, reason)
    click.echo(review.describe(outcome, _tz(app, profile), _lang(app, profile)))


@queue.command("snooze")
@click.argument("item_id", type=int)
@profile_option
@click.option(
    "--until",
    "until_text",
    required=True,
    metavar="DATE",
    help="When it comes back, in French or English: 2026-12-24, '2026-12-24 09:00', 24/12, "
    "'24 déc.', +3d, 2w, +12h, tomorrow, friday, 'next monday', 'dans 3 jours'.",
)
@pass_app
def snooze(app: Curator, item_id: int, profile_name: str | None, until_text: str) -> None:
    """Put an item aside until a date (in the profile's time zone)."""
    from curator import review

    profile = choose_profile(app, profile_name).name
    language = _lang(app, profile)
    until = review.parse_until(until_text, app.now(), _tz(app, profile), language)
    outcome = app.snooze(profile, item_id, until)
    click.echo(review.describe(outcome, _tz(app, profile), language))


@queue.command("undo")
@click.argument("item_id", type=int, required=False)
@profile_option
@pass_app
def undo(app: Curator, item_id: int | None, profile_name: str | None) -> None:
    """Take back your most recent decision (approve, reject or snooze), or with ITEM_ID your
    latest decision on that item, however old."""
    from curator import review

    profile = choose_profile(app, profile_name).name
    undone = app.undo_decision(profile, item_id=item_id, only_if_last=False)
    language = _lang(app, profile)
    t = i18n.language(language)
    if undone is None:
        if item_id is not None:
            raise InvalidAction(
                t._("no decision on item {id} to undo for {profile}").format(
                    id=item_id, profile=profile
                )
            )
        raise InvalidAction(t._("no decision to undo for {profile}").format(profile=profile))
    what = review.decision_text(undone, _tz(app, profile), language)
    click.echo(t._("undone: {decision} of #{id}").format(decision=what, id=undone.item_id))


@queue.command("apply")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@profile_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output, line by line.")
@pass_app
def apply(app: Curator, file: Path, profile_name: str | None, as_json: bool) -> None:
    """Apply decisions from a JSON Lines file ('-' for standard input), one per line:

    \b
    {"id": 12, "action": "approve", "comment": "Mon avis : ..."}
    {"id": 13, "action": "reject", "reason": "hors sujet"}
    {"id": 14, "action": "snooze", "until": "+3d"}

    Every line is applied on its own and reported with its line number; a broken line does not
    stop the others. The exit code is 1 when any line failed.
    """
    from curator import review

    profile = choose_profile(app, profile_name).name
    language = _lang(app, profile)
    t = i18n.language(language)
    if str(file) == "-":
        text = sys.stdin.read()
    else:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InvalidAction(
                t._("cannot read {file}: {error}").format(file=file, error=e)
            ) from e
    results = app.apply_decisions(profile, text.splitlines())
    failed = sum(1 for r in results if r.outcome is None)
    if as_json:
        echo_json(
            {
                "applied": len(results) - failed,
                "failed": failed,
                "lines": [_line_json(r, _tz(app, profile), language) for r in results],
            }
        )
        if failed:
            click.get_current_context().exit(1)
        return
    failed = 0
    for result in results:
        if result.outcome is not None:
            described = review.describe(result.outcome, _tz(app, profile), language)
            click.echo(t._("line {line}: {what}").format(line=result.line, what=described))
        else:
            failed += 1
            click.echo(t.say(result.error or ""), err=True)
    summary = t._("{applied} applied, {failed} failed")
    click.echo(summary.format(applied=len(results) - failed, failed=failed), err=failed > 0)
    if failed:
        click.get_current_context().exit(1)


def _line_json(result: LineResult, timezone: str, language: str = "en") -> dict[str, Any]:
    from curator import review
    from curator.i18n import language as speak

    if result.outcome is None:
        # the English error, and its text in the profile's language beside it (issue 16)
        error = result.error or ""
        return {
            "line": result.line,
            "ok": False,
            "error": error,
            "text": speak(language).say(error),
        }
    d, slot = result.outcome.decision, result.outcome.slot
    return {
        "line": result.line,
        "ok": True,
        "id": d.item_id,
        "action": d.kind.value,
        "message": review.describe(result.outcome, timezone, language),
        "slot": (
            {"id": slot.id, "start": slot.starts_at.isoformat(), "status": slot.status.value}
            if slot is not None
            else None
        ),
        "notes": list(result.outcome.notes),
    }
