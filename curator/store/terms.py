"""Stored item analyses (`score.pack_counts`, issue 19): read and written in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from curator.store.models import ItemRow, ItemTermsRow

_CHUNK = 5000


def get_counts(
    session: Session, item_ids: Iterable[int], analyser: int
) -> dict[int, tuple[bytes, bytes]]:
    """The packed (terms, counts) of these items made by `analyser`."""
    ids = sorted(set(item_ids))
    out: dict[int, tuple[bytes, bytes]] = {}
    columns = (ItemTermsRow.item_id, ItemTermsRow.terms, ItemTermsRow.counts)
    if len(ids) > _CHUNK:
        # A full pass wants most of the table: one range scan read 100,000 rows in 60% of the
        # time that lists of ids took, the few rows outside the window read and left. On the
        # connection, as the driver's bytes: the session's and the copies' work per row took
        # a third of the read (issue 19).
        wanted = set(ids)
        query = select(*columns).where(
            ItemTermsRow.item_id.between(ids[0], ids[-1]), ItemTermsRow.analyser == analyser
        )
        rows = session.connection().execute(query)
        out.update((i, (t, c)) for i, t, c in rows if i in wanted)
        return out
    for start in range(0, len(ids), _CHUNK):
        query = select(*columns).where(
            ItemTermsRow.item_id.in_(ids[start : start + _CHUNK]),
            ItemTermsRow.analyser == analyser,
        )
        out.update((i, (bytes(t), bytes(c))) for i, t, c in session.execute(query))
    return out


def put_counts(session: Session, packed: Mapping[int, tuple[bytes, bytes]], analyser: int) -> None:
    """Store packed counts, replacing those another analyser made. Items deleted since they
    were read are skipped; a row another pass stored meanwhile is replaced by the same bytes
    (an item's analysis depends on its text and the analyser alone)."""
    ids = sorted(packed)
    table = cast(Table, ItemTermsRow.__table__)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        alive = set(session.scalars(select(ItemRow.id).where(ItemRow.id.in_(chunk))))
        rows = [
            {"item_id": i, "analyser": analyser, "terms": packed[i][0], "counts": packed[i][1]}
            for i in chunk
            if i in alive
        ]
        if not rows:
            continue
        statement = _insert(session)(table)
        statement = statement.on_conflict_do_update(
            index_elements=["item_id"],
            set_={
                "analyser": statement.excluded.analyser,
                "terms": statement.excluded.terms,
                "counts": statement.excluded.counts,
            },
        )
        session.execute(statement, rows)
    session.flush()


def _insert(session: Session) -> Any:
    # Imported here, as in store.ingest: the PostgreSQL dialect pulls in its drivers' modules.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert
