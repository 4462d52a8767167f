"""Builders for calendar tests: a small two-week plan, and helpers to inspect .ics bytes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from curator.store import Database
from curator.store.models import FeedRow, ItemRow, ScoreRow, SlotRow
from curator.types import (
    CalendarSettings,
    Item,
    Profile,
    Schedule,
    Score,
    Slot,
    SlotKind,
    SlotStatus,
    Term,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "tests" / "data"
NOW = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)  # a Friday, two days before the spring DST change


def make_item(item_id: int, title: str, *, url: str | None = None, feed: str = "Blog") -> Item:
    return Item(
        id=item_id,
        feed_id=1,
        guid=f"g{item_id}",
        url=url if url is not None else f"https://example.org/posts/{item_id}",
        title=title,
        summary="",
        content="",
        author=None,
        language=None,
        published_at=NOW - timedelta(days=1),
        fetched_at=NOW - timedelta(hours=20),
        content_hash=f"h{item_id}",
        feed_name=feed,
    )


def make_score(item_id: int, final: float = 0.5, *terms: tuple[str, float]) -> Score:
    return Score(
        profile="claire",
        item_id=item_id,
        final=final,
        relevance=final * 0.9,
        why=tuple(Term(text, weight) for text, weight in terms),
    )


@dataclass
class Plan:
    """Everything `render_calendar` takes, mutable between exports in a test."""

    profile: Profile
    slots: list[Slot]
    items: dict[int, Item]
    scores: dict[int, Score]
    settings: CalendarSettings = field(default_factory=CalendarSettings)
    now: datetime = NOW
    cancelled: list[Slot] = field(default_factory=list)


def small_plan(language: str = "en", timezone: str = "Europe/Paris") -> Plan:
    """Two weeks of a Mon/Wed relay + Thu original schedule at 09:00 Paris, in every status."""
    profile = Profile(
        name="claire",
        objective="Help small firms adopt practical AI",
        language=language,
        timezone=timezone,
        schedule=Schedule(min_comment_chars=40),
    )
    items = {
        1: make_item(1, "AI Act: what changes, for whom; and when \\ a guide", feed="EU Digest"),
        2: make_item(2, "Les PME françaises et l'IA : état des lieux 🚀", feed="Le Blog"),
        3: make_item(3, "Five\nlessons from\tdeploying LLMs in a 12-person company"),
        4: make_item(4, "Published one", url="https://example.org/posts/4?a=1&b=2"),
    }
    scores = {
        1: make_score(1, 0.71, ("AI Act", 0.42), ("compliance", 0.18)),
        2: make_score(2, 0.64, ("PME", 0.31), ("adoption", 0.2)),
        3: make_score(3, 0.52, ("LLM", 0.25)),
        4: make_score(4, 0.49),
    }
    changed = NOW - timedelta(hours=2)
    slots = [
        Slot(
            id="claire-2026-03-23-0900-relay",
            profile="claire",
            starts_at=datetime(2026, 3, 23, 8, 0, tzinfo=UTC),
            kind=SlotKind.RELAY,
            status=SlotStatus.PUBLISHED,
            sequence=3,
            item_id=4,
            comment="Shared with a note on budgets, and a question for peers.",
            published_at=datetime(2026, 3, 23, 8, 20, tzinfo=UTC),
            published_url="https://social.example/claire/posts/981",
            updated_at=datetime(2026, 3, 23, 8, 21, tzinfo=UTC),
        ),
        Slot(
            id="claire-2026-03-30-0900-relay",
            profile="claire",
            starts_at=datetime(2026, 3, 30, 7, 0, tzinfo=UTC),  # after the change: UTC+2
            kind=SlotKind.RELAY,
            status=SlotStatus.READY,
            sequence=2,
            item_id=1,
            comment=(
                "My take: the obligations land on deployers, not only vendors;\n"
                "check your chatbot, your CV screening, and your \\shared drive\\."
            ),
            comment_starter="What surprised me most:",
            updated_at=changed,
        ),
        Slot(
            id="claire-2026-04-01-0900-relay",
            profile="claire",
            starts_at=datetime(2026, 4, 1, 7, 0, tzinfo=UTC),
            kind=SlotKind.RELAY,
            status=SlotStatus.PLANNED,
            sequence=1,
            item_id=2,
            comment_starter="Ce qui me frappe :",
            updated_at=changed,
        ),
        Slot(
            id="claire-2026-04-02-0900-original",
            profile="claire",
            starts_at=datetime(2026, 4, 2, 7, 0, tzinfo=UTC),
            kind=SlotKind.ORIGINAL,
            status=SlotStatus.PLANNED,
            sequence=0,
            topic="Three AI tools our accountant now uses",
            minutes=45,
            updated_at=changed,
        ),
        Slot(
            id="claire-2026-04-06-0900-relay",
            profile="claire",
            starts_at=datetime(2026, 4, 6, 7, 0, tzinfo=UTC),
            kind=SlotKind.RELAY,
            status=SlotStatus.PLANNED,
            sequence=0,
            item_id=3,
            updated_at=changed,
        ),
        Slot(
            id="claire-2026-04-08-0900-relay",
            profile="claire",
            starts_at=datetime(2026, 4, 8, 7, 0, tzinfo=UTC),
            kind=SlotKind.RELAY,
            status=SlotStatus.EMPTY,
            empty_reason="no approved item above the 0.15 quality floor",
            updated_at=changed,
        ),
    ]
    # Removed from the plan: the planner bumped its sequence (0 -> 1) and its updated_at.
    cancelled = [
        Slot(
            id="claire-2026-04-09-0900-original",
            profile="claire",
            starts_at=datetime(2026, 4, 9, 7, 0, tzinfo=UTC),
            kind=SlotKind.ORIGINAL,
            status=SlotStatus.PLANNED,
            sequence=1,
            topic="Dropped to fit the weekly budget",
            minutes=45,
            updated_at=changed,
        )
    ]
    return Plan(profile, slots, items, scores, cancelled=cancelled)


def content_lines(body: bytes) -> list[bytes]:
    """Physical lines without their CRLF (the stream ends with CRLF, so drop the empty tail)."""
    lines = body.split(b"\r\n")
    assert lines[-1] == b""
    return lines[:-1]


def unfold(body: bytes) -> list[str]:
    """Logical content lines (RFC 5545 3.1), decoded."""
    return body.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def events(body: bytes) -> Iterator[list[str]]:
    """The unfolded lines of each VEVENT block, VALARM included."""
    block: list[str] | None = None
    for line in unfold(body):
        if line == "BEGIN:VEVENT":
            block = []
        elif line == "END:VEVENT" and block is not None:
            yield block
            block = None
        elif block is not None:
            block.append(line)


def prop(lines: list[str], name: str) -> list[str]:
    """Raw (still escaped) values of a property in a block, parameters dropped."""
    found = []
    for line in lines:
        head, _, value = line.partition(":")
        if head.split(";")[0].upper() == name:
            found.append(value)
    return found


def event_by_uid(body: bytes) -> dict[str, list[str]]:
    return {prop(block, "UID")[0]: block for block in events(body)}


def store_plan(db: Database, plan: Plan, *, now: datetime = NOW) -> None:
    """Write a plan's items, scores and slots (removed ones with `removed_at`) into a database."""
    with db.session() as session:
        feed = session.scalars(select(FeedRow).order_by(FeedRow.id)).first()
        if feed is None:
            feed = FeedRow(
                url="https://example.org/feed.xml", name="Blog", created_at=now, updated_at=now
            )
            session.add(feed)
            session.flush()
        for item in plan.items.values():
            session.add(
                ItemRow(
                    id=item.id,
                    feed_id=feed.id,
                    identity=f"guid:{item.guid}",
                    guid=item.guid,
                    url=item.url,
                    link=item.url,
                    title=item.title,
                    content_hash=item.content_hash,
                    published_at=item.published_at,
                    fetched_at=item.fetched_at,
                )
            )
        session.flush()
        for score in plan.scores.values():
            session.add(
                ScoreRow(
                    profile=score.profile,
                    item_id=score.item_id,
                    final=score.final,
                    relevance=score.relevance,
                    why=[[t.text, t.weight] for t in score.why],
                    computed_at=now,
                )
            )
        for slot in plan.slots:
            session.add(slot_row(slot, removed_at=None))
        for slot in plan.cancelled:
            session.add(slot_row(slot, removed_at=now))


def slot_row(slot: Slot, *, removed_at: datetime | None) -> SlotRow:
    return SlotRow(
        id=slot.id,
        profile=slot.profile,
        starts_at=slot.starts_at,
        local_date=slot.starts_at.date(),
        kind=slot.kind.value,
        status=slot.status.value,
        sequence=slot.sequence,
        item_id=slot.item_id,
        topic=slot.topic,
        comment=slot.comment,
        comment_starter=slot.comment_starter,
        empty_reason=slot.empty_reason,
        pinned=slot.pinned,
        minutes=slot.minutes,
        published_at=slot.published_at,
        published_url=slot.published_url,
        created_at=slot.updated_at or NOW,
        updated_at=slot.updated_at or NOW,
        removed_at=removed_at,
    )
