"""Storage basics on SQLite and PostgreSQL: aware UTC times, feed sync, decisions history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError

from curator.store import Database, decisions, repo
from curator.store.models import FeedUrlRow, ItemRow
from curator.types import Decision, DecisionKind, FeedSource, FullTextMode, Profile

NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def _item(feed_id: int, identity: str, fetched_at: datetime) -> ItemRow:
    return ItemRow(
        feed_id=feed_id,
        identity=identity,
        title="t",
        summary="",
        content="",
        content_hash="h",
        fetched_at=fetched_at,
    )


def test_times_come_back_aware_utc_whatever_zone_went_in(any_db: Database) -> None:
    paris = timezone(timedelta(hours=2))
    with any_db.session() as session:
        (feed,) = repo.sync_feeds(session, [FeedSource(url="https://a.example/f")], NOW)
        session.add(_item(feed.id, "guid:1", datetime(2026, 3, 29, 4, 0, tzinfo=paris)))
    with any_db.session() as session:
        (item,) = repo.list_items(session)
    assert item.fetched_at == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
    assert item.fetched_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(any_db: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"), any_db.session() as session:
        (feed,) = repo.sync_feeds(session, [FeedSource(url="https://a.example/f")], NOW)
        session.add(_item(feed.id, "guid:1", datetime(2026, 1, 1)))
        session.flush()


def test_sync_feeds_updates_settings_and_follows_moved_urls(any_db: Database) -> None:
    with any_db.session() as session:
        (feed,) = repo.sync_feeds(session, [FeedSource(url="https://old.example/f")], NOW)
        row = session.get(repo.FeedRow, feed.id)
        assert row is not None
        row.url = "https://new.example/f"  # as a permanent redirect would
        session.add(
            FeedUrlRow(feed_id=feed.id, url="https://old.example/f", reason="301", replaced_at=NOW)
        )
    with any_db.session() as session:
        source = FeedSource(
            url="https://old.example/f", name="Old", weight=2.0, full_text=FullTextMode.NEVER
        )
        (again,) = repo.sync_feeds(session, [source], NOW)
    assert again.id == feed.id and again.url == "https://new.example/f"
    assert (again.name, again.weight, again.full_text) == ("Old", 2.0, FullTextMode.NEVER)


def test_latest_decision_is_current_and_undo_restores_the_previous(any_db: Database) -> None:
    with any_db.session() as session:
        repo.sync_profiles(session, [Profile(name="claire", objective="x")], NOW)
        (feed,) = repo.sync_feeds(session, [FeedSource(url="https://a.example/f")], NOW)
        session.add(_item(feed.id, "guid:1", NOW))
        session.flush()
        (item,) = repo.list_items(session)
        for minutes, kind in [(1, DecisionKind.APPROVE), (2, DecisionKind.REJECT)]:
            decisions.record(
                session, Decision("claire", item.id, kind, NOW + timedelta(minutes=minutes))
            )
    with any_db.session() as session:
        assert decisions.current(session, "claire")[item.id].kind is DecisionKind.REJECT
        undone = decisions.undo_last(session, "claire")
        assert undone is not None and undone.kind is DecisionKind.REJECT
        assert decisions.current(session, "claire")[item.id].kind is DecisionKind.APPROVE
