"""Queries for the review screens: folded duplicates, one item with its score, plan fill.

The pending queue itself is the scorer's (`store.queue.pending`), so `curator review` and
`curator queue list` always show the same items in the same order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from curator.store.models import FeedRow, ItemRow, ScoreRow, SlotRow
from curator.store.repo import get_item
from curator.store.scores import score_from_row
from curator.types import ClusterVersion, Item, ItemState, Score


def duplicate_counts(session: Session, items: Iterable[Item]) -> dict[int, int]:
    """How many other active items of its near-duplicate cluster each item stands for.

    A cluster is keyed by its representative (`cluster_id` of the members, NULL on itself);
    the queue shows one member, the original (earliest), and folds the others into it.
    """
    keys = {item.id: item.cluster_id or item.id for item in items}
    if not keys:
        return {}
    wanted = sorted(set(keys.values()))
    query = select(ItemRow.id, ItemRow.cluster_id).where(
        ItemRow.state == ItemState.ACTIVE.value,
        or_(ItemRow.cluster_id.in_(wanted), ItemRow.id.in_(wanted)),
    )
    sizes = Counter(cluster or own for own, cluster in session.execute(query))
    return {item_id: max(0, sizes[key] - 1) for item_id, key in keys.items()}


def cluster_versions(session: Session, items: Iterable[Item]) -> dict[int, list[ClusterVersion]]:
    """The other active versions of each item's near-duplicate cluster (issue 18: a folded
    item stays findable), by item id, oldest id first."""
    keys = {item.id: item.cluster_id or item.id for item in items}
    if not keys:
        return {}
    wanted = sorted(set(keys.values()))
    query = (
        select(
            ItemRow.id, ItemRow.cluster_id, ItemRow.title, ItemRow.url, FeedRow.name, FeedRow.title
        )
        .join(FeedRow, FeedRow.id == ItemRow.feed_id)
        .where(
            ItemRow.state == ItemState.ACTIVE.value,
            or_(ItemRow.cluster_id.in_(wanted), ItemRow.id.in_(wanted)),
        )
        .order_by(ItemRow.id)
    )
    members: dict[int, list[ClusterVersion]] = {}
    for own, cluster, title, url, feed_name, feed_title in session.execute(query):
        version = ClusterVersion(own, feed_name or feed_title, title or "", url)
        members.setdefault(cluster or own, []).append(version)
    return {
        item_id: [v for v in members.get(key, []) if v.item_id != item_id]
        for item_id, key in keys.items()
    }


def item_with_score(session: Session, profile: str, item_id: int) -> tuple[Item, Score | None, int]:
    """One item (any state), its score for the profile if any, and its folded duplicates."""
    item = get_item(session, item_id)
    row = session.get(ScoreRow, (profile, item_id))
    score = score_from_row(row) if row is not None else None
    return item, score, duplicate_counts(session, [item]).get(item_id, 0)


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


def slot_starter(session: Session, profile: str, item_id: int) -> str | None:
    """The comment starter of the live slot that relays the item, if it has one."""
    query = (
        select(SlotRow.comment_starter)
        .where(
            SlotRow.profile == profile,
            SlotRow.item_id == item_id,
            SlotRow.removed_at.is_(None),
            SlotRow.comment_starter.is_not(None),
        )
        .order_by(SlotRow.starts_at.desc())
        .limit(1)
    )
    return session.scalar(query)
