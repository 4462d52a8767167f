"""Stored item embeddings (the semantic extra, issue 18): read and written in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from curator.store.models import ItemEmbeddingRow


def get_vectors(session: Session, item_ids: Iterable[int], model: str) -> dict[int, bytes]:
    """The stored vectors of these items made by `model`."""
    ids = sorted(set(item_ids))
    out: dict[int, bytes] = {}
    for start in range(0, len(ids), 5000):
        query = select(ItemEmbeddingRow.item_id, ItemEmbeddingRow.vector).where(
            ItemEmbeddingRow.item_id.in_(ids[start : start + 5000]),
            ItemEmbeddingRow.model == model,
        )
        out.update((item_id, bytes(vector)) for item_id, vector in session.execute(query))
    return out


def put_vectors(session: Session, vectors: Mapping[int, bytes], model: str) -> None:
    """Store vectors, replacing any an item had (from another model)."""
    ids = sorted(vectors)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        session.execute(delete(ItemEmbeddingRow).where(ItemEmbeddingRow.item_id.in_(chunk)))
        session.execute(
            insert(ItemEmbeddingRow),
            [{"item_id": i, "model": model, "vector": vectors[i]} for i in chunk],
        )
    session.flush()
