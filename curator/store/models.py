"""SQLAlchemy 2.0 tables for the whole domain.

Feeds and items are shared by every profile; scores, decisions, slots and digests belong to one
profile. Every datetime column is stored as aware UTC (see `UTCDateTime`): SQLite keeps no zone,
so the type decorator re-attaches UTC on the way out and refuses naive values on the way in.

Never edit a migration that has landed: change these models, then add a migration
(`alembic revision --autogenerate`), review it, and keep `tests/test_migrations.py` green.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# A naming convention makes constraint names deterministic, which Alembic needs to alter them
# on SQLite (batch mode) and to compare models with migrations.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: curator stores aware UTC times only")
        value = value.astimezone(UTC)
        # SQLite stores text: drop the zone so every stored value sorts and compares alike.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class ProfileRow(Base):
    __tablename__ = "profiles"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime]


class FeedRow(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(Text)
    site_url: Mapped[str | None] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(20), default="active")
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    full_text: Mapped[str] = mapped_column(String(10), default="auto")
    interval_minutes: Mapped[int | None] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # Digest of the last document parsed and stored: a server that sends no validators (or
    # ignores them) and returns the very same bytes is not parsed again.
    body_digest: Mapped[str | None] = mapped_column(String(64))
    # The document's RSS <ttl>, kept so that a 304 (which carries no document) still honours it.
    ttl_minutes: Mapped[int | None] = mapped_column(Integer)
    last_fetched_at: Mapped[datetime | None]
    next_fetch_at: Mapped[datetime | None] = mapped_column(index=True)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    first_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FeedUrlRow(Base):
    """A feed's former URLs: a permanent redirect rewrites `feeds.url` and keeps the old one."""

    __tablename__ = "feed_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    reason: Mapped[str] = mapped_column(String(100))
    replaced_at: Mapped[datetime]


class ItemRow(Base):
    __tablename__ = "items"
    __table_args__ = (
        # Identity within a feed: a crash mid-fetch followed by a re-run can never store an item
        # twice, whatever the feed repeats.
        UniqueConstraint("feed_id", "identity", name="uq_items_feed_id_identity"),
        Index("ix_items_published_at", "published_at"),
        Index("ix_items_fetched_at", "fetched_at"),
        # Whether an item is still active, read without its row: the pending queue's count
        # (`curator status`) and pages check every ranked item's state, and the row carries the
        # item's whole text, one page read each (issue 19: 2,000 ranked items a profile).
        Index("ix_items_id_state", "id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    # "guid:<guid>" | "url:<canonical url>" | "hash:<title+content hash>"
    identity: Mapped[str] = mapped_column(String(2100))
    guid: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2048), index=True)  # canonical
    link: Mapped[str | None] = mapped_column(String(2048))  # as the publisher wrote it
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    content_source: Mapped[str] = mapped_column(String(10), default="feed")
    author: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(10))
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(64))
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("items.id", ondelete="SET NULL"), index=True
    )
    # "deleted" keeps the row as a tombstone so the identity is never stored again.
    state: Mapped[str] = mapped_column(String(10), default="active")
    full_text_status: Mapped[str] = mapped_column(String(10), default="none")
    full_text_error: Mapped[str | None] = mapped_column(Text)


class ItemSketchRow(Base):
    """The sampled shingle hashes (`dedupe.sketch`) of the items dated within the clustering
    lookback: a fetch finds the near-duplicate candidates of its new items by looking their
    hashes up here, instead of reading every recent item (issue 19). Rows older than the
    lookback are pruned as fetches go."""

    __tablename__ = "item_sketches"
    __table_args__ = (
        # Covering: a lookup by hash within a date range never reads the table itself.
        Index("ix_item_sketches_hash", "hash", "dated_at", "item_id"),
    )

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The item's date as clustering sees it: published_at, else fetched_at.
    dated_at: Mapped[datetime] = mapped_column(index=True)


class ItemTermsRow(Base):
    """An item's analysed text (`score.pack_counts`): its hashed term columns and their
    counts, packed as arrays. An item's text never changes once stored, so a scoring pass
    reads its counts here instead of analysing it again (issue 19); counts of another
    `analyser` version are recomputed."""

    __tablename__ = "item_terms"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    analyser: Mapped[int] = mapped_column(Integer)
    terms: Mapped[bytes] = mapped_column(LargeBinary)  # int32 columns, ascending
    counts: Mapped[bytes] = mapped_column(LargeBinary)  # uint16 (or uint32) counts, same order


class ScoreRow(Base):
    __tablename__ = "scores"
    __table_args__ = (
        Index("ix_scores_profile_final", "profile", "final"),
        # The pending queue is read in rank order, a page at a time (issue 14).
        Index("ix_scores_profile_rank", "profile", "rank"),
    )

    profile: Mapped[str] = mapped_column(
        ForeignKey("profiles.name", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    final: Mapped[float] = mapped_column(Float)
    relevance: Mapped[float] = mapped_column(Float)
    feedback: Mapped[float] = mapped_column(Float, default=0.0)
    freshness: Mapped[float] = mapped_column(Float, default=1.0)
    source: Mapped[float] = mapped_column(Float, default=1.0)
    boost: Mapped[float] = mapped_column(Float, default=0.0)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    why: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[text, weight], ...]
    rank: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[datetime]


class ItemEmbeddingRow(Base):
    """An item's sentence embedding from the semantic extra (issue 18): computed once, at the
    first scoring after the item arrived, and kept as long as the item."""

    __tablename__ = "item_embeddings"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(100))  # vectors of another model are recomputed
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class DecisionRow(Base):
    """Every review decision, kept as history: the latest per (profile, item) is the current one."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_profile_item", "profile", "item_id", "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile: Mapped[str] = mapped_column(ForeignKey("profiles.name", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    snooze_until: Mapped[datetime | None]
    decided_at: Mapped[datetime]


class SlotRow(Base):
    __tablename__ = "slots"
    __table_args__ = (Index("ix_slots_profile_starts_at", "profile", "starts_at"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    profile: Mapped[str] = mapped_column(ForeignKey("profiles.name", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    local_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    topic: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    comment_starter: Mapped[str | None] = mapped_column(Text)
    empty_reason: Mapped[str | None] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    minutes: Mapped[int] = mapped_column(Integer, default=15)
    published_at: Mapped[datetime | None]
    published_url: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Set when the plan no longer has this slot: kept so calendars can show it cancelled.
    removed_at: Mapped[datetime | None]


class DigestRow(Base):
    """The digest outbox: one row per profile and local day, so a digest is never sent twice."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("profile", "day", name="uq_digests_profile_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile: Mapped[str] = mapped_column(ForeignKey("profiles.name", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[str] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    item_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class JobRunRow(Base):
    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started_at", "job", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MetaRow(Base):
    """Small key/value state (fitted corpus statistics, service bookkeeping)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class PostRow(Base):
    """A published slot as the results see it (issue 15): the time it took and what it earned.

    Written when the slot is marked published, with a snapshot of what the results are grouped
    by (its source and the objective's terms its item matched), since an item's score and even
    the item itself leave the scoring window long before a quarter's figures are read.
    """

    __tablename__ = "posts"

    slot_id: Mapped[str] = mapped_column(
        ForeignKey("slots.id", ondelete="CASCADE"), primary_key=True
    )
    profile: Mapped[str] = mapped_column(ForeignKey("profiles.name", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    title: Mapped[str | None] = mapped_column(Text)  # the item's title, or the original's topic
    source: Mapped[str | None] = mapped_column(String(300))
    topics: Mapped[list[Any]] = mapped_column(JSON, default=list)
    url: Mapped[str | None] = mapped_column(String(2048), index=True)
    published_at: Mapped[datetime]
    minutes: Mapped[int] = mapped_column(Integer)  # reported by the user, else the estimate
    # None until results are entered; then each count, 0 included.
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    results_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PostResultChangeRow(Base):
    """Every entry or change of a post's results, kept with its date: a week's figures never
    move silently (issue 15)."""

    __tablename__ = "post_result_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[str] = mapped_column(
        ForeignKey("posts.slot_id", ondelete="CASCADE"), index=True
    )
    changed_at: Mapped[datetime]
    origin: Mapped[str] = mapped_column(String(300))  # "cli", "import FILE"
    results: Mapped[dict[str, Any]] = mapped_column(JSON)  # the whole set after the change
    note: Mapped[str | None] = mapped_column(Text)


class ActiveTimeRow(Base):
    """Time curator measured itself: a review session's active time, idle gaps excluded."""

    __tablename__ = "active_time"
    __table_args__ = (Index("ix_active_time_profile_started_at", "profile", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile: Mapped[str] = mapped_column(ForeignKey("profiles.name", ondelete="CASCADE"))
    activity: Mapped[str] = mapped_column(String(20))  # "review"
    started_at: Mapped[datetime]
    seconds: Mapped[int] = mapped_column(Integer)


class IdeaRow(Base):
    """The backlog of ideas for the user's own posts (issue 15)."""

    __tablename__ = "ideas"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile: Mapped[str] = mapped_column(ForeignKey("profiles.name", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    angle: Mapped[str | None] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_slot_id: Mapped[str | None] = mapped_column(String(200))
    dropped_at: Mapped[datetime | None]
