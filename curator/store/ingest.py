"""Repository functions for ingestion: storing a fetched feed's items and its new state.

Each function works inside the caller's session (one transaction per feed: the items of a
document and the feed's validators are committed together, so a crash between feeds loses
nothing and a re-run stores nothing twice; UNIQUE(feed_id, identity) backs that up).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Connection,
    Insert,
    Integer,
    Table,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from curator.ingest import dedupe
from curator.ingest.dedupe import Action, ClusterDoc, Clustering, KnownItem, Reconciled
from curator.ingest.policy import FeedState
from curator.ingest.report import PageJob
from curator.lang import language_sample
from curator.store.models import FeedRow, FeedUrlRow, ItemRow, ItemSketchRow, UTCDateTime
from curator.types import ItemState, ParsedEntry

_CHUNK = 400  # bound parameters per IN (...) query; SQLite allows 32766, PostgreSQL 65535


@dataclass(slots=True)
class StoredItems:
    new: list[int] = field(default_factory=list)  # ids of the items inserted
    pages: list[PageJob] = field(default_factory=list)  # new items whose full text is wanted
    updated: int = 0
    duplicates: int = 0
    # (item id, text, declared language) of the new and edited items whose language is left
    # to the language model
    texts: list[tuple[int, str, str | None]] = field(default_factory=list)


def known_items(
    session: Session, feed_id: int, identities: Iterable[str], urls: Iterable[str]
) -> list[KnownItem]:
    """The feed's stored items (tombstones included) matching any identity or canonical URL."""
    ids, links = list(identities), list(urls)
    rows: dict[int, KnownItem] = {}
    columns = (ItemRow.id, ItemRow.identity, ItemRow.url, ItemRow.content_hash, ItemRow.state)
    # One query per chunk of both key lists (a feed document rarely has more than a chunk).
    for start in range(0, max(len(ids), len(links)), _CHUNK):
        id_chunk, link_chunk = ids[start : start + _CHUNK], links[start : start + _CHUNK]
        query = select(*columns).where(
            ItemRow.feed_id == feed_id,
            or_(ItemRow.identity.in_(id_chunk), ItemRow.url.in_(link_chunk)),
        )
        for item_id, identity, url, digest, state in session.execute(query):
            rows[item_id] = KnownItem(item_id, identity, url, digest, ItemState(state))
    return list(rows.values())


def _insert(session: Session) -> Any:
    # Imported here: the PostgreSQL dialect package pulls in every PostgreSQL driver's module
    # (~25 ms of start-up) that a SQLite user never needs.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


def store_items(
    session: Session,
    feed_id: int,
    reconciled: Sequence[Reconciled],
    languages: Sequence[str | None],
    now: datetime,
    *,
    pending: Sequence[bool],
    unsettled: Sequence[bool],
) -> StoredItems:
    """Insert new entries, update edited ones in place; tombstones and duplicates are skipped.

    `languages`, `pending` (full text wanted) and `unsettled` (language left to the model:
    the item's text goes to `texts`) are aligned with `reconciled`.
    """
    result = StoredItems()
    rows: list[dict[str, Any]] = []
    samples: dict[str, tuple[str, str | None]] = {}
    for rec, language, wants_page, ask_model in zip(
        reconciled, languages, pending, unsettled, strict=True
    ):
        entry = rec.entry
        if rec.action is Action.DUPLICATE:
            result.duplicates += 1
        elif rec.action is Action.UPDATE and rec.item_id is not None:
            values: dict[str, Any] = {
                "identity": rec.identity,
                "guid": entry.guid,
                "url": rec.url,
                "link": entry.url,
                "title": entry.title,
                "summary": entry.summary,
                "author": entry.author,
                "updated_at": entry.updated_at or now,
                "content_hash": rec.content_hash,
            }
            row = session.get(ItemRow, rec.item_id)
            if row is None:
                continue
            if row.content_source != "extracted":
                values["content"] = entry.content
            if language and row.content_source != "extracted":
                values["language"] = language
            for key, value in values.items():
                setattr(row, key, value)
            result.updated += 1
            if ask_model and row.content_source != "extracted":
                result.texts.append((row.id, _sample(entry), entry.language))
        elif rec.action is Action.NEW:
            if ask_model:
                samples[rec.identity] = (_sample(entry), entry.language)
            rows.append(
                {
                    "feed_id": feed_id,
                    "identity": rec.identity,
                    "guid": entry.guid,
                    "url": rec.url,
                    "link": entry.url,
                    "title": entry.title,
                    "summary": entry.summary,
                    "content": entry.content,
                    "content_source": "feed",
                    "author": entry.author,
                    "language": language,
                    "published_at": entry.published_at,
                    "updated_at": entry.updated_at,
                    "fetched_at": now,
                    "content_hash": rec.content_hash,
                    "state": ItemState.ACTIVE.value,
                    "full_text_status": "pending" if wants_page and entry.url else "none",
                }
            )
    if rows:
        # One multi-row INSERT; DO NOTHING makes a concurrent or repeated fetch harmless.
        # The Core table, not the ORM class: the ORM's bulk path costs more than the SQL itself.
        statement: Insert = _insert(session)(ItemRow.__table__).on_conflict_do_nothing(
            index_elements=["feed_id", "identity"]
        )
        by_identity = {r["identity"]: r for r in rows}
        table = cast(Table, ItemRow.__table__)
        inserted = session.execute(statement.returning(table.c.id, table.c.identity), rows)
        for item_id, identity in inserted:
            values = by_identity[identity]
            result.new.append(item_id)
            if values["full_text_status"] == "pending":  # the page job from what was written
                result.pages.append(
                    PageJob(
                        item_id=item_id,
                        feed_id=feed_id,
                        url=values["link"],
                        text=values["content"] or values["summary"],
                        author=values["author"],
                        published_at=values["published_at"],
                    )
                )
            if identity in samples:
                result.texts.append((item_id, *samples[identity]))
    session.flush()
    return result


def _sample(entry: ParsedEntry) -> str:
    return language_sample(entry.title, entry.text)


def save_languages(session: Session, languages: dict[int, str | None]) -> None:
    """Detected languages, in one executemany."""
    table = cast(Table, ItemRow.__table__)
    values = [{"b_id": i, "b_language": lang} for i, lang in languages.items() if lang]
    if values:
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(language=bindparam("b_language"))
        )
        session.connection().execute(statement, values)


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """What a feed keeps of the last document parsed and stored."""

    title: str | None
    site_url: str | None
    ttl_minutes: int | None  # RSS <ttl>: still honoured after a 304, which has no document
    digest: str | None  # FetchResult.digest: the same bytes again are not parsed again


def save_feed_state(
    session: Session,
    feed_id: int,
    state: FeedState,
    now: datetime,
    *,
    document: StoredDocument | None = None,
) -> str | None:
    """Write the feed's new state. A changed URL (permanent redirect) is recorded in
    `feed_urls`; returns the new URL if it was rewritten. A URL already used by another feed
    is not taken (the two would collide); the old one stays. `document`: what the feed keeps
    of the document just parsed, when there is one."""
    # Core statements, not the ORM row: this runs for every feed of every fetch, and loading
    # the row then flushing it was most of the cost of storing a not-modified feed.
    table = cast(Table, FeedRow.__table__)
    current = session.execute(select(table.c.url).where(table.c.id == feed_id)).scalar()
    if current is None:
        return None
    moved = None
    values: dict[str, Any] = {}
    if state.url != current:
        clash = session.scalar(select(table.c.id).where(table.c.url == state.url))
        if clash is None:
            session.execute(
                insert(cast(Table, FeedUrlRow.__table__)).values(
                    feed_id=feed_id, url=current, reason="permanent redirect", replaced_at=now
                )
            )
            values["url"] = moved = state.url
    values |= {
        "status": state.status.value,
        "etag": state.etag,
        "last_modified": state.last_modified,
        "last_fetched_at": state.last_fetched_at,
        "next_fetch_at": state.next_fetch_at,
        "error_count": state.error_count,
        "first_error_at": state.first_error_at,
        "last_error": state.last_error,
        "disabled_reason": state.disabled_reason,
        "updated_at": now,
    }
    if document is not None:
        # A title or home page missing from this copy keeps the one known; the ttl follows
        # the document (a feed may drop it).
        if document.title:
            values["title"] = document.title
        if document.site_url:
            values["site_url"] = document.site_url
        values["body_digest"] = document.digest
        values["ttl_minutes"] = document.ttl_minutes
    session.execute(update(table).where(table.c.id == feed_id).values(**values))
    return moved


LEFTOVER_PAGES = 500  # full-text pages resumed per run after an interrupted one


def page_jobs(session: Session, *, limit: int = LEFTOVER_PAGES) -> list[PageJob]:
    """The first `limit` items still waiting for their full text: a fetch interrupted after
    storing items resumes their pages on the next run."""
    query = select(ItemRow).where(
        ItemRow.full_text_status == "pending",
        ItemRow.state == ItemState.ACTIVE.value,
        ItemRow.link.is_not(None),
    )
    return [
        PageJob(
            item_id=row.id,
            feed_id=row.feed_id,
            url=row.link or "",
            text=row.content or row.summary,
            author=row.author,
            published_at=row.published_at,
        )
        for row in session.scalars(query.order_by(ItemRow.id).limit(limit))
    ]


def save_full_text(
    session: Session,
    item_id: int,
    *,
    status: str,
    content: str | None = None,
    author: str | None = None,
    published_at: datetime | None = None,
    language: str | None = None,
    error: str | None = None,
) -> None:
    """Record the outcome of a full-text fetch; the text replaces the feed's only if given."""
    row = session.get(ItemRow, item_id)
    if row is None:
        return
    row.full_text_status = status
    row.full_text_error = error
    if content:
        row.content = content
        row.content_source = "extracted"
    if author and not row.author:
        row.author = author
    if published_at and not row.published_at:
        row.published_at = published_at
    if language:
        row.language = language
    session.flush()


_CLUSTER_COLUMNS = (
    ItemRow.id,
    ItemRow.feed_id,
    ItemRow.title,
    ItemRow.content,
    ItemRow.summary,
    ItemRow.published_at,
    ItemRow.fetched_at,
    ItemRow.cluster_id,
)


def _cluster_docs(session: Session, query: Any) -> list[ClusterDoc]:
    return [
        ClusterDoc(i, f, cluster_text(t, c, s), p or fetched, cl)
        for i, f, t, c, s, p, fetched, cl in session.execute(query)
    ]


def cluster_text(title: str, content: str, summary: str) -> str:
    """The text clustering compares (and sketches): the title, then the best text."""
    return f"{title}\n{content or summary}"


@dataclass(frozen=True, slots=True)
class ClusterInput:
    """What a clustering pass compares, read by `cluster_docs`."""

    new: list[ClusterDoc]  # the new items that can be clustered
    candidates: list[ClusterDoc]  # stored items that may be near-duplicates of them
    sketches: dict[int, list[int]]  # new item id -> its sketch, for `save_sketches`


def cluster_docs(
    session: Session, new_ids: Iterable[int], *, window: timedelta, floor: datetime
) -> ClusterInput:
    """The new items, and the stored ones within `window` of them (but not before `floor`)
    that may be near-duplicates of them, with the new items' sketches (stored by
    `save_sketches`, in the transaction that writes the clusters: this one only reads).

    Candidates come from the `item_sketches` index: stored items that share at least two
    sampled shingles with a new item (the rule `assign_clusters` applies to its own index),
    leaving out shingles found in more than `COMMON_SHINGLE` items (boilerplate). So a fetch
    reads the rows of its new items and of their candidates only, whatever the number of
    items stored (issue 19); `assign_clusters` then checks each candidate pair exactly.
    """
    ids = list(new_ids)
    new: list[ClusterDoc] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        new += _cluster_docs(session, select(*_CLUSTER_COLUMNS).where(ItemRow.id.in_(chunk)))
    # Items dated before `floor` (old archives, year-1 dates from broken feeds) are not news.
    new = [d for d in new if d.text.strip() and d.when >= floor]
    if not new:
        return ClusterInput([], [], {})
    sketches = {d.id: dedupe.sketch(d.text) for d in new}
    since = max(min(d.when for d in new) - window, floor)
    until = max(d.when for d in new) + window
    fresh = set(sketches)

    owners: dict[int, list[int]] = {}  # hash -> stored items within the window having it
    wanted = sorted({h for hashes in sketches.values() for h in hashes})
    for digest, item_id in _sketch_owners(session, wanted, since, until):
        if item_id not in fresh:
            owners.setdefault(digest, []).append(item_id)
    in_new = Counter(h for hashes in sketches.values() for h in hashes)
    candidates: set[int] = set()
    for doc in new:
        shared: Counter[int] = Counter()
        for digest in sketches[doc.id]:
            found = owners.get(digest, ())
            if found and len(found) + in_new[digest] <= dedupe.COMMON_SHINGLE:
                shared.update(found)
        needed = min(2, len(sketches[doc.id]))
        candidates.update(item for item, count in shared.items() if count >= needed)

    recent: list[ClusterDoc] = []
    chosen = sorted(candidates)
    for start in range(0, len(chosen), _CHUNK):
        recent += _cluster_docs(
            session,
            select(*_CLUSTER_COLUMNS).where(
                ItemRow.id.in_(chosen[start : start + _CHUNK]),
                ItemRow.state == ItemState.ACTIVE.value,
            ),
        )
    return ClusterInput(new, recent, sketches)


def _sketch_owners(
    session: Session, hashes: Sequence[int], since: datetime, until: datetime
) -> Iterable[tuple[int, int]]:
    """(hash, item id) of the stored sketches having any of `hashes`, dated in [since, until]."""
    table = cast(Table, ItemSketchRow.__table__)
    dated = (table.c.dated_at >= since, table.c.dated_at <= until)
    if session.get_bind().dialect.name == "postgresql":
        # One array parameter instead of ~300 (issue 17): the statement text no longer varies
        # with the number of hashes, so psycopg prepares it after a few fetches and the server
        # stops planning it each time (0.5 ms of planning per fetch at 50,000 items).
        from sqlalchemy.dialects.postgresql import ARRAY

        wanted = bindparam("hashes", list(hashes), type_=ARRAY(BigInteger))
        query = select(table.c.hash, table.c.item_id).where(table.c.hash == any_(wanted), *dated)
        return ((h, i) for h, i in session.execute(query))
    return (
        (h, i)
        for start in range(0, len(hashes), _CHUNK)
        for h, i in session.execute(
            select(table.c.hash, table.c.item_id).where(
                table.c.hash.in_(hashes[start : start + _CHUNK]), *dated
            )
        )
    )


def save_sketches(
    session: Session, new: Sequence[ClusterDoc], sketches: dict[int, list[int]]
) -> None:
    """Store the sketches of the new items `cluster_docs` read. A clustering pass repeated
    after a crash stores nothing twice (DO NOTHING on the primary key)."""
    rows = [(d.id, h, d.when) for d in new for h in sketches[d.id]]
    if not rows:
        return
    table = cast(Table, ItemSketchRow.__table__)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # One INSERT .. SELECT over three array parameters (issue 17): without RETURNING,
        # SQLAlchemy hands an executemany to psycopg, which runs one INSERT per row.
        from sqlalchemy.dialects import postgresql

        item_ids, hashes, dates = (list(column) for column in zip(*rows, strict=True))
        unnested = (
            func.unnest(
                bindparam("item_ids", item_ids, type_=postgresql.ARRAY(Integer)),
                bindparam("hashes", hashes, type_=postgresql.ARRAY(BigInteger)),
                bindparam("dates", dates, type_=postgresql.ARRAY(UTCDateTime())),
            )
            .table_valued("item_id", "hash", "dated_at")
            .render_derived()
        )
        connection.execute(
            postgresql.insert(table)
            .from_select(["item_id", "hash", "dated_at"], select(unnested))
            .on_conflict_do_nothing(index_elements=["item_id", "hash"])
        )
        return
    from sqlalchemy.dialects import sqlite

    statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=["item_id", "hash"])
    for start in range(0, len(rows), 5000):
        connection.execute(
            statement,
            [{"item_id": i, "hash": h, "dated_at": d} for i, h, d in rows[start : start + 5000]],
        )


def prune_sketches(session: Session, before: datetime) -> None:
    """Forget the sketches of items dated before `before`: no new item can reach them."""
    table = cast(Table, ItemSketchRow.__table__)
    session.execute(delete(table).where(table.c.dated_at < before))


def backfill_sketches(connection: Connection, since: datetime) -> int:
    """Sketch the active items dated from `since` on that have no sketch yet (the migration
    that creates the index runs it for the items already stored); returns how many items
    were sketched."""
    items = cast(Table, ItemRow.__table__)
    table = cast(Table, ItemSketchRow.__table__)
    query = select(
        items.c.id, items.c.title, items.c.content, items.c.summary, items.c.published_at,
        items.c.fetched_at,
    ).where(
        items.c.state == ItemState.ACTIVE.value,
        or_(items.c.published_at >= since, items.c.fetched_at >= since),
        ~exists().where(table.c.item_id == items.c.id),  # sketched already
    )  # fmt: skip
    sketched, last = 0, 0
    while True:
        batch = connection.execute(
            query.where(items.c.id > last).order_by(items.c.id).limit(1000)
        ).all()
        if not batch:
            return sketched
        last = batch[-1][0]
        rows = []
        for item_id, title, content, summary, published, fetched in batch:
            when = published or fetched
            if when < since:
                continue
            hashes = dedupe.sketch(cluster_text(title, content, summary))
            rows += [{"item_id": item_id, "hash": h, "dated_at": when} for h in hashes]
            sketched += bool(hashes)
        if rows:
            connection.execute(insert(table), rows)


def apply_clustering(session: Session, clustering: Clustering) -> int:
    """Write cluster assignments (one executemany); returns how many items joined a cluster."""
    table = cast(Table, ItemRow.__table__)
    joined = [
        {"b_id": item_id, "b_cluster": cluster_id}
        for item_id, cluster_id in clustering.assignments.items()
        if cluster_id is not None
    ]
    if joined:
        statement = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(cluster_id=bindparam("b_cluster"))
        )
        session.connection().execute(statement, joined)
    for old, new in clustering.merged.items():
        session.execute(update(ItemRow).where(ItemRow.cluster_id == old).values(cluster_id=new))
    session.flush()
    return len(joined)
