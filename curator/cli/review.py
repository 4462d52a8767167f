"""`curator review`: triage the pending items full-screen, with the keyboard alone."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from curator.cli import choose_profile, cli, complete, pass_app
from curator.errors import InvalidAction

if TYPE_CHECKING:
    from curator.app import Curator


@cli.command("review")
@click.option(
    "--profile",
    "profile_name",
    metavar="NAME",
    shell_complete=complete.profiles,
    help="The profile reviewing.",
)
@pass_app
def review_command(app: Curator, profile_name: str | None) -> None:
    """Triage the ranked pending items: approve with your comment, reject, snooze, undo.

    Keys: j/k move, enter opens the detail, a approves (e: comment in $EDITOR), x rejects
    (r: with a reason), s snoozes, o opens the link, i keeps it for your own post, u undoes,
    / filters, ? shows help, q quits. Each decision is saved as it is made. NO_COLOR is honoured.
    """
    from curator import i18n, review
    from curator.outputs.words import profile_language

    profile = choose_profile(app, profile_name)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InvalidAction(
            i18n.language(profile_language(profile))._(
                "`curator review` needs a terminal; in scripts use `curator queue list`, "
                "`queue show ID`, `queue approve ID --comment TEXT`, `queue reject ID`, "
                "`queue snooze ID --until DATE`, `queue undo` or `queue apply FILE.jsonl`"
            )
        )
    from curator.cli.review_app import ReviewApp  # Textual is imported only for this command

    final = ReviewApp(app, profile).run()
    if final is None:
        return
    t = i18n.language(final.language)
    counts = ", ".join(f"{n} {t.gettext(review.PAST[k])}" for k, n in final.decided.items() if n)
    left = t.ngettext(
        "{n} item left to review", "{n} items left to review", len(final.entries)
    ).format(n=len(final.entries))
    click.echo(left + (f"; {counts}" if counts else ""))
    if final.undo:  # decisions stand: the scorer learns from them now, not at the next run
        learned = app.learn(profile.name)
        click.echo(t._("Scores updated with your decisions: {summary}").format(summary=learned))
