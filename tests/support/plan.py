"""A small planned world on a real migrated SQLite file: config, feeds, items, scores, approvals."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from curator.app import Curator
from curator.config import load_settings
from curator.store import Database, repo
from curator.store.models import ItemRow, ScoreRow
from curator.types import DecisionKind

# Monday 30 November 2026, 06:00 UTC (07:00 in Paris)
NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)

CONFIG = """\
profiles:
  - name: claire
    objective: |
      Recruteuse tech indépendante, je partage des analyses sur le recrutement de profils
      data et développeurs, et sur la marque employeur des PME.
    language: fr
    timezone: Europe/Paris
    schedule:
      slots:
        - {day: mon, time: "08:30", kind: relay}
        - {day: wed, time: "12:15", kind: relay}
        - {day: thu, time: "08:30", kind: original}
        - {day: fri, time: "17:00", kind: relay}
      horizon_days: 14
      min_score: 0.15
      min_comment_chars: 30
feeds:
  - url: http://127.0.0.1:9/a.xml
    name: Alpha
  - url: http://127.0.0.1:9/b.xml
    name: Beta
"""

ITEMS = [
    # (feed index, title, score, why)
    (0, "Recruter des data engineers en 2026", 0.82, ["recrutement", "data"]),
    (0, "Les développeurs et le télétravail", 0.74, ["développeurs", "télétravail"]),
    (1, "Marque employeur : ce qui marche en PME", 0.66, ["marque employeur", "PME"]),
    (1, "Onboarding des profils tech", 0.52, ["onboarding", "tech"]),
    (0, "Un article hors sujet", 0.05, ["cuisine"]),
]
COMMENT = "Exactement ce que je vois chez mes clients PME : la marque employeur compte."


@dataclass
class World:
    config: Path
    db_url: str
    item_ids: list[int]
    clock: list[datetime]

    def app(self) -> Curator:
        return Curator(
            load_settings(self.config), Database.open(self.db_url), clock=lambda: self.clock[0]
        )


def make_world(tmp_path: Path, db_url: str) -> World:
    """Write the config, and store feeds, scored items and the profile's approvals."""
    config = tmp_path / "feeds.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    clock = [NOW]
    w = World(config, db_url, [], clock)
    app = w.app()
    try:
        with app.db.session() as session:
            feeds = repo.list_feeds(session)
            for n, (feed, title, score, why) in enumerate(ITEMS):
                row = ItemRow(
                    feed_id=feeds[feed].id,
                    identity=f"guid:{n}",
                    guid=str(n),
                    url=f"https://example.org/{n}",
                    title=title,
                    summary=f"{title}. Une phrase assez longue pour servir de résumé à l'article.",
                    content="",
                    content_hash=f"h{n}",
                    language="fr",
                    published_at=NOW - timedelta(hours=10 + n),
                    fetched_at=NOW - timedelta(hours=9),
                )
                session.add(row)
                session.flush()
                w.item_ids.append(row.id)
                session.add(
                    ScoreRow(
                        profile="claire",
                        item_id=row.id,
                        final=score,
                        relevance=score,
                        why=[[t, 1.0] for t in why],
                        computed_at=NOW,
                    )
                )
        ids = w.item_ids
        app.decide("claire", ids[0], DecisionKind.APPROVE)
        app.decide("claire", ids[1], DecisionKind.APPROVE)
        app.decide("claire", ids[2], DecisionKind.APPROVE, comment=COMMENT)
        app.decide("claire", ids[4], DecisionKind.APPROVE)  # below the quality floor
    finally:
        app.close()
    return w


@pytest.fixture
def world(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    w = make_world(tmp_path, db_url)
    clock = w.clock
    # the CLI opens its own facade: give it the same clock
    original = Curator.open.__func__  # type: ignore[attr-defined]

    def open_with_clock(cls: type[Curator], config_path: Path, db: str | None = None, **_: object):
        return original(cls, config_path, db, clock=lambda: clock[0])

    monkeypatch.setattr(Curator, "open", classmethod(open_with_clock))
    yield w
