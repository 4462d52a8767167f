"""Autodiscovery and OPML, pure functions over bytes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from curator.errors import ParseError
from curator.ingest.discover import (
    OpmlFeed,
    export_opml,
    find_feed_links,
    looks_like_feed,
    looks_like_html,
    parse_opml,
    well_known_candidates,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

PAGE = """<!doctype html><html><head>
<title>Blog</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="Comments Feed" href="/comments/feed/">
<link rel="alternate" type="application/rss+xml" title="Le blog" href="/feed/">
<link rel="alternate" type="application/atom+xml" href="https://other.test/atom.xml">
<link rel="alternate" type="application/rss+xml" href="/feed/">
<link rel="alternate" hreflang="en" href="/en/">
<link rel="alternate" type="application/json" href="/api/posts.json">
<link rel="alternate" type="application/feed+json" href="feed.json">
</head><body><a href="/rss.xml">RSS</a></body></html>"""


def test_find_feed_links_in_page_order_comment_feeds_last() -> None:
    links = find_feed_links(PAGE, "https://blog.test/posts/hello")
    assert [link.url for link in links] == [
        "https://blog.test/feed/",
        "https://other.test/atom.xml",
        "https://blog.test/posts/feed.json",
        "https://blog.test/comments/feed/",
    ]
    assert links[0].title == "Le blog" and links[0].kind == "rss"
    assert links[2].kind == "json"


def test_find_feed_links_honours_base_and_broken_markup() -> None:
    html = '<html><head><base href="https://cdn.test/x/"><link rel="Alternate feed" '
    html += 'type="application/atom+xml" href="atom"><link rel=alternate type='
    assert [link.url for link in find_feed_links(html, "https://blog.test/")] == [
        "https://cdn.test/x/atom"
    ]
    assert find_feed_links("<html><body>no feeds</body></html>", "https://a.test/") == []


def test_well_known_candidates() -> None:
    assert well_known_candidates("https://a.test/")[:5] == [
        "https://a.test/feed",
        "https://a.test/rss.xml",
        "https://a.test/atom.xml",
        "https://a.test/index.xml",
        "https://a.test/feed.xml",
    ]
    nested = well_known_candidates("https://a.test/blog/")
    assert nested[0] == "https://a.test/blog/feed"
    assert "https://a.test/feed" in nested


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', None, True),
        (b'\xef\xbb\xbf<feed xmlns="http://www.w3.org/2005/Atom"></feed>', None, True),
        (b'<rdf:RDF xmlns:rdf="x"><channel/></rdf:RDF>', "text/xml", True),
        ('<?xml version="1.0" encoding="utf-16"?><rss/>'.encode("utf-16"), None, True),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', None, True),
        (b'{"version": 1}', "application/json", False),
        (b"<!doctype html><html><body>see our <feed> here</body></html>", None, False),
        (b'<rss version="2.0"></rss>', "text/html", False),
        (b"", None, False),
    ],
)
def test_looks_like_feed(body: bytes, content_type: str | None, expected: bool) -> None:
    assert looks_like_feed(body, content_type) is expected


def test_looks_like_html() -> None:
    assert looks_like_html(b"<!DOCTYPE html><html>")
    assert looks_like_html(b"whatever", "text/html")
    assert not looks_like_html(b"<rss/>", "application/rss+xml")


OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Mes abonnements</title></head><body>
<outline text="Tech">
  <outline type="rss" text="Blog A" xmlUrl="https://a.test/feed" htmlUrl="https://a.test/"/>
  <outline type="rss" text="Blog B &amp; co" title="B" xmlURL="https://b.test/rss.xml"/>
</outline>
<outline type="rss" text="Dup" xmlUrl="https://a.test/feed"/>
<outline type="rss" text="Local" xmlUrl="file:///etc/passwd"/>
<outline text="no url"/>
</body></opml>"""


def test_parse_opml_flattens_and_dedupes() -> None:
    sources = parse_opml(OPML)
    # the name is the outline's `text`, what the reader showed (and the user may have edited)
    assert [(s.url, s.name) for s in sources] == [
        ("https://a.test/feed", "Blog A"),
        ("https://b.test/rss.xml", "Blog B & co"),
    ]
    assert [s.tags for s in sources] == [("Tech",), ("Tech",)]


# As some readers export it: a raw `&` in a title, a folder and a URL (issue 16).
SLOPPY_OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>Export</title></head><body>
<outline text="RH & Recrutement">
  <outline type="rss" text="Blog A & B" xmlUrl="https://a.test/feed?x=1&y=2"/>
  <outline text="Veille">
    <outline type="rss" text="C" xmlUrl="https://c.test/rss"/>
  </outline>
</outline>
<outline type="rss" text="Sans dossier" xmlUrl="https://d.test/rss"/>
</body></opml>"""


def test_parse_opml_accepts_an_unescaped_ampersand_and_keeps_folders_as_tags() -> None:
    sources = parse_opml(SLOPPY_OPML)
    assert [(s.url, s.name, s.tags) for s in sources] == [
        ("https://a.test/feed?x=1&y=2", "Blog A & B", ("RH & Recrutement",)),
        ("https://c.test/rss", "C", ("RH & Recrutement", "Veille")),
        ("https://d.test/rss", "Sans dossier", ()),
    ]


def test_opml_round_trip() -> None:
    feeds = [
        OpmlFeed("https://a.test/feed?x=1&y=2", 'A <&> "quoted"', "https://a.test/"),
        OpmlFeed("https://b.test/rss.xml", "Économie"),
    ]
    text = export_opml(feeds, now=NOW)
    assert '<opml version="2.0">' in text
    assert "<dateCreated>Sun, 01 Mar 2026 12:00:00 GMT</dateCreated>" in text
    back = parse_opml(text.encode("utf-8"))
    assert [(s.url, s.name) for s in back] == [(f.url, f.title) for f in feeds]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<opml version="2.0"><body><outline text="&lol9;" xmlUrl="https://a.test/"/></body></opml>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://a.test/"/></body></opml>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_opml_entity_attacks_are_refused(data: bytes) -> None:
    with pytest.raises(ParseError, match="entity"):
        parse_opml(data)


@pytest.mark.parametrize("data", [b"", b"<opml><body>", b"<html><body></body></html>", b"\x00\x01"])
def test_parse_opml_rejects_garbage(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_opml(data)
