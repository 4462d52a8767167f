"""The semantic extra (issue 18): stored item embeddings, and scoring with them when the
extra is installed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from curator import semantic
from curator.app import Curator
from curator.store import Database, embeddings
from curator.store.models import FeedRow, ItemEmbeddingRow
from tests.support.queue import add_item
from tests.support.score import FILLER_EN

CONFIG = """\
profiles:
  - name: agence
    objective: |
      Je suis agent de voyages : je cherche des idées de destinations, d'hôtels et de vols
      pour mes clients.
    language: fr
feeds:
  - url: http://127.0.0.1:9/en.xml
    name: Travel EN
"""


@pytest.mark.parametrize("which", ["sqlite", "postgresql"])
def test_stored_vectors_round_trip(which: str, db_url: str, request: pytest.FixtureRequest) -> None:
    url = db_url if which == "sqlite" else request.getfixturevalue("pg_url")
    db = Database.open(url)
    try:
        now = datetime(2026, 3, 10, tzinfo=UTC)
        with db.session() as session:
            session.add(
                FeedRow(
                    id=1, url="http://127.0.0.1:9/f.xml", name="f", created_at=now, updated_at=now
                )
            )
        ids = [add_item(db, 1, f"Item {k}", "", fetched_at=now) for k in range(3)]
        vectors = np.random.default_rng(1).normal(size=(3, semantic.DIM)).astype(np.float32)
        with db.session() as session:
            embeddings.put_vectors(
                session, {i: semantic.to_bytes(v) for i, v in zip(ids, vectors, strict=True)}, "m1"
            )
        with db.session() as session:
            got = embeddings.get_vectors(session, ids, "m1")
            assert embeddings.get_vectors(session, ids, "another model") == {}
        for i, v in zip(ids, vectors, strict=True):
            back = semantic.from_bytes(got[i])
            assert back is not None and np.allclose(back, v, atol=1e-2)
        assert semantic.from_bytes(b"short") is None
    finally:
        db.close()


@pytest.mark.skipif(not semantic.available(), reason="the semantic extra is not installed")
def test_a_french_objective_finds_english_items_with_the_extra(
    write_config: Callable[[str], Path], db_url: str
) -> None:
    path = write_config(CONFIG)
    now = datetime.now(UTC)
    app = Curator.open(path, db_url)
    feed = app.feeds()[0].id
    for k, title in enumerate(FILLER_EN):
        add_item(app.db, feed, title, "", fetched_at=now - timedelta(hours=k), language="en")
    wanted = add_item(
        app.db,
        feed,
        "Ten quiet beaches for a long weekend away",
        "Where to stay, how to get there and when to go.",
        fetched_at=now - timedelta(hours=30),
        language="en",
    )
    report = app.score()
    assert not any("curator[semantic]" in w for p in report.profiles for w in p.warnings)
    top = app.queue("agence", limit=3)
    assert wanted in [e.item.id for e in top]
    with app.db.session() as session:
        stored = session.scalar(select(func.count()).select_from(ItemEmbeddingRow))
        first = embeddings.get_vectors(session, [wanted], semantic.MODEL)[wanted]
    assert stored == len(FILLER_EN) + 1  # every item embedded, once
    app.score()
    with app.db.session() as session:
        assert session.scalar(select(func.count()).select_from(ItemEmbeddingRow)) == stored
        assert embeddings.get_vectors(session, [wanted], semantic.MODEL)[wanted] == first
    app.close()
