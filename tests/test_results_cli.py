"""Recording time and results (issue 15) through the CLI and the facade, on real SQLite files
(and PostgreSQL where the machine has it): `slot done`, `results add/list/import/advice`."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from click.testing import CliRunner, Result
from openpyxl import Workbook

from curator.cli import cli, main
from curator.store import results as results_store
from curator.store.models import SlotRow
from tests.support.plan import NOW, World, make_world, world

__all__ = ["world"]

MON = "claire-2026-11-30-0830-relay"  # a relay, planned without a comment
WED = "claire-2026-12-02-1215-relay"  # a relay approved with its comment: ready
THU = "claire-2026-12-03-0830-original"
EMPTY = "claire-2026-12-07-0830-relay"  # the week after: nothing fresh enough, empty
URL = "https://www.linkedin.com/feed/update/urn:li:activity:7"


def _world_clock(w: World) -> dict[str, str]:
    """The command line's clock set to the world's (CURATOR_CLOCK_OFFSET): the history the
    tests write is dated around NOW, whatever today's date (`make test-clocks` caught it)."""
    return {"CURATOR_CLOCK_OFFSET": str((w.clock[0] - datetime.now(UTC)).total_seconds())}


def invoke(w: World, *args: str) -> Result:
    result = CliRunner(env=_world_clock(w)).invoke(
        cli, ["--config", str(w.config), "--db", w.db_url, *args]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def fail(w: World, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    with patch.dict(os.environ, _world_clock(w)):
        code = main(["--config", str(w.config), "--db", w.db_url, *args])
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def listed(w: World) -> dict[str, dict[str, Any]]:
    return {p["slot"]: p for p in json.loads(invoke(w, "results", "list", "--json").output)}


def test_a_relay_without_its_comment_or_an_empty_slot_is_refused(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    invoke(world, "plan")
    world.clock[0] = NOW + timedelta(hours=3)
    err = fail(world, capsys, "slot", "done", MON)
    # claire writes in French: so does the refusal, with the way out
    assert f"le relais {MON} n'a pas encore votre commentaire" in err
    assert f"curator slot comment {MON} --edit" in err and "--force" in err
    err = fail(world, capsys, "slot", "done", EMPTY)
    assert f"le créneau {EMPTY} est vide" in err
    assert listed(world) == {}  # nothing recorded
    assert "publié" in invoke(world, "slot", "done", MON, "--force").output
    assert set(listed(world)) == {MON}


def test_slot_done_records_the_minutes_with_a_snapshot_of_source_and_topics(world: World) -> None:
    invoke(world, "plan")
    world.clock[0] = NOW + timedelta(days=2, hours=12)
    invoke(world, "slot", "done", WED, "--url", URL, "--minutes", "12")
    invoke(world, "slot", "done", THU)  # an original needs no comment; estimate by default
    posts = listed(world)
    wed, thu = posts[WED], posts[THU]
    assert (wed["minutes"], wed["url"], wed["kind"]) == (12, URL, "relay")
    assert wed["source"] == "Beta" and wed["topics"] == ["marque employeur", "PME"]
    assert wed["title"] == "Marque employeur : ce qui marche en PME"
    assert wed["results"] is None and wed["history"] == []
    assert (thu["minutes"], thu["kind"], thu["source"]) == (45, "original", None)


def test_results_add_keeps_each_change_with_its_date(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    invoke(world, "plan")
    err = fail(world, capsys, "results", "add", WED, "--reactions", "3")
    # the world's profile speaks French (issue 16)
    assert "publication 'claire-" in err and "introuvable" in err and "curator slot done ID" in err
    world.clock[0] = NOW + timedelta(days=2, hours=12)
    invoke(world, "slot", "done", WED, "--url", URL)
    world.clock[0] = NOW + timedelta(days=3)
    out = invoke(
        world, "results", "add", WED, "--reactions", "14", "--comments", "3", "--reposts", "1",
        "--contacts", "2", "--contacts-target", "1", "--conversations", "1", "--meetings", "1",
        "--note", "un DRH m'a écrit",
    ).output  # fmt: skip
    assert f"{WED} : 62 résultats" in out  # 14 + 3x2 + 1x2 + 2x5 + 1x10 + 1x20 (claire's French)
    world.clock[0] = NOW + timedelta(days=6)
    invoke(world, "results", "add", WED, "--reactions", "20", "--minutes", "25")
    post = listed(world)[WED]
    assert post["minutes"] == 25 and [h["minutes"] for h in post["history"]] == [15, 25]
    assert post["results"]["reactions"] == 20 and post["results"]["comments"] == 3
    assert post["results"]["contacts_target"] == 1 and post["note"] == "un DRH m'a écrit"
    history = post["history"]
    assert [h["changed_at"] for h in history] == [
        (NOW + timedelta(days=3)).isoformat(),
        (NOW + timedelta(days=6)).isoformat(),
    ]
    assert [h["results"]["reactions"] for h in history] == [14, 20]
    assert {h["origin"] for h in history} == {"cli"}
    text = invoke(world, "results", "list").output
    assert WED in text and "2 modifications" in text  # claire's French


def _publish_two(w: World) -> None:
    invoke(w, "plan")
    w.clock[0] = NOW + timedelta(days=2, hours=12)
    invoke(w, "slot", "done", WED, "--url", URL + "/")
    invoke(w, "slot", "done", THU, "--url", "https://www.linkedin.com/posts/claire-2")


def test_import_a_french_csv_with_an_unknown_url(world: World, tmp_path: Path) -> None:
    _publish_two(world)
    path = tmp_path / "stats.csv"
    path.write_text(
        "Lien;Réactions;Commentaires;Partages;Rendez-vous;Impressions\n"
        f"{URL}?trk=x;14;3;1;;2 300\n"
        "https://www.linkedin.com/posts/claire-2;40;5;2;1;900\n"
        "https://www.linkedin.com/posts/someone-else;1;0;0;0;10\n",
        encoding="utf-8",
    )
    out = invoke(world, "results", "import", str(path)).output
    assert "2 post(s) updated, 0 unchanged, 1 unknown URL(s)" in out
    assert "line 4: no published post at https://www.linkedin.com/posts/someone-else" in out
    assert "ignored column(s): Impressions" in out
    posts = listed(world)
    assert posts[WED]["results"]["reactions"] == 14 and posts[WED]["results"]["meetings"] == 0
    assert posts[THU]["results"]["meetings"] == 1
    assert posts[THU]["history"][0]["origin"] == "import stats.csv"
    # the same file again changes nothing and adds no history
    assert "0 post(s) updated, 2 unchanged" in invoke(world, "results", "import", str(path)).output
    assert len(listed(world)[THU]["history"]) == 1


# claire speaks French: the file and line, then her words (issue 16)
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "url,reactions\n{url},14\n{other},beaucoup\n",
            "stats.csv:3: reactions : 'beaucoup' n'est",
        ),
        ("url,reactions\n{url},14\n{other},-2\n", "stats.csv:3: reactions : '-2' n'est pas un"),
        ("url,reactions\n{url},14\nnot a link,2\n", "stats.csv:3: url : 'not a link' n'est pas"),
        ("post,reactions,likes\n{url},1,2\n", "stats.csv:1: deux colonnes signifient 'reactions'"),
        ("titre,réactions\nx,14\n", "stats.csv:1: pas de colonne d'URL"),
        ("", "stats.csv: le fichier est vide"),
    ],
)
def test_a_broken_csv_imports_nothing(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    _publish_two(world)
    path = tmp_path / "stats.csv"
    other = "https://www.linkedin.com/posts/claire-2"
    path.write_text(body.format(url=URL, other=other), encoding="utf-8")
    err = fail(world, capsys, "results", "import", str(path))
    assert message in err
    assert all(p["results"] is None for p in listed(world).values())  # not even the good row


def test_import_an_english_xlsx(world: World, tmp_path: Path) -> None:
    _publish_two(world)
    book = Workbook()
    sheet = book.active
    sheet.append(["Post URL", "Reactions", "Comments", "New contacts", "Meetings", "Note"])
    sheet.append([URL, 21, 4, 3, 0, "from the export"])
    sheet.append(["https://www.linkedin.com/posts/claire-2", 7.0, None, 1, 1, None])
    path = tmp_path / "metrics.xlsx"
    book.save(path)
    out = invoke(world, "results", "import", str(path)).output
    assert "2 post(s) updated, 0 unchanged, 0 unknown URL(s)" in out
    posts = listed(world)
    assert posts[WED]["results"]["contacts"] == 3 and posts[WED]["note"] == "from the export"
    assert posts[THU]["results"] == {**posts[THU]["results"], "reactions": 7, "comments": 0}


def test_a_broken_xlsx_imports_nothing(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _publish_two(world)
    path = tmp_path / "metrics.xlsx"
    path.write_bytes(b"this is not a workbook")
    assert "metrics.xlsx: classeur XLSX illisible" in fail(
        world, capsys, "results", "import", str(path)
    )
    book = Workbook()
    book.active.append(["url", "reactions"])
    book.active.append([URL, 3])
    book.active.append(["https://www.linkedin.com/posts/claire-2", "x"])
    book.save(path)
    assert "metrics.xlsx:3: reactions : 'x' n'est" in fail(
        world, capsys, "results", "import", str(path)
    )
    assert all(p["results"] is None for p in listed(world).values())
    missing = tmp_path / "missing.csv"
    assert "missing.csv: lecture impossible" in fail(
        world, capsys, "results", "import", str(missing)
    )
    odd = tmp_path / "metrics.ods"
    odd.write_text("x")
    assert "un fichier .csv ou .xlsx est attendu" in fail(
        world, capsys, "results", "import", str(odd)
    )


def test_results_report_and_json(world: World) -> None:
    _publish_two(world)
    invoke(world, "results", "add", WED, "--reactions", "10")
    invoke(world, "results", "add", THU, "--reactions", "20", "--meetings", "1")
    world.clock[0] = NOW + timedelta(days=8)
    out = invoke(world, "results", "--weeks", "2").output
    assert "Résultats — claire, 2 dernière(s) semaine(s)" in out
    assert "Semaine du 2026-11-30 : 1 h passées (1 h déclarées + 0 min mesurées)" in out
    assert "2/4 posts publiés" in out and "Pas encore assez de données" in out
    data = json.loads(invoke(world, "results", "--weeks", "2", "--json").output)
    week = data["weeks"][0]
    assert (week["week"], week["minutes"], week["published"], week["points"]) == (
        "2026-11-30", 60, 2, 50
    )  # fmt: skip
    assert week["per_hour"] == 50.0
    assert [b["slot"] for b in data["best"]] == [THU, WED]
    assert data["advice"] == [] and data["not_enough_data"]


def test_review_time_counts_in_the_week(world: World) -> None:
    app = world.app()
    try:
        app.record_active_time("claire", NOW, 30 * 60)
        app.record_active_time("claire", NOW, 0)  # nothing measured: nothing kept
        report = app.results_report("claire", weeks=1)
    finally:
        app.close()
    (week,) = report.weeks
    assert (week.minutes_measured, week.minutes_reported, week.minutes) == (30, 0, 30)


ADVICE_CONFIG_NOTE = "# two relays a week, one original: curator's advice may change this"


def _history(
    app: Any,
    rows: list[tuple[str, int, int, str | None]],
    *,
    weeks: int,
    first_week: int = 1,
    prefix: str = "claire-old",
) -> None:
    """Published, rated posts in each of the `weeks` weeks from `first_week` weeks before NOW:
    (kind, minutes, reactions, source) per post and week, under slot ids `prefix-...`."""
    from curator.results import Post
    from curator.types import SlotKind

    with app.db.session() as session:
        for week in range(first_week, first_week + weeks):
            for n, (kind, minutes, reactions, source) in enumerate(rows):
                at = NOW - timedelta(weeks=week) + timedelta(days=n % 7, hours=8 + n)
                slot_id = f"{prefix}-{week}-{n}-{kind}"
                session.add(
                    SlotRow(
                        id=slot_id, profile="claire", starts_at=at, local_date=at.date(),
                        kind=kind, status="published", published_at=at, minutes=minutes,
                        created_at=at, updated_at=at,
                    )
                )  # fmt: skip
                session.flush()
                post = Post(slot_id, "claire", SlotKind(kind), at, minutes, source=source)
                results_store.save_post(session, post, at)
                results_store.set_results(session, slot_id, {"reactions": reactions}, at)


def test_advice_apply_changes_the_schedule_keeping_comments(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    w = make_world(tmp_path, db_url)
    text = w.config.read_text(encoding="utf-8").replace(
        "      slots:\n", f"      slots:\n        {ADVICE_CONFIG_NOTE}\n"
    )
    w.config.write_text(text, encoding="utf-8")
    app = w.app()
    try:
        assert "pas de conseil 1" in fail(w, capsys, "results", "advice", "--apply", "1")
        # six weeks of history: 2 relays (5 reactions, 15 min) and 2 originals (45 reactions,
        # 45 min) a week, published and rated
        rows = [("relay", 15, 5, "Alpha"), ("relay", 15, 5, "Alpha")]
        rows += [("original", 45, 45, None), ("original", 45, 45, None)]
        _history(app, rows, weeks=6)
    finally:
        app.close()
    out = invoke(w, "results", "advice").output
    # claire writes in French: the advice speaks French
    assert "1. vos posts personnels ont rapporté 3,0x plus par heure que les relais sur 6 " in out
    assert "sur quoi : 6 semaines, 12 posts personnels (60,0 par heure) contre 12 relais" in out
    assert "`curator results advice --apply 1`" in out
    out = invoke(w, "results", "advice", "--apply", "1").output
    assert "slot fri 17:00 relay is now original; plan updated" in out
    after = w.config.read_text(encoding="utf-8")
    assert ADVICE_CONFIG_NOTE in after  # the comment survived
    assert '- {day: fri, time: "17:00", kind: original}' in after
    assert after.count("kind: relay") == 2 and after.count("kind: original") == 2


def test_results_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    w = make_world(tmp_path, pg_url)
    app = w.app()
    try:
        app.plan()
        w.clock[0] = NOW + timedelta(days=2, hours=12)
        app.slot_done(WED, url=URL, minutes=20)
        app.record_results(WED, {"reactions": 5, "meetings": 1})
        w.clock[0] = NOW + timedelta(days=3)
        post = app.record_results(WED, {"reactions": 6})
        ((listed_post, history),) = app.results_posts("claire")
    finally:
        app.close()
    assert post.results is not None and post.results.points == 26
    assert listed_post == post and [c.results.reactions for c in history] == [5, 6]


def test_the_review_screen_records_its_active_time(tmp_path: Path) -> None:
    import asyncio

    from curator.app import Curator
    from curator.cli.review_app import ReviewApp
    from curator.config import load_settings
    from curator.store import Database
    from tests.support import review as review_support

    world = review_support.make_world(tmp_path)
    ticks = [review_support.NOW]

    def clock() -> Any:  # every reading is 40 s later: the user is slow but present
        ticks[0] += timedelta(seconds=40)
        return ticks[0]

    curator = Curator(load_settings(world.config), Database.open(world.db_url), clock=clock)
    screen = ReviewApp(curator, curator.settings.profile("claire"))

    async def drive() -> None:
        async with screen.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            for key in ("j", "j", "k"):
                await pilot.press(key)
            ticks[0] += timedelta(minutes=20)  # away: this gap is not counted
            await pilot.press("j")
            await pilot.pause()

    asyncio.run(drive())
    try:
        with curator.db.session() as session:
            spans = results_store.list_spans(session, "claire")
    finally:
        curator.close()
    active = screen.meter.active.total_seconds()
    assert 0 < active < 20 * 60
    assert [(s.activity, s.seconds) for s in spans] == [("review", round(active))]


def _digest_text(w: World, day: str) -> str:
    import email
    from email import policy

    out = w.config.parent / f"digest-{day}.eml"
    invoke(w, "digest", "--to-file", str(out), "--date", day)
    message = email.message_from_bytes(out.read_bytes(), policy=policy.default)
    body = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert body is not None and html is not None
    return str(body.get_content()) + "\n@@HTML@@\n" + str(html.get_content())


def test_the_first_digest_of_the_week_carries_the_week_in_review(world: World) -> None:
    from curator.store.models import DigestRow

    # nothing published yet: no weekly section
    world.clock[0] = NOW + timedelta(days=7)
    assert "Votre semaine en bilan" not in _digest_text(world, "2026-12-07")
    world.clock[0] = NOW
    _publish_two(world)
    invoke(world, "results", "add", WED, "--reactions", "10")
    invoke(world, "results", "add", THU, "--reactions", "20", "--meetings", "1")
    world.clock[0] = NOW + timedelta(days=7)  # Monday 7 December
    text = _digest_text(world, "2026-12-07")
    weekly = text.split("== Votre semaine en bilan ==", 1)[1].split("\n\n", 2)[1]
    assert weekly.startswith("Semaine du 2026-11-30 : 1 h passées (1 h déclarées + 0 min")
    assert "Meilleur post de la semaine : Votre post" not in weekly  # the original's topic
    assert "(40 points)" in weekly and "Tous les chiffres : curator results" in weekly
    html = text.split("@@HTML@@", 1)[1]
    assert "Votre semaine en bilan" in html and "Semaine du 2026-11-30" in html
    # once a digest was sent on Monday, Tuesday's has no weekly section
    app = world.app()
    try:
        with app.db.session() as session:
            session.add(
                DigestRow(
                    profile="claire", day=NOW.date() + timedelta(days=7), state="sent",
                    message_id="<m@curator>", sent_at=NOW + timedelta(days=7),
                    created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
    finally:
        app.close()
    world.clock[0] = NOW + timedelta(days=8)
    assert "Votre semaine en bilan" not in _digest_text(world, "2026-12-08")


def test_the_demo_holds_weeks_of_results_and_a_weekly_review(tmp_path: Path) -> None:
    import email
    from datetime import UTC, datetime
    from email import policy

    from curator.app import Curator
    from curator.demo import run_demo

    monday = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    result = run_demo(tmp_path / "demo", now=monday)
    app = Curator.open(result.config, clock=lambda: monday + timedelta(minutes=5))
    try:
        report = app.results_report("claire", weeks=12)
    finally:
        app.close()
    assert sum(w.published for w in report.weeks) == 24  # six weeks of four slots
    assert {a.code for a in report.advice} == {"over-budget", "move-to-original", "source-nothing"}
    message = email.message_from_bytes(
        (result.directory / "digest-claire-2026-11-30.eml").read_bytes(), policy=policy.default
    )
    body = message.get_body(("plain",))
    assert body is not None
    text = str(body.get_content())
    assert "== Votre semaine en bilan ==" in text and "Semaine du 2026-11-23" in text
    assert "Conseil : vos posts personnels ont rapporté" in text


def test_relay_results_move_scores_with_an_explanation(world: World) -> None:
    app = world.app()
    try:
        app.score()
        before = {s.item_id: s for s in _scores(app)}
        # Alpha's relays earned 10 reactions each, Beta's nothing: three weeks of each
        _history(app, [("relay", 15, 10, "Alpha"), ("relay", 15, 0, "Beta")], weeks=3)
        app.score()
        after = {s.item_id: s for s in _scores(app)}
    finally:
        app.close()
    alpha, beta = world.item_ids[0], world.item_ids[2]
    assert before[alpha].source == 1.0 and before[beta].source == 1.0
    assert after[alpha].source == pytest.approx(1.1) and after[beta].source == pytest.approx(0.95)
    assert after[alpha].final > before[alpha].final and after[beta].final < before[beta].final
    assert after[alpha].why[0].text == (
        "vos relais de Alpha ont rapporté 10,0 réactions par post (3 posts)"
    )
    assert after[beta].why[0].text == "vos relais de Beta n'ont rien rapporté (3 posts)"
    assert all(t.weight > 0 for t in before[alpha].why)


def _scores(app: Any) -> list[Any]:
    from sqlalchemy import select

    from curator.store.models import ScoreRow
    from curator.store.scores import score_from_row

    with app.db.session() as session:
        return [score_from_row(r) for r in session.scalars(select(ScoreRow))]


def test_change_schedule_removes_the_last_slot_of_a_kind_and_refuses_what_is_not_there(
    tmp_path: Path,
) -> None:
    from curator.config_edit import change_schedule
    from curator.errors import ConfigError
    from tests.support.plan import CONFIG

    path = tmp_path / "feeds.yaml"
    path.write_text("# my plan, my comments\n" + CONFIG, encoding="utf-8")
    assert change_schedule(path, "claire", "remove", "relay") == "fri 17:00 relay"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# my plan, my comments\n")
    assert "fri" not in text and text.count("kind: relay") == 2
    assert change_schedule(path, "claire", "convert", "original", "relay") == "thu 08:30 original"
    with pytest.raises(ConfigError, match="no original slot"):
        change_schedule(path, "claire", "remove", "original")
    with pytest.raises(ConfigError, match=r"'nobody' has no schedule\.slots"):
        change_schedule(path, "nobody", "remove", "relay")


def test_a_refused_count_reads_in_the_profile_language(tmp_path: Path) -> None:
    from curator.errors import InvalidAction
    from curator.i18n import language

    w = make_world(tmp_path, f"sqlite:///{tmp_path / 'curator.db'}")
    app = w.app()
    try:
        app.plan()
        w.clock[0] = NOW + timedelta(days=2, hours=12)
        app.slot_done(WED, url=URL, minutes=20)
        with pytest.raises(InvalidAction) as refused:
            app.record_results(WED, {"reactions": -1})
    finally:
        app.close()
    assert language("fr").say_error(refused.value) == (
        f"publication {WED}\u00a0: reactions ne peut pas être négatif"
    )
    assert str(refused.value) == f"post {WED}: reactions cannot be negative"
