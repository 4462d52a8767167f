"""The idea backlog's storage (issue 15)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from curator.errors import InvalidAction, NotFound
from curator.i18n import N_, Message
from curator.ideas import Idea
from curator.store.models import IdeaRow


def idea_from_row(row: IdeaRow) -> Idea:
    return Idea(
        id=row.id,
        profile=row.profile,
        text=row.text,
        created_at=row.created_at,
        angle=row.angle,
        item_id=row.item_id,
        used_slot_id=row.used_slot_id,
        used_at=row.used_at,
        dropped_at=row.dropped_at,
    )


def add_idea(
    session: Session,
    profile: str,
    text: str,
    now: datetime,
    *,
    angle: str | None = None,
    item_id: int | None = None,
) -> Idea:
    text = " ".join(text.split())
    if not text:
        raise InvalidAction(Message(N_("an idea needs some text")))
    row = IdeaRow(
        profile=profile,
        text=text,
        angle=" ".join((angle or "").split()) or None,
        item_id=item_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return idea_from_row(row)


def list_ideas(session: Session, profile: str, *, all_: bool = False) -> list[Idea]:
    query = select(IdeaRow).where(IdeaRow.profile == profile)
    if not all_:
        query = query.where(IdeaRow.dropped_at.is_(None), IdeaRow.used_at.is_(None))
    return [
        idea_from_row(r) for r in session.scalars(query.order_by(IdeaRow.created_at, IdeaRow.id))
    ]


def drop_idea(session: Session, idea_id: int, now: datetime, profile: str | None = None) -> Idea:
    row = session.get(IdeaRow, idea_id)
    if row is None or (profile is not None and row.profile != profile):
        raise NotFound("idea", idea_id, Message(N_("`curator ideas list` shows their ids")))
    if row.dropped_at is None:
        row.dropped_at = now
    session.flush()
    return idea_from_row(row)


def mark_used(
    session: Session, profile: str, used: Iterable[tuple[str, str]], now: datetime
) -> int:
    """Ideas whose topic the plan gave to a slot: (topic, slot id). Returns how many."""
    by_topic = {i.topic: i.id for i in list_ideas(session, profile)}
    count = 0
    for topic, slot_id in used:
        idea_id = by_topic.pop(topic, None)
        if idea_id is None:
            continue
        row = session.get(IdeaRow, idea_id)
        if row is not None:
            row.used_at = now
            row.used_slot_id = slot_id
            count += 1
    session.flush()
    return count
