"""Scores per (profile, item) and the queries the scoring use case needs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from curator.store.models import FeedRow, ItemRow, ScoreRow
from curator.store.repo import item_from_row
from curator.types import Item, ItemState, Score, Term

STATS_KEY = "score.corpus_stats"  # the meta row holding score.CorpusStats.to_json()


def score_from_row(row: ScoreRow) -> Score:
    return Score(
        profile=row.profile,
        item_id=row.item_id,
        final=row.final,
        relevance=row.relevance,
        feedback=row.feedback,
        freshness=row.freshness,
        source=row.source,
        boost=row.boost,
        blocked=row.blocked,
        why=tuple(Term(str(t), float(w)) for t, w in (row.why or [])),
        rank=row.rank,
    )


def replace_scores(session: Session, profile: str, scores: Sequence[Score], now: datetime) -> None:
    """Store a profile's fresh scores, dropping the ones of items no longer scored."""
    session.execute(delete(ScoreRow).where(ScoreRow.profile == profile))
    _insert(session, scores, now)


def _insert(session: Session, scores: Sequence[Score], now: datetime) -> None:
    rows: list[dict[str, Any]] = [
        {
            "profile": s.profile,
            "item_id": s.item_id,
            "final": s.final,
            "relevance": s.relevance,
            "feedback": s.feedback,
            "freshness": s.freshness,
            "source": s.source,
            "boost": s.boost,
            "blocked": s.blocked,
            "why": [[t.text, t.weight] for t in s.why],
            "rank": s.rank,
            "computed_at": now,
        }
        for s in scores
    ]
    # Chunks keep each executemany statement reasonable on both SQLite and PostgreSQL.
    for start in range(0, len(rows), 5000):
        session.execute(insert(ScoreRow), rows[start : start + 5000])
    session.flush()


def feed_weights(session: Session) -> dict[int, float]:
    return {fid: w for fid, w in session.execute(select(FeedRow.id, FeedRow.weight))}


def items_fetched_between(session: Session, start: datetime, end: datetime) -> list[Item]:
    """Items fetched in [start, end), whatever their state: they left the idf window."""
    query = (
        select(ItemRow)
        .where(ItemRow.fetched_at >= start, ItemRow.fetched_at < end)
        .order_by(ItemRow.id)
    )
    return [item_from_row(row) for row in session.scalars(query)]


def items_by_url(session: Session, urls: Iterable[str]) -> dict[str, Item]:
    """Stored items whose canonical or published URL is one of `urls` (profile examples)."""
    wanted = list(urls)
    if not wanted:
        return {}
    query = select(ItemRow).where(
        (ItemRow.url.in_(wanted) | ItemRow.link.in_(wanted)),
        ItemRow.state == ItemState.ACTIVE.value,
    )
    found: dict[str, Item] = {}
    for row in session.scalars(query.order_by(ItemRow.id)):
        for url in (row.url, row.link):
            if url in wanted and url not in found:
                found[url] = item_from_row(row)
    return found


# --- incremental passes (issue 19) ---------------------------------------------------------


def ranked_head(session: Session, profile: str, limit: int) -> list[int]:
    """The items the profile's queue ranks first (ranks 1 to `limit`)."""
    query = (
        select(ScoreRow.item_id)
        .where(ScoreRow.profile == profile, ScoreRow.rank.is_not(None), ScoreRow.rank <= limit)
        .order_by(ScoreRow.rank)
    )
    return list(session.scalars(query))


def ranked_finals(session: Session, profile: str, exclude: Iterable[int]) -> list[float]:
    """The final scores of the profile's ranked items, except `exclude`'s."""
    skip = set(exclude)
    query = select(ScoreRow.item_id, ScoreRow.final).where(
        ScoreRow.profile == profile, ScoreRow.rank.is_not(None)
    )
    return [final for item_id, final in session.execute(query) if item_id not in skip]


def active_ids_fetched(session: Session, after: datetime, until: datetime) -> set[int]:
    """Active items fetched in (after, until]: what arrived since a pass."""
    query = select(ItemRow.id).where(
        ItemRow.fetched_at > after,
        ItemRow.fetched_at <= until,
        ItemRow.state == ItemState.ACTIVE.value,
    )
    return set(session.scalars(query))


def update_scores(session: Session, profile: str, scores: Sequence[Score], now: datetime) -> None:
    """Store the scores of some items, leaving the profile's other scores as they are."""
    ids = [s.item_id for s in scores]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.execute(
            delete(ScoreRow).where(ScoreRow.profile == profile, ScoreRow.item_id.in_(chunk))
        )
    _insert(session, scores, now)


def drop_scores_before(session: Session, profile: str, since: datetime) -> None:
    """Forget the scores of items that left the scoring window (fetched before `since`)."""
    old = select(ItemRow.id).where(ItemRow.fetched_at < since).scalar_subquery()
    session.execute(delete(ScoreRow).where(ScoreRow.profile == profile, ScoreRow.item_id.in_(old)))


def window_items(session: Session, since: datetime, ids: Iterable[int] | None = None) -> list[Item]:
    """Active items fetched since `since` (or those of `ids` among them), as `repo.list_items`
    gives them, read as plain columns: building 100,000 ORM objects to score them cost more
    than scoring them (issue 19)."""
    query = (
        select(
            ItemRow.id,
            ItemRow.feed_id,
            ItemRow.guid,
            ItemRow.url,
            ItemRow.title,
            ItemRow.summary,
            ItemRow.content,
            ItemRow.author,
            ItemRow.language,
            ItemRow.published_at,
            ItemRow.fetched_at,
            ItemRow.content_hash,
            ItemRow.cluster_id,
            FeedRow.name,
            FeedRow.title,
        )
        .join(FeedRow, ItemRow.feed_id == FeedRow.id)
        .where(ItemRow.fetched_at >= since, ItemRow.state == ItemState.ACTIVE.value)
    )
    if ids is not None:
        query = query.where(ItemRow.id.in_(list(ids)))
    query = query.order_by(ItemRow.fetched_at, ItemRow.id)
    active = ItemState.ACTIVE
    return [
        Item(
            id=r[0],
            feed_id=r[1],
            guid=r[2],
            url=r[3],
            title=r[4],
            summary=r[5],
            content=r[6],
            author=r[7],
            language=r[8],
            published_at=r[9],
            fetched_at=r[10],
            content_hash=r[11],
            cluster_id=r[12],
            state=active,
            feed_name=r[13] or r[14],
        )
        for r in session.execute(query)
    ]
