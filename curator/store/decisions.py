"""Review decisions: an append-only history per (profile, item); the latest row is current."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Select, Subquery, func, or_, select
from sqlalchemy.orm import Session

from curator.store.models import DecisionRow, ItemRow
from curator.types import Decision, DecisionKind


def decision_from_row(row: DecisionRow) -> Decision:
    return Decision(
        profile=row.profile,
        item_id=row.item_id,
        kind=DecisionKind(row.kind),
        decided_at=row.decided_at,
        comment=row.comment,
        reason=row.reason,
        snooze_until=row.snooze_until,
    )


def record(session: Session, decision: Decision) -> None:
    session.add(
        DecisionRow(
            profile=decision.profile,
            item_id=decision.item_id,
            kind=decision.kind.value,
            comment=decision.comment,
            reason=decision.reason,
            snooze_until=decision.snooze_until,
            decided_at=decision.decided_at,
        )
    )
    session.flush()


def latest_ids(profile: str) -> Subquery:
    """(item_id, last_id): the id of each decided item's current (latest) decision."""
    return (
        select(DecisionRow.item_id, func.max(DecisionRow.id).label("last_id"))
        .where(DecisionRow.profile == profile)
        .group_by(DecisionRow.item_id)
        .subquery()
    )


def _current_approvals(profiles: Sequence[str]) -> Select[DecisionRow]:
    latest = (
        select(func.max(DecisionRow.id).label("last_id"))
        .where(DecisionRow.profile.in_(sorted(profiles)))
        .group_by(DecisionRow.profile, DecisionRow.item_id)
        .subquery()
    )
    return (
        select(DecisionRow)
        .join(latest, DecisionRow.id == latest.c.last_id)
        .where(DecisionRow.kind == DecisionKind.APPROVE.value)
    )


def approved_ids(profiles: Sequence[str], *, since: datetime | None = None) -> Select[int]:
    """The ids of the items whose current decision by one of `profiles` is APPROVE: their
    picks, which a profile following them gets in its queue (issue 17); with `since`, only
    those approved after it."""
    query = _current_approvals(profiles).with_only_columns(DecisionRow.item_id)
    return query if since is None else query.where(DecisionRow.decided_at > since)


def approvals(
    session: Session, profiles: Sequence[str], ids: Collection[int] | None = None
) -> list[Decision]:
    """The current approvals of `profiles` (of the items `ids` only, when given), oldest first."""
    if not profiles or (ids is not None and not ids):
        return []
    query = _current_approvals(profiles)
    if ids is not None:
        query = query.where(DecisionRow.item_id.in_(sorted(ids)))
    return [decision_from_row(r) for r in session.scalars(query.order_by(DecisionRow.id))]


def story_approvals(
    session: Session, profiles: Sequence[str], stories: Collection[int]
) -> list[tuple[int, Decision]]:
    """The current approvals of `profiles` of any version of these stories (keyed by their
    cluster's representative, or the item itself when alone), with each one's story."""
    if not profiles or not stories:
        return []
    story = func.coalesce(ItemRow.cluster_id, ItemRow.id)
    keys = sorted(stories)
    query = (
        _current_approvals(profiles)
        .add_columns(story)
        .join(ItemRow, ItemRow.id == DecisionRow.item_id)
        .where(or_(ItemRow.id.in_(keys), ItemRow.cluster_id.in_(keys)))
        .order_by(DecisionRow.id)
    )
    return [(key, decision_from_row(row)) for row, key in session.execute(query)]


def current(session: Session, profile: str) -> dict[int, Decision]:
    """The current decision of each item the profile has decided on."""
    latest = latest_ids(profile)
    rows = session.scalars(select(DecisionRow).join(latest, DecisionRow.id == latest.c.last_id))
    return {row.item_id: decision_from_row(row) for row in rows}


def _latest_row(session: Session, profile: str, item_id: int | None) -> DecisionRow | None:
    query = select(DecisionRow).where(DecisionRow.profile == profile)
    if item_id is not None:
        query = query.where(DecisionRow.item_id == item_id)
    return session.scalars(query.order_by(DecisionRow.id.desc()).limit(1)).first()


def current_for(session: Session, profile: str, item_id: int) -> Decision | None:
    row = _latest_row(session, profile, item_id)
    return None if row is None else decision_from_row(row)


def last(session: Session, profile: str) -> Decision | None:
    """The profile's most recent decision, the one `undo_last` would remove."""
    row = _latest_row(session, profile, None)
    return None if row is None else decision_from_row(row)


def history(session: Session, profile: str) -> list[Decision]:
    query = select(DecisionRow).where(DecisionRow.profile == profile)
    return [decision_from_row(r) for r in session.scalars(query.order_by(DecisionRow.id))]


def undo_last(session: Session, profile: str, item_id: int | None = None) -> Decision | None:
    """Remove the profile's most recent decision, or its most recent one on `item_id` (the
    previous one becomes current again)."""
    row = _latest_row(session, profile, item_id)
    if row is None:
        return None
    decision = decision_from_row(row)
    session.delete(row)
    session.flush()
    return decision


def current_ids(session: Session, profile: str) -> dict[int, int]:
    """Each decided item's current decision id: what changed since a scoring pass, cheaply."""
    latest = latest_ids(profile)
    return {item_id: last for item_id, last in session.execute(select(latest))}


def deciding(session: Session, profiles: Collection[str]) -> set[str]:
    """Which of `profiles` have recorded decisions."""
    query = select(DecisionRow.profile).where(DecisionRow.profile.in_(list(profiles))).distinct()
    return set(session.scalars(query))
