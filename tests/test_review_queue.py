"""`curator queue show|approve|reject|snooze|undo|apply` and the review use cases of the facade,
against a real migrated SQLite file (items inserted through the store)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from curator.cli import cli
from curator.errors import InvalidAction, NotFound
from curator.review import describe, parse_until
from curator.store import decisions
from curator.store.models import ScoreRow
from curator.types import DecisionKind, SlotStatus
from tests.support.review import CONFIG, NOW, SECOND_PROFILE, ReviewWorld, make_world


@pytest.fixture
def world(tmp_path: Path) -> ReviewWorld:
    return make_world(tmp_path)


def run(world: ReviewWorld, *args: str, input: str | None = None) -> Result:
    # `main()` turns a CuratorError into one line; the group itself raises it, so tests read
    # the exception (its message is that line) from the result.
    return CliRunner().invoke(
        cli, ["--config", str(world.config), "--db", world.db_url, *args], input=input
    )


def current(world: ReviewWorld, item_id: int, profile: str = "claire") -> decisions.Decision | None:
    app = world.open()
    try:
        with app.db.session() as session:
            return decisions.current_for(session, profile, item_id)
    finally:
        app.close()


# -- the queue the review shows ----------------------------------------------------------------


def test_the_queue_is_ranked_and_folds_duplicates(world: ReviewWorld) -> None:
    app = world.open()
    entries = app.review_queue("claire")
    assert [e.id for e in entries] == world.ids  # the duplicate is not listed on its own
    assert entries[0].duplicates == 1 and entries[1].duplicates == 0
    assert entries[0].feed == "Emploi Tech"
    assert [t.text for t in entries[0].why] == ["recrutement", "data"]
    assert entries[0].starter is None and not entries[0].starter_loaded  # fetched when needed
    starter = app.comment_starter("claire", world.ids[0])
    assert starter is not None and starter.startswith("> Le recrutement des data engineers")
    assert "Votre objectif : recrutement" in starter
    # a decision keeps the hand-made scores (the review screen re-scores once, at the end)
    app.approve("claire", world.ids[0], "Un commentaire assez long pour être prêt.")
    app.reject("claire", world.ids[1])
    app.snooze("claire", world.ids[2], NOW + timedelta(days=2))
    assert [e.id for e in app.review_queue("claire")] == world.ids[3:]
    app.close()
    # the snooze runs out: the item is back
    later = world.open(NOW + timedelta(days=3))
    assert [e.id for e in later.review_queue("claire")] == [world.ids[2], *world.ids[3:]]
    later.close()


# -- show --------------------------------------------------------------------------------------


def test_show_prints_the_detail(world: ReviewWorld) -> None:
    result = run(world, "queue", "show", str(world.ids[0]))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "#1  Le recrutement des data engineers en 2026" in out
    # claire reads French (issue 16): labels, date, decimal comma
    assert "Source\u00a0:     Emploi Tech" in out
    assert "Date\u00a0:       ven. 27 nov. 2026" in out
    assert "Score\u00a0:      0,91 (rang 1) · pourquoi\u00a0: recrutement, data" in out
    assert "1 doublon de cet article" in out and "Décision\u00a0: en attente" in out
    assert "Decision" not in out and "pending" not in out


def test_show_json(world: ReviewWorld) -> None:
    run(world, "queue", "reject", str(world.ids[1]), "--reason", "déjà vu")
    result = run(world, "queue", "show", str(world.ids[1]), "--json")
    data = json.loads(result.output)
    assert data["id"] == world.ids[1] and data["title"].startswith("Salaires des développeurs")
    assert data["decision"]["kind"] == "reject" and data["decision"]["reason"] == "déjà vu"


def test_show_unknown_item(world: ReviewWorld) -> None:
    result = run(world, "queue", "show", "999")
    assert result.exit_code == 1
    assert isinstance(result.exception, NotFound) and "999" in str(result.exception)


# -- approve, reject, snooze, undo ---------------------------------------------------------------


def test_approve_with_comment_saves_it(world: ReviewWorld) -> None:
    comment = "Les chiffres confirment ce que je vois chez mes clients."
    result = run(world, "queue", "approve", str(world.ids[0]), "--comment", comment)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"approuvé #{world.ids[0]}")
    decision = current(world, world.ids[0])
    assert decision is not None and decision.kind is DecisionKind.APPROVE
    assert decision.comment == comment


def test_approve_with_comment_file_and_stdin(world: ReviewWorld, tmp_path: Path) -> None:
    path = tmp_path / "comment.md"
    path.write_text("Premier paragraphe.\n\nSecond paragraphe, plus long.\n", encoding="utf-8")
    assert run(world, "queue", "approve", "1", "--comment-file", str(path)).exit_code == 0
    decision = current(world, 1)
    assert decision is not None and decision.comment == (
        "Premier paragraphe.\n\nSecond paragraphe, plus long."
    )
    result = run(world, "queue", "approve", "2", "--comment-file", "-", input="Depuis stdin\n")
    assert result.exit_code == 0, result.output
    assert (current(world, 2) or pytest.fail()).comment == "Depuis stdin"


def test_comment_and_comment_file_together_is_a_usage_error(
    world: ReviewWorld, tmp_path: Path
) -> None:
    path = tmp_path / "c.txt"
    path.write_text("x", encoding="utf-8")
    result = run(world, "queue", "approve", "1", "--comment", "x", "--comment-file", str(path))
    assert result.exit_code == 2 and "not both" in result.output
    assert current(world, 1) is None


@pytest.mark.parametrize(
    ("comment", "note"),
    [
        (None, "pas encore de commentaire\u00a0: le créneau reste prévu"),
        ("Trop court", "commentaire de moins de 20\u00a0caractères"),
    ],
)
def test_approve_without_a_full_comment_is_allowed_with_a_note(
    world: ReviewWorld, comment: str | None, note: str
) -> None:
    args = ["--comment", comment] if comment else []
    result = run(world, "queue", "approve", "1", *args)
    assert result.exit_code == 0, result.output
    assert note in result.output
    assert (current(world, 1) or pytest.fail()).kind is DecisionKind.APPROVE


def test_a_long_enough_comment_has_no_note(world: ReviewWorld) -> None:
    result = run(world, "queue", "approve", "1", "--comment", "Un avis de plus de vingt signes.")
    assert "reste prévu" not in result.output


def test_already_decided_ids_are_refused(world: ReviewWorld) -> None:
    assert run(world, "queue", "reject", "1").exit_code == 0
    for args in (
        ["approve", "1", "--comment", "x"],
        ["reject", "1"],
        ["snooze", "1", "--until", "+2d"],
    ):
        result = run(world, "queue", *args)
        assert result.exit_code == 1
        assert isinstance(result.exception, InvalidAction)
        message = str(result.exception)
        # claire's French (issue 16)
        assert "l’article 1 est déjà rejeté" in message and "curator queue undo" in message
    assert (current(world, 1) or pytest.fail()).kind is DecisionKind.REJECT


def test_unknown_and_deleted_items_are_refused(world: ReviewWorld) -> None:
    result = run(world, "queue", "approve", "999")
    assert isinstance(result.exception, NotFound) and "no item 999" in str(result.exception)
    app = world.open()
    from curator.store.models import ItemRow

    with app.db.session() as session:
        row = session.get(ItemRow, 2)
        assert row is not None
        row.state = "deleted"
    app.close()
    result = run(world, "queue", "reject", "2")
    assert isinstance(result.exception, InvalidAction) and "supprimé" in str(result.exception)


def test_snooze_in_the_past_is_refused_and_nothing_saved(world: ReviewWorld) -> None:
    result = run(world, "queue", "snooze", "1", "--until", "2020-01-01")
    assert result.exit_code == 1 and "est passée" in str(result.exception)
    result = run(world, "queue", "snooze", "1", "--until", "someday")
    assert result.exit_code == 1 and "date illisible 'someday'" in str(result.exception)
    assert current(world, 1) is None


def test_snooze_then_the_item_can_be_decided_once_it_is_back(world: ReviewWorld) -> None:
    result = run(world, "queue", "snooze", "3", "--until", "+2d")
    assert result.exit_code == 0 and result.output.startswith("reporté #3 jusqu’au ")
    decision = current(world, 3)
    assert decision is not None and decision.snooze_until is not None
    later = world.open(decision.snooze_until + timedelta(minutes=1))
    later.reject("claire", 3, "finalement non")  # the snooze ran out: pending again
    later.close()
    assert (current(world, 3) or pytest.fail()).kind is DecisionKind.REJECT


def test_facade_refuses_a_past_snooze_even_without_the_parser(world: ReviewWorld) -> None:
    app = world.open()
    with pytest.raises(InvalidAction, match="future"):
        app.snooze("claire", 1, NOW - timedelta(minutes=1))
    app.close()


def test_undo_takes_back_the_last_decision(world: ReviewWorld) -> None:
    run(world, "queue", "approve", "1", "--comment", "Bon résumé des tendances du marché.")
    run(world, "queue", "reject", "2")
    result = run(world, "queue", "undo")
    assert result.exit_code == 0 and "annulé\u00a0: rejeté" in result.output
    assert "n°\u00a02" in result.output
    assert current(world, 2) is None
    assert (current(world, 1) or pytest.fail()).kind is DecisionKind.APPROVE
    run(world, "queue", "undo")
    result = run(world, "queue", "undo")
    assert result.exit_code == 1 and "aucune décision à annuler" in str(result.exception)


def test_undo_of_one_item_takes_back_its_latest_decision_however_old(world: ReviewWorld) -> None:
    run(world, "queue", "approve", "1", "--comment", "Bon résumé des tendances du marché.")
    run(world, "queue", "reject", "2")
    run(world, "queue", "snooze", "3", "--until", "+3d")
    refused = run(world, "queue", "reject", "1")  # changed my mind: the message says how
    assert refused.exit_code == 1 and "`curator queue undo 1`" in str(refused.exception)
    result = run(world, "queue", "undo", "1")
    assert result.exit_code == 0 and "annulé\u00a0: approuvé" in result.output
    assert "n°\u00a01" in result.output
    assert current(world, 1) is None  # back in the queue
    assert (current(world, 2) or pytest.fail()).kind is DecisionKind.REJECT  # untouched
    assert (current(world, 3) or pytest.fail()).kind is DecisionKind.SNOOZE
    assert run(world, "queue", "reject", "1").exit_code == 0
    result = run(world, "queue", "undo", "4")
    assert result.exit_code == 1 and "aucune décision sur l’article 4" in str(result.exception)


# -- profiles ----------------------------------------------------------------------------------


def test_profile_defaults_to_the_only_one_and_is_required_among_several(tmp_path: Path) -> None:
    world = make_world(tmp_path, config=CONFIG.replace("feeds:\n", SECOND_PROFILE + "feeds:\n"))
    # a usage error (exit 2), as in `queue list`, `calendar` and `review`
    for command in (["queue", "reject", "1"], ["queue", "show", "1"], ["calendar"]):
        result = run(world, *command)
        assert result.exit_code == 2, command
        assert "several profiles (claire, marc): choose one with --profile" in result.output
    assert run(world, "queue", "reject", "1", "--profile", "claire").exit_code == 0
    result = run(world, "queue", "reject", "1", "--profile", "nobody")
    assert isinstance(result.exception, NotFound) and "claire, marc" in str(result.exception)


# -- apply -------------------------------------------------------------------------------------


def test_apply_reports_each_line_and_stops_at_nothing(world: ReviewWorld, tmp_path: Path) -> None:
    lines = [
        '{"id": 1, "action": "approve", "comment": "Un avis de plus de vingt signes."}',
        "{broken",
        "",
        '{"id": 2, "action": "reject", "reason": "hors sujet"}',
        '{"id": 2, "action": "approve"}',
        '{"id": 999, "action": "reject"}',
        '{"id": 3, "action": "snooze", "until": "2020-01-01"}',
        '{"id": 4, "action": "snooze", "until": "+3d"}',
        "# a comment line",
    ]
    path = tmp_path / "decisions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(world, "queue", "apply", str(path))
    assert result.exit_code == 1  # some lines failed
    out = result.output
    assert "ligne 1\u00a0: approuvé #1" in out
    # the facade's refusals speak claire's French too (issue 16)
    assert "ligne 2\u00a0: JSON invalide" in out
    assert "ligne 4\u00a0: rejeté #2" in out
    assert "ligne 5\u00a0: l’article 2 est déjà rejeté" in out
    assert "ligne 6\u00a0: article 999 introuvable" in out
    assert "ligne 7\u00a0: la date de report 2020-01-01 est passée" in out
    assert "ligne 8\u00a0: reporté #4" in out
    assert "3 appliquées, 4 en échec" in out
    assert "line 3" not in out and "line 9" not in out and "ligne 3" not in out
    kinds = {i: (current(world, i) or pytest.fail()).kind for i in (1, 2, 4)}
    assert kinds == {1: DecisionKind.APPROVE, 2: DecisionKind.REJECT, 4: DecisionKind.SNOOZE}
    assert current(world, 3) is None


def test_apply_from_stdin_all_good_exits_0(world: ReviewWorld) -> None:
    text = '{"id": 5, "action": "reject"}\n'
    result = run(world, "queue", "apply", "-", input=text)
    assert result.exit_code == 0, result.output
    assert "ligne 1\u00a0: rejeté #5" in result.output
    assert "1 appliquées, 0 en échec" in result.output


def test_apply_missing_file(world: ReviewWorld, tmp_path: Path) -> None:
    result = run(world, "queue", "apply", str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 1 and "impossible de lire" in str(result.exception)


# -- review needs a terminal ---------------------------------------------------------------------


def test_review_refuses_without_a_terminal_and_points_to_queue(world: ReviewWorld) -> None:
    result = run(world, "review")
    assert result.exit_code == 1
    message = str(result.exception)
    assert "a besoin d’un terminal" in message and "curator queue list" in message
    assert "queue apply FILE.jsonl" in message


def test_parse_until_in_the_profile_zone_matches_the_cli(world: ReviewWorld) -> None:
    run(world, "queue", "snooze", "1", "--until", "2030-01-02")
    decision = current(world, 1)
    assert decision is not None
    assert decision.snooze_until == parse_until("2030-01-02", NOW, "Europe/Paris")


# -- decisions reach the plan at once ---------------------------------------------------------


def test_approving_takes_a_slot_and_the_footer_shows_the_week_filling(world: ReviewWorld) -> None:
    app = world.open()  # Friday 10:00 in Paris: the Friday 12:00 slot is still ahead
    assert app.plan_fill("claire") is None  # never planned yet
    outcome = app.approve("claire", 1, "Un avis de plus de vingt signes, prêt à publier.")
    assert outcome.slot is not None and outcome.slot.item_id == 1
    assert outcome.slot.status is SlotStatus.READY
    assert outcome.slot.comment == "Un avis de plus de vingt signes, prêt à publier."
    assert describe(outcome, "Europe/Paris") == "approved #1: relay slot Fri 27 Nov 12:00 (ready)"
    assert describe(outcome, "Europe/Paris", "fr") == (
        "approuvé #1\u00a0: créneau relais du ven. 27 nov. 12:00 (prêt)"
    )
    assert app.plan_fill("claire") == "next 7 days: 1/3 slots filled, 1 ready"
    short = app.approve("claire", 2, "Court")
    assert short.slot is not None and short.slot.status is SlotStatus.PLANNED
    assert short.notes == (
        "comment shorter than 20 characters: the slot stays planned until it is completed",
    )
    # undoing the approval frees the slot at once
    app.undo_decision("claire")
    app.undo_decision("claire")
    assert app.plan_fill("claire") == "next 7 days: 0/3 slots filled, 0 ready"
    app.close()


@pytest.mark.postgres
def test_the_review_use_cases_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    world = make_world(tmp_path, db_url=pg_url)
    app = world.open()
    try:
        entries = app.review_queue("claire")
        assert [e.id for e in entries] == world.ids and entries[0].duplicates == 1
        text = "Un avis de plus de vingt signes."
        approved = app.approve("claire", world.ids[0], text)
        assert approved.slot is not None and approved.slot.status is SlotStatus.READY
        app.reject("claire", world.ids[1], "hors sujet")
        assert [e.id for e in app.review_queue("claire")] == world.ids[2:]
        results = app.apply_decisions(  # ends with a re-score, on PostgreSQL too
            "claire",
            [json.dumps({"id": world.ids[2], "action": "snooze", "until": "+2d"}), "nope"],
        )
        assert [r.error is None for r in results] == [True, False]
        assert set(world.ids[:3]).isdisjoint(e.id for e in app.review_queue("claire"))
        undone = app.undo_decision("claire")
        assert undone is not None and undone.item_id == world.ids[2]
        assert app.plan_fill("claire") == "next 7 days: 1/3 slots filled, 1 ready"
    finally:
        app.close()


def test_a_decision_command_leaves_the_scores_to_the_next_pass(world: ReviewWorld) -> None:
    # Issue 19: re-scoring every item took 15 s after a year of feeds; the next incremental
    # pass (a run, the service) learns from the decision (see tests/test_scale.py).
    def computed() -> set[datetime]:
        app = world.open()
        with app.db.session() as session:
            stamps = set(session.scalars(select(ScoreRow.computed_at)))
        app.close()
        return stamps

    assert computed() == {NOW}  # the hand-made scores
    assert run(world, "queue", "reject", "2", "--reason", "hors sujet").exit_code == 0
    assert computed() == {NOW}  # nothing re-scored by the command


def test_the_screen_never_undoes_a_decision_made_elsewhere(world: ReviewWorld) -> None:
    app = world.open()
    app.reject("claire", 1)  # the screen's decision
    app.reject("claire", 2)  # meanwhile, another command
    with pytest.raises(InvalidAction, match="another command decided meanwhile"):
        app.undo_decision("claire", item_id=1)
    app.close()
    assert current(world, 1) is not None and current(world, 2) is not None
