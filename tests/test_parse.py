"""parse_feed: the corpus, JSON Feed, relative links, encodings, hostile XML, golden files."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.errors import ParseError
from curator.ingest.htmltext import html_to_text
from curator.ingest.parse import ParsedFeed, parse_feed
from tests.support.content import DATA, corpus_path, manifest_rows

FEED_URL = "http://example.com/feeds/feed.xml"


def parse(body: bytes, headers: dict[str, str] | None = None, url: str = FEED_URL) -> ParsedFeed:
    return parse_feed(body, url=url, headers=headers or {})


# --- the corpus: at least as many entries as feedparser, nothing crashes -------------------


@pytest.mark.parametrize(
    ("folder", "name", "expected"),
    [
        (folder, name, count)
        for folder in ("reader", "miniflux", "fastfeedparser", "feedparser")
        for name, count in manifest_rows(folder)
    ],
)
def test_corpus_feed_yields_at_least_feedparser_entries(
    folder: str, name: str, expected: int
) -> None:
    body = corpus_path("feeds", folder, name).read_bytes()
    try:
        feed = parse(body, url=f"http://127.0.0.1/{folder}/{name}")
    except ParseError as e:
        # Only documents in which feedparser finds nothing may be refused, with a reason.
        assert expected == 0, f"{name}: {e}"
        assert e.message
        return
    assert len(feed.entries) >= expected
    for entry in feed.entries:
        for moment in (entry.published_at, entry.updated_at):
            assert moment is None or moment.tzinfo is UTC
        assert entry.url is None or entry.url.startswith(("http://", "https://"))


def _expected_entries(path: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["entries"]
    return entries


@pytest.mark.parametrize(
    "name",
    [
        "davidbau",
        "foolcontrol",
        "gamersnexus",
        "kagi",
        "malformed_rss_namespaced",
        "osm-pl",
        "pypy",
        "stackoverflow",
        "utf16_encoded",
    ],
)
def test_fastfeedparser_integration_links_match_oracle(name: str) -> None:
    folder = corpus_path("feeds", "fastfeedparser", "integration")
    feed = parse((folder / f"{name}.xml").read_bytes())
    expected = _expected_entries(folder / f"{name}.json")
    assert [e.url for e in feed.entries] == [e.get("link") for e in expected]


def test_undeclared_namespace_prefix_feed_is_repaired() -> None:
    # dylanharris.org writes <rss:item> without declaring "rss:"; feedparser alone finds nothing.
    body = corpus_path("feeds", "fastfeedparser", "real_feeds", "7ef13a42fa7e177a").read_bytes()
    feed = parse(body, url="https://dylanharris.org/feed.rss")
    assert feed.title == "arts and ego"
    assert feed.ttl_minutes == 1440
    assert len(feed.entries) > 10
    assert all(e.url and e.url.startswith("https://dylanharris.org/") for e in feed.entries)
    assert feed.warning is not None


# --- golden files ---------------------------------------------------------------------------


def _as_plain(feed: ParsedFeed) -> dict[str, Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        return value

    return dict(convert(asdict(feed)))


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("golden.rss", "https://blog.example.fr/feed.xml"),
        ("golden.json", "https://notes.example.com/feed.json"),
    ],
)
def test_golden_parse(name: str, url: str) -> None:
    """Set CURATOR_UPDATE_GOLDEN=1 to rewrite the expected files after a deliberate change."""
    source = DATA / "feeds" / name
    expected_path = source.with_name(source.name + ".expected.json")
    actual = _as_plain(parse(source.read_bytes(), url=url))
    if os.environ.get("CURATOR_UPDATE_GOLDEN"):
        expected_path.write_text(
            json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    assert actual == json.loads(expected_path.read_text(encoding="utf-8"))


def test_golden_rss_normalisation_details() -> None:
    feed = parse((DATA / "feeds" / "golden.rss").read_bytes(), url="https://x.example/f")
    first, second, third = feed.entries
    assert feed.title == "Le blog de l’équipe"
    assert feed.site_url == "https://blog.example.fr/"
    assert feed.ttl_minutes == 120
    assert first.title == "Recruter des profils rares & motivés"  # RSS titles are HTML
    assert first.url == "https://blog.example.fr/articles/recruter?utm_source=rss&id=3#haut"
    assert first.published_at == datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    assert "alert" not in first.content and "color" not in first.content
    assert first.content.startswith("Premier paragraphe avec un lien relatif.")
    assert "un\ndeux" in first.content
    assert first.language == "fr-FR"
    assert first.author == "Camille Martin"
    assert second.guid is None and second.published_at is None
    assert second.summary == "Texte & entités é"
    # An RSS guid is a permalink unless it says otherwise: resolved against xml:base (a part
    # of the document, unlike the URL it was fetched from, which may change).
    assert third.url == third.guid == "https://blog.example.fr/1234"
    assert third.title == ""
    assert feed.warning is None


# --- JSON Feed ------------------------------------------------------------------------------


def test_json_feed_fields() -> None:
    body = corpus_path("feeds", "reader", "data", "full.json").read_bytes()
    feed = parse(body, url="https://example.org/feed.json")
    assert feed.title == "My Example Feed"
    assert feed.site_url == "https://example.org/"
    assert feed.kind == "json1.1"
    second, first = feed.entries
    assert second.guid == "2"
    assert second.url == "https://example.org/second-item"
    assert second.content == "Content with link"  # content_html preferred, as text
    assert second.summary == "A summary"
    assert second.published_at == datetime(2020, 1, 2, 21, 0, tzinfo=UTC)
    assert second.updated_at == datetime(2020, 1, 4, 0, 0, tzinfo=UTC)
    assert second.language == "de"
    assert first.author == "Jane"  # JSON Feed 1.0 "author" object


def test_json_feed_with_wrong_types_everywhere_does_not_crash() -> None:
    feed = parse(corpus_path("feeds", "reader", "data", "invalid.json").read_bytes())
    assert len(feed.entries) == 8
    assert feed.title is None
    assert feed.entries[0].title == "" and feed.entries[0].published_at is None
    assert feed.entries[1].guid == "3.1415"
    assert feed.entries[-1].author == "Jane"


def test_json_feed_unknown_version_and_empty() -> None:
    unknown = parse(corpus_path("feeds", "reader", "data", "unknown.json").read_bytes())
    assert unknown.entries == () and unknown.warning and "1234" in unknown.warning
    empty = parse(corpus_path("feeds", "reader", "data", "10.json").read_bytes())
    assert empty.entries == () and empty.warning is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"items": []}', "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1",\n "items": [,]}', "line 2"),
        (b"\xef\xbb\xbf[1, 2]", "not a JSON Feed"),
    ],
)
def test_json_that_is_not_a_feed(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse(body, {"Content-Type": "application/feed+json"})


def test_deeply_nested_json_is_refused_not_crashing() -> None:
    body = b'{"version": "https://jsonfeed.org/version/1.1", "items": '
    body += b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(ParseError, match="nested"):
        parse(body)


# --- relative links -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "link"),
    [("relative.rss", "http://example.com/blog/post/1"), ("relative.atom", None)],
)
def test_relative_links_resolved_against_feed_url(name: str, link: str | None) -> None:
    body = corpus_path("feeds", "reader", "data", name).read_bytes()
    feed = parse(body, url="http://example.com/feed.xml")
    assert feed.site_url == "http://example.com/file.html"
    expected = link or "http://example.com/entries/entry.html"
    assert feed.entries[0].url == expected
    assert "evil" not in feed.entries[0].content  # a <script> in the content is not text


def test_content_location_header_is_the_base() -> None:
    body = corpus_path("feeds", "reader", "data", "relative.rss").read_bytes()
    feed = parse(body, {"Content-Location": "/moved/feed.xml"}, url="http://example.com/a/f")
    assert feed.entries[0].url == "http://example.com/moved/blog/post/1"


def test_xml_base_wins_over_feed_url() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://cdn.example.net/x/">
      <title>t</title><entry><id>1</id><title>a</title><link href="../post"/></entry></feed>"""
    assert parse(body).entries[0].url == "https://cdn.example.net/post"


# --- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Content-Type": "application/rss+xml"}, {"Content-Type": "text/xml; charset=iso-8859-1"}],
)
def test_french_latin1_feed_without_declaration(headers: dict[str, str]) -> None:
    body = corpus_path("feeds", "miniflux", "parser", "no_encoding_ISO-8859-1.xml").read_bytes()
    feed = parse(body, headers)
    assert len(feed.entries) == 10
    assert feed.entries[0].title == "Perturbateurs endocriniens : quels effets sur le cerveau ?"
    assert "perturbateurs endocriniens pourraient être à l'origine" in feed.entries[0].summary
    assert "\ufffd" not in feed.title or ""


def test_windows_1251_feed() -> None:
    body = corpus_path("feeds", "miniflux", "parser", "encoding_WINDOWS-1251.xml").read_bytes()
    feed = parse(body)
    assert feed.title == "iBash.Org.Ru"
    assert feed.entries[0].title == "Цитата #17703"
    assert "кот немного пхп знает?" in feed.entries[0].summary
    assert feed.entries[0].language == "ru"


def test_utf16_feed() -> None:
    body = '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>Été</title>'
    body += "<item><title>Déjà vu</title><guid>g</guid></item></channel></rss>"
    feed = parse(body.encode("utf-16"))
    assert feed.title == "Été" and feed.entries[0].title == "Déjà vu"


# --- hostile and broken documents -----------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><guid>1</guid><title>&lol9;</title><description>&lol9;</description></item>
</channel></rss>"""


def _all_text(feed: ParsedFeed) -> str:
    return json.dumps(_as_plain(feed), ensure_ascii=False)


@pytest.mark.timeout(10)
def test_billion_laughs_is_not_expanded() -> None:
    # A billion "lol"s would be 3 GB; the parse stays tiny (and fast: see the timeout).
    feed = parse(BILLION_LAUGHS)
    assert len(feed.entries) == 1
    assert len(_all_text(feed)) < 5_000
    assert "lollollol" not in _all_text(feed)


@pytest.mark.timeout(10)
def test_external_entities_are_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    body = f"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>
<rss version="2.0"><channel><title>x</title>
<item><guid>1</guid><title>&xxe;</title><description>&xxe;</description></item>
</channel></rss>""".encode()
    feed = parse(body)
    assert len(feed.entries) == 1
    assert "TOP-SECRET-VALUE" not in _all_text(feed)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"  \r\n\t ", "empty body"),
        (b"<!DOCTYPE html><html><head><title>Blog</title></head><body>hi</body></html>", "HTML"),
        (b'<?xml version="1.0"?>\n<feeds>\n<channel></chanel>', "malformed XML at line 3"),
        (b"custom feed\n", "malformed XML|no RSS"),
        (b'<?xml version="1.0"?><note><to>Tove</to></note>', "no RSS, Atom or JSON Feed"),
    ],
)
def test_documents_that_are_not_feeds(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason) as caught:
        parse(body)
    assert caught.value.url == FEED_URL


def test_html_page_from_corpus_is_refused() -> None:
    body = corpus_path("feeds", "reader", "data", "sqlite_releases.html").read_bytes()
    with pytest.raises(ParseError, match="HTML page"):
        parse(body)


def test_well_formed_feed_without_entries_is_not_an_error() -> None:
    feed = parse(b'<rss version="2.0"><channel><title>New blog</title></channel></rss>')
    assert feed.entries == () and feed.title == "New blog" and feed.warning is None


def test_bozo_feed_with_entries_carries_a_warning() -> None:
    body = b"""<rss version="2.0"><channel><title>t</title>
<item><guid>1</guid><title>Fish & chips</title></item>
<item><guid>2</guid><title>Second</title></item></channel></rss>"""
    feed = parse(body)
    assert [e.guid for e in feed.entries] == ["1", "2"]
    assert feed.warning is not None and "line" in feed.warning


def test_dates_are_aware_utc() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><id>a</id><title>x</title><updated>2024-10-27T02:30:00+02:00</updated></entry>
<entry><id>b</id><title>y</title><published>garbage</published></entry></feed>"""
    first, second = parse(body).entries
    assert first.published_at == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)  # updated fills in
    assert first.updated_at == first.published_at
    assert second.published_at is None


# --- fuzzing: anything in, a ParsedFeed or a ParseError out ---------------------------------

_FRAGMENTS = [
    b'<?xml version="1.0"?>', b"<rss version='2.0'>", b"<channel>", b"<item>", b"</item>",
    b"<title>", b"</title>", b"<link>", b"</link>", b"<guid>", b"</guid>", b"<feed>",
    b'<entry xmlns="http://www.w3.org/2005/Atom">', b"</entry>", b"<![CDATA[", b"]]>", b"&amp;",
    b"&undefined;", b"<!DOCTYPE x [<!ENTITY e 'v'>]>", b"{", b"}", b'"version"', b":", b"\xff",
    b"\x00", "é".encode("latin-1"), "日本".encode(), b"<content:encoded>", b"<p>text</p>",
]  # fmt: skip


@given(st.lists(st.sampled_from(_FRAGMENTS) | st.binary(max_size=8), max_size=40))
@settings(max_examples=300, deadline=None)
def test_arbitrary_bytes_give_a_feed_or_a_parse_error(pieces: list[bytes]) -> None:
    body = b"".join(pieces)
    try:
        feed = parse(body)
    except ParseError:
        return
    for entry in feed.entries:
        assert isinstance(entry.title, str) and isinstance(entry.content, str)


@given(st.text(alphabet=st.sampled_from(list("<>/&;#ab pdiv=\"'!-\n\x00é")), max_size=80))
@settings(max_examples=300, deadline=None)
def test_html_to_text_never_raises(fragment: str) -> None:
    text = html_to_text(fragment)
    assert text == text.strip() and "\n\n\n" not in text
