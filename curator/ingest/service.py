"""The fetch use case's database side, called by `Curator.fetch` only.

`Curator.fetch` stays a few lines; this module holds what it wires: which feeds to fetch, the
`Sink` that turns each fetched document into stored items and a new feed state (one
transaction per feed), the full-text outcome, and near-duplicate clustering at the end.
Decisions are the pure functions of `policy` and `dedupe`; this is only plumbing.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from curator.errors import CuratorError, FeedError, FetchError, StorageError
from curator.extract import decode_html
from curator.i18n import N_, Message
from curator.ingest import dedupe, discover, policy
from curator.ingest.fetch import Fetcher, FetchResult, FetchStatus, run_sync
from curator.ingest.parse import ParsedFeed, parse_feed
from curator.ingest.pipeline import (
    PageText,
    ParsedDocument,
    Pipeline,
    Progress,
    StoredFeed,
    make_workers,
)
from curator.ingest.report import FeedOutcome, FeedReport, FetchReport, PageJob
from curator.ingest.sanitize import storable_line
from curator.lang import UNSETTLED, language_from_hint
from curator.store import Database
from curator.store import ingest as store
from curator.types import Feed, FeedStatus, FetchSettings

log = logging.getLogger(__name__)

CLUSTER_LOOKBACK = dedupe.LOOKBACK  # never compare with items older than this: keeps it cheap
LEFTOVER_PAGES = store.LEFTOVER_PAGES
STATE_BATCH = 64  # not-modified feeds whose new state is written in one transaction
FEED_NAME_CHARS = 300  # the size of a feed's name column
ERROR_CHARS = 1000  # a stored failure reason


class DatabaseSink:
    """Stores each fetched feed in its own transaction (runs in the pipeline's writer thread)."""

    def __init__(
        self, db: Database, settings: FetchSettings, now: datetime, rng: policy.RandomSource
    ) -> None:
        self.db = db
        self.settings = settings
        self.now = now
        self.rng = rng
        self.new_ids: list[int] = []
        # New states of not-modified feeds, written STATE_BATCH at a time: a transaction per
        # 304 cost more than the request itself. Losing them in a crash only means those
        # feeds are asked again next run, with the validators they had.
        self._unchanged: list[tuple[int, policy.FeedState]] = []

    def flush(self) -> None:
        """Write the states held back by `store_feed`."""
        pending, self._unchanged = self._unchanged, []
        if not pending:
            return
        try:
            with self.db.session() as session:
                for feed_id, state in pending:
                    store.save_feed_state(session, feed_id, state, self.now)
        except StorageError as e:
            # Only the new validators of unchanged feeds are lost: asked again next run.
            log.error("storing the state of %d unchanged feeds failed: %s", len(pending), e)

    def store_feed(
        self, feed: Feed, result: FetchResult, document: ParsedDocument | None
    ) -> StoredFeed:
        try:
            return self._store_feed(feed, result, document)
        except StorageError as e:
            # The database refused the feed (a full disk, a lock held past the busy timeout):
            # the feed records why, as for a network error, and the log gets one line, not
            # the SQL statement (issue 13).
            log.error("storing %s failed: %s", feed.url, e)
            error = f"not stored: {e}"
            state = policy.after_error(feed, self.settings, self.now, error=error, rng=self.rng)
            try:
                with self.db.session() as session:
                    store.save_feed_state(session, feed.id, state, self.now)
            except StorageError as again:
                log.error("recording the failure of %s failed too: %s", feed.url, again)
            disabled = state.status is FeedStatus.DISABLED
            outcome = FeedOutcome.DISABLED if disabled else FeedOutcome.FAILED
            return StoredFeed(_report(feed, outcome, http_status=result.http_status, error=error))

    def _store_feed(
        self, feed: Feed, result: FetchResult, document: ParsedDocument | None
    ) -> StoredFeed:
        now, settings = self.now, self.settings
        # 304, or a 200 with the very document stored last time (the pipeline did not parse it)
        if result.status is FetchStatus.NOT_MODIFIED or (
            result.status is FetchStatus.OK and document is None
        ):
            state = policy.after_success(
                feed,
                settings,
                now,
                etag=result.etag,
                last_modified=result.last_modified,
                new_url=result.permanent_url,
                max_age_seconds=result.max_age_seconds,
                not_modified=True,
            )
            moved = None
            if result.permanent_url is None:
                self._unchanged.append((feed.id, state))
                if len(self._unchanged) >= STATE_BATCH:
                    self.flush()
            else:  # the stored URL changes: not a state to hold back
                with self.db.session() as session:
                    moved = store.save_feed_state(session, feed.id, state, now)
            return StoredFeed(
                _report(
                    feed, FeedOutcome.NOT_MODIFIED, http_status=result.http_status, moved_to=moved
                )
            )
        with self.db.session() as session:
            if result.status is FetchStatus.GONE:
                state = policy.after_gone(feed, now)
                store.save_feed_state(session, feed.id, state, now)
                return StoredFeed(
                    _report(feed, FeedOutcome.GONE, http_status=410, error=state.last_error)
                )
            error = result.error if result.status is FetchStatus.ERROR else None
            if document is not None and document.error:
                error = document.error
            if error is not None:  # it may quote the server or the document
                error = storable_line(error, ERROR_CHARS)
            if error is not None:
                state = policy.after_error(
                    feed, settings, now, error=error, rng=self.rng, retry_after=result.retry_after
                )
                store.save_feed_state(session, feed.id, state, now)
                outcome = (
                    FeedOutcome.DISABLED
                    if state.status is FeedStatus.DISABLED
                    else FeedOutcome.FAILED
                )
                return StoredFeed(
                    _report(feed, outcome, http_status=result.http_status, error=error)
                )
            assert document is not None  # a 200 without one counts as not modified above
            return self._store_document(session, feed, result, document)

    def _store_document(
        self,
        session: Session,
        feed: Feed,
        result: FetchResult,
        document: ParsedDocument,
    ) -> StoredFeed:
        entries = document.entries
        keys = document.keys  # parse_document computes them, entry by entry
        identities, urls = dedupe.keys_for(entries, keys)
        known = (
            store.known_items(session, feed.id, identities, urls)
            if feed.last_fetched_at is not None  # never fetched: nothing stored to compare
            else []
        )
        reconciled = dedupe.reconcile(entries, known, keys)
        # Empty when the feed never wants full text (parse_document skipped the test).
        truncated = document.truncated or (False,) * len(entries)
        pending = policy.limit_full_text(
            [
                r.action is dedupe.Action.NEW
                and policy.wants_full_text(feed.full_text, url=r.entry.url, truncated=cut)
                for r, cut in zip(reconciled, truncated, strict=True)
            ],
            self.settings.full_text_per_feed,
        )
        settled = document.languages
        # Until the model answers, an unsettled item carries the language its feed declares.
        languages = [
            language_from_hint(r.entry.language) if language == UNSETTLED else language
            for r, language in zip(reconciled, settled, strict=True)
        ]
        stored = store.store_items(
            session,
            feed.id,
            reconciled,
            languages,
            self.now,
            pending=pending,
            unsettled=[language == UNSETTLED for language in settled],
        )
        state = policy.after_success(
            feed,
            self.settings,
            self.now,
            etag=result.etag,
            last_modified=result.last_modified,
            new_url=result.permanent_url,
            max_age_seconds=result.max_age_seconds,
            ttl_minutes=document.ttl_minutes,
        )
        moved = store.save_feed_state(
            session,
            feed.id,
            state,
            self.now,
            document=store.StoredDocument(
                document.title, document.site_url, document.ttl_minutes, result.digest
            ),
        )
        self.new_ids += stored.new
        report = _report(
            feed,
            FeedOutcome.FETCHED,
            http_status=result.http_status,
            entries=len(entries),
            new_items=len(stored.new),
            updated_items=stored.updated,
            duplicates=stored.duplicates,
            warning=document.warning,
            moved_to=moved,
        )
        return StoredFeed(report, stored.pages, stored.texts)

    def store_languages(self, languages: dict[int, str | None]) -> None:
        with self.db.session() as session:
            store.save_languages(session, languages)

    def store_page(self, job: PageJob, page: PageText) -> bool:
        with self.db.session() as session:
            if page.error or not page.text:
                store.save_full_text(
                    session,
                    job.item_id,
                    status="failed",
                    error=storable_line(page.error or "no text", ERROR_CHARS),
                )
                return False
            if len(page.text) <= len(job.text):
                # The feed already had at least as much: keep it, but take the metadata.
                store.save_full_text(
                    session,
                    job.item_id,
                    status="skipped",
                    author=page.author,
                    published_at=page.published_at,
                    error="the page text is not longer than the feed's",
                )
                return True
            store.save_full_text(
                session,
                job.item_id,
                status="ok",
                content=page.text,
                author=page.author,
                published_at=page.published_at,
                language=page.language,
            )
            return True


def _report(feed: Feed, outcome: FeedOutcome, **details: Any) -> FeedReport:
    return FeedReport(feed.id, feed.url, feed.display_name, outcome, **details)


def fetch(
    db: Database,
    settings: FetchSettings,
    feeds: Sequence[Feed],
    now: datetime,
    *,
    progress: Progress | None = None,
    rng: policy.RandomSource | None = None,
    stop: threading.Event | None = None,
    leftovers: Sequence[PageJob] | None = None,
) -> FetchReport:
    """Fetch `feeds` and resume the full-text pages an interrupted fetch left (`leftovers`,
    read here when not given)."""
    started = time.perf_counter()
    sink = DatabaseSink(db, settings, now, rng or random.Random())
    if leftovers is None:
        with db.reading() as session:
            leftovers = store.page_jobs(session, limit=LEFTOVER_PAGES)
    # Workers first: forked before any thread exists (see make_workers). Processes only for
    # the documents likely to be parsed: a fetch of feeds answering "not modified" parses a
    # few documents at most, in a thread (issue 19).
    expected = sum(policy.likely_changed(feed, now) for feed in feeds) + len(leftovers)
    with (
        make_workers(expected) as workers,
        ThreadPoolExecutor(1, thread_name_prefix="curator-store") as writer,
    ):
        pipeline = Pipeline(
            settings,
            sink,
            workers=workers,
            writer=writer,
            now=now,
            progress=progress,
            stop=stop,
        )
        reports = run_sync(lambda: pipeline.run(feeds, leftovers))
    try:
        clustered = cluster(db, sink.new_ids, now)
    except Exception:
        # Clustering only groups stored items: if it fails they are still there, unclustered.
        log.exception("near-duplicate clustering failed")
        clustered = 0
    return FetchReport(
        feeds=tuple(reports),
        full_text_ok=pipeline.pages_ok,
        full_text_failed=pipeline.pages_failed,
        clustered=clustered,
        seconds=time.perf_counter() - started,
    )


def cluster(db: Database, new_ids: Sequence[int], now: datetime) -> int:
    """Attach new items to near-duplicate stories of other feeds (dedupe.assign_clusters)."""
    if not new_ids:
        return 0
    # Compared with no transaction open, written in a short one: comparing thousands of
    # items takes seconds that the write lock must not be held for (issue 13).
    floor = now - CLUSTER_LOOKBACK
    with db.reading() as session:
        found = store.cluster_docs(session, new_ids, window=dedupe.DEFAULT_WINDOW, floor=floor)
    if not found.new:
        return 0
    clustering = dedupe.assign_clusters(found.new, found.candidates)
    # The new items' sketches are written with their clusters, in one writing transaction:
    # a reading one that writes cannot wait for SQLite's write lock (issue 13), and one
    # commit per pass is one WAL flush less per feed on PostgreSQL (issue 17).
    with db.session() as session:
        store.save_sketches(session, found.new, found.sketches)
        # Sketches no new item can reach any more (issue 19: the index covers the window only).
        store.prune_sketches(session, floor - dedupe.DEFAULT_WINDOW)
        return store.apply_clustering(session, clustering)


# ---- discovery --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Discovered:
    url: str  # the feed's URL, after permanent redirects
    title: str | None
    via: str  # "feed" (the URL itself), "link" (<link rel=alternate>), "well-known" (/feed...)


def _as_feed(result: FetchResult) -> ParsedFeed | None:
    if not result.ok:
        return None
    try:
        return parse_feed(result.body, url=result.final_url, headers=result.headers)
    except CuratorError:
        return None


def _title(parsed: ParsedFeed) -> str | None:
    """The feed's own title, fit to become its name in feeds.yaml (and the database)."""
    return storable_line(parsed.title, FEED_NAME_CHARS) or None if parsed.title else None


async def _discover(fetcher: Fetcher, url: str, now: datetime) -> Discovered:
    first = await fetcher.fetch_any(url, now=now)
    if not first.ok:
        raise FetchError(url, first.error or Message(N_("cannot fetch")), status=first.http_status)
    parsed = _as_feed(first)
    if parsed is not None:
        return Discovered(first.permanent_url or url, _title(parsed), "feed")
    candidates: list[tuple[str, str]] = []
    if discover.looks_like_html(first.body, first.content_type):
        page, _ = decode_html(first.body, first.headers)
        candidates += [
            (link.url, "link") for link in discover.find_feed_links(page, first.final_url)
        ]
    candidates += [(c, "well-known") for c in discover.well_known_candidates(first.final_url)]
    user_host = urlsplit(url).hostname
    tried: set[str] = set()
    for candidate, via in candidates:
        if candidate in tried:
            continue
        tried.add(candidate)
        # Links on the page the user named may point anywhere: only its own host is trusted
        # as much as the URL the user typed.
        same_host = urlsplit(candidate).hostname == user_host
        result = await fetcher.fetch_any(candidate, now=now, user_given=same_host)
        parsed = _as_feed(result)
        if parsed is not None:
            return Discovered(result.permanent_url or candidate, _title(parsed), via)
    raise FeedError(
        url,
        Message(
            N_(
                'no feed found: the page announces none (<link rel="alternate">) and none of '
                "{paths} is a feed"
            ),
            paths=", ".join(discover.WELL_KNOWN_PATHS),
        ),
    )


def discover_feed(settings: FetchSettings, url: str, now: datetime) -> Discovered:
    """The feed at `url`, or the one a blog/home page leads to (autodiscovery)."""

    url = url.strip()
    if "://" not in url:
        url = "https://" + url  # "example.org/blog" as people type it

    async def run() -> Discovered:
        async with Fetcher(settings) as fetcher:
            return await _discover(fetcher, url, now)

    return run_sync(run)


def opml_feeds(feeds: Sequence[Feed]) -> list[discover.OpmlFeed]:
    return [discover.OpmlFeed(f.url, f.display_name, f.site_url) for f in feeds]
