"""The daily digest: composed, then sent through the outbox or written to a file."""

from __future__ import annotations

import contextlib
import time as _time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from glob import escape as glob_escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from curator import plan as planner
from curator.app.picks import with_picks
from curator.app.results import ResultsUseCases
from curator.errors import ConfigError, InvalidAction
from curator.i18n import N_, Message, joined

# The digest renderer (jinja2, css-inline), the calendar writer (icalendar) and SMTP (smtplib,
# ssl) are imported by the methods that use them: every command loads this module, and
# `curator fetch` (run from cron every few minutes) or `queue approve` (issue 19) should not pay
# for them.
from curator.outputs import outbox
from curator.outputs.outbox import DigestOutcome, DigestReport
from curator.store import digests, repo
from curator.store import queue as queue_store
from curator.store import slots as slot_store
from curator.types import Digest, DigestState, Profile

if TYPE_CHECKING:
    from curator.outputs.digest import DigestContent


class DigestUseCases(ResultsUseCases):
    """The daily digest through the outbox: sent once, written to a file, or shown."""

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
            raise InvalidAction(Message(N_("unknown digest mode {mode}"), mode=repr(mode)))
        if mode == "send" and self.settings.smtp is None:
            raise ConfigError(
                Message(N_("no `smtp:` section: cannot send; use --to-file or --dry-run")),
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
            Message(
                "{profile}: {outcome}",
                profile=o.profile,
                outcome=_OUTCOME_WORDS.get(o.outcome) or Message(o.outcome),
            )
            for o in report.outcomes
        ]
        # A profile without an outcome had nothing due: say whether it is early or was missed.
        catchup = self.settings.serve.digest_catchup_hours
        parts += [
            Message("{profile}: {note}", profile=p.name, note=outbox.not_due_note(p, now, catchup))
            for p in self.settings.profiles
            if p.name not in handled
        ]
        detail = {
            "outcomes": [
                [o.profile, o.day.isoformat(), o.outcome, o.detail] for o in report.outcomes
            ]
        }
        return joined("; ", parts) if parts else Message(N_("no profile")), detail

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
        from curator.outputs import smtp
        from curator.outputs.digest import compose, message_id

        smtp_settings = self.settings.smtp
        assert smtp_settings is not None
        if not p.digest.to:
            return self._unsent(p, d, "skipped", "no recipient: set digest.to for this profile")
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
            # A compare-and-set like the send's claim: another process may have claimed or sent
            # this digest since `existing` was read (a worker's queue can be empty for a moment
            # while a fetch re-scores its items). Saving over its row would turn `sent` back
            # into `empty`, which the next tick sends again.
            if not self._claim_digest(existing, empty):
                with self.db.reading() as session:
                    now_stored = digests.get(session, p.name, d)
                if now_stored is not None and now_stored.state is DigestState.SENT:
                    return outbox.outcome_of(now_stored, action=outbox.Action.ALREADY_SENT)
                return self._unsent(p, d, "busy", _BUSY)
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
            return self._unsent(p, d, "busy", _BUSY)
        return replace(outbox.outcome_of(row), alerts=len(content.alerts))

    @staticmethod
    def _unsent(p: Profile, d: date, outcome: str, detail: str) -> DigestOutcome:
        """The outcome of a digest this call did not send and has no outbox row of its own."""
        from curator.outputs.digest import message_id

        return DigestOutcome(
            profile=p.name, day=d, outcome=outcome, message_id=message_id(p.name, d), detail=detail
        )

    def _digest_content(self, p: Profile, d: date, now: datetime) -> DigestContent:
        from curator.outputs.digest import (
            DEFAULT_LOOKBACK,
            Candidate,
            build_digest,
            slot_window,
        )
        from curator.outputs.links import digest_links

        start, end = slot_window(p, d)
        with self.db.reading() as session:
            before = digests.sent_before(session, p.name, d)
            since = before[0].sent_at if before and before[0].sent_at else now - DEFAULT_LOOKBACK
            # Only what the digest can show (new since the last one, above its floor): the
            # whole queue is thousands of items after a year (issue 19).
            queue = queue_store.pending(
                session, p.name, now, fetched_after=since, min_final=p.digest.min_score,
                followed=[f.profile for f in p.follow],
            )  # fmt: skip
            # A followed colleague's pick shows with her comment first among its reasons.
            queue = with_picks(session, p, queue)
            # The agenda shows three days; the "to do" block reaches the whole horizon.
            horizon = max(end, now + timedelta(days=p.schedule.horizon_days))
            slots = slot_store.list_slots(session, p.name, since=start, until=horizon)
            held = {s.item_id for s in slots if s.item_id is not None}
            slot_items = {i.id: i for i in repo.list_items(session, state=None, ids=held)}
            feeds = repo.list_feeds(session)
        content = build_digest(
            p,
            d,
            candidates=[
                Candidate(
                    e.item,
                    e.score,
                    e.item.feed_name or "",
                    max((p.picked_at for p in e.picked_by), default=None),
                )
                for e in queue
            ],
            slots=slots,
            slot_items=slot_items,
            feeds=feeds,
            since=since,
            exclude_ids=[i for digest in before for i in digest.item_ids],
            now=now,
            links=digest_links(self.settings.serve, p.name, now),
        )
        # The first digest of each week carries the week in review (issue 15).
        monday = d - timedelta(days=d.weekday())
        if not any(b.day >= monday for b in before):
            from curator import results
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


_BUSY = "another curator process is sending this digest right now"
_DIGEST_FILE_KEY = "digest.last_file.{profile}"  # the meta row of a profile's last .eml

# How `curator run` words a digest outcome where the bare one reads ambiguously (issue 13).
_OUTCOME_WORDS = {"already-sent": Message(N_("today's digest was already sent"))}
