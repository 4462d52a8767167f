"""A small review queue in a real migrated SQLite file: one profile, a few scored items."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from curator.app import Curator
from curator.config import load_settings
from curator.store import Database
from curator.store.models import FeedRow, ItemRow, ScoreRow

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # a Friday

CONFIG = """\
profiles:
  - name: claire
    objective: |
      Recruteuse tech indépendante, je partage des analyses sur le recrutement
      de profils data et développeurs.
    language: fr
    timezone: Europe/Paris
    schedule:
      min_comment_chars: 20
      slots:
        - {day: mon, time: "08:30"}
        - {day: wed, time: "08:30"}
        - {day: fri, time: "12:00"}
feeds:
  - url: http://127.0.0.1:9/emploi.xml
    name: Emploi Tech
  - url: http://127.0.0.1:9/data.xml
    name: Data Weekly
"""

SECOND_PROFILE = """\
  - name: marc
    objective: Cloud architecture and platform engineering.
    language: en
"""

ITEMS = [
    # title, feed index, score, why terms
    ("Le recrutement des data engineers en 2026", 0, 0.91, [("recrutement", 0.4), ("data", 0.3)]),
    ("Salaires des développeurs : la grande enquête", 0, 0.82, [("développeurs", 0.5)]),
    ("Remote work and hiring managers", 1, 0.64, [("hiring", 0.3)]),
    ("Entretiens techniques : les écueils", 1, 0.55, [("entretiens", 0.2)]),
    ("Kubernetes operators in depth", 1, 0.31, [("kubernetes", 0.1)]),
]


@dataclass
class ReviewWorld:
    config: Path
    db_url: str
    ids: list[int]  # the items above, in order
    duplicate_id: int  # a near-duplicate folded into ids[0]

    def open(self, now: datetime = NOW) -> Curator:
        return Curator(load_settings(self.config), Database.open(self.db_url), clock=lambda: now)


def make_world(
    folder: Path, *, config: str = CONFIG, db_url: str | None = None, now: datetime = NOW
) -> ReviewWorld:
    """The queue above, its items published before `now` (a service started on it runs on the
    real clock: its items must be recent then)."""
    path = folder / "feeds.yaml"
    path.write_text(config, encoding="utf-8")
    db_url = db_url or f"sqlite:///{folder / 'curator.db'}"
    curator = Curator(load_settings(path), Database.open(db_url), clock=lambda: now)
    ids: list[int] = []
    with curator.db.session() as session:
        feeds = [session.get(FeedRow, f.id) for f in curator.feeds()]
        for rank, (title, feed, score, why) in enumerate(ITEMS, start=1):
            row = _item(feeds[feed].id, title, now - timedelta(hours=rank * 5))  # type: ignore[union-attr]
            session.add(row)
            session.flush()
            ids.append(row.id)
            session.add(_score(row.id, score, why, rank, now))
        dup = _item(feeds[1].id, ITEMS[0][0] + " (repris)", now - timedelta(hours=2))  # type: ignore[union-attr]
        dup.cluster_id = ids[0]
        session.add(dup)
        session.flush()
        session.add(_score(dup.id, 0.9, [], None, now))
        duplicate_id = dup.id
    curator.close()
    return ReviewWorld(path, db_url, ids, duplicate_id)


def _item(feed_id: int, title: str, published: datetime) -> ItemRow:
    body = (
        f"{title}. Une analyse détaillée du marché du recrutement tech, avec des chiffres récents "
        "sur les profils data et développeurs. Les entreprises recrutent moins mais mieux."
    )
    digest = hashlib.sha256(body.encode()).hexdigest()
    return ItemRow(
        feed_id=feed_id,
        identity=f"hash:{digest}",
        url=f"https://example.org/{digest[:8]}",
        link=f"https://example.org/{digest[:8]}",
        title=title,
        summary=body[:120],
        content=body,
        language="fr",
        published_at=published,
        fetched_at=published + timedelta(minutes=5),
        content_hash=digest,
    )


def _score(
    item_id: int,
    final: float,
    why: list[tuple[str, float]],
    rank: int | None,
    computed_at: datetime = NOW,
) -> ScoreRow:
    return ScoreRow(
        profile="claire",
        item_id=item_id,
        final=final,
        relevance=final,
        why=[list(t) for t in why],
        rank=rank,
        computed_at=computed_at,
    )


def add_scored_item(
    curator: Curator,
    *,
    title: str,
    body: str,
    url: str,
    final: float,
    rank: int | None,
    why: list[list[object]] | None = None,
) -> int:
    """Store one item of claire's first feed as a feed would hand it over (title and body
    untouched, whatever they carry) with claire's score, published and fetched an hour before
    NOW: the web tests' hostile content."""
    digest = hashlib.sha256(body.encode()).hexdigest()
    with curator.db.session() as session:
        feed = session.get(FeedRow, curator.feeds()[0].id)
        assert feed is not None
        row = ItemRow(
            feed_id=feed.id,
            identity=f"hash:{digest}",
            url=url,
            link=url,
            title=title,
            summary=body,
            content=body,
            language="fr",
            published_at=NOW - timedelta(hours=1),
            fetched_at=NOW - timedelta(hours=1),
            content_hash=digest,
        )
        session.add(row)
        session.flush()
        session.add(
            ScoreRow(
                profile="claire", item_id=row.id, final=final, relevance=final,
                why=why or [], rank=rank, computed_at=NOW,
            )
        )  # fmt: skip
        return int(row.id)
