"""A profile's picks (approved items with its comments) as an Atom feed and an HTML page, for a
colleague's or a client's reader (issue 17, "a shared watch"). Pure: values in, bytes out; the
facade reads the picks and the service routes `/picks/<profile>/feed.xml` and `/picks/<profile>/`.

A profile whose `picks:` is `public` is served to anyone; otherwise (the default) only with
its own key, `?key=...`, an HMAC of the profile's name under a secret kept in the database, so
one profile's URL tells nothing about another's and a new secret revokes them all.
"""

from __future__ import annotations

import hashlib
import hmac
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote, urlencode

from curator.outputs.templating import render

ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
_PREFIX = "/picks/"


@dataclass(frozen=True, slots=True)
class Pick:
    item_id: int
    title: str
    url: str | None
    comment: str | None
    source: str | None
    picked_at: datetime


def picks_key(secret: str, profile: str) -> str:
    """The profile's own key: 32 hex digits of HMAC-SHA256(secret, name)."""
    digest = hmac.new(secret.encode(), f"picks:{profile}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def key_ok(secret: str, profile: str, given: str | None) -> bool:
    if not given:
        return False
    return hmac.compare_digest(picks_key(secret, profile).encode(), given.encode())


def route(path: str) -> tuple[str, str] | None:
    """(profile, "atom" | "html") for `/picks/<profile>/feed.xml` and `/picks/<profile>/`,
    else None."""
    if not path.startswith(_PREFIX):
        return None
    rest = path.removeprefix(_PREFIX)
    name, slash, tail = rest.partition("/")
    if not name or not slash or tail not in ("", "feed.xml"):
        return None
    return unquote(name), ("atom" if tail == "feed.xml" else "html")


def paths(profile: str, key: str | None) -> tuple[str, str]:
    """The page's and the feed's paths (with the key when the picks are not public)."""
    base = f"{_PREFIX}{quote(profile, safe='')}/"
    query = "?" + urlencode({"key": key}) if key else ""
    return base + query, base + "feed.xml" + query


def _atom_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def render_atom(
    profile: str, picks: list[Pick], *, page_href: str, feed_href: str, now: datetime
) -> bytes:
    """RFC 4287 feed, newest pick first; `updated` is the newest pick's time (or `now`)."""
    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "id", f"tag:curator,2026:picks:{profile}")
    sub(feed, "title", f"{profile}: picks")
    sub(feed, "updated", _atom_time(picks[0].picked_at if picks else now))
    sub(feed, "link", rel="self", href=feed_href)
    sub(feed, "link", rel="alternate", href=page_href, type="text/html")
    author = sub(feed, "author")
    sub(author, "name", profile)
    for pick in picks:
        entry = sub(feed, "entry")
        sub(entry, "id", f"tag:curator,2026:picks:{profile}:{pick.item_id}")
        sub(entry, "title", pick.title)
        sub(entry, "updated", _atom_time(pick.picked_at))
        if pick.url:
            sub(entry, "link", rel="alternate", href=pick.url)
        if pick.comment:
            sub(entry, "summary", pick.comment)
        if pick.source:
            source = sub(entry, "source")
            sub(source, "title", pick.source)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def render_html(
    profile: str, picks: list[Pick], *, feed_href: str, language: str, public: bool
) -> bytes:
    french = language == "fr"
    html = render(
        "picks.html.j2",
        title=f"{profile} : sélection" if french else f"{profile}: picks",
        subscribe="S'abonner (Atom)" if french else "Subscribe (Atom)",
        empty="Rien de sélectionné pour l'instant." if french else "Nothing picked yet.",
        language="fr" if french else "en",
        public=public,
        feed_href=feed_href,
        picks=[
            {"title": p.title, "url": p.url, "comment": p.comment, "source": p.source or "",
             "picked_on": p.picked_at.date().isoformat()}
            for p in picks
        ],
    )  # fmt: skip
    return html.encode("utf-8")
