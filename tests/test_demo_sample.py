"""The demo's generated sample site: feeds parse, pages exist, duplicates are where promised."""

from __future__ import annotations

import html
import itertools
import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import feedparser
import py3langid
import pytest

from curator.demo.sample import SampleSite, build_sample

BASE = "http://127.0.0.1:54321"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def site() -> SampleSite:
    return build_sample(BASE, now=NOW)


def feed_path(site: SampleSite, name: str) -> str:
    return next(f.path for f in site.feeds if f.name == name)


def parse(site: SampleSite, name: str) -> Any:
    return feedparser.parse(site.files[feed_path(site, name)][0])


def local_path(url: str, base: str = BASE) -> str:
    assert url.startswith(base), url
    return urlsplit(url).path


def page_paragraphs(page: bytes) -> list[str]:
    article = re.search(r"<article>(.*?)</article>", page.decode(), re.S)
    assert article, "no <article> element"
    found = re.findall(r"<p>(.*?)</p>", article.group(1), re.S)
    return [html.unescape(p) for p in found]


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    return len(a & b) / len(a | b)


def all_entries(site: SampleSite, base: str = BASE) -> list[tuple[str, str, str, str]]:
    """(feed name, guid, title, full text) for every entry of every feed."""
    out = []
    for feed in site.feeds:
        body = site.files[feed.path][0]
        if feed.kind == "json":
            for item in json.loads(body)["items"]:
                out.append((feed.name, item["id"], item["title"], text_of(item["content_html"])))
            continue
        for e in feedparser.parse(body).entries:
            if "content" in e:
                text = text_of(e.content[0].value)
            else:  # truncated: the full text lives on the article page
                text = " ".join(page_paragraphs(site.files[local_path(e.link, base)][0]))
            out.append((feed.name, e.id, e.title, text))
    return out


def test_same_inputs_give_the_same_bytes(site: SampleSite) -> None:
    again = build_sample(BASE, now=NOW)
    assert again.files == site.files
    assert again.profiles_yaml == site.profiles_yaml
    assert again.feeds == site.feeds


def test_seed_changes_the_text_but_not_the_titles(site: SampleSite) -> None:
    other = build_sample(BASE, now=NOW, seed=8)
    path = feed_path(site, "Future of Work")
    assert other.files[path] != site.files[path]
    titles = {e.title for e in parse(site, "Future of Work").entries}
    assert {e.title for e in feedparser.parse(other.files[path][0]).entries} == titles


def test_base_url_goes_into_every_link_but_not_into_identities(site: SampleSite) -> None:
    other = build_sample("http://127.0.0.1:40000/", now=NOW)
    hosts = set()
    for body, _ in other.files.values():
        hosts |= set(re.findall(rb"https?://[^/\"'<>\s]+", body))
    # Only the local server, plus the namespace URIs the formats require.
    assert hosts == {
        b"http://127.0.0.1:40000",
        b"http://purl.org",
        b"http://www.w3.org",
        b"https://jsonfeed.org",
    }
    ids = [e[1] for e in all_entries(site)]
    assert [e[1] for e in all_entries(other, "http://127.0.0.1:40000")] == ids


def test_eight_feeds_in_both_languages_and_three_formats(site: SampleSite) -> None:
    assert len(site.feeds) == 8
    assert Counter(f.language for f in site.feeds) == {"fr": 4, "en": 4}
    assert Counter(f.kind for f in site.feeds) == {"rss": 6, "atom": 1, "json": 1}
    assert [f.name for f in site.feeds if f.truncated] == ["Le Blog RH"]
    assert len({f.path for f in site.feeds}) == 8
    types = {f.kind: site.files[f.path][1] for f in site.feeds}
    assert types == {
        "rss": "application/rss+xml; charset=utf-8",
        "atom": "application/atom+xml; charset=utf-8",
        "json": "application/feed+json; charset=utf-8",
    }


@pytest.mark.parametrize(
    "name",
    [
        "Talent Weekly",
        "Le Blog RH",
        "Future of Work",
        "Vente & Prospection",
        "B2B Sales Notes",
        "Actu Numérique",
        "Week-end & Loisirs",
    ],
)
def test_xml_feeds_parse_cleanly_with_complete_entries(site: SampleSite, name: str) -> None:
    parsed = parse(site, name)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == name
    assert 25 <= len(parsed.entries) <= 26
    for e in parsed.entries:
        assert e.title and e.id and e.author
        assert e.link.startswith(f"{BASE}/articles/")
        published = datetime(*e.published_parsed[:6], tzinfo=UTC)
        assert NOW - timedelta(days=10) <= published < NOW
        assert e.summary


def test_json_feed_is_valid_json_feed_1_1(site: SampleSite) -> None:
    document = json.loads(site.files[feed_path(site, "Startup Radar")][0])
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["feed_url"] == BASE + feed_path(site, "Startup Radar")
    items = document["items"]
    assert len(items) == 25
    assert len({i["id"] for i in items}) == 25
    for item in items:
        assert item["url"].startswith(f"{BASE}/articles/")
        assert item["title"] and item["content_html"].startswith("<p>")
        assert item["authors"][0]["name"]
        published = datetime.fromisoformat(item["date_published"])
        assert published.tzinfo is not None
        assert NOW - timedelta(days=10) <= published < NOW


def test_dates_are_spread_over_the_window_and_never_in_the_future(site: SampleSite) -> None:
    days = Counter()
    for feed in site.feeds:
        if feed.kind == "json":
            continue
        for e in feedparser.parse(site.files[feed.path][0]).entries:
            published = datetime(*e.published_parsed[:6], tzinfo=UTC)
            assert published < NOW
            days[(NOW - published).days] += 1
    assert set(days) == set(range(10))


def test_truncated_feed_has_short_teasers_and_full_article_pages(site: SampleSite) -> None:
    for e in parse(site, "Le Blog RH").entries:
        assert "content" not in e
        teaser = e.summary
        assert teaser.endswith("[…]")
        assert len(teaser) <= 320
        assert len(re.findall(r"[.?!](\s|$)", teaser.removesuffix("[…]"))) <= 1
        page, content_type = site.files[local_path(e.link)]
        assert content_type == "text/html; charset=utf-8"
        paragraphs = page_paragraphs(page)
        assert 5 <= len(paragraphs) <= 8
        assert paragraphs[0].startswith(teaser.removesuffix("[…]").strip())
        text = page.decode()
        for noise in ("<header", "<nav>", "<aside", "<footer", "cookie-banner"):
            assert noise in text
        assert f'<meta name="author" content="{html.escape(e.author)}">' in text
        assert '<meta property="article:published_time" content="2026-' in text


def test_every_item_link_resolves_to_a_page(site: SampleSite) -> None:
    for feed in site.feeds:
        body = site.files[feed.path][0]
        links = (
            [i["url"] for i in json.loads(body)["items"]]
            if feed.kind == "json"
            else [e.link for e in feedparser.parse(body).entries]
        )
        for link in links:
            assert local_path(link) in site.files, link
    assert b'rel="alternate"' in site.files["/"][0]


def test_aggregator_reposts_blog_rh_stories_almost_verbatim(site: SampleSite) -> None:
    originals = {e.link: e for e in parse(site, "Le Blog RH").entries}
    reposts = [e for e in parse(site, "Actu Numérique").entries if "utm_source" in e.link]
    assert len(reposts) == 3
    for repost in reposts:
        url = urlsplit(repost.link)
        assert parse_qs(url.query)["utm_source"] == ["actu-numerique"]
        original = originals[f"{BASE}{url.path}"]
        assert repost.title != original.title
        assert repost.title.endswith(original.title)
        assert repost.id != original.id
        page_text = " ".join(page_paragraphs(site.files[url.path][0]))
        similarity = jaccard(shingles(text_of(repost.content[0].value)), shingles(page_text))
        assert similarity >= 0.8


def test_only_the_reposts_are_near_duplicates(site: SampleSite) -> None:
    """Clustering should find the three reposts and nothing else among distinct entries."""
    entries = {
        (feed, guid): (title, shingles(text)) for feed, guid, title, text in all_entries(site)
    }
    close = []
    for (_, (title_a, sh_a)), (_, (title_b, sh_b)) in itertools.combinations(entries.items(), 2):
        if jaccard(sh_a, sh_b) >= 0.5:
            close.append((title_a, title_b))
    assert len(close) == 3
    for title_a, title_b in close:
        assert title_b == f"Vu sur Le Blog RH : {title_a}"


def test_one_exact_duplicate_with_the_same_guid(site: SampleSite) -> None:
    entries = parse(site, "Talent Weekly").entries
    counts = Counter(e.id for e in entries)
    [(guid, count)] = [(g, c) for g, c in counts.items() if c > 1]
    assert count == 2
    first, second = [e for e in entries if e.id == guid]
    assert (first.title, first.link, first.summary) == (second.title, second.link, second.summary)
    # Nowhere else does a guid repeat.
    others = Counter(e[1] for e in all_entries(site) if e[1] != guid)
    assert max(others.values()) == 1


def test_one_english_story_in_the_french_aggregator(site: SampleSite) -> None:
    languages = Counter()
    for e in parse(site, "Actu Numérique").entries:
        text = f"{e.title}. {text_of(e.content[0].value)}"
        languages[py3langid.classify(text)[0]] += 1
    assert languages == {"fr": 24, "en": 1}


@pytest.mark.parametrize("name", ["Le Blog RH", "Talent Weekly", "Week-end & Loisirs"])
def test_each_feed_writes_in_its_language(site: SampleSite, name: str) -> None:
    feed = next(f for f in site.feeds if f.name == name)
    for _, _, title, text in (e for e in all_entries(site) if e[0] == name):
        assert py3langid.classify(f"{title}. {text}")[0] == feed.language


def test_content_has_the_awkward_bits_parsers_must_survive(site: SampleSite) -> None:
    titles = [e[2] for e in all_entries(site)]
    assert any("&" in t and '"' in t for t in titles)
    assert any(re.search(r"[\U0001F300-\U0001FAFF]", t) for t in titles)
    assert any(re.search(r"[éèàçô]", t) for t in titles)
    raw = b"".join(site.files[f.path][0] for f in site.feeds)
    assert b"&lt;strong&gt;" in raw or b"<strong>" in raw
    assert b"&lt;a href=" in raw or b"<a href=" in raw


def test_texts_are_varied_not_repetitive(site: SampleSite) -> None:
    entries = all_entries(site)
    titles = [e[2] for e in entries]
    # 201 distinct titles: one exact duplicate; the reposts carry a prefix.
    assert len(titles) == 201
    assert len(set(titles)) == 200
    teasers = [e.summary for e in parse(site, "Le Blog RH").entries]
    assert len(set(teasers)) == 25
    sentences = Counter(s for e in entries for s in re.split(r"(?<=[.?!])\s+", e[3]) if len(s) > 40)
    # No sentence appears in more than a handful of the 201 articles.
    assert max(sentences.values()) <= 16
    assert "lorem" not in " ".join(e[3] for e in entries).lower()


def test_profiles_yaml_is_valid_configuration(site: SampleSite) -> None:
    config = pytest.importorskip("curator.config", reason="curator.config lands with main")
    feeds = "".join(f"  - url: {BASE}{f.path}\n    name: {f.name}\n" for f in site.feeds)
    settings = config.parse_settings(
        site.profiles_yaml + "feeds:\n" + feeds, Path("feeds.yaml"), {}
    )
    claire, sam = settings.profiles
    assert (claire.name, claire.language, claire.timezone) == ("claire", "fr", "Europe/Paris")
    assert (sam.name, sam.language, sam.timezone) == ("sam", "en", "America/New_York")
    assert "recrutement" in claire.objective and "outbound" in sam.objective
    assert len(claire.schedule.slots) == 4 and len(sam.schedule.slots) == 3
    assert claire.digest.to == ("claire@example.org",)
    assert [f.name for f in settings.feeds] == [f.name for f in site.feeds]


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_sample(BASE, now=datetime(2026, 11, 27, 12, 0))
