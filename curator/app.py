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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from glob import escape as glob_escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from sqlalchemy.engine import make_url

from curator import plan as planner
from curator import review
from curator.config import Settings, load_settings, resolve_database_url
from curator.errors import ConfigError, CuratorError, ExportError, InvalidAction

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
        """What `/healthz` answers: each job's last and next run, and failing feeds."""
        with self.db.session() as session:
            last = jobs.last_runs(session)
            feeds = repo.list_feeds(session)
        names = sorted(set(last) | set(next_runs))
        return {
            "status": "ok",
            "now": self.now().isoformat(),
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
        with self.db.session() as session:
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
                    "queue": len(queue_store.pending(session, p.name, now)),
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
        return ingest_service.fetch(
            self.db, self.settings.fetch, feeds, now, progress=progress, stop=self.stopping
        )

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
        with self.db.session() as session:
            last = repo.get_meta(session, self._LAST_FULL_REFRESH)
        stale = last is None or now - datetime.fromisoformat(last) >= self.REFRESH_EVERY
        if not (report.new_items or report.updated_items or report.clustered or stale):
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
        with self.db.session() as session:
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
        with self.db.session() as session:
            item, score, _ = review_store.item_with_score(session, profile, item_id)
        return _starters(p, {item_id: (item, score)})(item_id)

    def review_item(self, profile: str, item_id: int) -> tuple[review.Entry, Decision | None]:
        """One item as the review shows it, and its current decision, whatever its state."""
        p = self.settings.profile(profile)
        with self.db.session() as session:
            item, score, folded = review_store.item_with_score(session, profile, item_id)
            current = decisions.current_for(session, profile, item_id)
        starter = _starters(p, {item_id: (item, score)})(item_id)
        score = score or Score(profile, item_id, final=0.0, relevance=0.0)
        return review.entry_for(item, score, folded, starter), current

    # A decision re-plans at once (milliseconds), so the calendar shows it. With `learn`, the
    # scorer first re-scores with it as feedback (about a second for a few hundred items): the
    # queue commands do so after each decision, the review screen and `queue apply` once at the
    # end, so the list does not reshuffle under the user's keys.

    def approve(
        self, profile: str, item_id: int, comment: str | None = None, *, learn: bool = True
    ) -> review.Outcome:
        """Approve a pending item with the user's comment; the plan takes it at once."""
        comment = review.clean_comment(comment or "")
        schedule = self.settings.profile(profile).schedule
        note = review.comment_note(comment, schedule.min_comment_chars)
        return self._review(profile, item_id, DecisionKind.APPROVE, note, learn, comment=comment)

    def reject(
        self, profile: str, item_id: int, reason: str | None = None, *, learn: bool = True
    ) -> review.Outcome:
        return self._review(profile, item_id, DecisionKind.REJECT, None, learn, reason=reason)

    def snooze(
        self, profile: str, item_id: int, until: datetime, *, learn: bool = True
    ) -> review.Outcome:
        return self._review(profile, item_id, DecisionKind.SNOOZE, None, learn, snooze_until=until)

    def _review(
        self,
        profile: str,
        item_id: int,
        kind: DecisionKind,
        note: str | None,
        learn: bool,
        **fields: Any,
    ) -> review.Outcome:
        """The rules shared by the review screen and the queue commands, then the re-plan."""
        tz = self.settings.profile(profile).timezone
        with self.db.session() as session:
            item = repo.get_item(session, item_id)
            current = decisions.current_for(session, profile, item_id)
        review.check_pending(item, current, self.now(), tz)
        decision = self.decide(profile, item_id, kind, **fields)
        if learn:
            self.score(profile)
        slot = self._replan_for(profile, item_id)
        return review.Outcome(decision, slot, (note,) if note else ())

    def undo_decision(
        self,
        profile: str,
        *,
        item_id: int | None = None,
        learn: bool = True,
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
            if learn:
                self.score(profile)
            self._replan_for(profile, undone.item_id)
        return undone

    def learn(self, profile: str) -> str:
        """Re-score with the decisions made so far as feedback, then re-plan with the scores."""
        report = self.score(profile)
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
            return self.approve(profile, request.item_id, request.comment, learn=False)
        if request.kind is DecisionKind.REJECT:
            return self.reject(profile, request.item_id, request.reason, learn=False)
        assert request.until is not None, "parse_request gives every snooze a date"
        return self.snooze(profile, request.item_id, request.until, learn=False)

    def plan_fill(self, profile: str) -> str | None:
        """How the coming week of the plan is filling, for the review footer."""
        self.settings.profile(profile)
        # A rolling week, not the calendar one: on a Friday, next week is what the user fills.
        start = self.now()
        with self.db.session() as session:
            rows = review_store.slot_counts(session, profile, start, start + timedelta(days=7))
        return review.week_fill(rows)

    def _replan_for(self, profile: str, item_id: int) -> Slot | None:
        """Re-plan after a decision, so the calendar shows it; the slot the item now takes."""
        report = self.plan(profile)
        slots = [s for p in report.plans for s in p.slots if s.item_id == item_id]
        return slots[0] if slots else None

    # --- scoring and the review queue ------------------------------------------------------

    def score(self, profile: str | None = None) -> ScoreReport:
        """Re-score the items of the rolling window for one profile (or all) and store ranks."""
        # Imported here: scikit-learn costs every other command a second and ~100 MB.
        from curator import score as scoring

        profiles = self.settings.select_profiles(profile)
        now = self.now()
        since = now - timedelta(days=scoring.WINDOW_DAYS)
        with self.db.session() as session:
            items = repo.list_items(session, since=since)
            stats = self._corpus_stats(session, since, now)
            weights = score_store.feed_weights(session)
            matrix = scoring.vectorize(items, stats)
            report = ScoreReport(items=len(items))
            vectors, semantic_note = self._item_vectors(session, items)
            for p in profiles:
                history = decisions.history(session, p.name)
                decided = repo.list_items(session, ids={d.item_id for d in history}, state=None)
                examples = score_store.items_by_url(session, p.examples)
                result = scoring.score_items(
                    p,
                    items,
                    decisions=history,
                    decided_items=decided,
                    stats=stats,
                    feed_weights=weights,
                    now=now,
                    example_texts=[f"{i.title}. {i.text}" for i in examples.values()],
                    matrix=matrix,
                    semantic=self._semantic_input(vectors, p),
                )
                score_store.replace_scores(session, p.name, result.scores, now)
                pending = sum(1 for s in result.scores if s.rank is not None)
                warnings = list(result.warnings)
                note = semantic_note or scoring.language_gap_note(p, items, vectors is not None)
                if note:
                    warnings.append(note)
                report.profiles.append(ProfileScores(p.name, len(items), pending, warnings))
        return report

    def _item_vectors(self, session: Any, items: list[Item]) -> tuple[Any, str | None]:
        """The items' embeddings from the semantic extra, computing and storing the missing
        ones (new items: each is embedded once); (None, None) without the extra, (None, why)
        when its engine fails, so that scoring goes on with TF-IDF alone."""
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
        embeddings.put_vectors(session, new, semantic.MODEL)
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
        the last pass, or refitted when there is nothing usable stored."""
        from curator import score as scoring

        stored = repo.get_meta(session, score_store.STATS_KEY)
        stats = scoring.CorpusStats.from_json(stored) if isinstance(stored, dict) else None
        if stats is None or stats.since is None or stats.through is None or stats.through < since:
            stats = scoring.CorpusStats.fit(
                repo.list_items(session, since=since, state=None), since=since, through=now
            )
        else:
            added = score_store.items_fetched_between(session, stats.through, now)
            added = [i for i in added if i.fetched_at > stats.through]
            removed: list[Item] = (
                score_store.items_fetched_between(session, stats.since, since)
                if stats.since < since
                else []
            )
            stats = stats.updated(added=added, removed=removed, since=since, through=now)
        repo.set_meta(session, score_store.STATS_KEY, stats.to_json(), now)
        return stats

    def queue(self, profile: str, *, limit: int | None = None) -> list[QueueEntry]:
        """The profile's pending review queue, best first (see `store.queue.pending`)."""
        self.settings.profile(profile)
        with self.db.session() as session:
            return queue_store.pending(session, profile, self.now(), limit=limit)

    def get_versions(self, items: Iterable[Item]) -> dict[int, list[ClusterVersion]]:
        """The other versions folded into each item's story (near-duplicates), by item id."""
        with self.db.session() as session:
            return review_store.cluster_versions(session, items)

    def _score_stage(self) -> tuple[str, dict[str, Any]]:
        report = self.score()
        detail = {
            p.profile: {"pending": p.pending, "warnings": p.warnings} for p in report.profiles
        }
        return report.summary(), detail

    # --- calendar ------------------------------------------------------------------------

    def calendar_ics(self, profile: str, *, keep_cancelled: bool | None = None) -> bytes:
        """A profile's calendar; removed slots kept as cancelled events with `keep_cancelled`
        (default: `calendar.keep_cancelled`, which is for file exports)."""
        from curator.outputs.ics import render_calendar

        chosen = self.settings.profile(profile)
        keep = self.settings.calendar.keep_cancelled if keep_cancelled is None else keep_cancelled
        settings = replace(self.settings.calendar, keep_cancelled=keep)
        now = self.now()
        with self.db.session() as session:
            data = store_ics.calendar_data(session, chosen.name, with_cancelled=keep)
        return render_calendar(
            chosen,
            data.slots,
            data.items,
            data.scores,
            settings,
            now=now,
            cancelled=data.cancelled,
        )

    def calendar_http(
        self, profile: str, *, token: str | None, if_none_match: str | None
    ) -> CalendarResponse:
        """Answer GET /calendar/<profile>.ics (profile as found in the URL path)."""
        if not token_ok(self.settings.serve.token, token):
            return forbidden()
        name = unquote(profile)
        if name not in {p.name for p in self.settings.profiles}:
            return not_found()
        # Subscribers get removed slots simply absent, whatever file exports keep.
        return calendar_response(
            self.calendar_ics(name, keep_cancelled=False),
            if_none_match=if_none_match,
            filename=f"calendar-{name}.ics",
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

    def plan(self, profile: str | None = None) -> PlanReport:
        """Re-plan each profile's slots from its approved items, scores and existing slots."""
        now = self.now()
        report = PlanReport(now=now)
        for p in self.settings.select_profiles(profile):
            report.plans.append(self._plan_profile(p, now))
        return report

    def _plan_profile(self, profile: Profile, now: datetime) -> ProfilePlan:
        from curator.outputs.words import profile_language

        tz = planner.zone(profile.timezone)
        with self.db.session() as session:
            approved = slot_store.approved_items(session, profile.name)
            existing = slot_store.list_slots(session, profile.name)
            held = {s.item_id for s in existing if s.item_id is not None}
            known = slot_store.items_with_scores(session, profile.name, held)
            top = slot_store.recent_top_scores(session, profile.name, since=now - _THEME_WINDOW)
            result = planner.plan_slots(
                profile.name,
                profile.schedule,
                tz,
                candidates=[_candidate(a.item, a.score, a.comment) for a in approved],
                known=[_candidate(item, score, None) for item, score in known],
                existing=existing,
                now=now,
                themes=planner.themes_from(
                    top, titles=_titles(session, top), language=profile_language(profile)
                ),
                objective=profile.objective,
                cancelled=slot_store.removed_sequences(session, profile.name),
                starter_for=_starters(profile, {a.item.id: (a.item, a.score) for a in approved}),
                language=profile_language(profile),
            )
            slot_store.save_slots(session, result.changed, tz, now)
            slot_store.remove_slots(session, result.removed, now)
        fresh = {s.id for s in existing}
        return ProfilePlan(
            profile=profile.name,
            slots=list(result.slots),
            created=sum(1 for s in result.changed if s.id not in fresh),
            updated=sum(1 for s in result.changed if s.id in fresh),
            removed=len(result.removed),
            notes=list(result.notes),
        )

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
        with self.db.session() as session:
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

    def slot_done(self, slot_id: str, *, url: str | None = None) -> Slot:
        """Record that a slot was published now (and where)."""
        return self._slot_action(slot_id, lambda s, _, now: planner.mark_done(s, now, url=url))

    def skip_slot(self, slot_id: str) -> Slot:
        """Skip a slot; its item is planned again at the next free fitting slot."""
        slot = self._slot_action(slot_id, lambda s, _, now: planner.skip_slot(s, now))
        self.plan(slot.profile)
        return slot

    def get_slot(self, slot_id: str) -> Slot:
        with self.db.session() as session:
            return slot_store.get_slot(session, slot_id)

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
        with self.db.session() as session:
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
        summary = ", ".join(f"{o.profile}: {o.outcome}" for o in report.outcomes)
        detail = {
            "outcomes": [
                [o.profile, o.day.isoformat(), o.outcome, o.detail] for o in report.outcomes
            ]
        }
        return summary or "not due yet", detail

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
        with self.db.session() as session:
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
        with self.db.session() as session:
            before = digests.sent_before(session, p.name, d)
            since = before[0].sent_at if before and before[0].sent_at else now - DEFAULT_LOOKBACK
            queue = queue_store.pending(session, p.name, now)
            slots = slot_store.list_slots(session, p.name, since=start, until=end)
            held = {s.item_id for s in slots if s.item_id is not None}
            slot_items = {i.id: i for i in repo.list_items(session, state=None, ids=held)}
            feeds = repo.list_feeds(session)
        return build_digest(
            p,
            d,
            candidates=[Candidate(e.item, e.score, e.item.feed_name or "") for e in queue],
            slots=slots,
            slot_items=slot_items,
            feeds=feeds,
            since=since,
            exclude_ids=[i for digest in before for i in digest.item_ids],
        )

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

_THEME_WINDOW = timedelta(days=14)  # "recent" high-scoring themes for original posts


def _titles(session: Any, scores: list[Score]) -> dict[int, str]:
    ids = [s.item_id for s in scores]
    return {i.id: i.title for i in repo.list_items(session, state=None, ids=ids)} if ids else {}


def _candidate(item: Item, score: Score | None, comment: str | None) -> planner.Candidate:
    usable = score is not None and not score.blocked
    return planner.Candidate(
        item_id=item.id,
        score=score.final if score is not None and usable else 0.0,
        feed_id=item.feed_id,
        cluster_id=item.cluster_id,
        reference_at=item.published_at or item.fetched_at,
        comment=comment,
        topics=tuple(t.text.casefold() for t in score.why[:3]) if score is not None else (),
    )


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
