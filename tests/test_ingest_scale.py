"""What keeps the second fetch cheap on a large database (issue 19): the near-duplicate
candidates of new items come from the `item_sketches` index, so a fetch reads the rows of
what changed, not of everything stored. Behaviour is checked here; the time is in
bench/fetch_scale.py."""

from __future__ import annotations

import random
import sqlite3
from concurrent.futures import Executor, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, insert, select

from curator.app import Curator
from curator.ingest import dedupe, service
from curator.store import Database
from curator.store import ingest as store
from curator.store.db import alembic_config
from curator.store.models import ItemRow, ItemSketchRow
from tests.support.http import FeedServer, feed_server
from tests.support.ingest import Clock, open_curator, rfc822, rss
from tests.support.rows import rows_read

__all__ = ["feed_server"]

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WORDS = [f"mot{i}" for i in range(3000)]  # distinct stories, as long as real ones

STORY = (
    "La pénurie de développeurs data pousse les entreprises lyonnaises à revoir leurs "
    "processus de recrutement : entretiens plus courts, tests techniques rémunérés, "
    "transparence sur les salaires dès l'annonce et télétravail partiel devenu la norme. "
    "Selon une étude publiée ce matin, le délai moyen d'embauche est passé de quarante-cinq "
    "à trente jours en un an, et les candidats refusent désormais les processus en cinq étapes. "
    "Les écoles d'ingénieurs multiplient les partenariats avec les entreprises de la région. "
)


def story(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(120))


def pad(app: Curator, feed_id: int, count: int, when: datetime, seed: int = 1) -> None:
    """`count` stored items of other stories, all inside the clustering window (the worst case
    for a scan), sketched as the migration's backfill does it."""
    rng = random.Random(seed)
    rows = [
        {
            "feed_id": feed_id,
            "identity": f"guid:pad-{n}",
            "title": f"Autre sujet {n}",
            "summary": "",
            "content": story(rng),
            "content_source": "feed",
            "published_at": when - timedelta(minutes=n % 600),
            "fetched_at": when,
            "content_hash": f"{n:040d}",
            "state": "active",
            "full_text_status": "none",
        }
        for n in range(count)
    ]
    with app.db.engine.begin() as conn:
        conn.execute(insert(ItemRow), rows)
        store.backfill_sketches(conn, when - timedelta(days=5))


def entry(guid: str, text: str, when: datetime) -> dict[str, str]:
    return {
        "title": f"Recrutement {guid}",
        "link": f"http://example.test/{guid}",
        "guid": guid,
        "description": text,
        "date": rfc822(when),
    }


def test_a_fetch_of_unchanged_feeds_starts_no_worker_process(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from curator.ingest import pipeline, service

    pools: list[Executor] = []

    def recorded(jobs: int) -> pipeline.Workers:
        workers = pipeline.make_workers(jobs)
        pools.append(workers.parse)
        return workers

    monkeypatch.setattr(service, "make_workers", recorded)
    urls = [
        feed_server.route(f"/f{i}.xml", body=rss([entry(f"g{i}", STORY, NOW)])) for i in range(6)
    ]
    clock = Clock(NOW)
    app = open_curator(tmp_path, [{"url": u, "full_text": "never"} for u in urls], clock=clock)
    try:
        app.fetch()  # everything is new: worker processes parse it
        clock.now = NOW + timedelta(hours=1)
        # One feed changed; the others send the very same bytes (recognised, not parsed).
        feed_server.route("/f0.xml", body=rss([entry("g0", STORY, NOW), entry("h", STORY, NOW)]))
        report = app.fetch(all=True)
        assert report.new_items == 1
        assert isinstance(pools[0], ProcessPoolExecutor)
        assert not isinstance(pools[1], ProcessPoolExecutor)
        clock.now = NOW + timedelta(days=1)  # a day later, most feeds have news: processes
        app.fetch(all=True)
        assert isinstance(pools[2], ProcessPoolExecutor)
    finally:
        app.close()


@pytest.mark.parametrize(
    ("backend", "stored"),
    [
        ("sqlite", 300),
        ("sqlite", 3000),
        pytest.param("postgresql", 3000, marks=pytest.mark.postgres),
    ],
)
def test_a_fetch_with_one_new_item_reads_a_bounded_number_of_item_rows(
    tmp_path: Path,
    feed_server: FeedServer,
    backend: str,
    stored: int,
    request: pytest.FixtureRequest,
) -> None:
    db_url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    original = entry("o1", STORY * 2, NOW - timedelta(hours=1))
    blog = feed_server.route("/blog.xml", body=rss([original]))
    agg = feed_server.route("/agg.xml", body=rss([]))
    clock = Clock(NOW)
    app = open_curator(
        tmp_path,
        [{"url": blog, "full_text": "never"}, {"url": agg, "full_text": "never"}],
        clock=clock,
        db_url=db_url,
    )
    try:
        app.fetch()
        pad(app, 1, stored, NOW)
        # One new item on the aggregator: a copy of the blog's story.
        feed_server.route("/agg.xml", body=rss([entry("x1", "Repris du blog. " + STORY * 2, NOW)]))
        clock.now = NOW + timedelta(hours=2)
        with rows_read(app.db.engine, "items") as reads:
            report = app.fetch(all=True)
        assert report.new_items == 1 and report.clustered == 2  # the copy and its original
        total = sum(rows for _, rows in reads)
        # The new item, its candidate, and the feed's own lookup: the same handful of rows
        # with 300 or 3,000 items stored (a scan of the window read every one of them).
        assert total <= 10, f"{total} item rows read: {reads}"
        with app.db.session() as s:
            clusters = dict(s.execute(select(ItemRow.guid, ItemRow.cluster_id)).all())
            ids = dict(s.execute(select(ItemRow.guid, ItemRow.id)).all())
        assert clusters["x1"] == ids["o1"]  # found through the index
    finally:
        app.close()


def test_new_items_are_sketched_and_old_sketches_pruned(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    blog = feed_server.route("/blog.xml", body=rss([entry("o1", STORY * 2, NOW)]))
    clock = Clock(NOW)
    app = open_curator(tmp_path, [{"url": blog, "full_text": "never"}], clock=clock)
    try:
        app.fetch()
        with app.db.session() as s:
            item_id = s.scalar(select(ItemRow.id).where(ItemRow.guid == "o1"))
            stored = set(
                s.scalars(select(ItemSketchRow.hash).where(ItemSketchRow.item_id == item_id))
            )
        assert stored and stored == set(dedupe.sketch(f"Recrutement o1\n{STORY * 2}"))
        # Much later, another item arrives: the first one is out of any window, so its
        # sketch goes.
        clock.now = NOW + dedupe.LOOKBACK + dedupe.DEFAULT_WINDOW + timedelta(days=1)
        later = clock.now
        feed_server.route(
            "/blog.xml",
            body=rss([entry("o1", STORY * 2, NOW), entry("o2", STORY[::-1] * 2, later)]),
        )
        app.fetch(all=True)
        with app.db.session() as s:
            owners = set(s.scalars(select(ItemSketchRow.item_id).distinct()))
        assert item_id not in owners and len(owners) == 1
    finally:
        app.close()


def test_a_deleted_item_takes_its_sketch_with_it(tmp_path: Path, feed_server: FeedServer) -> None:
    blog = feed_server.route("/blog.xml", body=rss([entry("o1", STORY * 2, NOW)]))
    app = open_curator(tmp_path, [{"url": blog, "full_text": "never"}], clock=Clock(NOW))
    try:
        app.fetch()
        with app.db.session() as s:
            s.execute(ItemRow.__table__.delete())
        with app.db.session() as s:
            assert s.scalar(select(func.count()).select_from(ItemSketchRow)) == 0
    finally:
        app.close()


def test_the_migration_sketches_the_items_already_stored(tmp_path: Path) -> None:
    # The migration runs on the real clock: items are dated relative to it.
    now = datetime.now(UTC)
    database = Database.open(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        cfg = alembic_config()
        with database.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
        with database.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO feeds (url, status, weight, full_text, error_count, created_at, "
                "updated_at) VALUES ('http://example.test/f', 'active', 1, 'never', 0, "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
            for n, (age, text) in enumerate(
                [(timedelta(days=1), STORY), (timedelta(days=90), STORY), (timedelta(0), "court")]
            ):
                when = (now - age).replace(tzinfo=None).isoformat(" ")
                conn.exec_driver_sql(
                    "INSERT INTO items (feed_id, identity, title, summary, content, "
                    "content_source, published_at, fetched_at, content_hash, state, "
                    f"full_text_status) VALUES (1, 'guid:{n}', 'Titre', '', ?, 'feed', ?, ?, "
                    f"'{n}', 'active', 'none')",
                    (text, when, when),
                )
        with database.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        with database.session() as s:
            owners = set(s.scalars(select(ItemSketchRow.item_id).distinct()))
        # the recent story only: the old one is out of reach, the short one never clusters
        assert owners == {1}
    finally:
        database.close()


def test_sketches_are_stored_and_found_alike_and_a_repeated_pass_stores_nothing_twice(
    any_db: Database,
) -> None:
    """The sketch statements (arrays on PostgreSQL, chunked lists on SQLite) store and find
    the very same hashes, and writing a pass's sketches again stores no row twice."""
    rng = random.Random(7)
    long_stories = [" ".join(rng.choice(WORDS) for _ in range(1000)) for _ in range(3)]
    texts = {"o1": long_stories[0], "o2": long_stories[1], "old": long_stories[2]}
    texts["c1"] = "Repris du blog. " + texts["o1"]
    dates = {"o1": NOW, "o2": NOW, "old": NOW - timedelta(days=10), "c1": NOW}
    ids = stored_items(any_db, texts, dates)

    def clustering_pass(guids: list[str]) -> store.ClusterInput:
        with any_db.reading() as s:
            found = store.cluster_docs(
                s,
                [ids[g] for g in guids],
                window=dedupe.DEFAULT_WINDOW,
                floor=NOW - dedupe.LOOKBACK,
            )
        with any_db.session() as s:
            store.save_sketches(s, found.new, found.sketches)
        return found

    def stored() -> list[tuple[int, int, datetime]]:
        with any_db.reading() as s:
            return sorted(
                s.execute(select(ItemSketchRow.item_id, ItemSketchRow.hash, ItemSketchRow.dated_at))
            )

    first = clustering_pass(["o1", "o2", "old"])  # ~750 hashes: more than one SQLite chunk
    assert sum(map(len, first.sketches.values())) > 400
    expected = sorted(
        (ids[g], h, dates[g])
        for g in ("o1", "o2", "old")
        for h in dedupe.sketch(f"Titre\n{texts[g]}")
    )
    assert stored() == expected
    assert any(h < 0 for _, h, _ in expected)  # signed 64-bit hashes, both signs
    # The copy finds its original through the index, not the item outside the window or
    # the unrelated one.
    second = clustering_pass(["c1"])
    assert [d.id for d in second.candidates] == [ids["o1"]]
    # A crash after the sketches were written: the pass runs again, and stores nothing twice.
    again = clustering_pass(["c1"])
    assert [d.id for d in again.candidates] == [ids["o1"]]
    rows = stored()
    assert len(rows) == len(set(rows)) == len(expected) + len(second.sketches[ids["c1"]])


def stored_items(
    database: Database, texts: dict[str, str], dates: dict[str, datetime]
) -> dict[str, int]:
    """Items titled "Titre" by guid, those whose guid starts with "c" (copies) in a second
    feed; returns their ids."""
    with database.engine.begin() as conn:
        for feed in ("f1", "f2"):
            conn.exec_driver_sql(
                "INSERT INTO feeds (url, status, weight, full_text, error_count, created_at, "
                f"updated_at) VALUES ('http://example.test/{feed}', 'active', 1, 'never', 0, "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
    ids: dict[str, int] = {}
    for guid, text in texts.items():
        with database.session() as s:
            ids[guid] = s.scalars(
                insert(ItemRow).returning(ItemRow.id),
                [
                    {
                        "feed_id": 2 if guid.startswith("c") else 1,
                        "identity": f"guid:{guid}",
                        "title": "Titre",
                        "summary": "",
                        "content": text,
                        "content_source": "feed",
                        "published_at": dates[guid],
                        "fetched_at": NOW,
                        "content_hash": guid,
                        "state": "active",
                        "full_text_status": "none",
                    }
                ],
            ).one()
    return ids


def test_a_write_meanwhile_does_not_fail_a_clustering_pass_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pass reads in a transaction that never waits for a writer (issue 13): if it wrote
    the sketches there, SQLite would refuse at once when another process wrote meanwhile."""
    path = tmp_path / "busy.db"
    database = Database.open(f"sqlite:///{path}")
    try:
        texts = {"o1": STORY * 2, "c1": "Repris du blog. " + STORY * 2}
        ids = stored_items(database, texts, {"o1": NOW, "c1": NOW})
        assert service.cluster(database, [ids["o1"]], NOW) == 0
        other = sqlite3.connect(path)
        sketch = dedupe.sketch

        def sketch_while_another_process_writes(text: str, **options: int) -> list[int]:
            other.execute("UPDATE feeds SET title = 'Blog'")
            other.commit()
            return sketch(text, **options)

        monkeypatch.setattr(dedupe, "sketch", sketch_while_another_process_writes)
        assert service.cluster(database, [ids["c1"]], NOW) == 2  # the copy and its original
        other.close()
    finally:
        database.close()
