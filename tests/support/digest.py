"""Builders for digest tests: items, scores, slots and feeds with plain values."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from curator.outputs.digest import Candidate
from curator.types import (
    DigestSettings,
    Feed,
    FeedStatus,
    Item,
    Profile,
    Schedule,
    Score,
    Slot,
    SlotKind,
    SlotStatus,
    Term,
)


def profile(
    name: str = "alice",
    *,
    language: str = "en",
    timezone: str = "Europe/Paris",
    objective: str = "Data engineering and AI for small businesses",
    **digest: object,
) -> Profile:
    settings = DigestSettings(**{"to": ("alice@example.com",), **digest})  # type: ignore[arg-type]
    return Profile(
        name=name,
        objective=objective,
        language=language,
        timezone=timezone,
        schedule=Schedule(min_comment_chars=40),
        digest=settings,
    )


def item(
    item_id: int,
    *,
    title: str | None = None,
    fetched_at: datetime,
    published_at: datetime | None = None,
    summary: str = "",
    url: str | None = None,
    feed_id: int = 1,
) -> Item:
    return Item(
        id=item_id,
        feed_id=feed_id,
        guid=f"guid-{item_id}",
        url=url if url is not None else f"https://news.example.org/articles/{item_id}",
        title=title if title is not None else f"Article number {item_id}",
        summary=summary or f"<p>Summary of article {item_id}, with <b>markup</b> &amp; more.</p>",
        content="",
        author=None,
        language="en",
        published_at=published_at or fetched_at - timedelta(hours=2),
        fetched_at=fetched_at,
        content_hash=f"hash-{item_id}",
    )


def candidate(
    it: Item,
    final: float,
    *,
    source: str = "Example News",
    rank: int | None = None,
    why: tuple[str, ...] = ("pipelines", "small business"),
    blocked: bool = False,
    profile_name: str = "alice",
) -> Candidate:
    score = Score(
        profile=profile_name,
        item_id=it.id,
        final=final,
        relevance=final,
        blocked=blocked,
        why=tuple(Term(t, 0.1) for t in why),
        rank=rank,
    )
    return Candidate(item=it, score=score, source=source)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), UTC)


def slot(
    slot_id: str,
    starts_at: datetime,
    *,
    kind: SlotKind = SlotKind.RELAY,
    status: SlotStatus = SlotStatus.PLANNED,
    item_id: int | None = None,
    comment: str | None = None,
    topic: str | None = None,
    empty_reason: str | None = None,
    profile_name: str = "alice",
) -> Slot:
    return Slot(
        id=slot_id,
        profile=profile_name,
        starts_at=starts_at,
        kind=kind,
        status=status,
        item_id=item_id,
        comment=comment,
        topic=topic,
        empty_reason=empty_reason,
    )


def failing_feed(feed_id: int, name: str, error: str, since: datetime) -> Feed:
    return Feed(
        id=feed_id,
        url=f"https://feeds.example.net/{feed_id}.xml",
        name=name,
        status=FeedStatus.ACTIVE,
        error_count=3,
        last_error=error,
        first_error_at=since,
    )
