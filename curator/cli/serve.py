"""`curator serve` and `curator status`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from curator import i18n
from curator.cli import CliState, cli, echo_json, pass_app

if TYPE_CHECKING:
    from curator.app import Curator
    from curator.i18n import Language


@cli.command()
@click.option("--host", help="Address to listen on [default: serve.host, 127.0.0.1].")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help="Port to listen on (0 picks a free one) [default: serve.port, 8421].",
)
@click.option(
    "--tick",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds between looks for due feeds.",
)
@click.option(
    "--allow-public-calendars",
    is_flag=True,
    help="Serve calendars on a non-loopback address even without serve.token.",
)
@pass_app
def serve(
    app: Curator, host: str | None, port: int | None, tick: float, allow_public_calendars: bool
) -> None:
    """Run the service: fetch, score and plan on time, send digests, serve calendars.

    Stops cleanly on SIGTERM or Ctrl-C. Only one service may run per database.
    """
    from curator.scheduler import Service, ServiceOptions

    state = click.get_current_context().find_object(CliState)
    _log_jobs(state.verbosity if state else 0)
    options = ServiceOptions(
        host=host or app.settings.serve.host,
        port=app.settings.serve.port if port is None else port,
        tick_seconds=tick,
        allow_public_calendars=allow_public_calendars,
    )
    service = Service(app, options)
    if service.public_without_token:
        if allow_public_calendars:
            warning = (
                f"{options.host} is not a loopback address and serve.token is not set: anyone "
                "who can reach it can read the calendars (--allow-public-calendars)"
            )
        else:
            warning = (
                f"{options.host} is not a loopback address and serve.token is not set: "
                "calendars are refused (403) until you set serve.token, or start with "
                "--allow-public-calendars"
            )
        click.echo(f"curator serve: warning: {warning}", err=True)
    service.run_until_signalled(
        on_started=lambda: click.echo(
            f"curator serve: {app.db.display_url}, listening on {service.address}", err=True
        )
    )


def _log_jobs(verbosity: int) -> None:
    """One JSON line per job run on stderr at the default level, as the README promises and
    journald collects (issue 13: without -v the service logged nothing). -q silences them."""
    service_log = logging.getLogger("curator.service")
    if verbosity < 0 or service_log.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    service_log.addHandler(handler)
    service_log.setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO)
    service_log.propagate = False


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def status(app: Curator, as_json: bool) -> None:
    """Last and next runs, failing feeds, queue size, next slots and the last digest."""
    report = app.status()
    if as_json:
        echo_json(report)
        return
    for line in status_lines(report):
        click.echo(line)


def _when(iso: str, t: Language) -> str:
    """An ISO 8601 time as people read it, in its own offset (UTC, or the profile's zone);
    `--json` keeps the exact value."""
    moment = datetime.fromisoformat(iso)
    text = t.format_datetime(moment, "EEE dd MMM y HH:mm")
    return text + (" UTC" if moment.utcoffset() == timedelta(0) else "")


def status_lines(report: dict[str, Any], t: Language | None = None) -> list[str]:
    """The report in the locale's language (a status is about every profile, issue 16)."""
    t = t or i18n.locale_language()
    _ = t.gettext
    now = _when(report["now"], t)
    lines = [_("curator status at {now} ({database})").format(now=now, database=report["database"])]
    lines += ["", _("Jobs:")]
    if not report["jobs"]:
        lines.append("  " + _("no job has run yet (start `curator serve`, or run `curator run`)"))
    for name, run in report["jobs"].items():
        error = f"{t.colon} {run['detail']['error']}" if "error" in run["detail"] else ""
        last = _("last {when}").format(when=_when(run["started_at"], t))
        lines.append(f"  {name:<28} {t.word(run['status']):<8} {last}{error}")
    failing = report["failing_feeds"]
    lines += [
        "",
        _("Feeds: {count}, failing: {failing}").format(count=report["feeds"], failing=len(failing)),
    ]
    for feed in failing:
        errors = t.ngettext("{n} error", "{n} errors", feed["errors"]).format(n=feed["errors"])
        lines.append(
            f"  {feed['name']} [{t.word(feed['status'])}, {errors}]{t.colon} {feed['last_error']}"
        )
    for name, profile in report["profiles"].items():
        waiting = t.ngettext(
            "Profile {name}: {n} item waiting in the review queue",
            "Profile {name}: {n} items waiting in the review queue",
            profile["queue"],
        )
        lines += ["", waiting.format(name=name, n=profile["queue"])]
        for slot in profile["next_slots"]:
            when = _when(slot["start"], t)
            lines.append(f"  {when}  {t.word(slot['kind']):<8} {t.word(slot['status'])}")
        if not profile["next_slots"]:
            lines.append("  " + _("no upcoming slot (check `schedule:` and run `curator plan`)"))
        digest = profile["last_digest"]
        written = profile.get("last_digest_file")
        if digest:
            error = f" ({digest['last_error']})" if digest["last_error"] else ""
            state = t.word(digest["state"])
            lines.append(
                "  "
                + _("last digest: {day} {state}").format(day=digest["day"], state=state)
                + error
            )
        if written and (not digest or written["day"] >= digest["day"]):
            lines.append(
                "  "
                + _("last digest written to file: {day}, {path} (at {when})").format(
                    day=written["day"], path=written["path"], when=_when(written["written_at"], t)
                )
            )
        if not digest and not written:
            lines.append("  " + _("no digest yet"))
    return lines
