"""The facade: each use case of curator, wiring storage, network and clock once.

This is the only module where I/O meets policy. The CLI and the scheduler call these methods
and nothing else; pure policy (score, plan, dedupe) never sees a session or a socket. Each use
case reads the clock once (`self.now()`) and passes that instant down, so tests can set it.
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from curator import review
from curator.config import Settings, load_settings, resolve_database_url
from curator.errors import ConfigError, CuratorError, InvalidAction
from curator.store import Database, decisions, repo
from curator.store import review as review_store
from curator.types import Decision, DecisionKind, Feed, Item, Profile, Score, Slot

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

    # --- the review queue (issue 6) -------------------------------------------------------

    def review_profile(self, name: str | None) -> Profile:
        """The profile named, else the only one; with several, an error listing them."""
        if name:
            return self.settings.profile(name)
        if len(self.settings.profiles) == 1:
            return self.settings.profiles[0]
        if not self.settings.profiles:
            raise ConfigError(f"no profile in {self.settings.path}: add one under `profiles:`")
        names = ", ".join(p.name for p in self.settings.profiles)
        raise InvalidAction(f"several profiles ({names}): choose one with --profile")

    def review_queue(self, profile: str, *, ids: list[int] | None = None) -> list[review.Entry]:
        """The items waiting for review, best first, as the review screens show them."""
        p = self.settings.profile(profile)
        with self.db.session() as session:
            rows = review_store.pending(session, profile, self.now(), ids=ids)
        return [
            review.entry_for(item, score, folded, _starter(p, item, score))
            for item, score, folded in rows
        ]

    def review_item(self, profile: str, item_id: int) -> tuple[review.Entry, Decision | None]:
        """One item as the review shows it, and its current decision, whatever its state."""
        p = self.settings.profile(profile)
        with self.db.session() as session:
            item, score, folded = review_store.item_with_score(session, profile, item_id)
            current = decisions.current_for(session, profile, item_id)
        score = score or Score(profile, item_id, final=0.0, relevance=0.0)
        return review.entry_for(item, score, folded, _starter(p, item, score)), current

    def approve(self, profile: str, item_id: int, comment: str | None = None) -> review.Outcome:
        """Approve a pending item with the user's comment; the plan takes it at once."""
        comment = review.clean_comment(comment or "")
        schedule = self.settings.profile(profile).schedule
        note = review.comment_note(comment, schedule.min_comment_chars)
        return self._review(profile, item_id, DecisionKind.APPROVE, note, comment=comment)

    def reject(self, profile: str, item_id: int, reason: str | None = None) -> review.Outcome:
        return self._review(profile, item_id, DecisionKind.REJECT, None, reason=reason or None)

    def snooze(self, profile: str, item_id: int, until: datetime) -> review.Outcome:
        return self._review(profile, item_id, DecisionKind.SNOOZE, None, snooze_until=until)

    def _review(
        self, profile: str, item_id: int, kind: DecisionKind, note: str | None, **fields: Any
    ) -> review.Outcome:
        """The rules shared by the review screen and the queue commands, then the re-plan."""
        self.settings.profile(profile)
        with self.db.session() as session:
            item = repo.get_item(session, item_id)
            current = decisions.current_for(session, profile, item_id)
        review.check_pending(item, current, self.now())
        decision = self.decide(profile, item_id, kind, **fields)
        slot = self._replan_for(profile, item_id)
        return review.Outcome(decision, slot, (note,) if note else ())

    def undo_decision(self, profile: str) -> Decision | None:
        """Take back the profile's most recent decision; the plan follows."""
        self.settings.profile(profile)
        with self.db.session() as session:
            undone = decisions.undo_last(session, profile)
        if undone is not None:
            self._replan_for(profile, undone.item_id)
        return undone

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
        return results

    def _request(self, profile: str, request: review.Request) -> review.Outcome:
        if request.kind is DecisionKind.APPROVE:
            return self.approve(profile, request.item_id, request.comment)
        if request.kind is DecisionKind.REJECT:
            return self.reject(profile, request.item_id, request.reason)
        assert request.until is not None, "parse_request gives every snooze a date"
        return self.snooze(profile, request.item_id, request.until)

    def plan_fill(self, profile: str) -> str | None:
        """How this local week's plan is filling, for the review footer."""
        p = self.settings.profile(profile)
        start, end = review.week_bounds(self.now(), p.timezone)
        with self.db.session() as session:
            return review.week_fill(review_store.slot_counts(session, profile, start, end))

    def _replan_for(self, profile: str, item_id: int) -> Slot | None:
        """Re-plan after a decision, so the calendar shows it; the slot the item now takes."""
        replan = getattr(self, "plan", None)
        if replan is None:  # no planner in this build
            return None
        report = replan(profile)
        slots = [s for p in report.plans for s in p.slots if s.item_id == item_id]
        return slots[0] if slots else None

    # --- the main job --------------------------------------------------------------------

    def run(self) -> RunReport:
        """One full cycle of the main job; each stage is a use case of its own."""
        report = RunReport()
        stages: list[tuple[str, Callable[[], tuple[str, dict[str, Any]]]]] = [
            # Stages are added here in data-flow order: fetch -> score -> plan -> export -> digest.
        ]
        for name, stage in stages:
            started = _time.perf_counter()
            summary, detail = stage()
            report.stages.append(StageResult(name, _time.perf_counter() - started, summary, detail))
        return report


def _starter(profile: Profile, item: Item, score: Score) -> str | None:
    """A comment starter for an item under review: its lead sentences and its matched terms."""
    language = profile.language if profile.language in ("fr", "en") else item.language
    return review.starter_from(item.text or item.title, [t.text for t in score.why], language)
