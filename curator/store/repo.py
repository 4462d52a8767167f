"""Repository functions: queries over a Session that take and return `curator.types` values.

Callers (the `app` facade) own the session and therefore the transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from curator.errors import NotFound
from curator.store.models import FeedRow, ItemRow, MetaRow, ProfileRow
from curator.types import Feed, FeedSource, FeedStatus, FullTextMode, Item, ItemState, Profile


def feed_from_row(row: FeedRow) -> Feed:
    return Feed(
        id=row.id,
        url=row.url,
        name=row.name,
        status=FeedStatus(row.status),
        weight=row.weight,
        full_text=FullTextMode(row.full_text),
        interval_minutes=row.interval_minutes,
        etag=row.etag,
        last_modified=row.last_modified,
        body_digest=row.body_digest,
        ttl_minutes=row.ttl_minutes,
        title=row.title,
        site_url=row.site_url,
        last_fetched_at=row.last_fetched_at,
        next_fetch_at=row.next_fetch_at,
        error_count=row.error_count,
        first_error_at=row.first_error_at,
        last_error=row.last_error,
        disabled_reason=row.disabled_reason,
    )


def item_from_row(row: ItemRow, feed_name: str | None = None) -> Item:
    return Item(
        id=row.id,
        feed_id=row.feed_id,
        guid=row.guid,
        url=row.url,
        title=row.title,
        summary=row.summary,
        content=row.content,
        author=row.author,
        language=row.language,
        published_at=row.published_at,
        fetched_at=row.fetched_at,
        content_hash=row.content_hash,
        cluster_id=row.cluster_id,
        state=ItemState(row.state),
        feed_name=feed_name,
    )


def sync_profiles(session: Session, profiles: Iterable[Profile], now: datetime) -> None:
    """Make sure every configured profile has its row (rows of removed profiles are kept)."""
    known = set(session.scalars(select(ProfileRow.name)))
    for profile in profiles:
        if profile.name not in known:
            session.add(ProfileRow(name=profile.name, created_at=now))
    session.flush()


def sync_feeds(session: Session, sources: Sequence[FeedSource], now: datetime) -> list[Feed]:
    """Store the configured feeds: new ones are added, settings of known ones updated.

    A feed whose URL was rewritten by a permanent redirect is still matched through the URL
    history, so the user's feeds.yaml keeps working after a site moves. Feeds that left the
    configuration stay stored (their items are history) but are not fetched.
    """
    from curator.store.models import FeedUrlRow  # local: only this function needs the history

    by_url = {row.url: row for row in session.scalars(select(FeedRow))}
    moved = {
        old: by_url_row
        for old, by_url_row in (
            (h.url, session.get(FeedRow, h.feed_id)) for h in session.scalars(select(FeedUrlRow))
        )
        if by_url_row is not None
    }
    result = []
    for source in sources:
        row = by_url.get(source.url) or moved.get(source.url)
        if row is None:
            row = FeedRow(
                url=source.url,
                status=FeedStatus.ACTIVE.value,
                error_count=0,
                next_fetch_at=now,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
        row.name = source.name
        row.weight = source.weight
        row.full_text = source.full_text.value
        row.interval_minutes = source.interval_minutes
        result.append(row)
    session.flush()
    return [feed_from_row(row) for row in result]


def in_sync(session: Session, profiles: Iterable[Profile], sources: Sequence[FeedSource]) -> bool:
    """Does the database already hold the configuration (so `sync_*` would write nothing)?

    Read-only, so that a command that only reads neither waits for the write lock nor fails
    on a read-only database file (issue 13).
    """
    from curator.store.models import FeedUrlRow

    known = set(session.scalars(select(ProfileRow.name)))
    if any(p.name not in known for p in profiles):
        return False
    by_url = {row.url: row for row in session.scalars(select(FeedRow))}
    by_id = {row.id: row for row in by_url.values()}
    moved = {h.url: by_id.get(h.feed_id) for h in session.scalars(select(FeedUrlRow))}
    for source in sources:
        row = by_url.get(source.url) or moved.get(source.url)
        if row is None or (row.name, row.weight, row.full_text, row.interval_minutes) != (
            source.name,
            source.weight,
            source.full_text.value,
            source.interval_minutes,
        ):
            return False
    return True


def list_feeds(session: Session) -> list[Feed]:
    return [feed_from_row(row) for row in session.scalars(select(FeedRow).order_by(FeedRow.id))]


def find_feed(session: Session, url_or_name: str) -> Feed:
    """A feed by exact URL or by name (case-insensitive)."""
    for row in session.scalars(select(FeedRow).order_by(FeedRow.id)):
        if row.url == url_or_name or (row.name or "").casefold() == url_or_name.casefold():
            return feed_from_row(row)
    raise NotFound("feed", url_or_name)


def get_item(session: Session, item_id: int) -> Item:
    row = session.get(ItemRow, item_id)
    if row is None:
        raise NotFound("item", item_id)
    feed = session.get(FeedRow, row.feed_id)
    return item_from_row(row, feed.name or feed.title if feed else None)


def list_items(
    session: Session,
    *,
    since: datetime | None = None,
    state: ItemState | None = ItemState.ACTIVE,
    ids: Iterable[int] | None = None,
) -> list[Item]:
    """Items with their feed's display name, oldest fetch first."""
    query = select(ItemRow, FeedRow.name, FeedRow.title).join(
        FeedRow, ItemRow.feed_id == FeedRow.id
    )
    if since is not None:
        query = query.where(ItemRow.fetched_at >= since)
    if state is not None:
        query = query.where(ItemRow.state == state.value)
    if ids is not None:
        query = query.where(ItemRow.id.in_(list(ids)))
    query = query.order_by(ItemRow.fetched_at, ItemRow.id)
    return [item_from_row(row, name or title) for row, name, title in session.execute(query)]


def get_meta(session: Session, key: str) -> Any:
    row = session.get(MetaRow, key)
    return None if row is None else row.value


def set_meta(session: Session, key: str, value: Any, now: datetime) -> None:
    row = session.get(MetaRow, key)
    if row is None:
        session.add(MetaRow(key=key, value=value, updated_at=now))
    else:
        row.value = value
        row.updated_at = now
    session.flush()
