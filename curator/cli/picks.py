"""`curator picks`: a profile's shared picks and the addresses to subscribe to them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from curator.cli import choose_profile, cli, echo_json, pass_app, profile_speaker

if TYPE_CHECKING:
    from curator.app import Curator


@cli.command()
@click.option("--profile", "profile_name", help="Profile (required when there are several).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def picks(app: Curator, profile_name: str | None, as_json: bool) -> None:
    """A profile's picks (approved items with its comments) and the addresses of its page and
    Atom feed on `curator serve`; private ones carry the profile's own key."""
    profile = choose_profile(app, profile_name)
    page, feed = app.picks_links(profile.name)
    host, port = app.settings.serve.host, app.settings.serve.port
    base = f"http://{host}:{port}"
    chosen = app.get_picks(profile.name)
    if as_json:
        echo_json(
            {
                "profile": profile.name,
                "public": profile.picks == "public",
                "page": base + page,
                "feed": base + feed,
                "picks": [
                    {
                        "item_id": p.item_id,
                        "title": p.title,
                        "url": p.url,
                        "comment": p.comment,
                        "picked_at": p.picked_at.isoformat(),
                    }
                    for p in chosen
                ],
            }
        )
        return
    t = profile_speaker(app, profile.name)
    if profile.picks == "public":
        visibility = t._("public")
    else:
        visibility = t._("private: share these links only")
    click.echo(
        t._("Picks of {profile} ({visibility})").format(profile=profile.name, visibility=visibility)
    )
    click.echo(t._("  page: {url}").format(url=f"{base}{page}"))
    click.echo(t._("  feed: {url}").format(url=f"{base}{feed}"))
    for p in chosen:
        comment = f" — {p.comment}" if p.comment else ""
        click.echo(f"  {p.picked_at:%Y-%m-%d}  {p.title}{comment}")
    if not chosen:
        click.echo(t._("  nothing approved yet (curator review)"))
