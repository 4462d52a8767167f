"""Every file of the shared feed corpus, served over HTTP and fetched: nothing crashes the
run, and each yields at least the entries feedparser finds (PARSE_MANIFEST.tsv), exact
duplicates within a document counted as such."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from curator.ingest.report import FeedOutcome
from tests.support.http import FeedServer, Route
from tests.support.ingest import open_curator

FOLDERS = ("fastfeedparser", "feedparser", "miniflux", "reader")


def manifest(folder: Path) -> dict[str, int]:
    with (folder / "PARSE_MANIFEST.tsv").open(encoding="utf-8") as f:
        rows = [line for line in f if not line.startswith("#")]
    return {row["file"]: int(row["n_entries"]) for row in csv.DictReader(rows, delimiter="\t")}


@pytest.mark.slow
def test_every_corpus_feed_is_fetched_and_stored(corpus_dir: Path, tmp_path: Path) -> None:
    expected: dict[str, int] = {}
    with FeedServer() as server:
        for name in FOLDERS:
            folder = corpus_dir / "feeds" / name
            for relative, count in manifest(folder).items():
                path = f"/{name}/{relative}"
                # No Content-Type: the manifest was made from bytes alone, without headers.
                server.route(path, Route(body=(folder / relative).read_bytes()))
                expected[server.url(path)] = count
        assert len(expected) > 450
        app = open_curator(
            tmp_path,
            [{"url": url, "full_text": "never"} for url in expected],
            fetch={"concurrency": 8, "per_host": 8},
        )
        report = app.fetch(all=True)

    assert len(report.feeds) == len(expected)
    short = []
    for feed in report.feeds:
        stored = feed.new_items + feed.duplicates
        if stored < expected[feed.url]:
            short.append((feed.url, expected[feed.url], stored, feed.error))
        assert not (feed.error or "").startswith("internal error"), feed
    assert short == []
    # Files that are not feeds at all fail with a reason, they do not crash anything.
    failed = [f for f in report.feeds if f.outcome is FeedOutcome.FAILED]
    assert all(f.error for f in failed)
    assert report.new_items > 3000
