"""Store items directly (ingestion is tested elsewhere) for scoring and queue tests."""

from __future__ import annotations

from datetime import datetime

from curator.store import Database
from curator.store.models import ItemRow


def add_item(
    db: Database,
    feed_id: int,
    title: str,
    body: str,
    *,
    fetched_at: datetime,
    language: str | None = None,
    url: str | None = None,
    cluster_id: int | None = None,
) -> int:
    with db.session() as session:
        row = ItemRow(
            feed_id=feed_id,
            identity=f"hash:{title}",
            guid=None,
            url=url or f"https://example.org/{abs(hash(title))}",
            link=None,
            title=title,
            summary=body,
            content="",
            content_source="feed",
            author=None,
            language=language,
            published_at=fetched_at,
            updated_at=None,
            fetched_at=fetched_at,
            content_hash=str(abs(hash(title + body))),
            cluster_id=cluster_id,
            state="active",
            full_text_status="none",
        )
        session.add(row)
        session.flush()
        return row.id
