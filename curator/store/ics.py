"""Queries the calendar export needs: a profile's slots (live and removed) and their items' scores.

Read-only; the planner owns writing slots.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from curator.store import repo
from curator.store.models import ScoreRow, SlotRow
from curator.types import Item, Score, Slot, SlotKind, SlotStatus, Term


def slot_from_row(row: SlotRow) -> Slot:
    return Slot(
        id=row.id,
        profile=row.profile,
        starts_at=row.starts_at,
        kind=SlotKind(row.kind),
        status=SlotStatus(row.status),
        sequence=row.sequence,
        item_id=row.item_id,
        topic=row.topic,
        comment=row.comment,
        comment_starter=row.comment_starter,
        empty_reason=row.empty_reason,
        pinned=row.pinned,
        minutes=row.minutes,
        published_at=row.published_at,
        published_url=row.published_url,
        updated_at=row.updated_at,
    )


def score_from_row(row: ScoreRow) -> Score:
    return Score(
        profile=row.profile,
        item_id=row.item_id,
        final=row.final,
        relevance=row.relevance,
        feedback=row.feedback,
        freshness=row.freshness,
        source=row.source,
        boost=row.boost,
        blocked=row.blocked,
        why=tuple(Term(str(text), float(weight)) for text, weight in row.why or ()),
        rank=row.rank,
    )


@dataclass(frozen=True, slots=True)
class CalendarData:
    """What a profile's calendar shows, read in one transaction."""

    slots: tuple[Slot, ...]
    cancelled: tuple[Slot, ...]
    items: dict[int, Item]
    scores: dict[int, Score]


def scores_for(session: Session, profile: str, item_ids: Iterable[int]) -> dict[int, Score]:
    ids = list(item_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(ScoreRow).where(ScoreRow.profile == profile, ScoreRow.item_id.in_(ids))
    )
    return {row.item_id: score_from_row(row) for row in rows}


def calendar_data(session: Session, profile: str, *, with_cancelled: bool) -> CalendarData:
    """Every slot of the profile; removed ones only when a file export keeps them."""
    query = select(SlotRow).where(SlotRow.profile == profile)
    if not with_cancelled:
        query = query.where(SlotRow.removed_at.is_(None))
    rows = list(session.scalars(query.order_by(SlotRow.starts_at, SlotRow.id)))
    live = tuple(slot_from_row(row) for row in rows if row.removed_at is None)
    cancelled = tuple(slot_from_row(row) for row in rows if row.removed_at is not None)
    # Deleted items still name what a past slot relayed, so read them whatever their state.
    item_ids = {s.item_id for s in (*live, *cancelled) if s.item_id is not None}
    items = (
        {i.id: i for i in repo.list_items(session, state=None, ids=item_ids)} if item_ids else {}
    )
    return CalendarData(live, cancelled, items, scores_for(session, profile, item_ids))
