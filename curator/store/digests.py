"""The digest outbox: one row per (profile, local day), and the few queries around it.

Like `repo`, nothing here commits: the caller's session owns the transaction. The outbox relies
on that: the app saves each state change in a session of its own, so the `sending` row is
durable before the SMTP transaction starts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from curator.store.models import DigestRow
from curator.types import Digest, DigestState


def digest_from_row(row: DigestRow) -> Digest:
    return Digest(
        profile=row.profile,
        day=row.day,
        state=DigestState(row.state),
        message_id=row.message_id,
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=row.sent_at,
        next_attempt_at=row.next_attempt_at,
        item_ids=tuple(int(i) for i in row.item_ids or ()),
    )


def get(session: Session, profile: str, day: date) -> Digest | None:
    row = _row(session, profile, day)
    return None if row is None else digest_from_row(row)


def save(session: Session, digest: Digest, now: datetime) -> None:
    """Insert or update the (profile, day) row with `digest`'s state."""
    row = _row(session, digest.profile, digest.day)
    if row is None:
        session.add(_new_row(digest, now))
    else:
        for column, value in _values(digest, now).items():
            setattr(row, column, value)
    session.flush()


def _new_row(digest: Digest, now: datetime) -> DigestRow:
    return DigestRow(profile=digest.profile, day=digest.day, created_at=now, **_values(digest, now))


def _values(digest: Digest, now: datetime) -> dict[str, Any]:
    """The columns a digest's state is stored in (`save` and `claim` write the same ones)."""
    return {
        "state": digest.state.value,
        "message_id": digest.message_id,
        "attempts": digest.attempts,
        "last_error": digest.last_error,
        "next_attempt_at": digest.next_attempt_at,
        "sent_at": digest.sent_at,
        "item_ids": list(digest.item_ids),
        "updated_at": now,
    }


def claim(session: Session, previous: Digest | None, digest: Digest, now: datetime) -> bool:
    """Save `digest` only if the stored row is still `previous` (compare-and-set).

    Two processes (a cron `curator run` and `curator serve`, say) may both decide to send the
    same digest; only the one whose claim lands first goes on to talk to the SMTP server.
    """
    if previous is None:
        if _row(session, digest.profile, digest.day) is not None:
            return False
        # An insert, never `save`'s insert-or-update: on PostgreSQL each statement reads what
        # is committed by then, so a row another process committed after the check above would
        # be found and updated, and both processes would go on to send the digest.
        try:
            with session.begin_nested():
                session.add(_new_row(digest, now))
                session.flush()
        except IntegrityError:  # inserted by another process since the check above
            return False
        return True
    result = session.execute(
        update(DigestRow)
        .where(
            DigestRow.profile == digest.profile,
            DigestRow.day == digest.day,
            DigestRow.state == previous.state.value,
            DigestRow.attempts == previous.attempts,
        )
        .values(**_values(digest, now))
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def _row(session: Session, profile: str, day: date) -> DigestRow | None:
    return session.scalars(
        select(DigestRow).where(DigestRow.profile == profile, DigestRow.day == day)
    ).first()


def recent(session: Session, profile: str | None = None, *, limit: int = 30) -> list[Digest]:
    """The latest outbox rows, newest day first."""
    query = select(DigestRow).order_by(DigestRow.day.desc(), DigestRow.profile).limit(limit)
    if profile is not None:
        query = query.where(DigestRow.profile == profile)
    return [digest_from_row(row) for row in session.scalars(query)]


def sent_before(session: Session, profile: str, day: date, *, limit: int = 14) -> list[Digest]:
    """The digests actually sent for days before `day`, newest first."""
    rows = session.scalars(
        select(DigestRow)
        .where(
            DigestRow.profile == profile,
            DigestRow.day < day,
            DigestRow.state == DigestState.SENT.value,
        )
        .order_by(DigestRow.day.desc())
        .limit(limit)
    )
    return [digest_from_row(row) for row in rows]
