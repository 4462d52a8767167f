"""Ingestion: fetching the feeds, and following, pausing, renaming or dropping them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from curator.app.core import CuratorCore
from curator.config import load_settings
from curator.errors import InvalidAction
from curator.i18n import N_, Message
from curator.store import repo
from curator.types import Feed, FeedSource, FeedStatus

if TYPE_CHECKING:
    from curator.ingest.pipeline import Progress
    from curator.ingest.report import FetchReport


class IngestUseCases(CuratorCore):
    """The followed feeds: fetching them, and changing the list in feeds.yaml."""

    # --- feeds ---------------------------------------------------------------------------

    def feeds(self) -> list[Feed]:
        with self.db.reading() as session:
            return repo.list_feeds(session)

    # --- ingestion ------------------------------------------------------------------------

    def fetch(
        self,
        *,
        all: bool = False,
        feed: str | None = None,
        progress: Progress | None = None,
    ) -> FetchReport:
        """Fetch the feeds that are due (every active one with `all`, or one by URL or name),
        store their new and edited items, fetch full text where wanted, cluster duplicates."""
        from curator.ingest.report import FetchReport
        from curator.store import ingest as ingest_store

        now = self.now()
        # A paused feed is fetched only when asked for by name (`fetch --feed`).
        sources = [s for s in self.settings.feeds if feed is not None or not s.paused]
        feeds = self._select_feeds(sources, now, everything=all, only=feed)
        with self.db.reading() as session:
            leftovers = ingest_store.page_jobs(session)
        if not feeds and not leftovers:
            # Nothing due (most runs between two fetch times): the fetcher, the parsers and
            # their HTTP client are not even imported (issue 19).
            return FetchReport()
        # Imported here: httpx, numpy and the parsers cost startup time other commands need not pay.
        from curator.ingest import service as ingest_service

        return ingest_service.fetch(
            self.db,
            self.settings.fetch,
            feeds,
            now,
            progress=progress,
            stop=self.stopping,
            leftovers=leftovers,
        )

    def due_feeds(self) -> list[Feed]:
        """The configured, unpaused feeds whose next fetch time has passed (what `fetch` would
        fetch now); the workers' tick defers one task per feed (issue 17)."""
        sources = [s for s in self.settings.feeds if not s.paused]
        return self._select_feeds(sources, self.now())

    def _select_feeds(
        self,
        sources: Sequence[FeedSource],
        now: datetime,
        *,
        everything: bool = False,
        only: str | None = None,
    ) -> list[Feed]:
        """Configured feeds to fetch: one by URL or name (whatever its state: a manual retry),
        every active one (`everything`), or the active ones that are due."""
        from curator.ingest import policy

        with self.db.session() as session:
            configured = repo.sync_feeds(session, sources, now)
            if only is not None:
                return [repo.find_feed(session, only)]
        if everything:
            return [f for f in configured if f.status is FeedStatus.ACTIVE]
        return policy.due_feeds(configured, now)

    def fetch_feed(self, feed_id: int, *, per_host: int | None = None) -> FetchReport:
        """Fetch one stored feed by id, whatever its next fetch time (a worker's task, issue 17).

        `per_host` overrides `fetch.per_host` for this call: a worker that holds one of the
        host's slots shared by all workers fetches that host one request at a time. A feed
        that left feeds.yaml, is paused or disabled since the task was deferred is skipped.
        """
        from curator.ingest import service as ingest_service
        from curator.ingest.report import FetchReport
        from curator.store.models import FeedRow
        from curator.types import FeedStatus

        now = self.now()
        with self.db.reading() as session:
            row = session.get(FeedRow, feed_id)
            feed = repo.feed_from_row(row) if row is not None else None
        active = {s.url for s in self.settings.feeds if not s.paused}
        if feed is None or feed.status is not FeedStatus.ACTIVE or feed.url not in active:
            return FetchReport()
        settings = self.settings.fetch
        if per_host is not None:
            settings = replace(settings, per_host=per_host)
        return ingest_service.fetch(self.db, settings, [feed], now, stop=self.stopping)

    def add_feed(self, url: str, *, name: str | None = None) -> FeedSource:
        """Follow the feed at `url`, or the one its page leads to; appended to feeds.yaml."""
        from curator.ingest import service as ingest_service

        found = ingest_service.discover_feed(self.settings.fetch, url, self.now())
        source = FeedSource(found.url, name=name or found.title)
        if not self._add_sources([source]):
            raise InvalidAction(
                Message(N_("{url} is already in {path}"), url=found.url, path=self.settings.path)
            )
        return source

    def import_opml(
        self, data: bytes, *, source: str = "OPML"
    ) -> tuple[list[FeedSource], list[FeedSource]]:
        """Add every feed of an OPML subscription list not followed yet; returns those added
        and those of the list that were already followed."""
        from curator.ingest.discover import parse_opml

        listed = parse_opml(data, source=source)
        added = self._add_sources(listed)
        new = {s.url for s in added}
        unique = {s.url: s for s in listed}
        return added, [s for url, s in unique.items() if url not in new]

    def export_opml(self) -> str:
        from curator.ingest import service as ingest_service
        from curator.ingest.discover import export_opml

        with self.db.session() as session:
            feeds = repo.sync_feeds(session, self.settings.feeds, self.now())
        return export_opml(ingest_service.opml_feeds(feeds), now=self.now())

    def remove_feed(self, key: str) -> str:
        """Stop following a feed (by URL or name): its entry leaves feeds.yaml; what it brought
        stays (decisions, slots, history). Returns its URL."""
        from curator.config_edit import remove_feed

        url = remove_feed(self.settings.path, key)
        self._reload_settings()
        return url

    def pause_feed(self, key: str, *, paused: bool = True) -> tuple[str, bool]:
        """Pause (or resume) a feed in feeds.yaml: kept, but not fetched until resumed.
        Returns its URL and whether anything changed."""
        from curator.config_edit import set_paused

        url, changed = set_paused(self.settings.path, key, paused)
        if changed:
            self._reload_settings()
        return url, changed

    def rename_feed(self, key: str, name: str) -> str:
        """Give a feed the name shown everywhere (its `name:` in feeds.yaml); returns its URL."""
        from curator.config_edit import rename_feed

        url = rename_feed(self.settings.path, key, name)
        self._reload_settings()
        return url

    def _reload_settings(self) -> None:
        self.settings = load_settings(self.settings.path)
        with self.db.session() as session:
            repo.sync_feeds(session, self.settings.feeds, self.now())

    def _add_sources(self, sources: list[FeedSource]) -> list[FeedSource]:
        from curator.config_edit import add_feeds

        added = add_feeds(self.settings.path, sources)
        if added:
            self.settings = load_settings(self.settings.path)
            with self.db.session() as session:
                repo.sync_feeds(session, self.settings.feeds, self.now())
        return added

    def _fetch_stage(self) -> tuple[str, dict[str, Any]]:
        report = self.fetch()
        detail = report.to_dict(per_feed=False)
        # `curator run` names each failing feed and why, as `curator fetch` does.
        detail["problems"] = [
            f"{f.outcome.value}: {f.name}: {f.error}" for f in report.feeds if f.error
        ]
        return report.summary(), detail
