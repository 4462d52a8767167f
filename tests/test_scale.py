"""Issue 19: every step costs what changed, not what is stored. These tests check the behaviour
that makes it so (what is re-scored, what is loaded, what is imported), never the time."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from curator import score as scoring
from curator.app import Curator
from curator.store.models import ScoreRow
from curator.types import Score
from tests.support.queue import add_item
from tests.support.score import FILLER_FR

CONFIG = """\
profiles:
  - name: claire
    objective: |
      Recruteuse tech indépendante, je partage des analyses sur le recrutement
      de profils data et développeurs, les salaires et le télétravail.
    language: fr
    timezone: Europe/Paris
    schedule:
      slots:
        - {day: mon, time: "08:30"}
        - {day: wed, time: "08:30"}
        - {day: fri, time: "12:00"}
feeds:
  - url: http://127.0.0.1:9/fr.xml
    name: Emploi FR
"""
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TOPICS = ["salaires", "télétravail", "entretiens", "marque employeur", "data engineers"]


class World:
    def __init__(self, path: Path, db_url: str) -> None:
        self.path, self.db_url = path, db_url
        self.clock = [T0]
        self.app = Curator.open(path, db_url, clock=lambda: self.clock[0])
        self.feed = self.app.feeds()[0].id
        self.ids: list[int] = []

    def add(self, title: str, body: str, at: datetime, language: str = "fr") -> int:
        item_id = add_item(self.app.db, self.feed, title, body, fetched_at=at, language=language)
        self.ids.append(item_id)
        return item_id

    def computed(self) -> dict[int, datetime]:
        with self.app.db.session() as session:
            rows = session.execute(select(ScoreRow.item_id, ScoreRow.computed_at))
            return {item_id: at for item_id, at in rows}

    def ranks(self) -> dict[int, int | None]:
        with self.app.db.session() as session:
            rows = session.execute(select(ScoreRow.item_id, ScoreRow.rank))
            return {item_id: rank for item_id, rank in rows}


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, write_config: Callable[[str], Path]) -> Iterator[World]:
    """30 items about recruiting (and a few off topic), scored once by a full pass at T0, on a
    SQLite file and on PostgreSQL."""
    url = request.getfixturevalue("db_url" if request.param == "sqlite" else "pg_url")
    w = World(write_config(CONFIG), url)
    for k in range(25):
        topic = TOPICS[k % len(TOPICS)]
        w.add(
            f"Recrutement tech n°{k} : {topic}",
            f"Les recruteurs et les développeurs parlent de {topic} et du marché de l'emploi.",
            T0 - timedelta(hours=k + 1),
        )
    for k, title in enumerate(FILLER_FR[:5]):
        w.add(title, "", T0 - timedelta(hours=k + 2))
    w.app.score()
    yield w
    w.app.close()


def test_a_decision_rescores_nothing_and_the_next_pass_only_the_head(world: World) -> None:
    world.app.SCORE_HEAD = 5
    first = world.app.queue("claire")[0].item.id
    world.clock[0] = T0 + timedelta(minutes=5)
    world.app.reject("claire", first, "hors sujet")
    assert set(world.computed().values()) == {T0}  # the decision wrote no score

    world.clock[0] = T0 + timedelta(minutes=10)
    report = world.app.score(incremental=True)
    rescored = {i for i, at in world.computed().items() if at == world.clock[0]}
    assert first in rescored  # the decided item leaves the ranking
    assert len(rescored) <= 5 + 1  # the head and the decision, not the 30 items
    assert len(rescored) < len(world.computed())
    assert report.profiles[0].scored == len(rescored)
    assert world.ranks()[first] is None
    assert first not in {e.item.id for e in world.app.queue("claire")}


def test_a_new_item_is_scored_alone_with_the_head_and_ranked_among_all(world: World) -> None:
    world.app.SCORE_HEAD = 3
    before = [e.item.id for e in world.app.queue("claire")]
    world.clock[0] = T0 + timedelta(hours=1)
    best = world.add(
        "Recrutement des développeurs data : salaires, télétravail et entretiens",
        "Recruteuse tech : le recrutement de profils data et développeurs, les salaires, le "
        "télétravail, les entretiens et la marque employeur.",
        T0 + timedelta(minutes=30),
    )
    weak = world.add("Le Tour de France passe par les Alpes", "", T0 + timedelta(minutes=31))
    world.app.score(incremental=True)
    rescored = {i for i, at in world.computed().items() if at == world.clock[0]}
    assert {best, weak} <= rescored and len(rescored) <= 3 + 2
    queue = [e.item.id for e in world.app.queue("claire")]
    assert queue[0] == best  # the head was re-ranked with it
    # Every item of the old queue is still listed, and the weak newcomer goes after the head.
    assert set(before) <= set(queue)
    assert queue.index(weak) >= 3
    ranks = [e.score.rank for e in world.app.queue("claire")]
    assert ranks == sorted(r for r in ranks if r is not None)


def test_an_undone_decision_brings_the_item_back_at_the_next_pass(world: World) -> None:
    world.app.SCORE_HEAD = 4
    first = world.app.queue("claire")[0].item.id
    world.app.reject("claire", first)
    world.clock[0] = T0 + timedelta(minutes=10)
    world.app.score(incremental=True)
    assert first not in {e.item.id for e in world.app.queue("claire")}
    world.app.undo_decision("claire")
    world.clock[0] = T0 + timedelta(minutes=20)
    world.app.score(incremental=True)
    assert world.ranks()[first] is not None
    assert first in {e.item.id for e in world.app.queue("claire")[:4]}


def test_a_changed_objective_or_an_old_full_pass_rescores_everything(
    world: World, write_config: Callable[[str], Path]
) -> None:
    world.clock[0] = T0 + timedelta(hours=2)
    world.app.SCORE_HEAD = 2
    world.app.score(incremental=True)
    assert len({i for i, at in world.computed().items() if at == world.clock[0]}) <= 2
    world.clock[0] = T0 + world.app.FULL_EVERY
    world.app.score(incremental=True)
    assert set(world.computed().values()) == {world.clock[0]}  # the daily full pass

    changed = Curator.open(
        write_config(CONFIG.replace("le télétravail", "la formation")),
        world.db_url,
        clock=lambda: T0 + world.app.FULL_EVERY + timedelta(minutes=1),
    )
    changed.SCORE_HEAD = 2
    changed.score(incremental=True)
    assert set(world.computed().values()) == {T0 + world.app.FULL_EVERY + timedelta(minutes=1)}
    changed.close()


def test_a_full_pass_stores_the_head_of_the_queue_and_the_decided_items(world: World) -> None:
    last = world.app.queue("claire")[-1].item.id
    world.app.reject("claire", last)
    world.app.score()
    queue = [e.item.id for e in world.app.queue("claire")]
    world.app.SCORE_KEEP = 6
    world.app.score()
    stored = world.ranks()
    assert sum(1 for r in stored.values() if r is not None) == 6
    assert last in stored  # decided: kept, so a snooze or an undo finds its score
    assert [e.item.id for e in world.app.queue("claire")] == queue[:6]


def test_an_incremental_pass_stores_no_more_than_a_full_pass_keeps(
    words_only: None, world: World
) -> None:
    world.app.SCORE_KEEP = 6
    world.app.SCORE_HEAD = 3
    last = world.app.queue("claire")[-1].item.id
    world.app.reject("claire", last)
    world.app.score()
    world.clock[0] = T0 + timedelta(hours=1)
    for k in range(10):
        world.add(f"Recrutement data n°{k + 100}", "", T0 + timedelta(minutes=30 + k))
    world.app.score(incremental=True)
    stored = world.ranks()
    # The new items ranked past 6 are not stored (a full pass would leave them out); the
    # decided item keeps its score.
    assert sum(1 for r in stored.values() if r is not None) == 6
    assert last in stored
    assert len(stored) == 7
    full = Curator.open(world.path, world.db_url, clock=lambda: world.clock[0])
    full.SCORE_KEEP = 6
    queue = [e.item.id for e in world.app.queue("claire")]
    full.score()
    assert [e.item.id for e in full.queue("claire")] == queue
    full.close()


def test_the_run_rescores_only_what_is_new(world: World) -> None:
    world.app.SCORE_HEAD = 3
    world.clock[0] = T0 + timedelta(hours=1)
    new = world.add("Recrutement : les salaires des data engineers", "", T0 + timedelta(minutes=9))
    world.app.run()  # its fetch fails (nothing listens on port 9); scoring is what matters
    rescored = {i for i, at in world.computed().items() if at == world.clock[0]}
    assert new in rescored and len(rescored) <= 3 + 1


def test_status_counts_each_queue_without_loading_its_items(world: World) -> None:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(world.app.db.engine, "before_cursor_execute", record)
    try:
        status = world.app.status()
    finally:
        event.remove(world.app.db.engine, "before_cursor_execute", record)
    assert status["profiles"]["claire"]["queue"] == len(world.app.queue("claire")) > 0
    assert statements and not [s for s in statements if "items.content" in s]


def test_status_reads_each_ranked_items_state_from_an_index(world: World) -> None:
    """Issue 19: counting a queue checked each ranked item's state in the item's row, which
    holds its whole text (a page read per item, 10,000 for five profiles after a year); the
    count reads the states from the index on (id, state) instead."""
    if world.app.db.dialect != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL chooses by its table statistics")
    statements: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        statements.append((args[2], args[3]))

    event.listen(world.app.db.engine, "before_cursor_execute", record)
    try:
        world.app.status()
    finally:
        event.remove(world.app.db.engine, "before_cursor_execute", record)
    counts = [(sql, params) for sql, params in statements if "count(*)" in sql and "items" in sql]
    assert counts, statements
    with world.app.db.engine.connect() as connection:
        for sql, params in counts:
            plan = [
                row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            ]
            on_items = [step for step in plan if re.search(r"\bitems\b", step)]
            assert on_items, plan
            assert all("COVERING INDEX ix_items_id_state" in step for step in on_items), plan


SNIPPET = """
import json, sys
from curator.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "loaded": sorted(m for m in ("sklearn", "scipy", "numpy", "httpx")
                                                    if m in sys.modules)}))
"""


def _cli(world: World, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """A command in a process of its own, and the heavy libraries it imported."""
    argv = ["--config", str(world.path), "--db", world.db_url, "-q", *args]
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET, *argv],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def test_single_item_commands_never_load_the_scorer(world: World) -> None:
    first, second = [e.item.id for e in world.app.queue("claire")[:2]]
    for args in (
        ("queue", "show", str(first)),
        ("queue", "approve", str(first), "--comment", "Un avis utile pour les recruteurs."),
        ("queue", "reject", str(second)),
        ("queue", "undo"),
        ("status",),
    ):
        assert _cli(world, *args) == {"code": 0, "loaded": []}, args
    assert set(world.computed().values()) == {T0}


def test_merge_ranks_places_the_rescored_tail_among_the_stored_one() -> None:
    def s(item_id: int, final: float, rank: int | None) -> Score:
        return Score("p", item_id, final, final, rank=rank)

    rescored = [s(1, 0.9, 1), s(2, 0.8, 2), s(3, 0.5, 3), s(4, 0.1, 4), s(5, 0.7, None)]
    merged = scoring.merge_ranks(rescored, 2, others=[0.6, 0.4, 0.3])
    assert [m.rank for m in merged] == [1, 2, 4, 6, None]


def test_the_window_is_read_as_the_repository_reads_it(world: World) -> None:
    from curator.store import repo
    from curator.store.scores import window, window_items

    since = T0 - timedelta(hours=10)
    with world.app.db.session() as session:
        expected = repo.list_items(session, since=since)
        assert window_items(session, since) == expected and expected
        some = {expected[0].id, expected[-1].id}
        assert window_items(session, since, some) == [expected[0], expected[-1]]
        # Read on demand: each item the same, whichever way it is asked for.
        on_demand = window(session, since)
        assert on_demand[-1] == expected[-1] and on_demand[1:3] == expected[1:3]
        assert on_demand.read_count == 3
        assert list(on_demand) == expected and on_demand.read_count == len(expected)
        assert on_demand.columns.ids == [i.id for i in expected]


def test_the_service_learns_a_decision_at_its_next_tick(world: World) -> None:
    world.app.SCORE_HEAD = 3
    world.clock[0] = T0 + timedelta(minutes=1)
    world.app.refresh()  # the first tick of the service re-scores (nothing to fetch: port 9)
    world.clock[0] = T0 + timedelta(minutes=2)
    world.app.refresh()
    assert T0 + timedelta(minutes=2) not in set(world.computed().values())  # nothing changed

    first = world.app.queue("claire")[0].item.id
    world.app.reject("claire", first)
    world.clock[0] = T0 + timedelta(minutes=3)
    world.app.refresh()
    rescored = {i for i, at in world.computed().items() if at == world.clock[0]}
    assert first in rescored and len(rescored) <= 3 + 1
    assert first not in {e.item.id for e in world.app.queue("claire")}


def test_stored_scores_are_written_as_an_orm_insert_writes_them(world: World) -> None:
    """A pass writes its rows as plain tuples through the driver (issue 19): every column must
    hold what SQLAlchemy's own insert stores, read back as the same Score, on both backends."""
    from sqlalchemy import insert, text

    from curator.store import scores as score_store
    from curator.store.scores import score_from_row
    from curator.types import Term

    made = [
        Score("claire", world.ids[0], 0.5, 0.25, -0.125, 0.75, 1.5, 0.1, True,
              (Term("télétravail", 0.031), Term("related: salaires", 0.0)), None),
        Score("claire", world.ids[1], 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, False, (), 7),
    ]  # fmt: skip
    at = T0 + timedelta(hours=3)
    with world.app.db.session() as session:
        score_store.replace_scores(session, "claire", made, at)
        fast = session.execute(text("SELECT * FROM scores ORDER BY item_id")).all()
        read = [score_from_row(r) for r in session.scalars(select(ScoreRow).order_by("item_id"))]
        session.execute(ScoreRow.__table__.delete())  # type: ignore[attr-defined]
        session.execute(
            insert(ScoreRow),
            [
                {
                    "profile": s.profile, "item_id": s.item_id, "final": s.final,
                    "relevance": s.relevance, "feedback": s.feedback, "freshness": s.freshness,
                    "source": s.source, "boost": s.boost, "blocked": s.blocked,
                    "why": [[t.text, t.weight] for t in s.why], "rank": s.rank,
                    "computed_at": at,
                }
                for s in made
            ],
        )  # fmt: skip
        orm = session.execute(text("SELECT * FROM scores ORDER BY item_id")).all()
        stamps = set(session.scalars(select(ScoreRow.computed_at)))
    assert fast == orm
    assert read == made
    assert stamps == {at}


def _decide_both_ways(world: World) -> list[int]:
    """Three approvals and three rejections: enough of each for a decision model."""
    queue = [e.item.id for e in world.app.queue("claire")]
    for item_id in queue[:3]:
        world.app.approve("claire", item_id, "Utile pour les recruteurs.")
    for item_id in queue[-3:]:
        world.app.reject("claire", item_id)
    return queue


def test_a_run_over_unchanged_decisions_fits_no_model(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The full pass fits the profile's decision model and stores it; the next passes apply it
    # until a decision changes (fitting it, and importing scikit-learn for it, cost a run more
    # than scoring its new items).
    _decide_both_ways(world)
    world.app.score()
    fits: list[int] = []
    fit = scoring._fit
    monkeypatch.setattr(scoring, "_fit", lambda *a, **k: fits.append(1) or fit(*a, **k))
    world.clock[0] = T0 + timedelta(hours=1)
    new = world.add("Recrutement : les salaires des data engineers", "", T0 + timedelta(minutes=9))
    world.app.score(incremental=True)
    assert fits == []
    assert world.ranks()[new] is not None
    world.app.reject("claire", new)
    world.clock[0] = T0 + timedelta(hours=2)
    world.app.score(incremental=True)
    assert fits  # a new decision: the model learns it


def test_a_run_over_unchanged_decisions_does_not_import_scikit_learn(world: World) -> None:
    _decide_both_ways(world)
    world.app.score()
    world.add("Recrutement : les salaires des data engineers", "", T0 + timedelta(minutes=9))
    # The command's clock an hour after the full pass (its fetch fails: nothing listens on
    # port 9; the scoring pass is what is looked at).
    offset = (T0 + timedelta(hours=1) - datetime.now(UTC)).total_seconds()
    got = _cli(world, "run", env={"CURATOR_CLOCK_OFFSET": str(offset)})
    assert got["code"] == 0
    assert "sklearn" not in got["loaded"]


def test_a_run_with_no_feed_due_does_not_load_the_fetcher(world: World) -> None:
    # The commands' clock an hour after the world's, whatever today's date.
    def at_t0_plus_an_hour() -> dict[str, str]:
        offset = (T0 + timedelta(hours=1) - datetime.now(UTC)).total_seconds()
        return {"CURATOR_CLOCK_OFFSET": str(offset)}

    # The feed is due: fetched (it fails: nothing listens on port 9).
    first = _cli(world, "run", env=at_t0_plus_an_hour())
    assert first["code"] == 0 and "httpx" in first["loaded"]
    # Its next fetch is later: nothing to fetch, no page left, no HTTP client.
    second = _cli(world, "run", env=at_t0_plus_an_hour())
    assert second["code"] == 0 and "httpx" not in second["loaded"]
    assert [f.last_error for f in world.app.feeds()] != [None]
