"""The Results page of the web workspace (issue 15) in-process through Starlette's test client,
over a real migrated SQLite file: the figures, the forms that record results and minutes, the
import, the advice button, and the web queue's active time under an injected clock."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from curator.app import Curator
from curator.config import load_settings
from curator.results import IDLE_AFTER
from tests.support.plan import NOW, World, world
from tests.test_results_cli import ADVICE_CONFIG_NOTE, THU, URL, WED, _history

__all__ = ["world"]

BASE = "http://127.0.0.1:8421"


@pytest.fixture
def app(world: World) -> Iterator[Curator]:
    curator = world.app()
    yield curator
    curator.close()


@pytest.fixture
def client(app: Curator) -> TestClient:
    from curator.web.app import create_app

    return TestClient(create_app(app), base_url=BASE)


def csrf_of(client: TestClient, path: str = "/p/claire/results") -> str:
    page = client.get(path)
    match = re.search(r'data-csrf="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


def publish_two(world: World, app: Curator) -> None:
    """The relay of Wednesday and the original of Thursday, published on Wednesday evening."""
    app.plan("claire")
    world.clock[0] = NOW + timedelta(days=2, hours=12)
    app.slot_done(WED, url=URL + "/")
    app.slot_done(THU, url="https://www.linkedin.com/posts/claire-2", minutes=50)


def charts_of(page: str) -> dict[str, dict[str, object]]:
    specs = [json.loads(html.unescape(x)) for x in re.findall(r'data-chart="([^"]+)"', page)]
    return {str(s["unit"]): s for s in specs}


def test_the_results_page_shows_the_report_with_charts_and_their_tables(
    world: World, app: Curator, client: TestClient
) -> None:
    publish_two(world, app)
    app.record_results(WED, {"reactions": 14, "comments": 3, "meetings": 1})
    page = client.get("/p/claire/results")
    assert page.status_code == 200
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    text = page.text
    # in the nav beside the other pages, in claire's French
    assert 'href="/p/claire/results" aria-current="page">Résultats</a>' in text
    assert '<script src="/static/chart.umd.min.js" defer></script>' in text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "no inline script"
    charts = charts_of(text)
    time_chart = charts["minutes"]
    # the week of 30 November: 15 min for the relay (its estimate) + the original's 50
    series = {s["label"]: s["data"] for s in time_chart["series"]}  # type: ignore[attr-defined]
    assert series["Déclaré"][-1] == 65 and series["Mesuré"][-1] == 0
    assert "Budget de la semaine" not in series  # claire set no weekly_minutes
    assert len(charts["résultats par heure"]["labels"]) == 12  # type: ignore[arg-type]
    # the tables beside the charts carry the same figures as text: 14 + 3x2 + 20 = 40 points
    # in 65 minutes, 36,9 an hour
    week = re.search(r"<tr>\s*<th scope=\"row\">lun\. 30 nov\.</th>(.*?)</tr>", text, re.S)
    assert week, text
    assert "1 h 05" in week.group(1) and "2 / " in week.group(1)
    assert "<td>40</td>" in week.group(1) and "<td>36,9</td>" in week.group(1)
    assert "1 posts sur 1 avec résultats" in text  # the relay, the one of its kind rated
    # the advice waits for data and says what threshold
    assert "pas encore assez de données" in text.lower()
    assert "il faut 5 posts avec résultats de chaque sorte" in text


def test_recording_results_in_the_browser_keeps_each_change(
    world: World, app: Curator, client: TestClient
) -> None:
    publish_two(world, app)
    token = csrf_of(client)
    form = {"csrf": token, "reactions": "14", "comments": "3", "contacts_target": "1"}
    refused = client.post(f"/p/claire/results/posts/{WED}", data={**form, "csrf": "wrong"})
    assert refused.status_code == 403
    assert app.results_posts("claire")[0][0].results is None

    answer = client.post(f"/p/claire/results/posts/{WED}", data=form, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/p/claire/results")
    said = html.unescape(client.get(answer.headers["location"]).text)
    assert "Enregistré : Marque employeur : ce qui marche en PME, 20 points, 15 min" in said
    world.clock[0] += timedelta(days=1)
    client.post(
        f"/p/claire/results/posts/{WED}",
        data={"csrf": token, "reactions": "20", "note": "un DM", "minutes": "25"},
    )
    post, history = next((p, h) for p, h in app.results_posts("claire") if p.slot_id == WED)
    assert post.results is not None and post.results.reactions == 20
    assert post.results.comments == 3 and post.results.contacts_target == 1  # empty: unchanged
    assert (post.minutes, post.note) == (25, "un DM")
    assert [(c.origin, c.results.reactions, c.minutes) for c in history] == [
        ("web", 14, 15),
        ("web", 20, 25),
    ]

    # bad input: one line naming the field, nothing stored
    bad = client.post(f"/p/claire/results/posts/{WED}", data={"csrf": token, "comments": "-2"})
    assert (
        bad.status_code == 200
        and "comments : un nombre entier de 0 ou plus, pas '-2'" in html.unescape(bad.text)
    )
    nothing = client.post(f"/p/claire/results/posts/{WED}", data={"csrf": token})
    assert "Indiquez au moins un chiffre, une note ou les minutes passées." in nothing.text
    assert len(next(h for p, h in app.results_posts("claire") if p.slot_id == WED)) == 2
    # another profile's post is not found through this one
    other = client.post(f"/p/claire/results/posts/nope-{WED}", data={"csrf": token})
    assert other.status_code == 404


def test_the_results_form_loads_when_asked_then_saves(
    world: World, app: Curator, client: TestClient
) -> None:
    publish_two(world, app)
    app.record_results(WED, {"reactions": 14, "meetings": 1})
    page = client.get("/p/claire/results?weeks=6").text
    # each post links to its form; no form is rendered until asked (issue 14)
    assert f'action="/p/claire/results/posts/{WED}"' not in page
    form_page = f"/p/claire/results/posts/{WED}?weeks=6"
    link = re.search(rf'<a class="record-results" href="{re.escape(form_page)}"[^>]*>', page)
    assert link and f'hx-get="{form_page}"' in link.group(0), page

    # the script asks for the form alone, filled with the post's results
    partial = client.get(form_page, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.text and '<details class="results-entry" open>' in partial.text
    assert f'action="/p/claire/results/posts/{WED}"' in partial.text
    assert re.search(r'name="reactions"[^>]*value="14"[^>]*autofocus', partial.text)
    assert re.search(r'name="meetings"[^>]*value="1"', partial.text)
    assert f'name="next" value="/p/claire/results?weeks=6#post-{WED}"' in partial.text

    # without script the link opens a page holding the same form, which saves
    whole = client.get(form_page)
    assert whole.status_code == 200 and "<html" in whole.text
    assert f'action="/p/claire/results/posts/{WED}"' in whole.text
    assert 'href="/p/claire/results?weeks=6"' in whole.text
    token = csrf_of(client, form_page)
    saved = client.post(
        f"/p/claire/results/posts/{WED}",
        data={"csrf": token, "comments": "4", "next": f"/p/claire/results?weeks=6#post-{WED}"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/p/claire/results?weeks=6#post-{WED}"
    post = next(p for p, _ in app.results_posts("claire") if p.slot_id == WED)
    assert post.results is not None and (post.results.reactions, post.results.comments) == (14, 4)

    # a post of no profile, or a slot not published, is not found
    assert client.get("/p/claire/results/posts/nope").status_code == 404
    assert client.get(f"/p/claire/results/posts/{THU}x").status_code == 404


def _statements_of(app: Curator, client: TestClient, path: str) -> int:
    """The SQL statements one request of `path` runs."""
    from sqlalchemy import event

    count = [0]

    def counted(*_: object) -> None:
        count[0] += 1

    event.listen(app.db.engine, "before_cursor_execute", counted)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(app.db.engine, "before_cursor_execute", counted)
    return count[0]


def test_the_results_page_reads_a_bounded_number_of_statements(
    world: World, app: Curator, client: TestClient
) -> None:
    """A year of history costs no statement per post or per week: the same count for 20
    published posts as for 400."""
    rows = [("relay", 15, 5, "Alpha"), ("original", 45, 30, None)]
    _history(app, rows * 5, weeks=2)  # 20 posts
    few = {
        weeks: _statements_of(app, client, f"/p/claire/results?weeks={weeks}") for weeks in (4, 52)
    }
    _history_more(app, rows * 5, weeks=40)  # 400 more
    assert len(app.results_posts("claire")) == 420
    many = {
        weeks: _statements_of(app, client, f"/p/claire/results?weeks={weeks}") for weeks in (4, 52)
    }
    assert many == few


def _history_more(
    app: Curator, rows: list[tuple[str, int, int, str | None]], *, weeks: int
) -> None:
    """Older posts than `_history`'s, under slot ids of their own."""
    _history(app, rows, weeks=weeks, first_week=3, prefix="claire-older")


def test_the_calendar_marks_published_with_minutes_then_takes_results(
    world: World, app: Curator, client: TestClient
) -> None:
    app.plan("claire")
    world.clock[0] = NOW + timedelta(days=2, hours=12)
    token = csrf_of(client, "/p/claire/calendar")
    done = client.post(
        f"/p/claire/slots/{WED}/done", data={"csrf": token, "minutes": "12", "url": URL}
    )
    assert done.status_code == 200
    post = app.results_posts("claire")[0][0]
    assert (post.slot_id, post.minutes) == (WED, 12)
    calendar = client.get("/p/claire/calendar").text
    slot = calendar[calendar.index(f'id="slot-{WED}"') :]
    slot = slot[: slot.index("</article>")]
    assert f'action="/p/claire/results/posts/{WED}"' in slot
    client.post(
        f"/p/claire/results/posts/{WED}",
        data={"csrf": token, "conversations": "1", "next": f"/p/claire/calendar#slot-{WED}"},
    )
    assert app.results_posts("claire")[0][0].results.conversations == 1  # type: ignore[union-attr]
    wrong = client.post(f"/p/claire/slots/{THU}/done", data={"csrf": token, "minutes": "zéro"})
    assert "minutes : un nombre entier de minutes, plus grand que 0, pas 'zéro'" in html.unescape(
        wrong.text
    )


def test_import_a_csv_from_the_page_reports_unknown_urls_and_refuses_a_broken_file(
    world: World, app: Curator, client: TestClient
) -> None:
    publish_two(world, app)
    token = csrf_of(client)
    good = (
        "Lien;Réactions;Commentaires;Rendez-vous\n"
        f"{URL}?trk=x;14;3;\n"
        "https://www.linkedin.com/posts/claire-2;40;5;1\n"
        "https://www.linkedin.com/posts/someone-else;1;0;0\n"
    )
    answer = client.post(
        "/p/claire/results/import",
        data={"csrf": token},
        files={"file": ("stats.csv", good.encode(), "text/csv")},
    )
    assert answer.status_code == 200
    # in claire's French, the upload named by its own file name
    said = html.unescape(answer.text)
    assert "stats.csv : 2 post(s) mis à jour, 0 inchangé(s), 1 adresse(s) inconnue(s)" in said
    assert "ligne 4 : aucun post publié à l'adresse https://www.linkedin.com/posts/someone-" in said
    posts = {p.slot_id: (p, h) for p, h in app.results_posts("claire")}
    assert posts[THU][0].results.meetings == 1  # type: ignore[union-attr]
    assert posts[THU][1][0].origin == "import stats.csv"

    broken = f"url,reactions\n{URL},99\nhttps://www.linkedin.com/posts/claire-2,beaucoup\n"
    refused = client.post(
        "/p/claire/results/import",
        data={"csrf": token},
        files={"file": ("stats.csv", broken.encode(), "text/csv")},
    )
    # claire's page speaks French (issue 16)
    assert "stats.csv:3: reactions : &#39;beaucoup&#39; n&#39;est pas un nombre" in refused.text
    assert "Traceback" not in refused.text
    posts = {p.slot_id: (p, h) for p, h in app.results_posts("claire")}
    assert posts[WED][0].results.reactions == 14  # type: ignore[union-attr]  # not half-imported
    empty = client.post("/p/claire/results/import", data={"csrf": token})
    assert "Choisissez un fichier CSV ou XLSX à importer." in empty.text


def test_the_advice_button_applies_the_schedule_change(
    world: World, app: Curator, client: TestClient
) -> None:
    text = world.config.read_text(encoding="utf-8").replace(
        "      slots:\n", f"      slots:\n        {ADVICE_CONFIG_NOTE}\n"
    )
    world.config.write_text(text, encoding="utf-8")
    app.settings = load_settings(world.config)
    rows = [("relay", 15, 5, "Alpha"), ("relay", 15, 5, "Alpha")]
    rows += [("original", 45, 45, None), ("original", 45, 45, None)]
    _history(app, rows, weeks=6)
    page = client.get("/p/claire/results?weeks=12").text
    assert "vos posts personnels ont rapporté 3,0x plus par heure que les relais" in page
    assert 'action="/p/claire/results/advice/1"' in page
    token = csrf_of(client)
    no_token = client.post("/p/claire/results/advice/1", data={"weeks": "12"})
    assert no_token.status_code == 403
    answer = client.post("/p/claire/results/advice/1", data={"csrf": token, "weeks": "12"})
    assert "is now original; plan updated" in answer.text
    after = world.config.read_text(encoding="utf-8")
    assert ADVICE_CONFIG_NOTE in after
    assert '- {day: fri, time: "17:00", kind: original}' in after


def test_the_web_queue_counts_active_time_idle_gaps_excluded(
    world: World, app: Curator, client: TestClient
) -> None:
    token = csrf_of(client, "/p/claire/queue")
    headers = {"X-CSRF-Token": token, "X-Requested-With": "curator"}

    def beat(after: timedelta) -> int:
        world.clock[0] += after
        answer = client.post("/p/claire/activity", headers=headers)
        assert answer.status_code == 200, answer.text
        return int(answer.json()["counted"])

    start = world.clock[0]
    assert beat(timedelta(0)) == 0  # the first action starts the count
    assert beat(timedelta(seconds=40)) == 40
    assert beat(timedelta(seconds=90)) == 90
    # a reload sends its report again at once: nothing counts twice
    client.get("/p/claire/queue")
    assert beat(timedelta(0)) == 0
    # the tab left open overnight: the night counts nothing, the next action starts again
    assert beat(timedelta(hours=10)) == 0
    assert beat(IDLE_AFTER) == int(IDLE_AFTER.total_seconds())
    assert beat(IDLE_AFTER + timedelta(seconds=1)) == 0
    # a report from another site or without the token counts nothing
    assert client.post("/p/claire/activity").status_code == 403
    cross = client.post("/p/claire/activity", headers={**headers, "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    total = 40 + 90 + int(IDLE_AFTER.total_seconds())
    report = app.results_report("claire", weeks=1)
    assert report.weeks[-1].minutes_measured == round(total / 60)
    # a second browser session counts its own gaps from its own first action
    other = TestClient(client.app, base_url=BASE)
    other_token = csrf_of(other, "/p/claire/queue")
    other_headers = {"X-CSRF-Token": other_token, "X-Requested-With": "curator"}
    assert other.post("/p/claire/activity", headers=other_headers).json()["counted"] == 0
    assert world.clock[0] - start > timedelta(hours=10)
