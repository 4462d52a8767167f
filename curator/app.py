"""The facade: each use case of curator, wiring storage, network and clock once.

This is the only module where I/O meets policy. The CLI and the scheduler call these methods
and nothing else; pure policy (score, plan, dedupe) never sees a session or a socket. Each use
case reads the clock once (`self.now()`) and passes that instant down, so tests can set it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time as _time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from glob import escape as glob_escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from sqlalchemy.engine import make_url

from curator import ideas as ideas_mod
from curator import plan as planner
from curator import results, review
from curator.config import Settings, load_settings, resolve_database_url
from curator.errors import (
    ConfigError,
    CuratorError,
    ExportError,
    InvalidAction,
    NotFound,
    StorageError,
)
from curator.health import HealthStatus, JobOutcome
from curator.health import assess as assess_health

# The digest renderer (jinja2, css-inline) and the calendar writer (icalendar) are imported by
# the methods that use them: every command loads this module, and `curator fetch` (run from
# cron every few minutes) should not pay their ~0.15 s of start-up.
from curator.outputs import outbox, smtp
from curator.outputs.ics_http import (
    CalendarResponse,
    calendar_response,
    forbidden,
    not_found,
    token_ok,
)
from curator.outputs.outbox import DigestOutcome, DigestReport
from curator.store import Database, decisions, digests, jobs, repo
from curator.store import ics as store_ics
from curator.store import ideas as ideas_store
from curator.store import queue as queue_store
from curator.store import review as review_store
from curator.store import scores as score_store
from curator.store import slots as slot_store
from curator.types import (
    ClusterVersion,
    Decision,
    DecisionKind,
    Digest,
    Feed,
    FeedSource,
    Item,
    Profile,
    QueueEntry,
    Schedule,
    Score,
    Slot,
    SlotKind,
)

if TYPE_CHECKING:
    from curator import score as scoring
    from curator.ingest.pipeline import Progress
    from curator.ingest.report import FetchReport
    from curator.outputs.digest import DigestContent

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
        lines = []
        for s in self.stages:
            lines.append(f"{s.name:>8}: {s.summary} ({s.seconds:.1f}s)")
            lines += [f"          {problem}" for problem in s.detail.get("problems", ())]
        return lines


def write_if_changed(path: Path, body: bytes) -> None:
    """Replace a file atomically, and leave it untouched (mtime included) when nothing changed.

    A file:// subscriber or a sync client never sees half a calendar, and an unchanged plan
    does not look like an update to tools that watch the file.
    """
    try:
        if path.is_file() and path.read_bytes() == body:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(body)
        os.replace(partial, path)
    except OSError as e:
        raise ExportError(f"cannot write the calendar: {e.strerror or e}", path=str(path)) from e


@dataclass(slots=True)
class ProfilePlan:
    """What planning did for one profile."""

    profile: str
    slots: list[Slot]  # every live slot after planning
    created: int
    updated: int
    removed: int
    notes: list[str]
    variety: dict[str, str] = field(default_factory=dict)  # slot id -> why it repeats a feed

    def upcoming(self, now: datetime) -> list[Slot]:
        return [s for s in self.slots if s.starts_at > now]


@dataclass(slots=True)
class PlanReport:
    plans: list[ProfilePlan] = field(default_factory=list)
    now: datetime | None = None

    def summary(self) -> str:
        parts = []
        for p in self.plans:
            upcoming = p.upcoming(self.now) if self.now else p.slots
            empty = sum(1 for s in upcoming if s.status.value == "empty")
            todo = sum(1 for s in upcoming if planner.needs_comment(s))
            parts.append(
                f"{p.profile}: {len(upcoming)} upcoming slots ({p.created} new, {p.updated} "
                f"changed, {p.removed} removed), {todo} need a comment, {empty} empty"
            )
        return "; ".join(parts) or "no profile to plan"


@dataclass(slots=True)
class CalendarView:
    """A profile's slots over a window, with the items they relay, for the calendar commands."""

    profile: Profile
    start: datetime
    end: datetime
    now: datetime
    slots: list[Slot]
    items: dict[int, Item]
    log: list[planner.WeekLog] = field(default_factory=list)
    week_minutes: dict[date, int] = field(default_factory=dict)  # by local Monday


@dataclass(slots=True)
class ProfileScores:
    profile: str
    scored: int
    pending: int  # ranked items waiting for review
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ScoreReport:
    items: int  # items in the scoring window
    profiles: list[ProfileScores] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return [w for p in self.profiles for w in p.warnings]

    def summary(self) -> str:
        parts = ", ".join(f"{p.profile} {p.pending} pending" for p in self.profiles)
        return f"{self.items} items scored" + (f" ({parts})" if parts else "")


class Curator:
    """One configured curator over one database."""

    def __init__(self, settings: Settings, db: Database, *, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.db = db
        self._clock = clock
        # Set by the service on SIGTERM: long use cases stop at their next unit of work
        # (the current feed's transaction completes or rolls back, never half written).
        self.stopping = threading.Event()
        # Looked at before writing: most commands start with the configuration already stored,
        # and need no write lock for it (nor a writable database file, issue 13).
        with db.reading() as session:
            stored = repo.in_sync(session, settings.profiles, settings.feeds)
        if not stored:
            try:
                with db.session() as session:
                    now = self.now()
                    repo.sync_profiles(session, settings.profiles, now)
                    repo.sync_feeds(session, settings.feeds, now)
            except StorageError as e:
                # A read-only database still serves the commands that read; those that write
                # meet the same one-line error when they do.
                log.warning("feeds.yaml changes not stored: %s", e)

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

    def request_stop(self) -> None:
        self.stopping.set()

    # --- service bookkeeping -------------------------------------------------------------

    def record_job_run(
        self,
        job: str,
        started_at: datetime,
        finished_at: datetime,
        status: str,
        detail: dict[str, Any],
    ) -> None:
        with self.db.session() as session:
            jobs.record_run(session, job, started_at, finished_at, status, detail)

    def health(self, next_runs: dict[str, datetime | None]) -> dict[str, Any]:
        """What `/healthz` answers: ok / degraded / failing with the reasons (`curator.health`),
        each job's last and next run, and failing feeds. `http_status` is 503 when failing."""
        now = self.now()
        try:
            with self.db.reading() as session:
                last = jobs.last_runs(session)
                feeds = repo.list_feeds(session)
                recent = [
                    d
                    for d in digests.recent(session, limit=2 * len(self.settings.profiles) + 2)
                    if (now.date() - d.day).days <= _HEALTH_DIGEST_DAYS
                ]
        except Exception as e:  # the database cannot be read: nothing works
            log.warning("health: cannot read the state: %s", e)
            return {
                "status": HealthStatus.FAILING.value,
                "http_status": 503,
                "reasons": [str(e)],
                "now": now.isoformat(),
            }
        verdict = assess_health(
            feeds,
            {name: JobOutcome(run.status, run.detail.get("error")) for name, run in last.items()},
            recent,
        )
        names = sorted(set(last) | set(next_runs))
        return {
            "status": verdict.status.value,
            "http_status": verdict.http_status,
            "reasons": list(verdict.reasons),
            "now": now.isoformat(),
            "jobs": {
                name: {
                    "last_run": last[name].as_dict() if name in last else None,
                    "next_run": (run.isoformat() if (run := next_runs.get(name)) else None),
                }
                for name in names
            },
            "feeds": len(feeds),
            "failing_feeds": sum(1 for f in feeds if f.failing),
        }

    def status(self) -> dict[str, Any]:
        """What `curator status` shows: jobs, failing feeds, queue sizes, next slots, digests."""
        now = self.now()
        with self.db.reading() as session:
            last = jobs.last_runs(session)
            feeds = repo.list_feeds(session)
            profiles = {}
            digest_folder = self._beside_database()
            for p in self.settings.profiles:
                upcoming = slot_store.list_slots(session, p.name, since=now)[:5]
                recent = digests.recent(session, p.name, limit=1)
                written = last_digest_file(
                    digest_folder,
                    p.name,
                    recorded=repo.get_meta(session, _DIGEST_FILE_KEY.format(profile=p.name)),
                )
                profiles[p.name] = {
                    "queue": queue_store.count_pending(session, p.name, now),
                    "next_slots": [
                        {
                            "id": s.id,
                            "start": s.starts_at.astimezone(planner.zone(p.timezone)).isoformat(),
                            "kind": s.kind.value,
                            "status": s.status.value,
                        }
                        for s in upcoming
                    ],
                    "last_digest": (
                        {
                            "day": recent[0].day.isoformat(),
                            "state": recent[0].state.value,
                            "sent_at": recent[0].sent_at.isoformat() if recent[0].sent_at else None,
                            "last_error": recent[0].last_error,
                        }
                        if recent
                        else None
                    ),
                    # Digests written to file (no SMTP, or no recipient) never enter the outbox:
                    # the newest such file, so status does not claim there is no digest at all.
                    "last_digest_file": (
                        {
                            "day": written[0].isoformat(),
                            "path": str(written[1]),
                            "written_at": datetime.fromtimestamp(
                                written[1].stat().st_mtime, UTC
                            ).isoformat(),
                        }
                        if written
                        else None
                    ),
                }
        failing = [
            {"url": f.url, "name": f.display_name, "status": f.status.value,
             "errors": f.error_count, "last_error": f.disabled_reason or f.last_error}
            for f in feeds
            if f.failing
        ]  # fmt: skip
        return {
            "now": now.isoformat(),
            "database": self.db.display_url,
            "jobs": {name: run.as_dict() for name, run in sorted(last.items())},
            "feeds": len(feeds),
            "failing_feeds": failing,
            "profiles": profiles,
        }

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
        # Imported here: httpx, numpy and the parsers cost startup time other commands need not pay.
        from curator.ingest import service as ingest_service

        now = self.now()
        # A paused feed is fetched only when asked for by name (`fetch --feed`).
        sources = [s for s in self.settings.feeds if feed is not None or not s.paused]
        feeds = ingest_service.select_feeds(self.db, sources, now, everything=all, only=feed)
        return ingest_service.fetch(
            self.db, self.settings.fetch, feeds, now, progress=progress, stop=self.stopping
        )

    def due_feeds(self) -> list[Feed]:
        """The configured, unpaused feeds whose next fetch time has passed (what `fetch` would
        fetch now); the workers' tick defers one task per feed (issue 17)."""
        from curator.ingest import service as ingest_service

        sources = [s for s in self.settings.feeds if not s.paused]
        return ingest_service.select_feeds(self.db, sources, self.now())

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

    _PICKS_SECRET = "picks.secret"

    def _picks_secret(self) -> str:
        import secrets

        with self.db.reading() as session:
            secret = repo.get_meta(session, self._PICKS_SECRET)
        if isinstance(secret, str):
            return secret
        with self.db.session() as session:
            secret = repo.get_meta(session, self._PICKS_SECRET)
            if not isinstance(secret, str):
                secret = secrets.token_hex(32)
                repo.set_meta(session, self._PICKS_SECRET, secret, self.now())
        return str(secret)

    def picks_links(self, profile: str) -> tuple[str, str]:
        """The paths of a profile's picks page and Atom feed on `curator serve`, with the
        profile's own key unless its `picks:` is public (issue 17)."""
        from curator.outputs import picks as picks_out

        p = self.settings.profile(profile)
        key = None if p.picks == "public" else picks_out.picks_key(self._picks_secret(), p.name)
        return picks_out.paths(p.name, key)

    def get_picks(self, profile: str, *, limit: int = 50) -> list[Any]:
        """The profile's approved items with its comments, newest decision first."""
        from curator.outputs.picks import Pick

        with self.db.reading() as session:
            approved = sorted(
                (d for d in decisions.current(session, profile).values()
                 if d.kind is DecisionKind.APPROVE),
                key=lambda d: d.decided_at, reverse=True,
            )[:limit]  # fmt: skip
            ids = {d.item_id for d in approved}
            listed = repo.list_items(session, state=None, ids=ids) if ids else []
            items = {i.id: i for i in listed}
        return [
            Pick(d.item_id, items[d.item_id].title, items[d.item_id].url, d.comment,
                 items[d.item_id].feed_name, d.decided_at)
            for d in approved
            if d.item_id in items
        ]  # fmt: skip

    def picks_http(
        self, profile: str, kind: str, *, key: str | None, if_none_match: str | None
    ) -> tuple[int, dict[str, str], bytes]:
        """What `/p/<profile>/feed.xml` (kind "atom") and `/p/<profile>/` ("html") answer:
        404 for an unknown profile or a private one without its key (so names stay hidden),
        else the feed or page, 304 when the client holds these bytes."""
        from curator.outputs import picks as picks_out

        p = next((x for x in self.settings.profiles if x.name == profile), None)
        public = p is not None and p.picks == "public"
        if p is None or not (public or picks_out.key_ok(self._picks_secret(), p.name, key)):
            response = not_found()
            return response.status, response.headers, response.body
        page_href, feed_href = picks_out.paths(p.name, None if public else key)
        picks = self.get_picks(p.name)
        if kind == "atom":
            body = picks_out.render_atom(
                p.name, picks, page_href=page_href, feed_href=feed_href, now=self.now()
            )
            content_type = picks_out.ATOM_TYPE
        else:
            language = p.language if p.language != "auto" else "en"
            body = picks_out.render_html(
                p.name, picks, feed_href=feed_href, language=language, public=public
            )
            content_type = picks_out.HTML_TYPE
        response = calendar_response(body, if_none_match=if_none_match)
        headers = {**response.headers, "Content-Type": content_type}
        if public:
            headers["Cache-Control"] = "public, max-age=300"
        return response.status, headers, response.body

    def task_queue(self) -> dict[str, Any] | None:
        """The workers' queue (tasks waiting, running, failed, per worker) for `curator status`
        and `/healthz`; None without one (SQLite, or PostgreSQL before any worker, issue 17)."""
        from curator.store.taskqueue import read_queue

        with self.db.reading() as session:
            queue = read_queue(session.connection())
        return queue.as_dict() if queue is not None else None

    def add_feed(self, url: str, *, name: str | None = None) -> FeedSource:
        """Follow the feed at `url`, or the one its page leads to; appended to feeds.yaml."""
        from curator.ingest import service as ingest_service

        found = ingest_service.discover_feed(self.settings.fetch, url, self.now())
        source = FeedSource(found.url, name=name or found.title)
        if not self._add_sources([source]):
            raise InvalidAction(f"{found.url} is already in {self.settings.path}")
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

    #: Even with nothing new, the service re-scores and re-plans this often: freshness decays and
    #: the planning horizon moves forward with the calendar.
    REFRESH_EVERY = timedelta(hours=1)
    _LAST_FULL_REFRESH = "service.last_full_refresh"

    def refresh(self) -> dict[str, Any]:
        """The service's tick: fetch the feeds that are due, then re-score, re-plan and re-export
        the calendars when something changed (or an hour has passed since the last time)."""
        report = self.fetch()
        detail: dict[str, Any] = report.to_dict(per_feed=False)
        now = self.now()
        with self.db.reading() as session:
            last = repo.get_meta(session, self._LAST_FULL_REFRESH)
            # Decisions made by the queue commands since the last pass are learned now: they
            # re-score nothing themselves (issue 19).
            decided = any(
                _decided_since_pass(
                    repo.get_meta(session, self._PASS_KEY.format(profile=p.name)),
                    decisions.current_ids(session, p.name),
                )
                for p in self.settings.profiles
            )
        stale = last is None or now - datetime.fromisoformat(last) >= self.REFRESH_EVERY
        changed = report.new_items or report.updated_items or report.clustered or decided
        if not (changed or stale):
            return detail
        for name, stage in (
            ("score", self._score_stage),
            ("plan", self._plan_stage),
            ("export", self._export_stage),
        ):
            if self.stopping.is_set():
                detail["stopped"] = True
                return detail
            detail[name], _ = stage()
        with self.db.session() as session:
            repo.set_meta(session, self._LAST_FULL_REFRESH, now.isoformat(), now)
        return detail

    def release_memory(self) -> None:
        """Give back what the last job built (the service calls it between jobs, issue 19)."""
        from curator import memory

        memory.release()

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

    # --- the review queue -------------------------------------------------------------

    def choose_profile(self, name: str | None) -> Profile:
        """The profile named, else the only one; with several, an error listing them."""
        if name:
            return self.settings.profile(name)
        if len(self.settings.profiles) == 1:
            return self.settings.profiles[0]
        if not self.settings.profiles:
            raise ConfigError(f"no profile in {self.settings.path}: add one under `profiles:`")
        names = ", ".join(p.name for p in self.settings.profiles)
        raise InvalidAction(f"several profiles ({names}): choose one with --profile")

    def review_queue(self, profile: str) -> list[review.Entry]:
        """The pending queue (the same as `queue list`), as the review screens show it."""
        self.settings.profile(profile)
        with self.db.reading() as session:
            entries = queue_store.pending(session, profile, self.now())
            folded = review_store.duplicate_counts(session, [e.item for e in entries])
        # Starters cost tens of milliseconds each: the screen asks for one when it is needed.
        return [
            review.entry_for(e.item, e.score, folded.get(e.item.id, 0), None, loaded=False)
            for e in entries
        ]

    def comment_starter(self, profile: str, item_id: int) -> str | None:
        """The guide for the user's comment: the same starter the planner puts on the slot."""
        p = self.settings.profile(profile)
        with self.db.reading() as session:
            item, score, _ = review_store.item_with_score(session, profile, item_id)
        return _starters(p, {item_id: (item, score)})(item_id)

    def review_item(
        self, profile: str, item_id: int, *, starter: bool = True
    ) -> tuple[review.Entry, Decision | None]:
        """One item as the review shows it, and its current decision, whatever its state.

        Without `starter` the comment starter is the plan's or a quick one built from the
        item's lead; with it, the scorer's sentence picker, whose libraries take a second to
        import (issue 16)."""
        p = self.settings.profile(profile)
        with self.db.reading() as session:
            item, score, folded = review_store.item_with_score(session, profile, item_id)
            current = decisions.current_for(session, profile, item_id)
            planned = review_store.slot_starter(session, profile, item_id)
        # The starter the plan wrote, else one from the item's lead and the words it ranked
        # for; the scorer's sentence picker (`starter=True`) loads scikit-learn, a second or
        # more for one item (issues 16 and 19).
        if planned:
            text: str | None = planned
        elif starter:
            text = _starters(p, {item_id: (item, score)})(item_id)
        else:
            text = _quick_starter(p, item, score)
        score = score or Score(profile, item_id, final=0.0, relevance=0.0)
        return review.entry_for(item, score, folded, text), current

    # A decision re-plans at once (milliseconds), so the calendar shows it, and re-scores nothing
    # (issue 19: re-scoring the whole window took 15 s after a year of feeds): the next
    # incremental pass (`curator run`, the service's tick, or `learn` at the end of a review)
    # re-scores the head of the queue with it as feedback.

    def approve(self, profile: str, item_id: int, comment: str | None = None) -> review.Outcome:
        """Approve a pending item with the user's comment; the plan takes it at once."""
        comment = review.clean_comment(comment or "")
        schedule = self.settings.profile(profile).schedule
        note = review.comment_note(comment, schedule.min_comment_chars)
        return self._review(profile, item_id, DecisionKind.APPROVE, note, comment=comment)

    def reject(self, profile: str, item_id: int, reason: str | None = None) -> review.Outcome:
        return self._review(profile, item_id, DecisionKind.REJECT, None, reason=reason)

    def snooze(self, profile: str, item_id: int, until: datetime) -> review.Outcome:
        return self._review(profile, item_id, DecisionKind.SNOOZE, None, snooze_until=until)

    def _review(
        self,
        profile: str,
        item_id: int,
        kind: DecisionKind,
        note: str | None,
        **fields: Any,
    ) -> review.Outcome:
        """The rules shared by the review screen and the queue commands, then the re-plan."""
        tz = self.settings.profile(profile).timezone
        with self.db.reading() as session:
            item = repo.get_item(session, item_id)
            current = decisions.current_for(session, profile, item_id)
        review.check_pending(item, current, self.now(), tz)
        decision = self.decide(profile, item_id, kind, **fields)
        slot, variety = self._replan_with_note(profile, item_id)
        notes = tuple(n for n in (note, variety) if n)
        return review.Outcome(decision, slot, notes)

    def undo_decision(
        self,
        profile: str,
        *,
        item_id: int | None = None,
        only_if_last: bool = True,
    ) -> Decision | None:
        """Take back the profile's most recent decision; the scores and the plan follow.

        With `item_id`: the most recent decision on that item. By default only if it is also
        the profile's most recent one (the review screen undoes its own last decision, never
        one made meanwhile by another command); `only_if_last=False` takes back an older
        decision on that item too (`curator queue undo ITEM`).
        """
        self.settings.profile(profile)
        with self.db.session() as session:
            if item_id is not None and only_if_last:
                last = decisions.last(session, profile)
                if last is None or last.item_id != item_id:
                    raise InvalidAction(
                        f"nothing undone: the last decision for {profile} is not the one on "
                        f"item {item_id} (another command decided meanwhile)"
                    )
            undone = decisions.undo_last(session, profile, item_id)
        if undone is not None:
            self._replan_for(profile, undone.item_id)
        return undone

    def learn(self, profile: str) -> str:
        """Re-score with the decisions made so far as feedback, then re-plan with the scores."""
        report = self.score(profile, incremental=True)
        self.plan(profile)
        return report.summary()

    def apply_decisions(self, profile: str, lines: Iterable[str]) -> list[review.LineResult]:
        """Apply a decisions file line by line: every line gets its outcome, none stops the rest."""
        tz = self.settings.profile(profile).timezone
        results: list[review.LineResult] = []
        for number, text in enumerate(lines, start=1):
            try:
                request = review.parse_request(text, number, self.now(), tz)
                if request is not None:
                    results.append(review.LineResult(number, self._request(profile, request)))
            except CuratorError as e:
                message = str(e) if str(e).startswith(f"line {number}:") else f"line {number}: {e}"
                results.append(review.LineResult(number, None, message))
        if any(r.outcome is not None for r in results):
            self.learn(profile)
        return results

    def _request(self, profile: str, request: review.Request) -> review.Outcome:
        if request.kind is DecisionKind.APPROVE:
            return self.approve(profile, request.item_id, request.comment)
        if request.kind is DecisionKind.REJECT:
            return self.reject(profile, request.item_id, request.reason)
        assert request.until is not None, "parse_request gives every snooze a date"
        return self.snooze(profile, request.item_id, request.until)

    def plan_fill(self, profile: str) -> str | None:
        """How the coming week of the plan is filling, for the review footer."""
        self.settings.profile(profile)
        # A rolling week, not the calendar one: on a Friday, next week is what the user fills.
        start = self.now()
        with self.db.reading() as session:
            rows = review_store.slot_counts(session, profile, start, start + timedelta(days=7))
        return review.week_fill(rows)

    def _replan_for(self, profile: str, item_id: int) -> Slot | None:
        """Re-plan after a decision, so the calendar shows it; the slot the item now takes."""
        return self._replan_with_note(profile, item_id)[0]

    def _replan_with_note(self, profile: str, item_id: int) -> tuple[Slot | None, str | None]:
        """The slot the item takes after re-planning, and the variety note that slot carries
        (it repeats a nearby relay's feed because nothing else fits, issue 16).

        The comment starter of a newly placed item is left to the next full plan (a run, the
        service): computing it loads the scorer, seconds for a command that otherwise takes a
        fraction of one (issue 19)."""
        report = self.plan(profile, starters=False)
        for p in report.plans:
            for s in p.slots:
                if s.item_id == item_id:
                    return s, p.variety.get(s.id)
        return None, None

    # --- scoring and the review queue ------------------------------------------------------

    #: An incremental pass (`incremental=True`) does the work of a full one when the last full
    #: pass is older than this: freshness decays for every item, not only the re-scored ones.
    FULL_EVERY = timedelta(hours=24)
    #: An incremental pass re-scores the best this many ranked items of a profile's queue ...
    SCORE_HEAD = 500
    #: ... and a full pass stores the queue down to this rank (and every decided item).
    SCORE_KEEP = 2000
    _PASS_KEY = "score.pass.{profile}"

    def score(self, profile: str | None = None, *, incremental: bool = False) -> ScoreReport:
        """Re-score the items of the rolling window for one profile (or all) and store ranks.

        A full pass (`curator score`, the daily job) scores every item of the window. With
        `incremental` (a run, the service's tick, the end of a review), a profile whose last
        full pass is recent re-scores only what may have changed (issue 19): the head of its
        queue, the items that arrived since, and the items whose decision changed; the rest of
        the queue keeps its scores until the next full pass.
        """
        # Imported here: scikit-learn costs every other command a second and ~100 MB.
        from curator import score as scoring

        profiles = self.settings.select_profiles(profile)
        now = self.now()
        since = now - timedelta(days=scoring.WINDOW_DAYS)
        # Read and score in a reading unit, then write in one short unit: scoring takes
        # seconds, and holding SQLite's write lock meanwhile would keep every other command
        # waiting (issue 13). Two scorers at once each write a complete set of ranks.
        writes: list[Callable[[Any], None]] = []
        with self.db.reading() as session:
            stats = self._corpus_stats(session, since, now)
            weights = score_store.feed_weights(session)
            # Read once per pass: each profile's results move these sources' weights.
            names = {f.id: f.name or f.title or f.url for f in repo.list_feeds(session)}
            states = {
                p.name: repo.get_meta(session, self._PASS_KEY.format(profile=p.name))
                for p in profiles
            }
            marks = {p.name: _pass_mark(p, weights) for p in profiles}
            quick = [
                p
                for p in profiles
                if incremental
                and _can_update(states[p.name], marks[p.name], now, since, self.FULL_EVERY)
            ]
            full = [p for p in profiles if p not in quick]
            report = ScoreReport(items=0)
            if full:
                items = score_store.window_items(session, since)
                report.items = len(items)
                matrix = scoring.vectorize(items, stats)
                vectors, semantic_note = self._item_vectors(session, items, writes)
                for p in full:
                    decided = decisions.current_ids(session, p.name)
                    result = self._score_profile(
                        session, p, items, matrix, stats, (weights, names), now, vectors,
                        semantic_note,
                    )  # fmt: skip
                    kept = scoring.kept_scores(result.scores, decided, self.SCORE_KEEP)
                    writes.append(partial(_replace_scores, p.name, kept, now))
                    pending = sum(1 for s in kept if s.rank is not None)
                    report.profiles.append(
                        ProfileScores(p.name, len(items), pending, result.warnings)
                    )
                    writes.append(
                        partial(self._save_pass, p.name, marks[p.name], now, now, decided)
                    )
            if quick:
                report.items = max(report.items, self._score_quick(
                    session, quick, states, marks, stats, weights, names, since, now, report,
                    writes,
                ))  # fmt: skip
        with self.db.session() as session:
            repo.set_meta(session, score_store.STATS_KEY, stats.to_json(), now)
            for write in writes:
                write(session)
        return report

    def _score_profile(
        self,
        session: Any,
        p: Profile,
        items: list[Item],
        matrix: scoring.ItemMatrix,
        stats: scoring.CorpusStats,
        sources: tuple[dict[int, float], dict[int, str]],
        now: datetime,
        vectors: Any = None,
        semantic_note: str | None = None,
    ) -> scoring.ScoreResult:
        """One profile's scores over `items` (and their embeddings from the semantic extra,
        when installed), with its relays' results applied to its sources' weights
        (`sources`: each feed's weight and name)."""
        from curator import score as scoring

        weights, names = sources
        history = decisions.history(session, p.name)
        decided = repo.list_items(session, ids={d.item_id for d in history}, state=None)
        examples = score_store.items_by_url(session, p.examples)
        # What the profile's relays earned moves its sources' weights, bounded (issue 15).
        factors = self._score_factors(session, p, now)
        result = scoring.score_items(
            p,
            items,
            decisions=history,
            decided_items=decided,
            stats=stats,
            feed_weights=results.weighted_feeds(weights, names, factors),
            now=now,
            example_texts=[f"{i.title}. {i.text}" for i in examples.values()],
            matrix=matrix,
            semantic=self._semantic_input(vectors, p),
        )
        feed_of = {i.id: i.feed_id for i in items}
        warnings = list(result.warnings)
        note = semantic_note or scoring.language_gap_note(p, items, vectors is not None)
        if note:
            warnings.append(note)
        return replace(
            result,
            scores=results.explained(result.scores, feed_of, names, factors),
            warnings=warnings,
        )

    def _score_factors(self, session: Any, p: Profile, now: datetime) -> results.ScoreFactors:
        from curator.outputs.words import profile_language
        from curator.store import results as results_store

        since = now - timedelta(weeks=results.FACTOR_WEEKS)
        posts = results_store.list_posts(session, p.name, since=since)
        return results.score_factors(posts, now, profile_language(p))

    def _score_quick(
        self,
        session: Any,
        profiles: list[Profile],
        states: dict[str, Any],
        marks: dict[str, str],
        stats: scoring.CorpusStats,
        weights: dict[int, float],
        names: dict[int, str],
        since: datetime,
        now: datetime,
        report: ScoreReport,
        writes: list[Callable[[Any], None]],
    ) -> int:
        """The incremental pass of `score`; returns how many items it analysed. What it
        stores is appended to `writes`, done by the caller in one short writing unit."""
        from curator import score as scoring

        wanted: dict[str, set[int]] = {}
        decided_now: dict[str, dict[int, int]] = {}
        for p in profiles:
            state = states[p.name]
            decided = decisions.current_ids(session, p.name)
            before = {int(k): v for k, v in state["decided"].items()}
            changed = {i for i, d in decided.items() if before.get(i) != d}
            changed |= set(before) - set(decided)  # undone
            new = score_store.active_ids_fetched(
                session, datetime.fromisoformat(state["through"]), now
            )
            head = score_store.ranked_head(session, p.name, self.SCORE_HEAD)
            wanted[p.name] = set(head) | new | changed
            decided_now[p.name] = decided
        every = set().union(*wanted.values())
        # Items of the window only, like a full pass; analysed once for all the profiles.
        items = score_store.window_items(session, since, every) if every else []
        by_id = {i.id: i for i in items}
        row_of = {i.id: n for n, i in enumerate(items)}
        matrix = scoring.vectorize(items, stats)
        vectors, semantic_note = self._item_vectors(session, items, writes)
        for p in profiles:
            ids = sorted(i for i in wanted[p.name] if i in by_id)
            subset = [by_id[i] for i in ids]
            rows = vectors[[row_of[i] for i in ids]] if vectors is not None else None
            result = self._score_profile(
                session,
                p,
                subset,
                scoring.select_rows(matrix, ids),
                stats,
                (weights, names),
                now,
                rows,
                semantic_note,
            )
            others = score_store.ranked_finals(session, p.name, exclude=ids)
            scores = scoring.merge_ranks(result.scores, self.SCORE_HEAD, others)
            writes.append(partial(_update_scores, p.name, scores, since, now))
            pending = len(others) + sum(1 for s in scores if s.rank is not None)
            report.profiles.append(ProfileScores(p.name, len(subset), pending, result.warnings))
            full_at = datetime.fromisoformat(states[p.name]["full_at"])
            writes.append(
                partial(self._save_pass, p.name, marks[p.name], full_at, now, decided_now[p.name])
            )
        return len(items)

    def _save_pass(
        self,
        profile: str,
        mark: str,
        full_at: datetime,
        now: datetime,
        decided: dict[int, int],
        session: Any,
    ) -> None:
        state = {
            "mark": mark,
            "full_at": full_at.isoformat(),
            "through": now.isoformat(),
            "decided": {str(k): v for k, v in decided.items()},
        }
        repo.set_meta(session, self._PASS_KEY.format(profile=profile), state, now)

    def _item_vectors(
        self, session: Any, items: list[Item], writes: list[Callable[[Any], None]]
    ) -> tuple[Any, str | None]:
        """The items' embeddings from the semantic extra, computing the missing ones (new
        items: each is embedded once) and storing them through `writes`; (None, None) without
        the extra, (None, why) when its engine fails, so that scoring goes on with TF-IDF
        alone."""
        from curator import semantic
        from curator.store import embeddings

        if not semantic.available() or not items:
            return None, None
        import numpy as np

        stored = embeddings.get_vectors(session, (i.id for i in items), semantic.MODEL)
        missing = [i for i in items if i.id not in stored]
        try:
            fresh = semantic.embed_items(missing)
        except semantic.SemanticError as e:
            return None, f"{e}; ranked without it"
        new = {i.id: semantic.to_bytes(v) for i, v in zip(missing, fresh, strict=True)}
        writes.append(partial(_put_vectors, new, semantic.MODEL))
        stored.update(new)
        rows = [semantic.from_bytes(stored[i.id]) for i in items]
        blank = np.full(semantic.DIM, np.nan, dtype=np.float32)
        return np.vstack([r if r is not None else blank for r in rows]), None

    def _semantic_input(self, vectors: Any, profile: Profile) -> Any:
        from curator import score as scoring
        from curator import semantic

        if vectors is None or not profile.objective.strip():
            return None
        try:
            return scoring.SemanticInput(vectors, semantic.embed_objective(profile.objective))
        except semantic.SemanticError:
            return None

    def _corpus_stats(self, session: Any, since: datetime, now: datetime) -> scoring.CorpusStats:
        """Document frequencies of the window, updated with what arrived and what left since
        the last pass, or refitted when there is nothing usable stored (read only: `score`
        stores the result)."""
        from curator import score as scoring

        stored = repo.get_meta(session, score_store.STATS_KEY)
        stats = scoring.CorpusStats.from_json(stored) if isinstance(stored, dict) else None
        if stats is None or stats.since is None or stats.through is None or stats.through < since:
            return scoring.CorpusStats.fit(
                repo.list_items(session, since=since, state=None), since=since, through=now
            )
        added = score_store.items_fetched_between(session, stats.through, now)
        added = [i for i in added if i.fetched_at > stats.through]
        removed: list[Item] = (
            score_store.items_fetched_between(session, stats.since, since)
            if stats.since < since
            else []
        )
        return stats.updated(added=added, removed=removed, since=since, through=now)

    def queue(self, profile: str, *, limit: int | None = None) -> list[QueueEntry]:
        """The profile's pending review queue, best first (see `store.queue.pending`)."""
        self.settings.profile(profile)
        with self.db.reading() as session:
            return queue_store.pending(session, profile, self.now(), limit=limit)

    def get_versions(self, items: Iterable[Item]) -> dict[int, list[ClusterVersion]]:
        """The other versions folded into each item's story (near-duplicates), by item id."""
        with self.db.session() as session:
            return review_store.cluster_versions(session, items)

    def _score_stage(self) -> tuple[str, dict[str, Any]]:
        report = self.score(incremental=True)
        detail = {
            p.profile: {"pending": p.pending, "warnings": p.warnings} for p in report.profiles
        }
        return report.summary(), detail

    # --- calendar ------------------------------------------------------------------------

    def calendar_ics(self, profile: str, *, keep_cancelled: bool | None = None) -> bytes:
        """A profile's calendar; removed slots kept as cancelled events with `keep_cancelled`
        (default: `calendar.keep_cancelled`, which is for file exports)."""
        return self._calendar(profile, keep_cancelled)[0]

    def _calendar(self, profile: str, keep_cancelled: bool | None) -> tuple[bytes, datetime]:
        """The calendar's bytes and when they last changed (HTTP Last-Modified)."""
        from curator.outputs.ics import last_modified, render_calendar

        chosen = self.settings.profile(profile)
        keep = self.settings.calendar.keep_cancelled if keep_cancelled is None else keep_cancelled
        settings = replace(self.settings.calendar, keep_cancelled=keep)
        now = self.now()
        with self.db.reading() as session:
            data = store_ics.calendar_data(session, chosen.name, with_cancelled=keep)
            behind = self._topic_items(session, chosen.name, data.slots, now)
        body = render_calendar(
            chosen,
            data.slots,
            data.items,
            data.scores,
            settings,
            now=now,
            cancelled=data.cancelled,
            behind=behind,
        )
        return body, last_modified(data.slots, data.cancelled, now)

    def _topic_items(
        self, session: Any, profile: str, slots: Iterable[Slot], now: datetime
    ) -> dict[str, list[Item]]:
        """By slot id, the items behind each upcoming original post's topic (issue 16)."""
        upcoming = [
            s for s in slots if s.kind.value == "original" and s.topic and s.starts_at > now
        ]
        if not upcoming:
            return {}
        top = slot_store.recent_top_scores(session, profile, since=now - _THEME_WINDOW)
        wanted = {s.id: planner.topic_items(s.topic or "", top) for s in upcoming}
        ids = {i for found in wanted.values() for i in found}
        items = {i.id: i for i in repo.list_items(session, state=None, ids=ids)} if ids else {}
        return {sid: [items[i] for i in found if i in items] for sid, found in wanted.items()}

    def calendar_http(
        self,
        profile: str,
        *,
        token: str | None,
        if_none_match: str | None,
        if_modified_since: str | None = None,
    ) -> CalendarResponse:
        """Answer GET /calendar/<profile>.ics (profile as found in the URL path)."""
        if not token_ok(self.settings.serve.token, token):
            return forbidden()
        name = unquote(profile)
        if name not in {p.name for p in self.settings.profiles}:
            return not_found()
        # Subscribers get removed slots simply absent, whatever file exports keep.
        body, modified = self._calendar(name, keep_cancelled=False)
        return calendar_response(
            body,
            if_none_match=if_none_match,
            filename=f"calendar-{name}.ics",
            last_modified=modified,
            if_modified_since=if_modified_since,
        )

    def calendar_dir(self) -> Path:
        """Where exported calendars go: `calendar.output_dir`, else beside the SQLite file."""
        if self.settings.calendar.output_dir:
            return Path(self.settings.calendar.output_dir)
        return self._beside_database()

    def _beside_database(self) -> Path:
        """The folder of the SQLite database file, where calendars and digest files go by
        default; the data folder for PostgreSQL or an in-memory database."""
        if self.db.dialect == "sqlite":
            database = make_url(self.db.url).database
            if database and database != ":memory:":
                return Path(database).resolve().parent
        return self.settings.data_dir

    def export_ics(
        self,
        profile: str | None = None,
        path: Path | None = None,
        keep_cancelled: bool | None = None,
    ) -> list[Path]:
        """Write calendar-<profile>.ics for one profile or all; `path` is a file or a folder."""
        profiles = self.settings.select_profiles(profile)
        if path is not None and not path.is_dir() and len(profiles) > 1:
            raise InvalidAction(
                f"{path} is one file but there are {len(profiles)} profiles: "
                "name a folder, or choose one with --profile"
            )
        written = []
        for chosen in profiles:
            folder = path if path is not None and path.is_dir() else self.calendar_dir()
            target = path if path is not None and not path.is_dir() else None
            target = target or folder / f"calendar-{chosen.name}.ics"
            write_if_changed(target, self.calendar_ics(chosen.name, keep_cancelled=keep_cancelled))
            written.append(target)
        return written

    def _export_stage(self) -> tuple[str, dict[str, Any]]:
        paths = self.export_ics()
        return f"wrote {len(paths)} calendar(s)", {"paths": [str(p) for p in paths]}

    # --- editorial plan (issue 5) -------------------------------------------------------------

    def plan(self, profile: str | None = None, *, starters: bool = True) -> PlanReport:
        """Re-plan each profile's slots from its approved items, scores and existing slots.

        Without `starters`, a slot that gets a new item has no comment starter until the next
        plan with them."""
        now = self.now()
        report = PlanReport(now=now)
        for p in self.settings.select_profiles(profile):
            report.plans.append(self._plan_profile(p, now, starters=starters))
        return report

    def _plan_profile(self, profile: Profile, now: datetime, *, starters: bool) -> ProfilePlan:
        from curator.outputs.words import profile_language

        tz = planner.zone(profile.timezone)
        language = profile_language(profile)

        def read(session: Any) -> tuple[Any, ...]:
            approved = slot_store.approved_items(session, profile.name)
            existing = slot_store.list_slots(session, profile.name)
            held = {s.item_id for s in existing if s.item_id is not None}
            known = slot_store.items_with_scores(session, profile.name, held)
            top = slot_store.recent_top_scores(session, profile.name, since=now - _THEME_WINDOW)
            cancelled = slot_store.removed_sequences(session, profile.name)
            return approved, existing, known, top, cancelled

        def plan(session: Any, inputs: tuple[Any, ...]) -> planner.PlanResult:
            approved, existing, known, top, cancelled = inputs

            def once(themes: list[str]) -> planner.PlanResult:
                return planner.plan_slots(
                    profile.name,
                    profile.schedule,
                    tz,
                    candidates=[_candidate(a.item, a.score, a.comment) for a in approved],
                    known=[_candidate(item, score, None) for item, score in known],
                    existing=existing,
                    now=now,
                    themes=themes,
                    objective=profile.objective,
                    cancelled=cancelled,
                    starter_for=(
                        _starters(profile, {a.item.id: (a.item, a.score) for a in approved})
                        if starters
                        else None
                    ),
                    language=language,
                )

            themes = self._original_themes(session, profile, now, approved, existing, top)
            result = once(themes)
            # An original is never about what a planned relay is about (issue 15): once the
            # relays are known, plan again if that changes the themes.
            again = self._original_themes(
                session, profile, now, approved, existing, top, planned=result.slots
            )
            return once(again) if again != themes else result

        # Planned in a reading unit (comment starters run the scorer's sentence picking),
        # then written if nothing planning read has changed meanwhile; otherwise planned again
        # under the write lock, which only a decision or another planner landing in between
        # causes (issue 13).
        with self.db.reading() as session:
            inputs = read(session)
            result = plan(session, inputs)
        with self.db.session() as session:
            current = read(session)
            if current != inputs:
                inputs, result = current, plan(session, current)
            slot_store.save_slots(session, result.changed, tz, now)
            slot_store.remove_slots(session, result.removed, now)
            given = [(s.topic, s.id) for s in result.changed if s.kind is SlotKind.ORIGINAL]
            ideas_store.mark_used(session, profile.name, [(t, i) for t, i in given if t], now)
        existing = inputs[1]
        fresh = {s.id for s in existing}
        return ProfilePlan(
            profile=profile.name,
            slots=list(result.slots),
            created=sum(1 for s in result.changed if s.id not in fresh),
            updated=sum(1 for s in result.changed if s.id in fresh),
            removed=len(result.removed),
            notes=list(result.notes),
            variety=dict(result.variety),
        )

    def _original_themes(
        self,
        session: Any,
        profile: Profile,
        now: datetime,
        approved: list[slot_store.Approved],
        existing: list[Slot],
        top: list[Score],
        *,
        planned: Sequence[Slot] | None = None,
    ) -> list[str]:
        """Themes for original slots: the idea backlog first, then a past original that did
        well, then the objective's terms from recent approvals (issue 15; `curator.ideas`)."""
        from curator.outputs.words import profile_language
        from curator.store import results as results_store

        floor = profile.schedule.min_score
        scores = [a.score for a in approved if a.score is not None and a.score.final >= floor]
        scores.sort(key=lambda s: (-s.final, s.item_id))
        terms = planner.themes_from(scores, n=20) + planner.themes_from(top, n=20)
        relays = [
            s
            for s in (existing if planned is None else planned)
            if s.kind is SlotKind.RELAY and s.item_id is not None and s.starts_at >= now
        ]
        held = {s.item_id for s in relays if s.item_id is not None}
        by_item = {a.item.id: a for a in approved}
        # a relay's story: the first two objective terms its item matched
        avoid_terms = {
            t.text
            for i in held
            if (a := by_item.get(i)) is not None and a.score is not None
            for t in a.score.matched[:2]
        }
        titles = {a.item.title for a in approved} | set(_titles(session, top).values())
        return ideas_mod.original_themes(
            ideas=ideas_store.list_ideas(session, profile.name),
            terms=terms,
            past=[
                (s.starts_at, s.topic) for s in existing if s.kind is SlotKind.ORIGINAL and s.topic
            ],
            originals=[
                p
                for p in results_store.list_posts(session, profile.name)
                if p.kind is SlotKind.ORIGINAL
            ],
            avoid_terms=avoid_terms,
            avoid_items=held,
            titles=titles,
            now=now,
            language=profile_language(profile),
        )

    # --- ideas for your own posts (issue 15) ------------------------------------------------

    def add_idea(
        self,
        profile: str,
        text: str,
        *,
        angle: str | None = None,
        item_id: int | None = None,
    ) -> ideas_mod.Idea:
        """Add an idea to the profile's backlog: original slots are filled from it first."""
        self.settings.profile(profile)
        with self.db.session() as session:
            return ideas_store.add_idea(
                session, profile, text, self.now(), angle=angle, item_id=item_id
            )

    def keep_idea(self, profile: str, item_id: int) -> ideas_mod.Idea:
        """ "Keep for my own post": an idea from an item, built from the objective's terms it
        matched (never its title), linked to it.

        Raises:
            NotFound: no such item.
        """
        from curator.outputs.words import profile_language

        p = self.settings.profile(profile)
        with self.db.session() as session:
            found = slot_store.items_with_scores(session, profile, [item_id])
            if not found:
                raise NotFound("item", item_id)
            _, score = found[0]
            terms = [t.text for t in score.matched[:3]] if score else []
            text = ideas_mod.kept_idea_text(terms, profile_language(p))
            return ideas_store.add_idea(session, profile, text, self.now(), item_id=item_id)

    def ideas(self, profile: str, *, all_: bool = False) -> list[ideas_mod.Idea]:
        self.settings.profile(profile)
        with self.db.reading() as session:
            return ideas_store.list_ideas(session, profile, all_=all_)

    def drop_idea(self, profile: str, idea_id: int) -> ideas_mod.Idea:
        with self.db.session() as session:
            return ideas_store.drop_idea(session, idea_id, self.now(), profile)

    def calendar(
        self, profile: str | None = None, *, weeks: int = 2, past: bool = False
    ) -> CalendarView:
        """The plan for `weeks` weeks from today (local), or with `past` the results log."""
        p = self.choose_profile(profile)
        now = self.now()
        tz = planner.zone(p.timezone)
        today = now.astimezone(tz).date()
        start = planner.local_midnight(today, tz)
        end = planner.local_midnight(today + timedelta(days=7 * weeks), tz)
        # whole weeks around the window, so each week's minutes count every slot of the week
        first = planner.local_midnight(planner.local_week(now, tz), tz)
        last = planner.local_midnight(planner.local_week(end, tz) + timedelta(days=7), tz)
        log: list[planner.WeekLog] = []
        with self.db.reading() as session:
            if past:
                around = slot_store.list_slots(session, p.name, until=last)
                log = planner.results_log(around, tz, p.schedule, now)
                slots = [s for s in around if s.starts_at <= now or s.published_at is not None]
            else:
                around = slot_store.list_slots(session, p.name, since=first, until=last)
                slots = [s for s in around if start <= s.starts_at < end]
            ids = {s.item_id for s in slots if s.item_id is not None}
            items = {i.id: i for i in repo.list_items(session, state=None, ids=ids)} if ids else {}
        minutes = planner.week_minutes(around, tz)
        return CalendarView(p, start, end, now, slots, items, log, minutes)

    def _slot_action(self, slot_id: str, act: Callable[[Slot, Schedule, datetime], Slot]) -> Slot:
        now = self.now()
        with self.db.session() as session:
            slot = slot_store.get_slot(session, slot_id)
            profile = self.settings.profile(slot.profile)
            updated = act(slot, profile.schedule, now)
            if updated != slot:
                slot_store.save_slots(session, [updated], planner.zone(profile.timezone), now)
        return updated

    def comment_slot(self, slot_id: str, text: str) -> Slot:
        """Write the user's comment on a slot; a relay slot is ready once it is long enough."""
        return self._slot_action(
            slot_id, lambda s, sch, now: planner.comment_slot(s, text, sch, now)
        )

    def pin_slot(self, slot_id: str, *, pinned: bool = True) -> Slot:
        return self._slot_action(slot_id, lambda s, _, now: planner.pin_slot(s, now, pinned=pinned))

    def slot_done(
        self,
        slot_id: str,
        *,
        url: str | None = None,
        minutes: int | None = None,
        force: bool = False,
    ) -> Slot:
        """Record that a slot was published now (and where), and the minutes it took (default:
        the slot's estimate). A relay without its comment, or an empty slot, is refused unless
        `force` (issue 15).

        Raises:
            InvalidAction: refused (the reason says why), or already published.
            NotFound: no such slot.
        """
        from curator.outputs.words import profile_language
        from curator.store import results as results_store

        if minutes is not None and minutes <= 0:
            raise InvalidAction(f"--minutes must be a positive number of minutes, got {minutes}")
        now = self.now()
        with self.db.session() as session:
            slot = slot_store.get_slot(session, slot_id)
            profile = self.settings.profile(slot.profile)
            # the command's own input first (already published, not a web address), then
            # whether the slot may be published at all
            updated = planner.mark_done(slot, now, url=url)
            refusal = results.publish_refusal(
                slot, profile.schedule.min_comment_chars, profile_language(profile)
            )
            if refusal is not None and not force:
                raise InvalidAction(refusal)
            slot_store.save_slots(session, [updated], planner.zone(profile.timezone), now)
            item, score = None, None
            if updated.item_id is not None:
                found = slot_store.items_with_scores(session, profile.name, [updated.item_id])
                item, score = found[0] if found else (None, None)
            post = results.Post(
                slot_id=updated.id,
                profile=profile.name,
                kind=updated.kind,
                published_at=updated.published_at or now,
                minutes=minutes if minutes is not None else updated.minutes,
                url=updated.published_url,
                title=item.title if item is not None else updated.topic,
                source=item.feed_name if item is not None else None,
                topics=tuple(t.text for t in score.matched) if score else (),
            )
            results_store.save_post(session, post, now)
            results_store.set_item(session, updated.id, updated.item_id)
        return updated

    def skip_slot(self, slot_id: str) -> Slot:
        """Skip a slot; its item is planned again at the next free fitting slot."""
        slot = self._slot_action(slot_id, lambda s, _, now: planner.skip_slot(s, now))
        self.plan(slot.profile, starters=False)
        return slot

    def slots_around(self, days: int = 7) -> list[Slot]:
        """Every profile's live slots from `days` ago on (shell completion of slot ids)."""
        since = self.now() - timedelta(days=days)
        with self.db.reading() as session:
            return [
                s
                for p in self.settings.profiles
                for s in slot_store.list_slots(session, p.name, since=since)
            ]

    def get_slot(self, slot_id: str) -> Slot:
        with self.db.reading() as session:
            return slot_store.get_slot(session, slot_id)

    def slot_detail(self, slot_id: str) -> tuple[Slot, Item | None, Profile]:
        """A slot, the item it relays (if any) and its profile: `curator slot show`."""
        with self.db.reading() as session:
            slot = slot_store.get_slot(session, slot_id)
            found = repo.list_items(session, state=None, ids={slot.item_id}) if slot.item_id else []
        return slot, (found[0] if found else None), self.settings.profile(slot.profile)

    # --- results and efficiency (issue 15) ------------------------------------------------

    def record_results(
        self,
        slot_id: str,
        changes: dict[str, int | None],
        *,
        note: str | None = None,
        origin: str = "cli",
        minutes: int | None = None,
    ) -> results.Post:
        """Enter or change a published post's results (or the minutes it took); each change is
        kept with its date.

        Raises:
            NotFound: the slot was never marked published.
            InvalidAction: a negative count.
        """
        from curator.store import results as results_store

        with self.db.session() as session:
            post, _ = results_store.set_results(
                session, slot_id, changes, self.now(), note=note, origin=origin, minutes=minutes
            )
        return post

    def results_posts(
        self, profile: str | None = None
    ) -> list[tuple[results.Post, list[results.ResultChange]]]:
        """The profile's published posts, oldest first, each with its dated result changes."""
        from curator.store import results as results_store

        p = self.choose_profile(profile)
        with self.db.reading() as session:
            posts = results_store.list_posts(session, p.name)
            history = results_store.changes(session, [x.slot_id for x in posts])
        return [(x, history.get(x.slot_id, [])) for x in posts]

    def record_active_time(
        self, profile: str, started_at: datetime, seconds: int, *, activity: str = "review"
    ) -> None:
        """Keep time curator measured itself (a review session's active time)."""
        from curator.store import results as results_store

        if seconds <= 0:
            return
        self.settings.profile(profile)
        with self.db.session() as session:
            results_store.add_span(
                session, results.ActiveSpan(profile, activity, started_at, int(seconds))
            )

    def import_results(self, path: Path, *, profile: str | None = None) -> results.ImportReport:
        """Import post metrics from a CSV or XLSX file keyed by post URL, in one transaction:
        a malformed row refuses the whole file; unknown URLs are reported, not stored.

        Raises:
            ImportFileError: the file cannot be read, or a row is malformed (file and line).
        """
        from curator.results_import import read_metrics
        from curator.store import results as results_store

        if profile is not None:
            self.settings.profile(profile)
        table = read_metrics(path)
        now = self.now()
        updated: list[str] = []
        unchanged = 0
        unknown: list[tuple[int, str]] = []
        with self.db.session() as session:
            known = results_store.posts_by_url(session, profile)
            for row in table.rows:
                posts = known.get(results.normalize_url(row.url), [])
                if not posts:
                    unknown.append((row.line, row.url))
                    continue
                for post in posts:
                    _, changed = results_store.set_results(
                        session,
                        post.slot_id,
                        row.counts,
                        now,
                        note=row.note,
                        origin=f"import {path.name}",
                    )
                    if changed:
                        updated.append(post.slot_id)
                    else:
                        unchanged += 1
        return results.ImportReport(
            str(path), tuple(updated), unchanged, tuple(unknown), table.ignored_columns
        )

    def apply_advice(self, profile: str, n: int, *, weeks: int = 12) -> str:
        """Apply advice `n` of `results advice` to feeds.yaml (comments kept), then re-plan.

        Raises:
            InvalidAction: no such advice, or it changes no schedule.
        """
        from curator.config_edit import change_schedule

        report = self.results_report(profile, weeks=weeks)
        if not 1 <= n <= len(report.advice):
            raise InvalidAction(
                f"no advice {n}: there are {len(report.advice)} (see `curator results advice`)"
            )
        advice = report.advice[n - 1]
        if advice.change is None:
            raise InvalidAction(f"advice {n} changes no schedule: {advice.text}")
        change = advice.change
        before = change_schedule(
            self.settings.path,
            profile,
            change.action,
            change.kind.value,
            change.to.value if change.to else None,
        )
        self.settings = load_settings(self.settings.path)
        self.plan(profile)
        if change.action == "convert" and change.to is not None:
            return f"{self.settings.path}: slot {before} is now {change.to.value}; plan updated"
        return f"{self.settings.path}: slot {before} removed; plan updated"

    def results_report(
        self, profile: str | None = None, *, weeks: int = 4
    ) -> results.ResultsReport:
        """The weekly figures, per kind/source/topic figures, trend, best posts and advice."""
        from curator.outputs.words import profile_language
        from curator.store import results as results_store

        p = self.choose_profile(profile)
        now = self.now()
        tz = planner.zone(p.timezone)
        since = planner.local_midnight(
            planner.local_week(now, tz) - timedelta(weeks=max(weeks, results.TREND_WEEKS)), tz
        )
        with self.db.reading() as session:
            posts = results_store.list_posts(session, p.name, since=since)
            spans = results_store.list_spans(session, p.name, since=since)
            slots = slot_store.list_slots(session, p.name, since=since, until=now)
        planned = {w.week: w.planned for w in planner.results_log(slots, tz, p.schedule, now)}
        return results.build_report(
            p.name,
            posts,
            spans,
            planned,
            p.schedule,
            tz,
            now,
            weeks=weeks,
            language=profile_language(p),
        )

    # --- digest --------------------------------------------------------------------------

    #: How the outbox waits between quick in-run SMTP retries; tests replace it.
    sleep: Callable[[float], None] = staticmethod(_time.sleep)

    def digest(
        self,
        profile: str | None = None,
        day: date | None = None,
        mode: str = "send",
        path: Path | None = None,
        *,
        force: bool = False,
    ) -> DigestReport:
        """Each profile's digest for its local date (or `day`): sent, written to .eml, or shown.

        `mode="send"` goes through the outbox: never twice for a (profile, day) unless `force`.
        """
        if mode not in ("send", "dry-run", "file"):
            raise InvalidAction(f"unknown digest mode {mode!r}")
        if mode == "send" and self.settings.smtp is None:
            raise ConfigError(
                "no `smtp:` section: cannot send; use --to-file or --dry-run",
                path=str(self.settings.path),
                field="smtp",
            )
        now = self.now()
        profiles = self.settings.select_profiles(profile)
        outcomes = []
        for p in profiles:
            d = day or outbox.local_day(p, now)
            target = None
            if mode == "file":
                target = self._digest_path(p.name, d, path, several=len(profiles) > 1)
            outcomes.append(self._digest_one(p, d, now, mode, target, manual=True, force=force))
        return DigestReport(tuple(outcomes))

    def digest_status(self, profile: str | None = None, *, limit: int = 30) -> list[Digest]:
        """The latest outbox rows (newest day first), for `curator status` and the command."""
        with self.db.reading() as session:
            return digests.recent(session, profile, limit=limit)

    def due_digests(self) -> DigestReport:
        """What the main job does for every profile: see `send_due_digest`."""
        outcomes = [
            o for p in self.settings.profiles for o in self.send_due_digest(p.name).outcomes
        ]
        return DigestReport(tuple(outcomes))

    def send_due_digest(self, profile: str, *, catch_up: bool = True) -> DigestReport:
        """The daily job of one profile: send its digest once its local time has passed, when
        SMTP and recipients are set up; otherwise write today's digest as an .eml file beside
        the database. The outbox makes a repeated or late call harmless.

        `catch_up=True` (a run, or the service starting) only sends within
        `serve.digest_catchup_hours` of the digest time; `catch_up=False` is the scheduler's
        own trigger at that time.
        """
        p = self.settings.profile(profile)
        now = self.now()
        if self.settings.smtp is None or not p.digest.to:
            d = outbox.local_day(p, now)
            target = self._digest_path(p.name, d, None, several=False)
            return DigestReport((self._digest_one(p, d, now, "file", target, manual=False),))
        catchup = self.settings.serve.digest_catchup_hours if catch_up else None
        due = outbox.due_day(p, now, catchup)
        if due is None:
            return DigestReport(())
        return DigestReport((self._digest_one(p, due, now, "send", None, manual=False),))

    def _digest_stage(self) -> tuple[str, dict[str, Any]]:
        report = self.due_digests()
        now = self.now()
        handled = {o.profile for o in report.outcomes}
        parts = [
            f"{o.profile}: {_OUTCOME_WORDS.get(o.outcome, o.outcome)}" for o in report.outcomes
        ]
        # A profile without an outcome had nothing due: say whether it is early or was missed.
        catchup = self.settings.serve.digest_catchup_hours
        parts += [
            f"{p.name}: {outbox.not_due_note(p, now, catchup)}"
            for p in self.settings.profiles
            if p.name not in handled
        ]
        detail = {
            "outcomes": [
                [o.profile, o.day.isoformat(), o.outcome, o.detail] for o in report.outcomes
            ]
        }
        return "; ".join(parts) or "no profile", detail

    def _digest_one(
        self,
        p: Profile,
        d: date,
        now: datetime,
        mode: str,
        target: Path | None,
        *,
        manual: bool,
        force: bool = False,
    ) -> DigestOutcome:
        from curator.outputs.digest import compose, message_id, preview

        if mode == "send":
            return self._send_digest(p, d, now, manual=manual, force=force)
        content = self._digest_content(p, d, now)
        sender = self.settings.smtp.sender if self.settings.smtp else "curator@localhost"
        content, message = compose(
            content, sender=sender, now=now, to=content.recipients or [sender]
        )
        made = DigestOutcome(
            profile=p.name,
            day=d,
            outcome=mode,
            message_id=message_id(p.name, d),
            items=len(content.entries),
            alerts=len(content.alerts),
        )
        if mode == "dry-run":
            return replace(made, text=preview(message))
        assert target is not None
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bytes(message))
        # Remembered, so `curator status` finds it wherever --to-file put it.
        with self.db.session() as session:
            record = {"day": d.isoformat(), "path": str(target.resolve())}
            repo.set_meta(session, _DIGEST_FILE_KEY.format(profile=p.name), record, now)
        return replace(made, outcome="written", path=str(target))

    def _send_digest(
        self, p: Profile, d: date, now: datetime, *, manual: bool, force: bool
    ) -> DigestOutcome:
        from curator.outputs.digest import compose, message_id

        smtp_settings = self.settings.smtp
        assert smtp_settings is not None
        if not p.digest.to:
            return DigestOutcome(
                profile=p.name,
                day=d,
                outcome="skipped",
                message_id=message_id(p.name, d),
                detail="no recipient: set digest.to for this profile",
            )
        with self.db.reading() as session:
            existing = digests.get(session, p.name, d)
        action = outbox.decide(existing, now, manual=manual, force=force)
        if action is not outbox.Action.SEND:
            assert existing is not None
            return outbox.outcome_of(existing, action=action)
        content = self._digest_content(p, d, now)
        if not content.should_send:
            empty = outbox.record_empty(
                existing, profile=p.name, day=d, message_id=message_id(p.name, d)
            )
            self._save_digest(empty)
            return outbox.outcome_of(empty)
        content, message = compose(content, sender=smtp_settings.sender, now=now)
        row = outbox.deliver(
            message,
            existing,
            profile=p.name,
            day=d,
            item_ids=content.item_ids,
            claim=self._claim_digest,
            save=self._save_digest,
            send=lambda m: smtp.send(m, smtp_settings),
            clock=self.now,
            sleep=self.sleep,
        )
        if row is None:
            return DigestOutcome(
                profile=p.name,
                day=d,
                outcome="busy",
                message_id=message_id(p.name, d),
                detail="another curator process is sending this digest right now",
            )
        return replace(outbox.outcome_of(row), alerts=len(content.alerts))

    def _digest_content(self, p: Profile, d: date, now: datetime) -> DigestContent:
        from curator.outputs.digest import (
            DEFAULT_LOOKBACK,
            Candidate,
            build_digest,
            slot_window,
        )

        start, end = slot_window(p, d)
        with self.db.reading() as session:
            before = digests.sent_before(session, p.name, d)
            since = before[0].sent_at if before and before[0].sent_at else now - DEFAULT_LOOKBACK
            # Only what the digest can show (new since the last one, above its floor): the
            # whole queue is thousands of items after a year (issue 19).
            queue = queue_store.pending(
                session, p.name, now, fetched_after=since, min_final=p.digest.min_score
            )
            # The agenda shows three days; the "to do" block reaches the whole horizon.
            horizon = max(end, now + timedelta(days=p.schedule.horizon_days))
            slots = slot_store.list_slots(session, p.name, since=start, until=horizon)
            held = {s.item_id for s in slots if s.item_id is not None}
            slot_items = {i.id: i for i in repo.list_items(session, state=None, ids=held)}
            feeds = repo.list_feeds(session)
        content = build_digest(
            p,
            d,
            candidates=[Candidate(e.item, e.score, e.item.feed_name or "") for e in queue],
            slots=slots,
            slot_items=slot_items,
            feeds=feeds,
            since=since,
            exclude_ids=[i for digest in before for i in digest.item_ids],
            now=now,
        )
        # The first digest of each week carries the week in review (issue 15).
        monday = d - timedelta(days=d.weekday())
        if not any(b.day >= monday for b in before):
            from curator.outputs.digest import WeeklyBlock

            block = results.weekly_block(
                self.results_report(p.name, weeks=12), planner.zone(p.timezone)
            )
            if block is not None:
                content = replace(content, weekly=WeeklyBlock(*block))
        return content

    def _claim_digest(self, previous: Digest | None, row: Digest) -> bool:
        with self.db.session() as session:
            return digests.claim(session, previous, row, self.now())

    def _save_digest(self, row: Digest) -> None:
        # A session of its own: committed on return, so `sending` is durable before SMTP.
        with self.db.session() as session:
            digests.save(session, row, self.now())

    def _digest_path(
        self, profile: str, d: date, path: Path | None, *, several: bool = False
    ) -> Path:
        if path is None:
            return self._beside_database() / digest_file_name(profile, d)
        if several:  # one file per profile: out.eml -> out-alice.eml
            return path.with_name(f"{path.stem}-{profile}{path.suffix or '.eml'}")
        return path

    # --- the main job --------------------------------------------------------------------

    def run(self) -> RunReport:
        """One full cycle of the main job; each stage is a use case of its own."""
        report = RunReport()
        stages: list[tuple[str, Callable[[], tuple[str, dict[str, Any]]]]] = [
            # Stages are added here in data-flow order: fetch -> score -> plan -> export -> digest.
            ("fetch", self._fetch_stage),
            ("score", self._score_stage),
            ("plan", self._plan_stage),
            ("export", self._export_stage),
            ("digest", self._digest_stage),
        ]
        began = self.now()
        try:
            for name, stage in stages:
                started = _time.perf_counter()
                summary, detail = stage()
                report.stages.append(
                    StageResult(name, _time.perf_counter() - started, summary, detail)
                )
        except CuratorError as e:
            self.record_job_run(RUN_JOB, began, self.now(), "error", {"error": str(e)})
            raise
        # Recorded like the service's jobs, so `curator status` shows cron-driven runs too.
        stages_done = {s.name: s.summary for s in report.stages}
        self.record_job_run(RUN_JOB, began, self.now(), "ok", stages_done)
        return report

    def _plan_stage(self) -> tuple[str, dict[str, Any]]:
        report = self.plan()
        notes = [n for p in report.plans for n in p.notes]
        return report.summary(), {"notes": notes}


def _replace_scores(profile: str, scores: list[Score], now: datetime, session: Any) -> None:
    score_store.replace_scores(session, profile, scores, now)


def _put_vectors(vectors: dict[int, bytes], model: str, session: Any) -> None:
    from curator.store import embeddings

    embeddings.put_vectors(session, vectors, model)


def _update_scores(
    profile: str, scores: list[Score], since: datetime, now: datetime, session: Any
) -> None:
    score_store.drop_scores_before(session, profile, since)
    score_store.update_scores(session, profile, scores, now)


def digest_file_name(profile: str, day: date) -> str:
    """Where the main job writes a digest it does not send: `digest-<profile>-<day>.eml`."""
    return f"digest-{profile}-{day.isoformat()}.eml"


def last_digest_file(
    folder: Path, profile: str, *, recorded: Any = None
) -> tuple[date, Path] | None:
    """The newest digest file of `profile`, by its day: the last one written (`recorded`, as
    `_digest_one` stores it, wherever it went; it wins a tie) or one in `folder`; or None."""
    prefix, suffix = f"digest-{profile}-", ".eml"
    found: list[tuple[date, int, Path]] = []
    if isinstance(recorded, dict):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            path = Path(recorded["path"])
            if path.is_file():
                found.append((date.fromisoformat(recorded["day"]), 1, path))
    try:
        paths = list(folder.glob(f"{glob_escape(prefix)}*{suffix}"))
    except OSError:
        paths = []
    for path in paths:
        # the day must be all that follows the prefix: "digest-ana-2026-…" is not "ana-bis"'s
        try:
            day = date.fromisoformat(path.name[len(prefix) : -len(suffix)])
        except ValueError:
            continue
        if path.is_file():
            found.append((day, 0, path))
    if not found:
        return None
    day, _, path = max(found)
    return day, path


RUN_JOB = "run"  # `curator run`, as `curator status` lists it beside the service's jobs
_DIGEST_FILE_KEY = "digest.last_file.{profile}"  # the meta row of a profile's last .eml

# How `curator run` words a digest outcome where the bare one reads ambiguously (issue 13).
_OUTCOME_WORDS = {"already-sent": "today's digest was already sent"}
_HEALTH_DIGEST_DAYS = 2  # outbox rows older than this no longer make /healthz degraded
_THEME_WINDOW = timedelta(days=14)  # "recent" high-scoring themes for original posts


def _titles(session: Any, scores: list[Score]) -> dict[int, str]:
    ids = [s.item_id for s in scores]
    return {i.id: i.title for i in repo.list_items(session, state=None, ids=ids)} if ids else {}


def _pass_mark(profile: Profile, weights: dict[int, float]) -> str:
    """What a profile's stored scores were computed from, besides the items and decisions: a
    change of objective, keywords, schedule or feed weights calls for a full pass."""
    import hashlib

    text = repr((profile, sorted(weights.items())))
    return hashlib.sha256(text.encode()).hexdigest()


def _decided_since_pass(state: Any, decided: dict[int, int]) -> bool:
    """Whether the profile's decisions changed since its last scoring pass."""
    if not isinstance(state, dict) or not isinstance(state.get("decided"), dict):
        return bool(decided)
    return {int(k): v for k, v in state["decided"].items()} != decided


def _can_update(
    state: Any, mark: str, now: datetime, since: datetime, full_every: timedelta
) -> bool:
    """Whether an incremental pass may stand for a full one (see `Curator.score`)."""
    if not isinstance(state, dict) or state.get("mark") != mark:
        return False
    try:
        full_at = datetime.fromisoformat(state["full_at"])
        through = datetime.fromisoformat(state["through"])
        dict(state["decided"])
    except (KeyError, TypeError, ValueError):
        return False
    return now - full_at < full_every and since <= through <= now


def _candidate(item: Item, score: Score | None, comment: str | None) -> planner.Candidate:
    usable = score is not None and not score.blocked
    return planner.Candidate(
        item_id=item.id,
        score=score.final if score is not None and usable else 0.0,
        feed_id=item.feed_id,
        cluster_id=item.cluster_id,
        reference_at=item.published_at or item.fetched_at,
        comment=comment,
        topics=tuple(t.text.casefold() for t in score.matched)[:3] if score is not None else (),
    )


def _quick_starter(profile: Profile, item: Item, score: Score | None) -> str | None:
    """A comment starter without the scorer: the item's first sentences and its `why` terms."""
    sentences = planner.lead_sentences(item.text, 2, title=item.title)
    terms = [t.text for t in score.matched[:3]] if score is not None else []
    language = profile.language if profile.language in ("fr", "en") else item.language
    return planner.comment_starter(sentences, terms, language=language or "en")


def _starters(
    profile: Profile, items: dict[int, tuple[Item, Score | None]]
) -> Callable[[int], str | None]:
    """Comment starters: the scorer's key sentences and matched terms for an item.

    The scorer (numpy, scipy, scikit-learn: about a second to import) is loaded by the first
    starter asked for, not here: a re-plan builds this for every approved item but seldom places
    a new one."""

    def starter(item_id: int) -> str | None:
        from curator import score as scoring

        item, _ = items[item_id]
        sentences = scoring.key_sentences(profile, item, 2)
        terms = scoring.matched_terms(profile, item)
        language = profile.language if profile.language in ("fr", "en") else item.language
        return planner.comment_starter(sentences, terms, language=language or "en")

    return starter
