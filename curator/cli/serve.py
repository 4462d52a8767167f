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
    from curator.cli.relay import Listener
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
@click.option("--open", "open_browser", is_flag=True, help="Open the web workspace in a browser.")
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=0,
    show_default=True,
    help="PostgreSQL: run the jobs in this many `curator worker` processes (0: in the service).",
)
@pass_app
def serve(
    app: Curator,
    host: str | None,
    port: int | None,
    tick: float,
    allow_public_calendars: bool,
    open_browser: bool,
    workers: int,
) -> None:
    """Run the service: fetch, score and plan on time, send digests, serve calendars and the
    web workspace.

    Stops cleanly on SIGTERM or Ctrl-C. Only one service may run per database. With
    --workers N (PostgreSQL) the jobs run in N worker processes instead, and `curator worker`
    adds more on other machines.
    """
    from curator.outputs.ics_http import is_loopback
    from curator.scheduler import Service, ServiceOptions
    from curator.web.app import create_app

    state = click.get_current_context().find_object(CliState)
    _log_jobs(state.verbosity if state else 0)
    options = ServiceOptions(
        host=host or app.settings.serve.host,
        port=app.settings.serve.port if port is None else port,
        tick_seconds=tick,
        allow_public_calendars=allow_public_calendars,
        # Each job in a process of its own, which gives back what the job built (issue 19); it
        # comes from a fork server, not from this threaded process (curator.job_process).
        isolate_jobs=True,
        jobs=workers == 0,
    )
    pool = _worker_pool(app, workers, tick) if workers else None
    # Beyond loopback every page asks for serve.token first (issue 14); without a token the
    # pages are not served there at all, only /healthz and (with the flag) the calendars.
    public = not is_loopback(options.host)
    token = app.settings.serve.token
    service = Service(
        app,
        options,
        web=None
        if public and not token
        else lambda routes: create_app(app, routes=routes, require_login=public),
    )
    # serve is about every profile: the locale's language (issue 16)
    t = i18n.locale_language()
    if service.public_without_token:
        if allow_public_calendars:
            warning = t._(
                "{host} is not a loopback address and serve.token is not set: anyone "
                "who can reach it can read the calendars (--allow-public-calendars)"
            ).format(host=options.host)
        else:
            warning = t._(
                "{host} is not a loopback address and serve.token is not set: "
                "calendars are refused (403) until you set serve.token, or start with "
                "--allow-public-calendars"
            ).format(host=options.host)
        click.echo(t._("curator serve: warning: {warning}").format(warning=warning), err=True)
    if public and not token:
        warning = t._(
            "the web workspace is not served on {host} "
            "without serve.token (it would be open to anyone who can reach it)"
        ).format(host=options.host)
        click.echo(t._("curator serve: warning: {warning}").format(warning=warning), err=True)

    relay_listener: Listener | None = None

    def started() -> None:
        nonlocal relay_listener
        # The socket first: once the service says it listens, a command started beside it
        # finds it (a script, or a test, waits for that line).
        if state is not None:
            relay_listener = _relay_listener(app, state)
        said = t._("curator serve: {database}, listening on {address}")
        click.echo(said.format(database=app.db.display_url, address=service.address), err=True)
        if pool is not None:
            pool.start()
        if open_browser:
            import webbrowser

            webbrowser.open(service.address.replace("://0.0.0.0:", "://127.0.0.1:") + "/")

    def stopping() -> None:
        # Before the service lets go of its facade and its lock: a command sent from now on
        # finds no socket and runs on its own.
        if relay_listener is not None:
            relay_listener.close()

    try:
        service.run_until_signalled(on_started=started, on_stopping=stopping)
    finally:
        if pool is not None:
            pool.stop()


def _relay_listener(app: Curator, state: CliState) -> Listener | None:
    """Answer the quick commands started beside this service (curator.cli.relay), with its
    facade; None when the socket cannot be made (they then run in their own process)."""
    from curator.cli import main, relay

    if not relay.enabled():
        return None

    def declines() -> str | None:
        """A command on its own reads feeds.yaml as it is now; the service read it at start
        (cached: ~3 ms when unchanged)."""
        from curator.config import load_settings
        from curator.errors import CuratorError

        try:
            if load_settings(app.settings.path) == app.settings:
                return None
        except CuratorError:
            pass  # the command on its own says what is wrong with the file
        return "feeds.yaml has changed since the service read it"

    listener = relay.Listener(
        relay.socket_path(state.config_path, state.db),
        lambda argv: main(argv, service_app=app),
        declines,
    )
    return listener if listener.open() else None


def _worker_pool(app: Curator, count: int, tick: float) -> Any:
    from curator.workers import WorkerOptions, WorkerPool

    return WorkerPool(app, count, WorkerOptions(tick_seconds=_whole_tick(tick)))


def _whole_tick(tick: float) -> int:
    if tick != int(tick):
        raise click.BadParameter(
            i18n.locale_language()._("with workers the tick is a whole number of seconds"),
            param_hint="--tick",
        )
    return int(tick)


@cli.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Tasks this worker runs at once.",
)
@click.option(
    "--tick",
    type=click.IntRange(1, 3600),
    default=60,
    show_default=True,
    help="Seconds between looks for due feeds (every worker must use the same).",
)
@click.option("--name", help="This worker's name in the logs [default: worker].")
@click.option(
    "--stalled-after",
    type=click.FloatRange(min=3),
    default=20.0,
    show_default=True,
    help="Seconds without a heartbeat after which a worker's running tasks are retried.",
)
@pass_app
def worker(
    app: Curator, concurrency: int, tick: int, name: str | None, stalled_after: float
) -> None:
    """PostgreSQL: run fetch, score, plan and digest tasks from the shared queue.

    Start as many as you like, on any machine that reaches the database; `curator serve
    --workers N` starts N of them itself. Stops on SIGTERM or Ctrl-C once its running tasks
    are done; a worker that is killed has its tasks retried by the others.
    """
    from curator.workers import WorkerOptions, run

    state = click.get_current_context().find_object(CliState)
    _log_jobs(state.verbosity if state else 0)
    options = WorkerOptions(
        concurrency=concurrency,
        tick_seconds=tick,
        name=name,
        heartbeat_seconds=min(5.0, stalled_after / 4),
        stalled_after_seconds=stalled_after,
    )
    run(app, options)


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
    queue = app.task_queue()
    if as_json:
        echo_json(report if queue is None else {**report, "task_queue": queue})
        return
    for line in status_lines(report):
        click.echo(line)
    if queue is not None:
        for line in queue_lines(queue):
            click.echo(line)


def queue_lines(queue: dict[str, Any], t: Language | None = None) -> list[str]:
    """The workers' queue (PostgreSQL, issue 17), in the locale's language like the status."""
    t = t or i18n.locale_language()
    _ = t.gettext
    counts_text = _("{waiting} waiting, {running} running, {failed} failed")
    lines = ["", _("Task queue:") + " " + counts_text.format(**queue)]
    for task, counts in sorted(queue["by_task"].items()):
        lines.append(f"  {task:<16} " + counts_text.format(**counts))
    for w in queue["workers"]:
        beat = _when(w["last_heartbeat"], t) if w["last_heartbeat"] else _("never")
        lines.append(
            "  "
            + _("worker {id}: {running} running, last heartbeat {beat}").format(
                id=w["id"], running=w["running"], beat=beat
            )
        )
    if not queue["workers"]:
        lines.append("  " + _("no worker (start `curator worker` or `curator serve --workers N`)"))
    return lines


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
