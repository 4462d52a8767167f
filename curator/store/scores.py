"""Scores per (profile, item) and the queries the scoring use case needs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from curator.store.models import FeedRow, ItemRow, ScoreRow
from curator.store.repo import item_from_row
from curator.types import Item, ItemColumns, ItemsOnDemand, ItemState, Score, Term

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
    # Plain rows handed to the driver (COPY on PostgreSQL, executemany on SQLite), each value
    # converted by its column's own type (the same stored text as a Core insert):
    # SQLAlchemy's per-row parameter handling took half the time of writing a full pass's
    # 40,000 rows (issue 19).
    dialect = session.get_bind().dialect
    table = cast(Table, ScoreRow.__table__)
    why_of = _bind_processor(table.c.why.type, dialect)
    when = _bind_processor(table.c.computed_at.type, dialect)(now)
    rows = [
        (
            s.profile,
            s.item_id,
            s.final,
            s.relevance,
            s.feedback,
            s.freshness,
            s.source,
            s.boost,
            s.blocked,
            why_of([[t.text, t.weight] for t in s.why]),
            s.rank,
            when,
        )
        for s in scores
    ]
    names = (
        "profile", "item_id", "final", "relevance", "feedback", "freshness", "source", "boost",
        "blocked", "why", "rank", "computed_at",
    )  # fmt: skip
    connection = session.connection()
    if dialect.name == "postgresql":
        # COPY, in the session's transaction (issue 17): psycopg runs an executemany as one
        # INSERT per row, and a full pass of 1,000 profiles on a team's database writes up
        # to two million rows (0.55x the time for 200,000 rows, bench in the CHANGELOG).
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        session.flush()
        return
    statement = insert(table).compile(dialect=dialect)  # only the executemany path reads it
    order = statement.positiontup if dialect.positional else None
    if order is not None and list(order) != list(names):
        raise RuntimeError(f"unexpected column order in {statement}")
    params: list[Any] = (
        rows if dialect.positional else [dict(zip(names, r, strict=True)) for r in rows]
    )
    # Chunks keep each executemany statement reasonable on SQLite.
    for start in range(0, len(params), 5000):
        connection.exec_driver_sql(str(statement), params[start : start + 5000])
    session.flush()


def _bind_processor(column_type: Any, dialect: Any) -> Callable[[Any], Any]:
    """The conversion SQLAlchemy applies to a value of `column_type` before the driver."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else (lambda value: value)


def feed_weights(session: Session) -> dict[int, float]:
    return {fid: w for fid, w in session.execute(select(FeedRow.id, FeedRow.weight))}


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


def update_scores(
    session: Session, profile: str, rescored: Iterable[int], scores: Sequence[Score], now: datetime
) -> None:
    """Replace the stored scores of the `rescored` items by `scores` (those of them to keep),
    leaving the profile's other scores as they are."""
    wanted = set(rescored)
    # Only the rows that exist: a profile stores a few thousand, a pass may re-score 100,000.
    stored = session.scalars(select(ScoreRow.item_id).where(ScoreRow.profile == profile))
    ids = sorted(wanted.intersection(stored))
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
    query = _items_query().where(
        ItemRow.fetched_at >= since, ItemRow.state == ItemState.ACTIVE.value
    )
    if ids is not None:
        query = query.where(ItemRow.id.in_(list(ids)))
    return [_item(r) for r in session.execute(query.order_by(ItemRow.fetched_at, ItemRow.id))]


def window(session: Session, since: datetime) -> ItemsOnDemand:
    """The items of `window_items(session, since)`, of which only what scoring reads of every
    item is read now, each whole item read from `session` when first used: a full pass scores
    every item from its stored term counts, and reads the words of the heads of the queues
    only. Reading 100,000 whole items took a sixth of the pass (issue 19)."""
    return _on_demand(session, ItemRow.fetched_at >= since, ItemRow.state == ItemState.ACTIVE.value)


def fetched_between(
    session: Session, start: datetime, end: datetime | None = None, *, after_start: bool = False
) -> ItemsOnDemand:
    """Items fetched from `start` (after it, with `after_start`) until before `end`, whatever
    their state, read as `window` reads them: the items entering or leaving the idf window,
    whose stored counts are all a pass needs of most of them."""
    when = ItemRow.fetched_at > start if after_start else ItemRow.fetched_at >= start
    return _on_demand(session, when, *([ItemRow.fetched_at < end] if end is not None else []))


def _on_demand(session: Session, *where: ColumnElement[bool]) -> ItemsOnDemand:
    # The date as the driver gives it (text on SQLite), converted here: the column type's
    # per-value conversion took as long as the read itself.
    dated = type_coerce(func.coalesce(ItemRow.published_at, ItemRow.fetched_at), String)
    query = (
        select(ItemRow.id, ItemRow.feed_id, ItemRow.cluster_id, dated, ItemRow.language)
        .where(*where)
        .order_by(ItemRow.fetched_at, ItemRow.id)
    )
    rows = session.connection().execute(query).all()
    if not rows:
        return ItemsOnDemand(ItemColumns([], [], [], [], []), partial(read_items, session))
    ids, feed_ids, cluster_ids, dates, languages = map(list, zip(*rows, strict=True))
    if isinstance(dates[0], str):  # SQLite: naive UTC as text
        read = datetime.fromisoformat
        dated_at = [read(d).replace(tzinfo=UTC) for d in dates]
    else:
        dated_at = [d.astimezone(UTC) for d in dates]
    columns = ItemColumns(ids, feed_ids, cluster_ids, dated_at, languages)
    return ItemsOnDemand(columns, partial(read_items, session))


def read_items(session: Session, ids: Sequence[int]) -> dict[int, Item]:
    """The stored items of `ids` by id, as `window_items` gives them, whatever their state."""
    if len(ids) == 1:
        # By a statement built once, on the connection: scoring asks for one item at a time,
        # and building the query each time (or the session's own bookkeeping) cost more than
        # the read.
        rows = session.connection().execute(_ONE_ITEM, {"item_id": ids[0]})
        return {i.id: i for i in map(_item, rows)}
    out: dict[int, Item] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 1000):
        query = _items_query().where(ItemRow.id.in_(wanted[start : start + 1000]))
        out.update((i.id, i) for i in map(_item, session.execute(query)))
    return out


# An item's own columns by the Item field each fills, declared once for the query and the
# rows it gives back (plain rows: no ORM object per item, which cost more than the read).
_ITEM_FIELDS = {
    name: getattr(ItemRow, name)
    for name in (
        "id", "feed_id", "guid", "url", "title", "summary", "content", "author", "language",
        "published_at", "fetched_at", "content_hash", "cluster_id", "state",
    )
}  # fmt: skip


def _items_query() -> Select[*tuple[Any, ...]]:
    return select(*_ITEM_FIELDS.values(), FeedRow.name, FeedRow.title).join(
        FeedRow, ItemRow.feed_id == FeedRow.id
    )


_ONE_ITEM = _items_query().where(ItemRow.id == bindparam("item_id"))


def _item(r: Row[*tuple[Any, ...]]) -> Item:
    """An item of `_items_query`."""
    *own, feed_name, feed_title = r
    fields = dict(zip(_ITEM_FIELDS, own, strict=True))
    fields["state"] = ItemState(fields["state"])
    return Item(**fields, feed_name=feed_name or feed_title)
