"""The pending review queue of a profile: what `curator queue list` and review build on.

Pending = an active item that has a score for the profile, is not blocked, and has no current
decision (or its current decision is a snooze whose date has passed). Ranked by the scorer's
`rank` (the diversified order), then by final score. Items folded into a better member of their
near-duplicate cluster have no rank and stay out, except a resurfacing snoozed item, which is
shown even if it was not ranked when the queue was last scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Subquery, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from curator.store import decisions
from curator.store.models import DecisionRow, FeedRow, ItemRow, ScoreRow
from curator.store.repo import item_from_row
from curator.store.scores import score_from_row
from curator.types import DecisionKind, ItemState, QueueEntry, QueueStatus


def _pending_filter(
    profile: str, now: datetime, followed: Sequence[str] = ()
) -> tuple[Subquery, ColumnElement[bool]]:
    """The current decisions of the profile (a subquery) and the condition that makes an item
    pending, shared by the listing and the count so that both always agree.

    A pick of a `followed` profile (its current decision is APPROVE) is pending whatever its
    rank here (issue 17): the colleague chose it, so it is not left below the kept ranks. One
    story is one entry, though: a picked version stays folded while another version of its
    story is in the queue on its own rank (that entry carries the pick) or was decided here
    (issue 18). The follower's blocked words still keep it out."""
    latest_id = decisions.latest_ids(profile)
    current = (
        select(DecisionRow.item_id, DecisionRow.kind, DecisionRow.snooze_until)
        .join(latest_id, DecisionRow.id == latest_id.c.last_id)
        .subquery()
    )
    snooze_over = and_(
        current.c.kind == DecisionKind.SNOOZE.value,
        or_(current.c.snooze_until.is_(None), current.c.snooze_until <= now),
    )
    listed: ColumnElement[bool] = ScoreRow.rank.is_not(None)
    if followed:
        picked = ItemRow.id.in_(decisions.approved_ids(followed))
        listed = or_(listed, and_(picked, ~_story_shown_or_decided(profile)))
    condition = and_(
        ItemRow.state == ItemState.ACTIVE.value,
        ScoreRow.blocked.is_(False),
        or_(and_(current.c.item_id.is_(None), listed), snooze_over),
    )
    return current, condition


def _story_shown_or_decided(profile: str) -> ColumnElement[bool]:
    """Whether another version of the outer item's story is ranked for the profile (in its
    queue on its own) or decided by it: a cluster is keyed by its representative, the
    members' `cluster_id` (see `store.review.duplicate_counts`)."""
    other = aliased(ItemRow)
    other_score = aliased(ScoreRow)
    story = func.coalesce(ItemRow.cluster_id, ItemRow.id)
    same_story = and_(other.id != ItemRow.id, or_(other.id == story, other.cluster_id == story))
    ranked = (
        select(other_score.item_id)
        .join(other, other.id == other_score.item_id)
        .where(
            other_score.profile == profile,
            other_score.rank.is_not(None),
            other.state == ItemState.ACTIVE.value,
            same_story,
        )
    )
    decided = (
        select(DecisionRow.id)
        .join(other, other.id == DecisionRow.item_id)
        .where(DecisionRow.profile == profile, same_story)
    )
    return or_(ranked.exists(), decided.exists())


def count_pending(
    session: Session, profile: str, now: datetime, followed: Sequence[str] = ()
) -> int:
    """How many items `pending` would list, counted by the database (issue 19: `curator status`
    loaded every pending item, 100,000 of them after a year, to count them)."""
    current, condition = _pending_filter(profile, now, followed)
    query = (
        select(func.count())
        .select_from(ItemRow)
        .join(ScoreRow, and_(ScoreRow.item_id == ItemRow.id, ScoreRow.profile == profile))
        .outerjoin(current, current.c.item_id == ItemRow.id)
        .where(condition)
    )
    return int(session.scalar(query) or 0)


def pending(
    session: Session,
    profile: str,
    now: datetime,
    *,
    limit: int | None = None,
    fetched_after: datetime | None = None,
    min_final: float | None = None,
    followed: Sequence[str] = (),
) -> list[QueueEntry]:
    """The pending queue, best first; `fetched_after` and `min_final` keep only the items
    fetched (or picked by a followed profile) after a date and scored at least so much (what a
    digest can show); `followed` are the profiles whose picks enter this queue (issue 17)."""
    current, condition = _pending_filter(profile, now, followed)
    if fetched_after is not None:
        # New since then: fetched since, or picked since by a followed colleague (issue 17).
        fresh: ColumnElement[bool] = ItemRow.fetched_at > fetched_after
        if followed:
            picked = decisions.approved_ids(followed, since=fetched_after)
            fresh = or_(fresh, ItemRow.id.in_(picked))
        condition = and_(condition, fresh)
    if min_final is not None:
        condition = and_(condition, ScoreRow.final >= min_final)
    query = (
        select(ItemRow, ScoreRow, FeedRow.name, FeedRow.title, current.c.kind)
        .join(ScoreRow, and_(ScoreRow.item_id == ItemRow.id, ScoreRow.profile == profile))
        .join(FeedRow, FeedRow.id == ItemRow.feed_id)
        .outerjoin(current, current.c.item_id == ItemRow.id)
        .where(condition)
        # Ranked items first in rank order; resurfaced unranked snoozes after, by score.
        .order_by(ScoreRow.rank.is_(None), ScoreRow.rank, ScoreRow.final.desc(), ItemRow.id)
    )
    if limit is not None:
        query = query.limit(limit)
    entries = []
    for item_row, score_row, feed_name, feed_title, kind in session.execute(query):
        status = QueueStatus.SNOOZED if kind == DecisionKind.SNOOZE.value else QueueStatus.PENDING
        entries.append(
            QueueEntry(
                item=item_from_row(item_row, feed_name or feed_title),
                score=score_from_row(score_row),
                status=status,
            )
        )
    return entries
