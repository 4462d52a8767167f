"""How quick the review queue feels: figures side by side, in one run.

    python bench/review_bench.py [--items 400]

* opening the queue: the pending query alone vs the facade's `review_queue`, and what one
  comment starter costs (why the screen fetches them on demand);
* one keystroke through `review.step` (the pure logic) in microseconds;
* one decision: `Curator.decide` alone vs `Curator.approve` (rules + re-plan, what a key costs).
Nothing here is asserted: the test suite never times anything.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from curator import review
from curator.app import Curator
from curator.config import load_settings
from curator.store import Database
from curator.store import queue as queue_store
from curator.store.models import ItemRow, ScoreRow
from curator.types import DecisionKind

CONFIG = """\
profiles:
  - name: bench
    objective: Recrutement de profils data et développeurs, marché de l'emploi tech.
    language: fr
    timezone: Europe/Paris
    schedule:
      slots:
        - {day: mon, time: "08:30"}
        - {day: tue, time: "08:30"}
        - {day: wed, time: "08:30"}
        - {day: thu, time: "08:30"}
        - {day: fri, time: "12:00"}
feeds:
  - url: http://127.0.0.1:9/a.xml
  - url: http://127.0.0.1:9/b.xml
  - url: http://127.0.0.1:9/c.xml
"""
WORDS = [
    "recrutement",
    "data",
    "développeurs",
    "salaires",
    "entretien",
    "marché",
    "télétravail",
    "cloud",
]


def build(folder: Path, n: int, now: datetime) -> Curator:
    path = folder / "feeds.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    app = Curator(
        load_settings(path), Database.open(f"sqlite:///{folder / 'b.db'}"), clock=lambda: now
    )
    feeds = [f.id for f in app.feeds()]
    with app.db.session() as session:
        for i in range(n):
            words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(40))
            body = f"Article {i}. " + ". ".join(words[j : j + 80] for j in range(0, 400, 80))
            digest = hashlib.sha256(body.encode()).hexdigest()
            row = ItemRow(
                feed_id=feeds[i % len(feeds)],
                identity=f"hash:{digest}",
                url=f"https://example.org/{i}",
                title=f"Article {i} sur le {WORDS[i % len(WORDS)]}",
                summary=body[:200],
                content=body,
                language="fr",
                published_at=now - timedelta(hours=i % 96),
                fetched_at=now - timedelta(hours=i % 96),
                content_hash=digest,
            )
            session.add(row)
            session.flush()
            why = [[WORDS[i % len(WORDS)], 0.3], [WORDS[(i + 1) % len(WORDS)], 0.2]]
            session.add(
                ScoreRow(
                    profile="bench",
                    item_id=row.id,
                    final=1.0 - i / n,
                    relevance=0.5,
                    why=why,
                    rank=i + 1,
                    computed_at=now,
                )
            )
    return app


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=400)
    args = parser.parse_args()
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        app = build(Path(folder), args.items, now)

        def query() -> object:
            with app.db.session() as session:
                return queue_store.pending(session, "bench", now)

        base = timed(query, 5)
        full = timed(lambda: app.review_queue("bench"), 5)
        print(f"open the queue ({args.items} items):")
        print(f"  pending query      {base * 1000:8.1f} ms")
        print(f"  review_queue       {full * 1000:8.1f} ms   x{full / base:.1f} (no starters)")
        first = app.review_queue("bench")[0].id
        one = timed(lambda: app.comment_starter("bench", first), 5)
        print(
            f"  one comment starter{one * 1000:8.1f} ms   (fetched on demand: all {args.items} "
            f"up front would take ~{one * args.items:.1f} s)"
        )

        state = review.start(app.review_queue("bench"), now, "Europe/Paris")
        keys = ["j", "j", "k", "enter", "j", "escape", "/", "d", "a", "escape", "escape"] * 500
        started = time.perf_counter()
        for key in keys:
            state, _ = review.step(state, key)
        per_key = (time.perf_counter() - started) / len(keys)
        print(f"one keystroke in review.step: {per_key * 1e6:.1f} µs")

        ids = iter(e.id for e in app.review_queue("bench"))
        decide = timed(lambda: app.decide("bench", next(ids), DecisionKind.REJECT), 15)
        approve = timed(lambda: app.approve("bench", next(ids), "Un commentaire assez long."), 15)
        print("one decision:")
        print(f"  decide (store only)      {decide * 1000:8.1f} ms")
        print(f"  approve (rules + replan) {approve * 1000:8.1f} ms   x{approve / decide:.1f}")
        app.close()


if __name__ == "__main__":
    main()
