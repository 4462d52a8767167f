"""Feed autodiscovery and OPML 2.0 import/export. Pure: bytes in, values out; no fetching.

The network side of discovery (fetch the page, then each candidate) is in
`curator.ingest.service`; this module only says what to try.

OPML comes from other tools and the internet: listparser reads it leniently (lxml's
recovering parser, which never expands entities), and any DOCTYPE entity declaration is
refused up front ("billion laughs", external entities).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit
from xml.sax.saxutils import escape, quoteattr

from curator.errors import ParseError
from curator.i18n import N_, Message
from curator.types import FeedSource

FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/rdf+xml": "rdf",
    "application/feed+json": "json",
    "application/json": "json",
    "text/xml": "xml",
    "application/xml": "xml",
}
# Tried in this order when a page announces no feed (paths used by WordPress, Hugo, Jekyll,
# Ghost, Blogger-style and static site generators).
WELL_KNOWN_PATHS = (
    "/feed",
    "/rss.xml",
    "/atom.xml",
    "/index.xml",
    "/feed.xml",
    "/rss",
    "/feeds/posts/default",
)


@dataclass(frozen=True, slots=True)
class FeedLink:
    url: str
    title: str | None = None
    kind: str | None = None  # rss | atom | rdf | json | xml


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str]] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]
        elif tag == "link":
            self.links.append(values)

    handle_startendtag = handle_starttag


def find_feed_links(html: str, base_url: str) -> list[FeedLink]:
    """`<link rel="alternate" type="application/rss+xml" ...>` feeds announced by a page.

    Order: the page's own order, except comment feeds go last (a WordPress post page announces
    the blog feed first and its comment feed second; users want the first).
    """
    parser = _LinkParser()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):
        pass  # keep whatever was found before the markup broke
    base = urljoin(base_url, parser.base) if parser.base else base_url
    found: list[FeedLink] = []
    seen: set[str] = set()
    for attrs in parser.links:
        rels = attrs.get("rel", "").lower().split()
        media = attrs.get("type", "").split(";")[0].strip().lower()
        href = attrs.get("href", "").strip()
        if "alternate" not in rels or media not in FEED_TYPES or not href:
            continue
        if media in ("application/json", "text/xml", "application/xml") and "feed" not in (
            href.lower() + attrs.get("title", "").lower()
        ):
            continue  # generic types are feeds only when they say so
        url = urljoin(base, href)
        if urlsplit(url).scheme not in ("http", "https") or url in seen:
            continue
        seen.add(url)
        found.append(FeedLink(url, attrs.get("title") or None, FEED_TYPES[media]))
    return sorted(found, key=lambda link: _is_comment_feed(link))


def _is_comment_feed(link: FeedLink) -> bool:
    text = f"{link.url} {link.title or ''}".lower()
    return "comment" in text or "commentaire" in text


def well_known_candidates(page_url: str) -> list[str]:
    """Conventional feed locations at the site root, then under the page's own path."""
    parts = urlsplit(page_url)
    roots = [""]
    path = parts.path.rstrip("/")
    if path and path.count("/") >= 1 and not path.endswith((".html", ".htm", ".php")):
        roots.append(path)  # a blog under /blog has /blog/feed
    out: list[str] = []
    for root in reversed(roots):
        for candidate in WELL_KNOWN_PATHS:
            url = urlunsplit((parts.scheme, parts.netloc, root + candidate, "", ""))
            if url not in out and url != page_url:
                out.append(url)
    return out


_XML_FEED_ROOT = re.compile(rb"<(?:[\w-]+:)?(rss|feed|RDF)[\s>/]", re.IGNORECASE)


def looks_like_feed(body: bytes, content_type: str | None = None) -> bool:
    """A cheap sniff (first 4 KB, any encoding feedparser handles is UTF-8/ASCII-compatible
    or announced by a BOM): is this an RSS/Atom/RDF document or a JSON Feed?"""
    head = body[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        try:
            data = json.loads(body.decode("utf-8", errors="replace"))
        except ValueError:
            return False
        return isinstance(data, dict) and "jsonfeed.org/version" in str(data.get("version", ""))
    if content_type and content_type.startswith("text/html"):
        return False
    match = _XML_FEED_ROOT.search(head)
    if match is None:
        return False
    # The root element must come before any HTML: an HTML page may quote "<feed" in its text.
    return b"<html" not in head[: match.start()].lower()


def looks_like_html(body: bytes, content_type: str | None = None) -> bool:
    if content_type and content_type in ("text/html", "application/xhtml+xml"):
        return True
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<head" in head


# ---- OPML -----------------------------------------------------------------------------------


def parse_opml(data: bytes, *, source: str = "OPML") -> list[FeedSource]:
    """Every `<outline xmlUrl=...>` of an OPML 1.0/2.0 file, duplicates dropped, the folders
    it sits in kept as its tags (outermost first).

    listparser reads it leniently, as feed readers export it: an unescaped `&` (issue 16)
    does not lose the list. Entities are never expanded; a document that declares any is
    refused outright, as before. Raises ParseError when the file holds no OPML feed list.
    """
    import listparser  # the only listparser import

    if b"<!ENTITY" in data.upper():
        raise ParseError(source, Message(N_("entity declarations are not allowed in OPML")))
    try:
        parsed = listparser.parse(bytes(data))  # bytes: a str could be taken for a URL
    except Exception as e:  # listparser's own and lxml's errors alike
        raise ParseError(source, Message(N_("not a readable OPML file: {error}"), error=e)) from e
    if not str(parsed.get("version", "")).startswith("opml"):
        raise ParseError(source, Message(N_("not an OPML document (root element is not <opml>)")))
    sources: list[FeedSource] = []
    seen: set[str] = set()
    for feed in parsed.get("feeds", []):
        url = str(feed.get("url") or "").strip()
        if not url or url in seen or urlsplit(url).scheme not in ("http", "https"):
            continue
        seen.add(url)
        title = " ".join(str(feed.get("title") or "").split()) or None
        folders = [name for path in feed.get("categories", []) for name in path]
        tags = tuple(dict.fromkeys(" ".join(t.split()) for t in folders if t.strip()))
        sources.append(FeedSource(url=url, name=title, tags=tags))
    if not sources and not parsed.get("feeds"):
        raise ParseError(
            source, Message(N_("no feed in this OPML file (no <outline> with an xmlUrl)"))
        )
    return sources


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str
    site_url: str | None = None


def export_opml(feeds: Iterable[OpmlFeed], *, now: datetime, title: str = "curator feeds") -> str:
    """An OPML 2.0 subscription list (http://opml.org/spec2.opml), readable by every reader."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{escape(title)}</title>",
        f"    <dateCreated>{format_datetime(now, usegmt=True)}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    for feed in feeds:
        attrs = f'type="rss" text={quoteattr(feed.title)} title={quoteattr(feed.title)} '
        attrs += f"xmlUrl={quoteattr(feed.url)}"
        if feed.site_url:
            attrs += f" htmlUrl={quoteattr(feed.site_url)}"
        lines.append(f"    <outline {attrs}/>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)
