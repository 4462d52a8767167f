"""The digest outbox, as pure decisions over `Digest` rows: when to send, and what a result means.

One row per (profile, local date) in the `digests` table walks through
    pending -> sending -> sent
                       -> pending (4xx: next_attempt_at with backoff) -> sending ...
                       -> failed  (5xx, or too many 4xx; last_error keeps the server's reply)
and `empty` when there was nothing to say.

The guarantee is *at most once* (issue 7; rss2email's known fault is the opposite: state saved
only at the end of a run, so a crash re-sends everything). The row is committed in `sending`
BEFORE the SMTP transaction starts. If the process dies before the outcome is recorded, the next
run finds `sending` and does not send again: the user is told the digest is "in doubt" and can
resend with `--force`. The Message-ID is derived from the profile and date, so even a forced
resend is recognisably the same email (many clients, Gmail included, fold duplicates by it).
A lost connection after DATA was handed over is treated the same way (`DeliveryInDoubt`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from curator.errors import DeliveryError, DeliveryInDoubt
from curator.i18n import N_, Message
from curator.types import Digest, DigestState, Profile

if TYPE_CHECKING:  # messages come built: the email package is loaded by who builds them
    from email.message import EmailMessage

QUICK_RETRY_DELAYS = (2.0, 8.0)  # seconds to wait before each extra in-run attempt after a 4xx
MAX_ATTEMPTS = 12  # 4xx answers past this many attempts (about three runs) make it failed
BACKOFF_BASE = timedelta(minutes=10)
BACKOFF_MAX = timedelta(hours=4)


class Action(enum.StrEnum):
    SEND = "send"
    ALREADY_SENT = "already-sent"
    IN_DOUBT = "in-doubt"  # found in `sending`: the last attempt may have been delivered
    WAIT = "wait"  # a temporary failure; the next attempt is due later
    GAVE_UP = "gave-up"  # failed for good; an explicit `curator digest --send` retries


def decide(
    existing: Digest | None, now: datetime, *, manual: bool = False, force: bool = False
) -> Action:
    """What to do with the (profile, day) digest. `manual` = the user asked for it explicitly."""
    if existing is None or force:
        return Action.SEND
    match existing.state:
        case DigestState.SENT:
            return Action.ALREADY_SENT
        case DigestState.SENDING:
            return Action.IN_DOUBT
        case DigestState.FAILED:
            return Action.SEND if manual else Action.GAVE_UP
        case DigestState.PENDING:
            due = existing.next_attempt_at is None or now >= existing.next_attempt_at
            return Action.SEND if manual or due else Action.WAIT
        case _:  # EMPTY: nothing was needed earlier; new content may have arrived since
            return Action.SEND


def backoff(attempts: int) -> timedelta:
    """Delay before the next run may retry, after `attempts` failed attempts (1 = first)."""
    step: timedelta = BACKOFF_BASE * (2 ** max(attempts - 1, 0))
    return min(step, BACKOFF_MAX)


def start_attempt(
    existing: Digest | None,
    *,
    profile: str,
    day: date,
    message_id: str,
    item_ids: tuple[int, ...],
) -> Digest:
    """The row to commit before talking to the server."""
    base = existing or Digest(
        profile=profile, day=day, state=DigestState.PENDING, message_id=message_id
    )
    return replace(
        base,
        state=DigestState.SENDING,
        message_id=message_id,
        attempts=base.attempts + 1,
        next_attempt_at=None,
        item_ids=item_ids,
    )


def record_sent(digest: Digest, now: datetime) -> Digest:
    return replace(
        digest, state=DigestState.SENT, sent_at=now, last_error=None, next_attempt_at=None
    )


def record_failure(digest: Digest, error: DeliveryError, now: datetime) -> Digest:
    if isinstance(error, DeliveryInDoubt):
        # Possibly delivered: stay in `sending` so no later run sends it again on its own.
        return replace(digest, state=DigestState.SENDING, last_error=str(error))
    if error.permanent or digest.attempts >= MAX_ATTEMPTS:
        return replace(
            digest, state=DigestState.FAILED, last_error=str(error), next_attempt_at=None
        )
    return replace(
        digest,
        state=DigestState.PENDING,
        last_error=str(error),
        next_attempt_at=now + backoff(digest.attempts),
    )


def record_empty(existing: Digest | None, *, profile: str, day: date, message_id: str) -> Digest:
    base = existing or Digest(
        profile=profile, day=day, state=DigestState.EMPTY, message_id=message_id
    )
    return replace(base, state=DigestState.EMPTY, next_attempt_at=None, item_ids=())


def retry_quickly(error: DeliveryError) -> bool:
    """Worth another attempt within this run: a 4xx answer or a failure before DATA."""
    return not error.permanent and not isinstance(error, DeliveryInDoubt)


def deliver(
    message: EmailMessage,
    existing: Digest | None,
    *,
    profile: str,
    day: date,
    item_ids: tuple[int, ...],
    claim: Callable[[Digest | None, Digest], bool],
    save: Callable[[Digest], None],
    send: Callable[[EmailMessage], None],
    clock: Callable[[], datetime],
    sleep: Callable[[float], None],
    delays: Sequence[float] = QUICK_RETRY_DELAYS,
) -> Digest | None:
    """Send one digest through the outbox; return its final row, or None if another process
    claimed it first.

    `claim(previous, row)` must durably commit `row` only if the stored row is still `previous`
    (compare-and-set), and `save` must commit before returning: the `sending` row recorded
    before each SMTP transaction is what makes a crash mid-send visible instead of re-sent.
    """
    message_id = str(message["Message-ID"])
    row = existing
    for attempt in range(len(delays) + 1):
        if attempt:
            sleep(delays[attempt - 1])
        claimed = start_attempt(
            row, profile=profile, day=day, message_id=message_id, item_ids=item_ids
        )
        if not claim(row, claimed):
            return None
        row = claimed
        try:
            send(message)
        except DeliveryError as e:
            row = record_failure(row, e, clock())
            save(row)
            if not retry_quickly(e) or row.state != DigestState.PENDING:
                return row
            continue
        row = record_sent(row, clock())
        save(row)
        return row
    return row


def local_day(profile: Profile, now: datetime) -> date:
    return now.astimezone(ZoneInfo(profile.timezone)).date()


class Timing(enum.StrEnum):
    """Where `now` stands against today's digest time (see `digest_timing`)."""

    NOT_YET = "not-yet"  # before today's digest time
    DUE = "due"
    MISSED = "missed"  # its time passed longer ago than the catch-up window


def digest_timing(
    profile: Profile, now: datetime, catchup_hours: float | None = None
) -> tuple[Timing, datetime]:
    """Whether today's digest (the profile's local date) is due at `now`, and its local time.

    With `catchup_hours`, a digest whose time passed longer ago than that is missed (the
    machine was off all day: a 7:30 digest arriving at 23:00 would be noise). Nothing is lost
    then: the next digest holds every item since the last one sent.
    """
    zone = ZoneInfo(profile.timezone)
    local = now.astimezone(zone)
    # Built through UTC so a digest time that falls in a DST gap still has one instant.
    at = datetime.combine(local.date(), profile.digest.time, zone)
    at = at.astimezone(ZoneInfo("UTC")).astimezone(zone)
    if local < at:
        return Timing.NOT_YET, at
    if catchup_hours is not None and local - at > timedelta(hours=catchup_hours):
        return Timing.MISSED, at
    return Timing.DUE, at


def due_day(profile: Profile, now: datetime, catchup_hours: float | None = None) -> date | None:
    """The local date whose digest is due at `now`, or None (not yet, or missed)."""
    timing, at = digest_timing(profile, now, catchup_hours)
    return at.date() if timing is Timing.DUE else None


def not_due_note(profile: Profile, now: datetime, catchup_hours: float) -> str:
    """Why no digest went out for `profile` at `now` (issue 13: `curator run` said "not due
    yet" even when today's digest time had passed beyond the catch-up window)."""
    timing, at = digest_timing(profile, now, catchup_hours)
    if timing is Timing.NOT_YET:
        return Message(
            N_("not due until {time} ({zone})"), time=f"{at:%H:%M}", zone=profile.timezone
        )
    if timing is Timing.MISSED:
        return Message(
            N_(
                "today's {time} digest was missed: its time passed more than {hours} h ago "
                "(serve.digest_catchup_hours); its items go into the next one, or send it now "
                "with `curator digest --send`"
            ),
            time=f"{at:%H:%M}",
            hours=f"{catchup_hours:g}",
        )
    return Message(N_("due"))  # not reached: a due digest has an outcome


_NOT_OK = frozenset({"failed", "in-doubt", "retry-later", "skipped"})


@dataclass(frozen=True, slots=True)
class DigestOutcome:
    """What happened to one profile's digest in one call."""

    profile: str
    day: date
    # sent | written | dry-run | empty | already-sent | in-doubt | wait | retry-later | failed
    # | skipped (no recipient) | busy (another process is sending it)
    outcome: str
    message_id: str
    state: DigestState | None = None  # the outbox row's state afterwards; None = not recorded
    detail: str | None = None  # the server's reply, or why nothing was sent
    path: str | None = None  # the .eml written
    text: str | None = None  # dry-run: the rendered message
    items: int = 0
    alerts: int = 0
    attempts: int = 0
    next_attempt_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome not in _NOT_OK


@dataclass(frozen=True, slots=True)
class DigestReport:
    outcomes: tuple[DigestOutcome, ...] = ()

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes)

    def as_dict(self) -> dict[str, object]:
        """For the service's job log."""
        return {
            "digests": [
                {
                    "profile": o.profile,
                    "day": o.day.isoformat(),
                    "outcome": o.outcome,
                    "detail": o.detail,
                    "items": o.items,
                    "attempts": o.attempts,
                }
                for o in self.outcomes
            ]
        }


_ACTION_OUTCOME = {
    Action.ALREADY_SENT: "already-sent",
    Action.IN_DOUBT: "in-doubt",
    Action.WAIT: "wait",
    Action.GAVE_UP: "failed",
}
_STATE_OUTCOME = {
    DigestState.SENT: "sent",
    DigestState.PENDING: "retry-later",
    DigestState.FAILED: "failed",
    DigestState.SENDING: "in-doubt",
    DigestState.EMPTY: "empty",
}
IN_DOUBT_HELP = Message(
    N_(
        "a previous attempt was interrupted after handing the message to the server: check the "
        "inbox, then `curator digest --send --force` if it did not arrive"
    )
)


def outcome_of(row: Digest, *, action: Action | None = None) -> DigestOutcome:
    """How a row reads once `deliver` (or a decision not to send) is done with it."""
    outcome = _ACTION_OUTCOME[action] if action is not None else _STATE_OUTCOME[row.state]
    detail = row.last_error
    if outcome == "in-doubt":
        detail = (
            Message(N_("{help} ({error})"), help=IN_DOUBT_HELP, error=row.last_error)
            if row.last_error
            else IN_DOUBT_HELP
        )
    elif outcome == "already-sent" and row.sent_at is not None:
        detail = Message(
            N_("sent at {when} UTC; --force sends it again"), when=f"{row.sent_at:%Y-%m-%d %H:%M}"
        )
    return DigestOutcome(
        profile=row.profile,
        day=row.day,
        outcome=outcome,
        message_id=row.message_id,
        state=row.state,
        detail=detail,
        items=len(row.item_ids),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
    )
