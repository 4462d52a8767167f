"""Queries for the review queue: pending items with their score, folded duplicates, plan fill."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from curator.store import decisions
from curator.store.models import FeedRow, ItemRow, ScoreRow, SlotRow
from curator.store.repo import get_item, item_from_row
from curator.types import Decision, DecisionKind, Item, ItemState, Score, Term


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
        why=tuple(Term(str(text), float(weight)) for text, weight in (row.why or [])),
        rank=row.rank,
    )


def pending(
    session: Session, profile: str, now: datetime, *, ids: list[int] | None = None
) -> list[tuple[Item, Score, int]]:
    """The items waiting for the profile's review, best first, with their folded duplicates.

    Waiting = active, scored for the profile, not blocked by a keyword, the representative of its
    duplicate cluster (members are folded into it), and with no current decision or a snooze
    that has run out.
    """
    current = decisions.current(session, profile)
    query = (
        select(ItemRow, FeedRow.name, FeedRow.title, ScoreRow)
        .join(FeedRow, ItemRow.feed_id == FeedRow.id)
        .join(ScoreRow, (ScoreRow.item_id == ItemRow.id) & (ScoreRow.profile == profile))
        .where(
            ItemRow.state == ItemState.ACTIVE.value,
            ItemRow.cluster_id.is_(None),
            ScoreRow.blocked.is_(False),
        )
        # Ranked items first in queue order, then the rest by score (the scorer ranks a top only).
        .order_by(ScoreRow.rank.is_(None), ScoreRow.rank, ScoreRow.final.desc(), ItemRow.id)
    )
    if ids is not None:
        query = query.where(ItemRow.id.in_(ids))
    rows = [
        (item_from_row(row, name or title), score_from_row(score))
        for row, name, title, score in session.execute(query)
        if _waiting(current.get(row.id), now)
    ]
    folded = duplicate_counts(session, [item.id for item, _ in rows])
    return [(item, score, folded.get(item.id, 0)) for item, score in rows]


def _waiting(decision: Decision | None, now: datetime) -> bool:
    if decision is None:
        return True
    return decision.kind is DecisionKind.SNOOZE and (
        decision.snooze_until is None or decision.snooze_until <= now
    )


def duplicate_counts(session: Session, ids: list[int]) -> dict[int, int]:
    """How many items each of `ids` stands for as its cluster's representative."""
    if not ids:
        return {}
    query = (
        select(ItemRow.cluster_id, func.count())
        .where(ItemRow.cluster_id.in_(ids))
        .group_by(ItemRow.cluster_id)
    )
    return {int(cluster or 0): int(count) for cluster, count in session.execute(query)}


def slot_counts(
    session: Session, profile: str, since: datetime, until: datetime
) -> list[tuple[str, str]]:
    """(kind, status) of the profile's live slots starting in [since, until)."""
    query = select(SlotRow.kind, SlotRow.status).where(
        SlotRow.profile == profile,
        SlotRow.removed_at.is_(None),
        SlotRow.starts_at >= since,
        SlotRow.starts_at < until,
    )
    return [(kind, status) for kind, status in session.execute(query)]


def item_with_score(session: Session, profile: str, item_id: int) -> tuple[Item, Score | None, int]:
    """One item (any state), its score for the profile if any, and its folded duplicates."""
    item = get_item(session, item_id)
    row = session.get(ScoreRow, (profile, item_id))
    score = score_from_row(row) if row is not None else None
    return item, score, duplicate_counts(session, [item_id]).get(item_id, 0)
