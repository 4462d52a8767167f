"""The planner wired in: `Curator.plan`, its stage in `run`, and the plan/calendar/slot commands,
on a real migrated SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from curator.cli import cli, main
from curator.store.models import SlotRow
from curator.types import DecisionKind, SlotStatus
from tests.support.plan import COMMENT, NOW, World, make_world, world

__all__ = ["world"]  # the fixture, imported for pytest


def invoke(w: World, *args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(cli, ["--config", str(w.config), "--db", w.db_url, *args], env=env)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def calendar_json(w: World, *args: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(invoke(w, "calendar", "--json", *args).output)
    return data


def test_plan_fills_slots_by_score_with_spacing_and_comments(world: World) -> None:
    result = invoke(world, "plan")
    # claire's profile is French: so is the summary (issue 16)
    assert "claire\u00a0: 8 créneaux à venir (8 nouveaux, 0 modifiés, 0 retirés)" in result.output
    slots = calendar_json(world)
    assert [s["start"] for s in slots[:4]] == [
        "2026-11-30T08:30:00+01:00",
        "2026-12-02T12:15:00+01:00",
        "2026-12-03T08:30:00+01:00",
        "2026-12-04T17:00:00+01:00",
    ]
    ids = world.item_ids
    mon, wed, thu, fri = slots[:4]
    assert mon["item"]["id"] == ids[0] and mon["status"] == "planned" and mon["comment"] is None
    # two Alpha items never follow each other: the Beta item (approved with a comment) goes between
    assert wed["item"] == {
        "id": ids[2],
        "title": "Marque employeur : ce qui marche en PME",
        "url": "https://example.org/2",
        "feed": "Beta",
    }
    assert (wed["comment"], wed["status"]) == (COMMENT, "ready")
    assert thu["kind"] == "original" and thu["topic"] and thu["status"] == "planned"
    assert fri["item"]["id"] == ids[1]
    # the week after, the approved items are too old or below the floor: empty, with a reason
    later = [s for s in slots[4:] if s["kind"] == "relay"]
    assert later and all(s["status"] == "empty" and s["empty_reason"] for s in later)
    # JSON stays English: a code, and the text beside it in Claire's French (issue 16)
    assert {s["empty_reason"] for s in later} <= {"none_approved", "all_planned", "no_fit"}
    assert all(s["empty_reason_text"].startswith("aucun article approuvé") for s in later)
    assert all(s["sequence"] == 0 for s in slots)
    assert mon["id"] == "claire-2026-11-30-0830-relay"
    assert (mon["comment_starter"] or "").startswith("> ")
    assert "Votre objectif : " in mon["comment_starter"]  # the profile writes in French
    # your own post: a theme and an angle, never another site's headline (issue 15)
    assert thu["topic"] == "onboarding — ce que j'observe sur le terrain"
    assert set(mon) >= {"id", "start", "kind", "item", "comment", "status", "sequence"}


def test_plan_twice_changes_nothing(world: World) -> None:
    invoke(world, "plan")
    before = calendar_json(world)
    result = invoke(world, "plan")
    assert "(0 nouveaux, 0 modifiés, 0 retirés)" in result.output
    assert calendar_json(world) == before


def test_calendar_grid_flags_missing_comments_and_empty_slots(world: World) -> None:
    invoke(world, "plan")
    out = invoke(world, "calendar", "--weeks", "2").output
    # claire writes in French: the grid speaks French, like her .ics and her comment starters
    assert "Semaine du lun. 30 nov. 2026" in out and "Semaine du lun. 07 déc. 2026" in out
    assert "à commenter" in out and "vide" in out and "prêt" in out
    assert "Recruter des data engineers" in out
    assert "amorce\u00a0:" in out and "💬 Exactement ce que je vois" in out
    assert "attendent votre commentaire\u00a0: curator slot comment ID --edit" in out
    assert "claire-2026-11-30-0830-relay" in out


def _set_language(w: World, language: str) -> None:
    text = w.config.read_text(encoding="utf-8").replace("language: fr", f"language: {language}")
    w.config.write_text(text, encoding="utf-8")


FRENCH_WORDS = ["Semaine du", "minutes prévues", "Relais\u00a0:", "Votre post\u00a0:", "lun. 30"]
ENGLISH_WORDS = ["Week of", "minutes planned", "Relay:", "Your post:", "comment needed", "Mon 30"]


@pytest.mark.parametrize(
    ("language", "present", "absent"),
    [
        ("fr", [*FRENCH_WORDS, "à commenter", "créneaux vides\u00a0:"], ENGLISH_WORDS),
        # "auto" decides as the .ics export does: claire's objective is French
        ("auto", FRENCH_WORDS, ENGLISH_WORDS),
        ("en", [*ENGLISH_WORDS, "need your comment: ", "empty slots: approve"], FRENCH_WORDS),
    ],
)
def test_calendar_grid_speaks_the_profile_language(
    world: World, language: str, present: list[str], absent: list[str]
) -> None:
    _set_language(world, language)
    invoke(world, "plan")
    out = invoke(world, "calendar", "--weeks", "2").output
    for words in present:
        assert words in out
    for words in absent:
        assert words not in out


@pytest.mark.parametrize(
    ("language", "present"),
    [
        ("fr", ["Journal des résultats", "semaine du", "30 nov. 2026", "Publié", "lun. 30 nov."]),
        ("en", ["Results log", "week of", "30 Nov 2026", "Published", "Mon 30 Nov"]),
    ],
)
def test_results_log_speaks_the_profile_language(
    world: World, language: str, present: list[str]
) -> None:
    _set_language(world, language)
    invoke(world, "plan")
    world.clock[0] = NOW + timedelta(hours=3)
    invoke(world, "slot", "done", "claire-2026-11-30-0830-relay", "--force")
    world.clock[0] = NOW + timedelta(days=9)
    out = invoke(world, "calendar", "--past").output
    for words in present:
        assert words in out


def test_slot_comment_pin_done_and_skip(world: World) -> None:
    invoke(world, "plan")
    mon = "claire-2026-11-30-0830-relay"
    out = invoke(world, "slot", "comment", mon, "--text", "Trop court").output
    assert f"{mon}\u00a0: prévu (séquence 1)" in out  # claire reads French (issue 16)
    text = "Ce que j'en retiens pour les PME qui recrutent des data engineers."
    out = invoke(world, "slot", "comment", mon, "--text", text).output
    assert f"{mon}\u00a0: prêt (séquence 2)" in out
    fri = "claire-2026-12-04-1700-relay"
    assert "épinglé" not in invoke(world, "slot", "pin", fri).output
    by_id = {s["id"]: s for s in calendar_json(world)}
    assert by_id[mon]["comment"] == text and by_id[fri]["pinned"] is True
    # published, with where
    world.clock[0] = NOW + timedelta(hours=2)
    url = "https://www.linkedin.com/feed/update/urn:li:activity:1"
    out = invoke(world, "slot", "done", mon, "--url", url).output
    assert f"{mon}\u00a0: publié" in out
    by_id = {s["id"]: s for s in calendar_json(world)}
    assert by_id[mon]["published_url"] == url
    assert by_id[mon]["published_at"] == "2026-11-30T09:00:00+01:00"
    # skipping Wednesday frees its item, which moves to the next free fitting slot
    wed = "claire-2026-12-02-1215-relay"
    wed_item = by_id[wed]["item"]["id"]
    assert "ignoré" in invoke(world, "slot", "skip", wed).output
    after = calendar_json(world)
    assert {s["id"]: s for s in after}[wed]["item"] is None
    planned_items = [s["item"]["id"] for s in after if s["item"]]
    assert planned_items.count(wed_item) <= 1


def test_slot_comment_edit_uses_the_editor_with_the_starter(world: World, tmp_path: Path) -> None:
    invoke(world, "plan")
    seen = tmp_path / "seen.txt"
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        f"pathlib.Path({str(seen)!r}).write_text(p.read_text())\n"
        "p.write_text('Mon commentaire écrit dans mon éditeur, assez long.\\n' + p.read_text())\n",
        encoding="utf-8",
    )
    editor = f"{sys.executable} {script}"
    mon = "claire-2026-11-30-0830-relay"
    out = invoke(world, "slot", "comment", mon, "--edit", env={"EDITOR": editor}).output
    assert f"{mon}\u00a0: prêt" in out
    assert "Écrivez votre commentaire" in seen.read_text()
    assert seen.read_text().count("# ") >= 2  # the starter is offered as ignored lines
    (slot,) = [s for s in calendar_json(world) if s["id"] == mon]
    assert slot["comment"] == "Mon commentaire écrit dans mon éditeur, assez long."


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("fr", "curator : erreur : créneau 'nope' introuvable"),
        ("en", "curator: error: no slot 'nope'"),
    ],
)
def test_unknown_slot_is_one_line_exit_1_in_the_profile_language(
    world: World, capsys: pytest.CaptureFixture[str], language: str, said: str
) -> None:
    _set_language(world, language)
    code = main(["--config", str(world.config), "--db", world.db_url, "slot", "pin", "nope"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith(said) and err.count("\n") == 1


def test_comment_and_text_are_exclusive(world: World) -> None:
    result = CliRunner().invoke(
        cli, ["--config", str(world.config), "--db", world.db_url, "slot", "comment", "x"]
    )
    assert result.exit_code == 2 and "exactly one of --text or --edit" in result.output


def test_withdrawal_refills_the_slot_and_removed_slots_keep_their_sequence(world: World) -> None:
    app = world.app()
    try:
        app.plan()
        ids = world.item_ids
        app.decide("claire", ids[0], DecisionKind.WITHDRAW)
        report = app.plan()
        (p,) = report.plans
        mon = next(s for s in p.slots if s.id == "claire-2026-11-30-0830-relay")
        # item 0 is gone: the next best approved item (queued on Friday) moves up to Monday
        assert mon.item_id == ids[1] and mon.sequence == 1
        assert all(s.item_id != ids[0] for s in p.slots)
        # a budget that drops slots marks them removed (kept, with a new sequence) ...
        with app.db.session() as session:
            row = session.get(SlotRow, "claire-2026-12-11-1700-relay")
            assert row is not None
            seq = row.sequence
        app.settings = _with_budget(app, 60)
        dropped = app.plan().plans[0]
        # Claire reads French: "budget de 60 minutes"
        assert dropped.removed > 0 and any("budget de 60\u00a0minutes" in n for n in dropped.notes)
        with app.db.session() as session:
            removed = session.scalars(select(SlotRow).where(SlotRow.removed_at.is_not(None))).all()
            assert removed and all(r.removed_at == NOW for r in removed)
            gone = session.get(SlotRow, "claire-2026-12-11-1700-relay")
            assert gone is not None and gone.removed_at is not None and gone.sequence == seq + 1
        # ... and when the budget grows again, the slot comes back with a higher sequence
        app.settings = _with_budget(app, None)
        app.plan()
        with app.db.session() as session:
            back = session.get(SlotRow, "claire-2026-12-11-1700-relay")
            assert back is not None and back.removed_at is None and back.sequence == seq + 2
    finally:
        app.close()


def _with_budget(app: Any, minutes: int | None) -> Any:
    from dataclasses import replace

    profile = app.settings.profiles[0]
    profile = replace(profile, schedule=replace(profile.schedule, weekly_minutes=minutes))
    return replace(app.settings, profiles=(profile,))


def test_run_includes_the_plan_stage(world: World) -> None:
    app = world.app()
    try:
        report = app.run()
        stage = next(s for s in report.stages if s.name == "plan")
        assert "claire: 8 upcoming slots" in stage.summary
    finally:
        app.close()


def test_past_shows_the_results_log(world: World) -> None:
    invoke(world, "plan")
    mon = "claire-2026-11-30-0830-relay"
    world.clock[0] = NOW + timedelta(hours=3)
    invoke(world, "slot", "done", mon, "--url", "https://example.net/post", "--force")
    world.clock[0] = NOW + timedelta(days=9)
    out = invoke(world, "calendar", "--past").output
    assert "Journal des résultats" in out and "30 nov. 2026" in out
    assert "https://example.net/post" in out
    data = json.loads(invoke(world, "calendar", "--past", "--json").output)
    first = data["weeks"][0]
    assert first["week"] == "2026-11-30" and first["published"] == 1 and first["missed"] == 3
    assert first["minutes_spent"] == 15
    assert data["published"][0]["id"] == mon


def test_comment_on_an_empty_slot_is_refused(world: World, capsys) -> None:
    invoke(world, "plan")
    empty = next(s for s in calendar_json(world) if s["status"] == "empty")
    base = ["--config", str(world.config), "--db", world.db_url]
    code = main([*base, "slot", "comment", empty["id"], "--text", "x" * 40])
    # the world's profile speaks French (issue 16)
    assert code == 1 and "n'a pas d'article à commenter" in capsys.readouterr().err


def test_status_values_are_the_shared_enum(world: World) -> None:
    invoke(world, "plan")
    statuses = {s["status"] for s in calendar_json(world)}
    assert statuses <= {s.value for s in SlotStatus}
    assert datetime.fromisoformat(calendar_json(world)[0]["start"]).utcoffset() is not None


def test_demo_review_approves_top_items_and_shows_every_slot_state(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    from curator.cli.plan import print_calendar
    from curator.demo.approvals import approve_examples

    app = world.app()
    try:
        # the fixture approved items 0, 1, 2 and 4: only item 3 is left undecided
        assert approve_examples(app, per_profile=5) == 1
        assert approve_examples(app, per_profile=5) == 0  # never approves twice
        app.plan()
        view = app.calendar("claire", weeks=2)
    finally:
        app.close()
    assert {s.status for s in view.slots} >= {
        SlotStatus.READY,
        SlotStatus.PLANNED,
        SlotStatus.EMPTY,
    }
    # item 3 is approved but finds no slot: this week is full, next week it is too old
    assert world.item_ids[3] not in {s.item_id for s in view.slots}
    print_calendar(view, weeks=2)
    out = capsys.readouterr().out
    assert "Semaine du lun. 30 nov. 2026" in out and "Semaine du lun. 07 déc. 2026" in out


def test_grid_shortens_a_long_comment_at_a_word_and_drops_invisible_characters() -> None:
    from curator.cli.plan import _notes
    from curator.outputs.words import grid_words_in
    from curator.types import Slot, SlotKind

    comment = "Mon\u200b avis\u202e : " + "recrutement " * 20
    slot = Slot("s", "claire", NOW, SlotKind.RELAY, SlotStatus.READY, comment=comment)
    shown = _notes(slot, grid_words_in("en")).removeprefix("\n[green]💬 ").removesuffix("[/green]")
    assert shown.startswith("Mon avis : recrutement ") and shown.endswith("recrutement…")
    assert len(shown) <= 160


def test_calendar_starts_today_and_counts_whole_weeks(world: World) -> None:
    invoke(world, "plan")
    world.clock[0] = NOW + timedelta(days=4)  # Friday 4 December, 07:00 in Paris
    out = invoke(world, "calendar", "--weeks", "1").output
    assert "ven. 04" in out and "jeu. 10" in out
    assert "│ lun. 30" not in out and "ven. 11" not in out
    # the week's minutes still count Monday to Thursday's slots (3 relays + 1 original)
    assert "Semaine du lun. 30 nov. 2026 — 90 minutes prévues" in out
    starts = [s["start"][:10] for s in calendar_json(world, "--weeks", "1")]
    assert starts[0] == "2026-12-04" and max(starts) <= "2026-12-10"


def test_a_replan_that_places_nothing_new_does_not_load_the_scorer(world: World) -> None:
    invoke(world, "plan")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tests.support.plan import NOW, World\n"
        f"app = World(Path({str(world.config)!r}), {world.db_url!r}, [], [NOW]).app()\n"
        "report = app.plan()\n"
        "app.close()\n"
        "print(report.plans[0].created, report.plans[0].updated, 'curator.score' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["0", "0", "False"]


@pytest.mark.postgres
def test_plan_and_slot_actions_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    w = make_world(tmp_path, pg_url)
    app = w.app()
    try:
        first = app.plan().plans[0]
        assert first.created == 8
        mon = "claire-2026-11-30-0830-relay"
        slot = app.comment_slot(mon, "Un commentaire assez long pour être prêt, sur PostgreSQL.")
        assert slot.status is SlotStatus.READY and slot.sequence == 1
        app.decide("claire", w.item_ids[1], DecisionKind.WITHDRAW)
        again = app.plan().plans[0]
        assert again.updated >= 1 and all(s.item_id != w.item_ids[1] for s in again.slots)
        w.clock[0] = NOW + timedelta(hours=3)
        assert app.slot_done(mon, url="https://example.net/p").status is SlotStatus.PUBLISHED
        view = app.calendar("claire", past=True)
        assert view.log[0].published == 1
    finally:
        app.close()
