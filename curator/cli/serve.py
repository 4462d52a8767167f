"""`curator serve` and `curator status`."""

from __future__ import annotations

import click

from curator.app import Curator
from curator.cli import cli, echo_json, pass_app


@cli.command()
@click.option("--host", help="Address to listen on [default: serve.host, 127.0.0.1].")
@click.option("--port", type=int, help="Port to listen on [default: serve.port, 8421].")
@click.option(
    "--tick",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds between looks for due feeds.",
)
@pass_app
def serve(app: Curator, host: str | None, port: int | None, tick: float) -> None:
    """Run the service: fetch, score and plan on time, send digests, serve calendars.

    Stops cleanly on SIGTERM or Ctrl-C. Only one service may run per database.
    """
    from curator.scheduler import Service, ServiceOptions

    options = ServiceOptions(
        host=host or app.settings.serve.host,
        port=app.settings.serve.port if port is None else port,
        tick_seconds=tick,
    )
    service = Service(app, options)
    click.echo(
        f"curator serve: {app.db.display_url}, HTTP on {options.host}:{options.port}", err=True
    )
    service.run_until_signalled()


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def status(app: Curator, as_json: bool) -> None:
    """Last and next runs, failing feeds, queue size, next slots and the last digest."""
    report = app.status()
    if as_json:
        echo_json(report)
        return
    for line in app.status_lines(report):
        click.echo(line)
