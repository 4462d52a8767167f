"""The facade: each use case of curator, wiring storage, network and clock once.

This is the only module where I/O meets policy. The CLI and the scheduler call these methods
and nothing else; pure policy (score, plan, dedupe) never sees a session or a socket. Each use
case reads the clock once (`self.now()`) and passes that instant down, so tests can set it.
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from curator.config import Settings, load_settings, resolve_database_url
from curator.errors import ConfigError, InvalidAction
from curator.outputs import outbox, smtp
from curator.outputs.digest import (
    DEFAULT_LOOKBACK,
    Candidate,
    DigestContent,
    build_digest,
    compose,
    message_id,
    preview,
    slot_window,
)
from curator.outputs.outbox import DigestOutcome, DigestReport
from curator.store import Database, decisions, digests, repo
from curator.types import Decision, DecisionKind, Digest, Feed, Profile

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

    def _digest_stage(self) -> tuple[str, dict[str, Any]]:
        """Send each due digest when SMTP is set up; otherwise write today's .eml beside the DB."""
        now = self.now()
        outcomes = []
        for p in self.settings.profiles:
            if self.settings.smtp is not None and p.digest.to:
                d = outbox.due_day(p, now, self.settings.serve.digest_catchup_hours)
                if d is not None:
                    outcomes.append(self._digest_one(p, d, now, "send", None, manual=False))
            else:
                d = outbox.local_day(p, now)
                target = self._digest_path(p.name, d, None, several=False)
                outcomes.append(self._digest_one(p, d, now, "file", target, manual=False))
        summary = ", ".join(f"{o.profile}: {o.outcome}" for o in outcomes) or "not due yet"
        detail = {
            "outcomes": [[o.profile, o.day.isoformat(), o.outcome, o.detail] for o in outcomes]
        }
        return summary, detail

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
        return replace(made, outcome="written", path=str(target))

    def _send_digest(
        self, p: Profile, d: date, now: datetime, *, manual: bool, force: bool
    ) -> DigestOutcome:
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
        start, end = slot_window(p, d)
        with self.db.session() as session:
            before = digests.sent_before(session, p.name, d)
            since = before[0].sent_at if before and before[0].sent_at else now - DEFAULT_LOOKBACK
            scored = digests.scored_items(session, p.name, fetched_after=since)
            slots = digests.slots_between(session, p.name, start, end)
            slot_items = digests.items_by_id(session, (s.item_id for s in slots if s.item_id))
            feeds = repo.list_feeds(session)
        return build_digest(
            p,
            d,
            candidates=[Candidate(item, score, item.feed_name or "") for item, score in scored],
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

    def _digest_path(self, profile: str, d: date, path: Path | None, *, several: bool) -> Path:
        if path is None:
            return self.settings.data_dir / f"digest-{profile}-{d.isoformat()}.eml"
        if several:  # one file per profile: out.eml -> out-alice.eml
            return path.with_name(f"{path.stem}-{profile}{path.suffix or '.eml'}")
        return path

    # --- the main job --------------------------------------------------------------------

    def run(self) -> RunReport:
        """One full cycle of the main job; each stage is a use case of its own."""
        report = RunReport()
        stages: list[tuple[str, Callable[[], tuple[str, dict[str, Any]]]]] = [
            # Stages are added here in data-flow order: fetch -> score -> plan -> export -> digest.
            ("digest", self._digest_stage),
        ]
        for name, stage in stages:
            started = _time.perf_counter()
            summary, detail = stage()
            report.stages.append(StageResult(name, _time.perf_counter() - started, summary, detail))
        return report
