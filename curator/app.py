"""The facade: each use case of curator, wiring storage, network and clock once.

This is the only module where I/O meets policy. The CLI and the scheduler call these methods
and nothing else; pure policy (score, plan, dedupe) never sees a session or a socket. Each use
case reads the clock once (`self.now()`) and passes that instant down, so tests can set it.
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from curator.config import Settings, load_settings, resolve_database_url
from curator.errors import InvalidAction
from curator.store import Database, decisions, repo
from curator.types import Decision, DecisionKind, Feed, FeedSource

if TYPE_CHECKING:
    from curator.ingest.pipeline import Progress
    from curator.ingest.report import FetchReport

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class StageResult:
    """What one stage of a run did, for the run summary and the service's job log."""

    name: str
    seconds: float
    summary: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RunReport:
    stages: list[StageResult] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"{s.name:>8}: {s.summary} ({s.seconds:.1f}s)" for s in self.stages]


class Curator:
    """One configured curator over one database."""

    def __init__(self, settings: Settings, db: Database, *, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.db = db
        self._clock = clock
        with db.session() as session:
            now = self.now()
            repo.sync_profiles(session, settings.profiles, now)
            repo.sync_feeds(session, settings.feeds, now)

    @classmethod
    def open(
        cls, config_path: Path, db_url: str | None = None, *, clock: Clock = utc_now
    ) -> Curator:
        settings = load_settings(config_path)
        return cls(settings, Database.open(resolve_database_url(db_url, settings)), clock=clock)

    def now(self) -> datetime:
        value = self._clock()
        if value.tzinfo is None:
            raise ValueError("the clock must return aware datetimes")
        return value.astimezone(UTC)

    def close(self) -> None:
        self.db.close()

    # --- feeds ---------------------------------------------------------------------------

    def feeds(self) -> list[Feed]:
        with self.db.session() as session:
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
        # Imported here: httpx, numpy and the parsers cost startup time other commands need not pay.
        from curator.ingest import service as ingest_service

        now = self.now()
        feeds = ingest_service.select_feeds(
            self.db, self.settings.feeds, now, everything=all, only=feed
        )
        return ingest_service.fetch(self.db, self.settings.fetch, feeds, now, progress=progress)

    def add_feed(self, url: str, *, name: str | None = None) -> FeedSource:
        """Follow the feed at `url`, or the one its page leads to; appended to feeds.yaml."""
        from curator.ingest import service as ingest_service

        found = ingest_service.discover_feed(self.settings.fetch, url, self.now())
        source = FeedSource(found.url, name=name or found.title)
        if not self._add_sources([source]):
            raise InvalidAction(f"{found.url} is already in {self.settings.path}")
        return source

    def import_opml(self, data: bytes, *, source: str = "OPML") -> list[FeedSource]:
        """Add every feed of an OPML subscription list not followed yet; returns those added."""
        from curator.ingest.discover import parse_opml

        return self._add_sources(parse_opml(data, source=source))

    def export_opml(self) -> str:
        from curator.ingest import service as ingest_service
        from curator.ingest.discover import export_opml

        with self.db.session() as session:
            feeds = repo.sync_feeds(session, self.settings.feeds, self.now())
        return export_opml(ingest_service.opml_feeds(feeds), now=self.now())

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
        return report.summary(), report.to_dict(per_feed=False)

    # --- review decisions ------------------------------------------------------------------

    def decide(
        self,
        profile: str,
        item_id: int,
        kind: DecisionKind,
        *,
        comment: str | None = None,
        reason: str | None = None,
        snooze_until: datetime | None = None,
    ) -> Decision:
        """Record a review decision; the scorer and the planner see it on their next pass."""
        self.settings.profile(profile)  # NotFound names the known profiles
        now = self.now()
        if kind is DecisionKind.SNOOZE and (snooze_until is None or snooze_until <= now):
            raise InvalidAction(f"snooze date must be in the future, got {snooze_until}")
        with self.db.session() as session:
            repo.get_item(session, item_id)  # NotFound for an unknown id
            previous = decisions.current_for(session, profile, item_id)
            if previous is not None and previous.kind is kind and kind is not DecisionKind.SNOOZE:
                raise InvalidAction(
                    f"item {item_id} is already {previous.kind.value}d for {profile} "
                    f"(on {previous.decided_at:%Y-%m-%d %H:%M} UTC)"
                )
            if kind is DecisionKind.WITHDRAW and (
                previous is None or previous.kind is not DecisionKind.APPROVE
            ):
                raise InvalidAction(f"item {item_id} is not approved for {profile}")
            decision = Decision(
                profile=profile,
                item_id=item_id,
                kind=kind,
                decided_at=now,
                comment=comment,
                reason=reason,
                snooze_until=snooze_until,
            )
            decisions.record(session, decision)
        return decision

    # --- the main job --------------------------------------------------------------------

    def run(self) -> RunReport:
        """One full cycle of the main job; each stage is a use case of its own."""
        report = RunReport()
        stages: list[tuple[str, Callable[[], tuple[str, dict[str, Any]]]]] = [
            # Stages are added here in data-flow order: fetch -> score -> plan -> export -> digest.
            ("fetch", self._fetch_stage),
        ]
        for name, stage in stages:
            started = _time.perf_counter()
            summary, detail = stage()
            report.stages.append(StageResult(name, _time.perf_counter() - started, summary, detail))
        return report
