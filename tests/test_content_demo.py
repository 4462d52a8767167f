"""The demo's sample site through the content side: what `curator demo` must be able to show.

No database or network: the generated feeds and pages are parsed, reconciled, extracted and
clustered with the pure functions the fetch pipeline calls.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from curator.demo.sample import SampleSite, build_sample
from curator.extract import extract_article, fill_from_extracted, looks_truncated
from curator.ingest.dedupe import Action, ClusterDoc, assign_clusters, canonical_url, reconcile
from curator.ingest.parse import ParsedFeed, parse_feed
from curator.lang import detect_language

BASE = "http://127.0.0.1:54321"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def site() -> SampleSite:
    return build_sample(BASE, now=NOW)


@pytest.fixture(scope="module")
def feeds(site: SampleSite) -> dict[str, ParsedFeed]:
    parsed = {}
    for feed in site.feeds:
        body, content_type = site.files[feed.path]
        parsed[feed.name] = parse_feed(
            body, url=BASE + feed.path, headers={"Content-Type": content_type}
        )
    return parsed


def test_every_demo_feed_parses_cleanly(site: SampleSite, feeds: dict[str, ParsedFeed]) -> None:
    for feed in site.feeds:
        parsed = feeds[feed.name]
        assert parsed.entries and parsed.warning is None, feed.name
        assert all(e.url and e.url.startswith(BASE) for e in parsed.entries)


def test_truncated_feed_is_detected_and_filled_from_its_pages(
    site: SampleSite, feeds: dict[str, ParsedFeed]
) -> None:
    blog = feeds["Le Blog RH"]
    assert all(looks_truncated(e) for e in blog.entries)
    full = [f for f in site.feeds if not f.truncated]
    assert not any(looks_truncated(e) for f in full for e in feeds[f.name].entries)
    for entry in blog.entries[:3]:
        assert entry.url is not None
        page, content_type = site.files[urlsplit(entry.url).path]
        extracted = extract_article(page, entry.url, {"Content-Type": content_type})
        filled = fill_from_extracted(entry, extracted)
        assert len(filled.content.split()) > 3 * len(entry.summary.split())
        assert not looks_truncated(filled)
        assert extracted.language == "fr"


def test_exact_duplicate_entry_is_counted_as_such(feeds: dict[str, ParsedFeed]) -> None:
    actions = [r.action for r in reconcile(feeds["Talent Weekly"].entries, [])]
    assert actions.count(Action.DUPLICATE) == 1


def test_reposts_cluster_with_their_originals_once_the_originals_are_extracted(
    site: SampleSite, feeds: dict[str, ParsedFeed]
) -> None:
    docs: list[ClusterDoc] = []
    blog_ids: dict[str, int] = {}
    item_id = 0
    for feed_id, feed in enumerate(site.feeds):
        for entry in feeds[feed.name].entries:
            item_id += 1
            if feed.name == "Le Blog RH" and entry.url:
                page, content_type = site.files[urlsplit(entry.url).path]
                extracted = extract_article(page, entry.url, {"Content-Type": content_type})
                entry = fill_from_extracted(entry, extracted)
                blog_ids[canonical_url(entry.url)] = item_id
            when = entry.published_at or NOW
            docs.append(ClusterDoc(item_id, feed_id, entry.content or entry.summary, when))
    result = assign_clusters(docs, [])
    clusters: dict[int, set[int]] = {}
    for member, cluster in result.assignments.items():
        if cluster is not None:
            clusters.setdefault(cluster, set()).add(member)
    assert len(clusters) == 3
    # The original (earlier, in Le Blog RH) represents each story.
    assert set(clusters) <= set(blog_ids.values())
    assert all(len(members) == 2 for members in clusters.values())
    # The aggregator's links carry utm_* parameters; canonically they are the originals' URLs.
    reposts = [e for e in feeds["Actu Numérique"].entries if e.url and "utm_" in e.url]
    assert len(reposts) == 3
    assert {canonical_url(e.url or "") for e in reposts} <= set(blog_ids)


def test_english_story_in_the_french_aggregator(feeds: dict[str, ParsedFeed]) -> None:
    languages = [
        detect_language(f"{e.title}\n{e.content or e.summary}", hint=e.language)
        for e in feeds["Actu Numérique"].entries
    ]
    assert languages.count("en") == 1
    assert languages.count("fr") == len(languages) - 1
