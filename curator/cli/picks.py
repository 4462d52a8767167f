"""`curator picks`: a profile's shared picks and the addresses to subscribe to them;
`curator follow`: the colleagues whose picks a profile follows (issue 17)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from curator import i18n
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


@cli.group()
def follow() -> None:
    """Follow a colleague's picks: her approved items enter your queue with her comment."""


@follow.command("add")
@click.argument("colleague")
@click.option("--profile", "profile_name", help="The following profile (required when several).")
@click.option("--weight", type=float, help="A source weight like a feed's (0 to 10, default 1).")
@pass_app
def follow_add(
    app: Curator, colleague: str, profile_name: str | None, weight: float | None
) -> None:
    """Follow COLLEAGUE's picks (a profile of the same feeds.yaml); comments in the file stay."""
    profile = choose_profile(app, profile_name)
    changed = app.follow(profile.name, colleague, weight=weight)
    t = i18n.locale_language()
    said = (
        t._("{profile} now follows the picks of {colleague}.")
        if changed
        else t._("{profile} already follows the picks of {colleague}.")
    )
    click.echo(said.format(profile=profile.name, colleague=colleague))


@follow.command("remove")
@click.argument("colleague")
@click.option("--profile", "profile_name", help="The following profile (required when several).")
@pass_app
def follow_remove(app: Curator, colleague: str, profile_name: str | None) -> None:
    """Stop following COLLEAGUE's picks; your decisions on them stay."""
    profile = choose_profile(app, profile_name)
    changed = app.unfollow(profile.name, colleague)
    t = i18n.locale_language()
    said = (
        t._("{profile} no longer follows the picks of {colleague}.")
        if changed
        else t._("{profile} does not follow the picks of {colleague}.")
    )
    click.echo(said.format(profile=profile.name, colleague=colleague))


@follow.command("list")
@click.option("--profile", "profile_name", help="Only this profile.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def follow_list(app: Curator, profile_name: str | None, as_json: bool) -> None:
    """Whom each profile follows, with the follows' weights."""
    profiles = app.settings.select_profiles(profile_name)
    if as_json:
        echo_json(
            {
                p.name: [{"profile": f.profile, "weight": f.weight} for f in p.follow]
                for p in profiles
            }
        )
        return
    t = i18n.locale_language()
    for p in profiles:
        follows = ", ".join(
            f.profile if f.weight == 1.0 else f"{f.profile} ({t.format_decimal(f.weight, '0.##')})"
            for f in p.follow
        )
        nobody = t._("follows nobody")
        click.echo(f"{p.name}{t.colon} {follows or nobody}")
