"""Results storage (issue 15): published posts, their dated result changes, measured time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from curator.errors import InvalidAction, NotFound
from curator.i18n import N_, Message
from curator.results import ActiveSpan, Metrics, Post, ResultChange, normalize_url
from curator.store.models import ActiveTimeRow, PostResultChangeRow, PostRow, SlotRow
from curator.types import Slot, SlotKind, SlotStatus


def post_from_row(row: PostRow | Row[Any]) -> Post:
    return Post(
        slot_id=row.slot_id,
        profile=row.profile,
        kind=SlotKind(row.kind),
        published_at=row.published_at,
        minutes=row.minutes,
        url=row.url,
        title=row.title,
        source=row.source,
        topics=tuple(map(str, row.topics or ())),
        results=Metrics.from_json(row.results) if row.results is not None else None,
        note=row.note,
        results_at=row.results_at,
    )


def save_post(session: Session, post: Post, now: datetime) -> None:
    """Record (or re-record) a published slot; results already entered are kept."""
    row = session.get(PostRow, post.slot_id)
    if row is None:
        row = PostRow(slot_id=post.slot_id, profile=post.profile, created_at=now)
        session.add(row)
    row.kind = post.kind.value
    row.title = post.title
    row.source = post.source
    row.topics = list(post.topics)
    row.url = post.url
    row.published_at = post.published_at
    row.minutes = post.minutes
    row.updated_at = now
    session.flush()


def set_item(session: Session, slot_id: str, item_id: int | None) -> None:
    row = session.get(PostRow, slot_id)
    if row is not None:
        row.item_id = item_id


def get_post(session: Session, slot_id: str) -> Post:
    row = session.get(PostRow, slot_id)
    if row is None:
        raise NotFound(
            "published post",
            slot_id,
            Message(N_("mark it published first: `curator slot done ID`")),
        )
    return post_from_row(row)


def list_posts(session: Session, profile: str, *, since: datetime | None = None) -> list[Post]:
    # Plain rows, not ORM objects: nothing here is changed, and a year's posts for the Results
    # page spent most of their read in the identity map (issue 14).
    query = select(*PostRow.__table__.columns).where(PostRow.profile == profile)
    if since is not None:
        query = query.where(PostRow.published_at >= since)
    rows = session.execute(query.order_by(PostRow.published_at, PostRow.slot_id))
    return [post_from_row(r) for r in rows]


def slots_for_weekly_log(
    session: Session, profile: str, *, since: datetime, until: datetime
) -> list[Slot]:
    """The profile's live slots from `since` to `until` as `plan.results_log` counts them:
    only the fields it reads (id, kind, status, times, minutes), the others left at their
    defaults, read as plain rows; a year of slots read whole was a quarter of a 52-week
    Results page (issue 14). Nothing else should use these slots."""
    s = SlotRow
    columns = (s.id, s.profile, s.starts_at, s.kind, s.status, s.minutes, s.published_at)
    query = (
        select(*columns)
        .where(s.profile == profile, s.removed_at.is_(None))
        .where(s.starts_at >= since, s.starts_at < until)
        .order_by(s.starts_at, s.id)
    )
    return [
        Slot(
            id=r.id,
            profile=r.profile,
            starts_at=r.starts_at,
            kind=SlotKind(r.kind),
            status=SlotStatus(r.status),
            minutes=r.minutes,
            published_at=r.published_at,
        )
        for r in session.execute(query)
    ]


def latest_posts(session: Session, profile: str, limit: int) -> list[Post]:
    """The profile's `limit` most recently published posts, newest first."""
    query = (
        select(PostRow)
        .where(PostRow.profile == profile)
        .order_by(PostRow.published_at.desc(), PostRow.slot_id.desc())
        .limit(limit)
    )
    return [post_from_row(r) for r in session.scalars(query)]


def set_results(
    session: Session,
    slot_id: str,
    changes: Mapping[str, int | None],
    now: datetime,
    *,
    note: str | None = None,
    origin: str = "cli",
    minutes: int | None = None,
) -> tuple[Post, bool]:
    """Change a post's results (and the minutes it took) and keep the change, dated, in the
    history.

    Returns the post and whether anything changed (an unchanged import adds no history line).
    """
    row = session.get(PostRow, slot_id)
    if row is None:
        raise NotFound(
            "published post",
            slot_id,
            Message(N_("mark it published first: `curator slot done ID`")),
        )
    before = Metrics.from_json(row.results) if row.results is not None else None
    try:
        after = (before or Metrics()).updated(changes)
    except ValueError as e:
        raise InvalidAction(
            Message(N_("post {id}: {error}"), id=slot_id, error=e.args[0])
        ) from None
    new_note = row.note if note is None else (note.strip() or None)
    if minutes is not None and minutes <= 0:
        raise InvalidAction(Message(N_("post {id}: minutes must be more than 0"), id=slot_id))
    new_minutes = row.minutes if minutes is None else minutes
    if before == after and new_note == row.note and new_minutes == row.minutes:
        return post_from_row(row), False
    row.results = after.to_json()
    row.note = new_note
    row.minutes = new_minutes
    row.results_at = now
    row.updated_at = now
    session.add(
        PostResultChangeRow(
            slot_id=slot_id,
            changed_at=now,
            origin=origin[:300],
            # the minutes too: results per hour move with them
            results=after.to_json() | {"minutes": new_minutes},
            note=new_note,
        )
    )
    session.flush()
    return post_from_row(row), True


def changes(session: Session, slot_ids: Iterable[str]) -> dict[str, list[ResultChange]]:
    wanted = list(set(slot_ids))
    out: dict[str, list[ResultChange]] = {}
    if not wanted:
        return out
    query = (
        select(PostResultChangeRow)
        .where(PostResultChangeRow.slot_id.in_(wanted))
        .order_by(PostResultChangeRow.changed_at, PostResultChangeRow.id)
    )
    for r in session.scalars(query):
        out.setdefault(r.slot_id, []).append(
            ResultChange(
                r.slot_id,
                r.changed_at,
                r.origin,
                Metrics.from_json(r.results),
                r.note,
                minutes=r.results.get("minutes") if isinstance(r.results, dict) else None,
            )
        )
    return out


def posts_by_url(session: Session, profile: str | None = None) -> dict[str, list[Post]]:
    """Published posts by normalized URL (an import's key)."""
    query = select(PostRow).where(PostRow.url.is_not(None))
    if profile is not None:
        query = query.where(PostRow.profile == profile)
    out: dict[str, list[Post]] = {}
    for row in session.scalars(query):
        if row.url:
            out.setdefault(normalize_url(row.url), []).append(post_from_row(row))
    return out


def add_span(session: Session, span: ActiveSpan) -> None:
    session.add(
        ActiveTimeRow(
            profile=span.profile,
            activity=span.activity,
            started_at=span.started_at,
            seconds=span.seconds,
        )
    )
    session.flush()


def list_spans(
    session: Session, profile: str, *, since: datetime | None = None
) -> list[ActiveSpan]:
    t = ActiveTimeRow
    query = select(t.profile, t.activity, t.started_at, t.seconds).where(t.profile == profile)
    if since is not None:
        query = query.where(t.started_at >= since)
    # plain rows, as list_posts: read-only, a year of them for the Results page
    return [ActiveSpan(*r) for r in session.execute(query.order_by(t.started_at, t.id))]
