"""Builders for digest tests: items, scores, slots and feeds with plain values."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from curator.outputs.digest import Candidate
from curator.store import Database
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
    rank: int | None = 1,  # None = not pending (decided, blocked, a cluster's lesser copy)
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


# -- a real database with what a digest reads --------------------------------------------------

APP_CONFIG = """\
profiles:
  - name: claire
    objective: Recruteuse tech indépendante, je partage des analyses sur le recrutement data.
    language: fr
    timezone: Europe/Paris
    digest:
      time: "07:30"
      max_items: 5
      min_score: 0.2
      to: [claire@example.com]
feeds:
  - url: http://127.0.0.1:9/feed.xml
    name: Local
"""


def app_config(smtp_port: int | None, *, extra_profile: str = "") -> str:
    """APP_CONFIG with an `smtp:` section pointing at a local test server (None = no smtp)."""
    text = APP_CONFIG
    if extra_profile:
        text = text.replace("feeds:\n", extra_profile + "feeds:\n")
    if smtp_port is not None:
        text += (
            "smtp:\n  host: 127.0.0.1\n"
            f"  port: {smtp_port}\n  security: none\n  from: Curator <digest@example.com>\n"
            "  timeout: 5\n"
        )
    return text


def seed(
    db: Database,
    *,
    now: datetime,
    profile_name: str = "claire",
    count: int = 3,
    first_id: int = 1,
    title: str = "Recrutement data : les salaires de {i}",
) -> list[int]:
    """Items fetched just before `now`, scored for the profile; returns their ids."""
    from curator.store.models import FeedRow, ItemRow, ScoreRow

    ids = []
    with db.session() as session:
        feed_id = session.scalars(select(FeedRow.id)).first()
        assert feed_id is not None, "Curator() syncs the configured feed first"
        for i in range(first_id, first_id + count):
            row = ItemRow(
                id=i,
                feed_id=feed_id,
                identity=f"guid:{i}",
                guid=str(i),
                url=f"https://news.example.org/{i}",
                link=f"https://news.example.org/{i}",
                title=title.format(i=i),
                summary=f"<p>Résumé de l'article {i}.</p>",
                content="",
                published_at=now - timedelta(hours=3),
                fetched_at=now - timedelta(minutes=30),
                content_hash=f"h{i}",
            )
            session.add(row)
            session.flush()
            session.add(
                ScoreRow(
                    profile=profile_name,
                    item_id=i,
                    final=0.9 - i * 0.01,
                    relevance=0.8,
                    why=[["recrutement", 0.4], ["salaires", 0.2]],
                    rank=i,
                    computed_at=now,
                )
            )
            ids.append(i)
    return ids


def seed_slot(
    db: Database,
    *,
    slot_id: str,
    starts_at: datetime,
    status: SlotStatus = SlotStatus.PLANNED,
    item_id: int | None = None,
    profile_name: str = "claire",
) -> None:
    from curator.store.models import SlotRow

    with db.session() as session:
        session.add(
            SlotRow(
                id=slot_id,
                profile=profile_name,
                starts_at=starts_at,
                local_date=starts_at.date(),
                kind=SlotKind.RELAY.value,
                status=status.value,
                item_id=item_id,
                empty_reason="rien au-dessus du seuil" if status is SlotStatus.EMPTY else None,
                created_at=starts_at,
                updated_at=starts_at,
            )
        )
