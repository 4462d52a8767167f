"""Planner storage: slots, and the approved items (with scores) the planner fills them with.

A slot row is never deleted: when the plan drops it, `removed_at` is set so calendars can show it
cancelled, and if the same slot comes back its sequence keeps growing (iCalendar clients ignore
an event whose SEQUENCE goes backwards).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from curator.errors import NotFound
from curator.i18n import N_, Message
from curator.store import decisions
from curator.store.models import FeedRow, ItemRow, ScoreRow, SlotRow
from curator.store.repo import item_from_row
from curator.store.scores import score_from_row
from curator.types import (
    DecisionKind,
    Item,
    ItemState,
    Score,
    Slot,
    SlotKind,
    SlotStatus,
    TeamRelay,
)


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


def list_slots(
    session: Session,
    profile: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    removed: bool = False,
) -> list[Slot]:
    """The profile's live slots (or only the removed ones), by start time."""
    query = select(SlotRow).where(SlotRow.profile == profile)
    query = query.where(
        SlotRow.removed_at.is_not(None) if removed else SlotRow.removed_at.is_(None)
    )
    if since is not None:
        query = query.where(SlotRow.starts_at >= since)
    if until is not None:
        query = query.where(SlotRow.starts_at < until)
    return [
        slot_from_row(r) for r in session.scalars(query.order_by(SlotRow.starts_at, SlotRow.id))
    ]


def get_slot(session: Session, slot_id: str) -> Slot:
    """A live slot; a removed one is as good as unknown to the user's actions."""
    row = session.get(SlotRow, slot_id)
    if row is None or row.removed_at is not None:
        raise NotFound("slot", slot_id, Message(N_("`curator calendar` shows each slot's id")))
    return slot_from_row(row)


def removed_sequences(session: Session, profile: str) -> dict[str, int]:
    rows = session.execute(
        select(SlotRow.id, SlotRow.sequence).where(
            SlotRow.profile == profile, SlotRow.removed_at.is_not(None)
        )
    )
    return {slot_id: sequence for slot_id, sequence in rows}


def save_slots(session: Session, slots: Iterable[Slot], tz: tzinfo, now: datetime) -> None:
    """Insert new slots and update changed ones; a slot that comes back is live again."""
    slots = list(slots)
    ids = [slot.id for slot in slots]
    stored = {r.id: r for r in session.scalars(select(SlotRow).where(SlotRow.id.in_(ids)))}
    for slot in slots:
        row = stored.get(slot.id)
        if row is None:
            row = SlotRow(id=slot.id, profile=slot.profile, created_at=now)
            session.add(row)
        row.starts_at = slot.starts_at
        row.local_date = slot.starts_at.astimezone(tz).date()
        row.kind = slot.kind.value
        row.status = slot.status.value
        row.sequence = slot.sequence
        row.item_id = slot.item_id
        row.topic = slot.topic
        row.comment = slot.comment
        row.comment_starter = slot.comment_starter
        row.empty_reason = slot.empty_reason
        row.pinned = slot.pinned
        row.minutes = slot.minutes
        row.published_at = slot.published_at
        row.published_url = slot.published_url
        row.updated_at = slot.updated_at or now
        row.removed_at = None
    session.flush()


def remove_slots(session: Session, ids: Sequence[str], now: datetime) -> None:
    """Cancel slots: kept with `removed_at`, and a new sequence so calendars pick the change up."""
    if not ids:
        return
    for row in session.scalars(select(SlotRow).where(SlotRow.id.in_(list(ids)))):
        if row.removed_at is None:
            row.removed_at = now
            row.updated_at = now
            row.sequence += 1
    session.flush()


@dataclass(frozen=True, slots=True)
class Approved:
    """An approved item with what the planner needs about it."""

    item: Item
    score: Score | None
    comment: str | None


def approved_items(session: Session, profile: str) -> list[Approved]:
    """Active items whose current decision for the profile is APPROVE, with their score."""
    current = decisions.current(session, profile)
    wanted = {i: d for i, d in current.items() if d.kind is DecisionKind.APPROVE}
    if not wanted:
        return []
    found = items_with_scores(session, profile, wanted)
    return [
        Approved(item, score, wanted[item.id].comment)
        for item, score in found
        if item.state is ItemState.ACTIVE
    ]


def team_relays(
    session: Session, profiles: Sequence[str], stories: Iterable[int], *, since: datetime
) -> list[TeamRelay]:
    """The live relays of these (other) profiles from `since` on of any version of `stories`
    (cluster keys: the representative, or the item alone), for the planner's "not the same
    story the same day" rule (issue 17). Only the stories a profile may plan are read: with
    hundreds of profiles, reading every colleague's every relay for each plan would grow
    with the square of the team."""
    keys = sorted(set(stories))
    if not profiles or not keys:
        return []
    query = (
        select(SlotRow.profile, SlotRow.item_id, ItemRow.cluster_id, SlotRow.starts_at)
        .join(ItemRow, ItemRow.id == SlotRow.item_id)
        .where(
            SlotRow.profile.in_(sorted(profiles)),
            SlotRow.removed_at.is_(None),
            SlotRow.kind == SlotKind.RELAY.value,
            SlotRow.status != SlotStatus.SKIPPED.value,
            SlotRow.starts_at >= since,
            or_(ItemRow.id.in_(keys), ItemRow.cluster_id.in_(keys)),
        )
        .order_by(SlotRow.starts_at, SlotRow.profile, SlotRow.item_id)
    )
    relays = []
    for profile, item_id, cluster, starts_at in session.execute(query):
        assert item_id is not None, "joined on the item"
        relays.append(
            TeamRelay(profile, item_id, item_id if cluster is None else cluster, starts_at)
        )
    return relays


def items_with_scores(
    session: Session, profile: str, ids: Iterable[int]
) -> list[tuple[Item, Score | None]]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    query = (
        select(ItemRow, FeedRow.name, FeedRow.title, ScoreRow)
        .join(FeedRow, ItemRow.feed_id == FeedRow.id)
        .outerjoin(ScoreRow, (ScoreRow.item_id == ItemRow.id) & (ScoreRow.profile == profile))
        .where(ItemRow.id.in_(wanted))
        .order_by(ItemRow.id)
    )
    return [
        (item_from_row(row, name or title), score_from_row(s) if s is not None else None)
        for row, name, title, s in session.execute(query)
    ]


def recent_top_scores(
    session: Session, profile: str, *, since: datetime, limit: int = 40
) -> list[Score]:
    """The profile's best scores among items fetched since a date (for original-post themes)."""
    query = (
        select(ScoreRow)
        .join(ItemRow, ScoreRow.item_id == ItemRow.id)
        .where(
            ScoreRow.profile == profile,
            ScoreRow.blocked.is_(False),
            ItemRow.fetched_at >= since,
            ItemRow.state == ItemState.ACTIVE.value,
        )
        .order_by(ScoreRow.final.desc(), ScoreRow.item_id)
        .limit(limit)
    )
    return [score_from_row(r) for r in session.scalars(query)]
