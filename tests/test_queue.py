"""`curator score` and `curator queue list` against a real migrated SQLite file."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from curator.app import Curator
from curator.cli import cli
from curator.store import repo
from curator.store.scores import STATS_KEY
from curator.types import DecisionKind
from tests.support.queue import add_item
from tests.support.score import FILLER_EN, FILLER_FR

CONFIG = """\
profiles:
  - name: claire
    objective: |
      Recruteuse tech indépendante, je veux partager des analyses sur le recrutement
      de profils data et développeurs, les salaires et le télétravail.
    language: fr
    keywords:
      block: [sponsorisé]
  - name: sam
    objective: |
      I am an engineering manager. I share insights on hiring developers, software
      engineering salaries and remote work.
    language: en
feeds:
  - url: http://127.0.0.1:9/fr.xml
    name: Emploi FR
  - url: http://127.0.0.1:9/en.xml
    name: Jobs EN
    weight: 1.5
"""


@pytest.fixture
def stocked(write_config: Callable[[str], Path], db_url: str) -> tuple[Path, str, dict[str, int]]:
    """A config, a database holding items in both languages, and the ids that matter."""
    path = write_config(CONFIG)
    now = datetime.now(UTC)
    app = Curator.open(path, db_url)
    feeds = {f.name: f.id for f in app.feeds()}
    fr, en = feeds["Emploi FR"], feeds["Jobs EN"]
    ids = {}
    for k, title in enumerate(FILLER_FR):
        add_item(app.db, fr, title, "", fetched_at=now - timedelta(hours=k), language="fr")
    for k, title in enumerate(FILLER_EN):
        add_item(app.db, en, title, "", fetched_at=now - timedelta(hours=k), language="en")
    ids["fr_best"] = add_item(
        app.db,
        fr,
        "Recrutement des développeurs : les salaires s'envolent",
        "Les recruteurs peinent à recruter des profils data ; le télétravail devient la norme.",
        fetched_at=now - timedelta(hours=1),
        language="fr",
    )
    ids["fr_blocked"] = add_item(
        app.db,
        fr,
        "Recrutement data : notre offre (sponsorisé)",
        "Recruteurs, découvrez notre outil.",
        fetched_at=now,
        language="fr",
    )
    ids["en_best"] = add_item(
        app.db,
        en,
        "Hiring developers in 2026: salaries and remote work",
        "Engineering managers compete for software engineers.",
        fetched_at=now - timedelta(hours=2),
        language="en",
    )
    ids["approved"] = add_item(
        app.db, fr, "Recruter des développeurs data", "Salaires.", fetched_at=now, language="fr"
    )
    ids["old"] = add_item(
        app.db, fr, "Recrutement : archives", "", fetched_at=now - timedelta(days=90)
    )
    app.decide("claire", ids["approved"], DecisionKind.APPROVE)
    app.close()
    return path, db_url, ids


def invoke(path: Path, db_url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(path), "--db", db_url, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_queue_list_json_after_score(stocked: tuple[Path, str, dict[str, int]]) -> None:
    path, db_url, ids = stocked
    out = invoke(path, db_url, "score")
    assert "claire" in out and "sam" in out
    rows = json.loads(invoke(path, db_url, "queue", "list", "--profile", "claire", "--json"))
    assert rows, "the queue is not empty"
    for key in ("id", "title", "url", "feed", "published", "language", "score", "relevance"):
        assert key in rows[0]
    assert isinstance(rows[0]["why"], list) and rows[0]["status"] == "pending"
    assert rows[0]["id"] == ids["fr_best"]
    assert rows[0]["feed"] == "Emploi FR"
    assert datetime.fromisoformat(rows[0]["published"]).tzinfo is not None
    assert rows[0]["why"] and all(
        w.lower()
        in (rows[0]["title"] + " ").lower()
        + ("les recruteurs peinent à recruter des profils data ; le télétravail devient la norme.")
        for w in rows[0]["why"]
    )
    listed = {r["id"] for r in rows}
    assert ids["fr_blocked"] not in listed  # blocked keyword
    assert ids["approved"] not in listed  # decided
    assert ids["old"] not in listed  # outside the scoring window
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)

    en_rows = json.loads(invoke(path, db_url, "queue", "list", "--profile", "sam", "--json"))
    assert en_rows[0]["id"] == ids["en_best"]
    assert en_rows[0]["language"] == "en"


def test_limit_all_and_table(stocked: tuple[Path, str, dict[str, int]]) -> None:
    path, db_url, _ = stocked
    invoke(path, db_url, "score", "--profile", "claire")
    two = json.loads(
        invoke(path, db_url, "queue", "list", "--profile", "claire", "--json", "--limit", "2")
    )
    every = json.loads(
        invoke(path, db_url, "queue", "list", "--profile", "claire", "--json", "--all")
    )
    assert len(two) == 2 and len(every) > 2
    table = invoke(path, db_url, "queue", "list", "--profile", "claire", "--limit", "3")
    assert "Recrutement" in table and "Emploi FR" in table


def test_queue_needs_a_profile_when_several(stocked: tuple[Path, str, dict[str, int]]) -> None:
    path, db_url, _ = stocked
    result = CliRunner().invoke(cli, ["--config", str(path), "--db", db_url, "queue", "list"])
    assert result.exit_code == 2 and "--profile" in result.output


def test_snooze_leaves_and_returns(stocked: tuple[Path, str, dict[str, int]]) -> None:
    path, db_url, ids = stocked
    now = datetime.now(UTC)
    clock = [now]
    app = Curator.open(path, db_url, clock=lambda: clock[0])
    app.score()
    app.decide("claire", ids["fr_best"], DecisionKind.SNOOZE, snooze_until=now + timedelta(days=1))
    assert ids["fr_best"] not in {e.item.id for e in app.queue("claire")}
    clock[0] = now + timedelta(days=2)
    back = [e for e in app.queue("claire") if e.item.id == ids["fr_best"]]
    assert back and back[0].status.value == "snoozed"
    app.close()


def test_score_stage_in_run_and_incremental_stats(
    stocked: tuple[Path, str, dict[str, int]],
) -> None:
    path, db_url, _ = stocked
    now = datetime.now(UTC)
    clock = [now]
    app = Curator.open(path, db_url, clock=lambda: clock[0])
    report = app.run()
    assert "score" in [s.name for s in report.stages]
    with app.db.session() as session:
        first = repo.get_meta(session, STATS_KEY)
    assert first["n_docs"] == 24  # every item of the window, the old one excluded
    feed = app.feeds()[0].id
    add_item(
        app.db,
        feed,
        "Un nouvel article",
        "Le recrutement en 2026",
        fetched_at=now + timedelta(minutes=1),
    )
    clock[0] = now + timedelta(minutes=5)
    app.score("claire")
    with app.db.session() as session:
        second = repo.get_meta(session, STATS_KEY)
    assert second["n_docs"] == 25
    # Items leave the window as time passes: the stats forget them.
    clock[0] = now + timedelta(days=40)
    app.score()
    with app.db.session() as session:
        assert repo.get_meta(session, STATS_KEY)["n_docs"] == 0
    app.close()


def test_examples_given_as_urls_are_resolved(
    words_only: None, write_config: Callable[[str], Path], db_url: str
) -> None:
    config = CONFIG.replace(
        "    language: en\n",
        "    language: en\n    examples:\n      - https://example.org/ideal\n",
    )
    path = write_config(config)
    now = datetime.now(UTC)
    app = Curator.open(path, db_url)
    en = {f.name: f.id for f in app.feeds()}["Jobs EN"]
    for k, title in enumerate(FILLER_EN):
        add_item(app.db, en, title, "", fetched_at=now - timedelta(hours=k))
    add_item(
        app.db,
        en,
        "Kubernetes observability for platform teams",
        "tracing",
        fetched_at=now,
        url="https://example.org/ideal",
    )
    target = add_item(
        app.db, en, "Observability and tracing at scale", "kubernetes", fetched_at=now
    )
    app.score("sam")
    assert app.queue("sam")[0].item.id in (target, target - 1)
    assert target in {e.item.id for e in app.queue("sam")[:2]}
    app.close()


def test_unknown_profile_is_an_error(stocked: tuple[Path, str, dict[str, int]]) -> None:
    path, db_url, _ = stocked
    result = CliRunner().invoke(
        cli, ["--config", str(path), "--db", db_url, "score", "--profile", "nobody"]
    )
    assert result.exit_code != 0
    assert "nobody" in str(result.exception) + result.output


def test_folded_versions_are_listed_with_their_story(
    write_config: Callable[[str], Path], db_url: str
) -> None:
    # Issue 18: a near-duplicate folded into its story is never simply missing from the list.
    path = write_config(CONFIG)
    now = datetime.now(UTC)
    app = Curator.open(path, db_url)
    feeds = {f.name: f.id for f in app.feeds()}
    for k, title in enumerate(FILLER_EN):
        add_item(app.db, feeds["Jobs EN"], title, "", fetched_at=now - timedelta(hours=k))
    title = "Hiring developers in 2026: salaries and remote work"
    body = "Engineering managers compete for software engineers."
    original = add_item(
        app.db, feeds["Jobs EN"], title, body, fetched_at=now - timedelta(hours=3), language="en"
    )
    repost = add_item(
        app.db,
        feeds["Emploi FR"],
        "Seen elsewhere: " + title,
        body,
        fetched_at=now - timedelta(hours=1),
        language="en",
        cluster_id=original,
    )
    app.close()
    invoke(path, db_url, "score", "--profile", "sam")
    rows = json.loads(invoke(path, db_url, "queue", "list", "--profile", "sam", "--all", "--json"))
    by_id = {r["id"]: r for r in rows}
    assert repost not in by_id  # folded into its story
    assert by_id[original]["versions"] == [
        {
            "id": repost,
            "feed": "Emploi FR",
            "title": "Seen elsewhere: " + title,
            "url": by_id[original]["versions"][0]["url"],
        }
    ]
    assert all(r["versions"] == [] for r in rows if r["id"] != original)
