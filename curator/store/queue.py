"""The pending review queue of a profile: what `curator queue list` and review build on.

Pending = an active item that has a score for the profile, is not blocked, and has no current
decision (or its current decision is a snooze whose date has passed). Ranked by the scorer's
`rank` (the diversified order), then by final score. Items folded into a better member of their
near-duplicate cluster have no rank and stay out, except a resurfacing snoozed item, which is
shown even if it was not ranked when the queue was last scored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Row, Select, Subquery, and_, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.util import AliasedClass

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
    after: int | None = None,
    fetched_after: datetime | None = None,
    min_final: float | None = None,
    followed: Sequence[str] = (),
) -> list[QueueEntry]:
    """The pending queue, best first; `after` (an item id) continues it after that item, as
    the web queue does when it loads its next rows; `fetched_after` and `min_final` keep only
    the items fetched (or picked by a followed profile) after a date and scored at least so
    much (what a digest can show); `followed` are the profiles whose picks enter this queue
    (issue 17).

    A page is two reads that never look at the whole history (issue 14: one query joined every
    scored item to its decisions and sorted them all, 40 ms for a page of 60): the ranked
    items walked in rank order down `ix_scores_profile_rank`, each item's current decision
    found by its index, stopping at `limit`; then, only when those run out, the resurfaced
    snoozes that have no rank, found from the profile's decisions, and the followed
    colleagues' picks this profile did not rank, found from their approvals."""
    extra: list[ColumnElement[bool]] = []
    if fetched_after is not None:
        # New since then: fetched since, or picked since by a followed colleague (issue 17).
        fresh: ColumnElement[bool] = ItemRow.fetched_at > fetched_after
        if followed:
            picked = decisions.approved_ids(followed, since=fetched_after)
            fresh = or_(fresh, ItemRow.id.in_(picked))
        extra.append(fresh)
    if min_final is not None:
        extra.append(ScoreRow.final >= min_final)
    if limit is None and after is None:
        return _whole(session, profile, now, extra, followed)
    cursor = _cursor(session, profile, after) if after is not None else None
    if cursor is not None and cursor.rank is None:
        ranked: list[QueueEntry] = []
    else:
        ranked = _ranked(session, profile, now, extra, cursor, limit)
    if limit is not None and len(ranked) >= limit:
        return ranked
    tail_cursor = cursor if cursor is not None and cursor.rank is None else None
    left = None if limit is None else limit - len(ranked)
    tail = _resurfaced(session, profile, now, extra, tail_cursor, left)
    if followed:
        # Both tails are in (final score, id) order: merged, they stay in it.
        tail += _picked(session, profile, extra, tail_cursor, left, followed)
        tail.sort(key=lambda entry: (-entry.score.final, entry.item.id))
    return ranked + (tail if left is None else tail[:left])


def _whole(
    session: Session,
    profile: str,
    now: datetime,
    extra: list[ColumnElement[bool]],
    followed: Sequence[str],
) -> list[QueueEntry]:
    """The whole queue (`curator queue list`, a digest) in one pass: joined to all the current
    decisions at once, which costs a third less than a lookup per row when every row is read."""
    current, condition = _pending_filter(profile, now, followed)
    query = (
        select(ItemRow, ScoreRow, FeedRow.name, FeedRow.title, current.c.kind)
        .join(ScoreRow, and_(ScoreRow.item_id == ItemRow.id, ScoreRow.profile == profile))
        .join(FeedRow, FeedRow.id == ItemRow.feed_id)
        .outerjoin(current, current.c.item_id == ItemRow.id)
        .where(condition, *extra)
        # Ranked items first in rank order; resurfaced unranked snoozes after, by score.
        .order_by(ScoreRow.rank.is_(None), ScoreRow.rank, ScoreRow.final.desc(), ItemRow.id)
    )
    return _entries(session.execute(query))


def _cursor(session: Session, profile: str, item_id: int) -> ScoreRow | None:
    return session.get(ScoreRow, (profile, item_id))


def _entries(
    rows: Iterable[Row[ItemRow, ScoreRow, str | None, str | None, str | None]],
) -> list[QueueEntry]:
    entries = []
    for item_row, score_row, feed_name, feed_title, kind in rows:
        status = QueueStatus.SNOOZED if kind == DecisionKind.SNOOZE.value else QueueStatus.PENDING
        entries.append(
            QueueEntry(
                item=item_from_row(item_row, feed_name or feed_title),
                score=score_from_row(score_row),
                status=status,
            )
        )
    return entries


def _snooze_over(
    decision: type[DecisionRow] | AliasedClass[DecisionRow], now: datetime
) -> ColumnElement[bool]:
    return and_(
        decision.kind == DecisionKind.SNOOZE.value,
        or_(decision.snooze_until.is_(None), decision.snooze_until <= now),
    )


def _scored_with_decision(
    profile: str,
) -> tuple[Select[ItemRow, ScoreRow, str | None, str | None, str], type[DecisionRow]]:
    """The profile's scored items with their feed and their current decision (None when
    undecided), found for each row by its own index lookup: the base of a page's reads."""
    current = aliased(DecisionRow)
    last_id = (
        select(func.max(DecisionRow.id))
        .where(DecisionRow.profile == profile, DecisionRow.item_id == ScoreRow.item_id)
        .correlate(ScoreRow)
        .scalar_subquery()
    )
    query = (
        select(ItemRow, ScoreRow, FeedRow.name, FeedRow.title, current.kind)
        .select_from(ScoreRow)
        .join(ItemRow, ItemRow.id == ScoreRow.item_id)
        .join(FeedRow, FeedRow.id == ItemRow.feed_id)
        .outerjoin(current, current.id == last_id)
        .where(ScoreRow.profile == profile)
    )
    return query, current


def _ranked(
    session: Session,
    profile: str,
    now: datetime,
    extra: list[ColumnElement[bool]],
    cursor: ScoreRow | None,
    limit: int | None,
) -> list[QueueEntry]:
    """The ranked pending items in rank order (then final score, then id)."""
    query, current = _scored_with_decision(profile)
    conditions = [
        ScoreRow.rank.is_not(None),
        ScoreRow.blocked.is_(False),
        ItemRow.state == ItemState.ACTIVE.value,
        or_(current.id.is_(None), _snooze_over(current, now)),
        *extra,
    ]
    if cursor is not None and cursor.rank is not None:
        conditions.append(
            or_(
                ScoreRow.rank > cursor.rank,
                and_(
                    ScoreRow.rank == cursor.rank,
                    or_(
                        ScoreRow.final < cursor.final,
                        and_(ScoreRow.final == cursor.final, ScoreRow.item_id > cursor.item_id),
                    ),
                ),
            )
        )
    query = query.where(*conditions).order_by(
        ScoreRow.rank, ScoreRow.final.desc(), ScoreRow.item_id
    )
    if limit is not None:
        query = query.limit(limit)
    return _entries(session.execute(query))


def _resurfaced(
    session: Session,
    profile: str,
    now: datetime,
    extra: list[ColumnElement[bool]],
    cursor: ScoreRow | None,
    limit: int | None,
) -> list[QueueEntry]:
    """Snoozed items whose date has passed and that have no rank, by final score: they were
    decided when the queue was last scored, so the scorer left them out of its ranks."""
    if limit is not None and limit <= 0:
        return []
    latest = decisions.latest_ids(profile)
    conditions = [
        ScoreRow.rank.is_(None),
        ScoreRow.blocked.is_(False),
        ItemRow.state == ItemState.ACTIVE.value,
        _snooze_over(DecisionRow, now),
        *extra,
    ]
    conditions += _after_in_tail(cursor)
    query = (
        select(ItemRow, ScoreRow, FeedRow.name, FeedRow.title, DecisionRow.kind)
        .select_from(latest)
        .join(DecisionRow, DecisionRow.id == latest.c.last_id)
        .join(ScoreRow, and_(ScoreRow.profile == profile, ScoreRow.item_id == latest.c.item_id))
        .join(ItemRow, ItemRow.id == ScoreRow.item_id)
        .join(FeedRow, FeedRow.id == ItemRow.feed_id)
        .where(*conditions)
        .order_by(ScoreRow.final.desc(), ScoreRow.item_id)
    )
    if limit is not None:
        query = query.limit(limit)
    return _entries(session.execute(query))


def _after_in_tail(cursor: ScoreRow | None) -> list[ColumnElement[bool]]:
    """The condition for rows after `cursor` in a tail's (final score desc, id) order."""
    if cursor is None:
        return []
    return [
        or_(
            ScoreRow.final < cursor.final,
            and_(ScoreRow.final == cursor.final, ScoreRow.item_id > cursor.item_id),
        )
    ]


def _picked(
    session: Session,
    profile: str,
    extra: list[ColumnElement[bool]],
    cursor: ScoreRow | None,
    limit: int | None,
    followed: Sequence[str],
) -> list[QueueEntry]:
    """The followed colleagues' picks this profile has not ranked (folded, or below its kept
    ranks) nor decided, by final score (issue 17; the same rule as `_pending_filter`)."""
    if limit is not None and limit <= 0:
        return []
    query, current = _scored_with_decision(profile)
    query = query.where(
        ScoreRow.rank.is_(None),
        ScoreRow.blocked.is_(False),
        ItemRow.state == ItemState.ACTIVE.value,
        current.id.is_(None),
        ItemRow.id.in_(decisions.approved_ids(followed)),
        ~_story_shown_or_decided(profile),
        *extra,
        *_after_in_tail(cursor),
    ).order_by(ScoreRow.final.desc(), ScoreRow.item_id)
    if limit is not None:
        query = query.limit(limit)
    return _entries(session.execute(query))
