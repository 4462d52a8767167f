"""The web workspace (issue 14) in-process through Starlette's test client, over a real
migrated SQLite file, plus one real-socket smoke test through `curator serve`'s Service."""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from starlette.testclient import TestClient

from curator.app import Curator
from curator.config import load_settings
from curator.errors import InvalidAction
from curator.scheduler import Service, ServiceOptions
from curator.types import DecisionKind, SlotStatus
from curator.web.app import QUEUE_PAGE, create_app
from tests.support.review import (
    CONFIG,
    NOW,
    SECOND_PROFILE,
    ReviewWorld,
    add_scored_item,
    make_world,
)

BASE = "http://127.0.0.1:8421"
EVIL_TITLE = "<script>alert('title')</script>Recrutement data"
EVIL_BODY = (
    "Recrutement des data engineers <img src=x onerror=alert('body')> "
    "<a href=\"javascript:alert('link')\">clic</a> et développeurs."
)


@pytest.fixture
def world(tmp_path: Path) -> ReviewWorld:
    return make_world(tmp_path)


@pytest.fixture
def curator(world: ReviewWorld) -> Iterator[Curator]:
    app = world.open()
    yield app
    app.close()


@pytest.fixture
def client(curator: Curator) -> TestClient:
    return TestClient(create_app(curator), base_url=BASE)


def csrf_of(client: TestClient, path: str = "/p/claire/queue") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, page.text
    return match.group(1)


@pytest.mark.parametrize("page", ["today", "queue", "calendar", "feeds"])
def test_each_page_renders_with_a_strict_content_security_policy(
    client: TestClient, page: str
) -> None:
    answer = client.get(f"/p/claire/{page}")
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert "unsafe-inline" not in policy and "http" not in policy
    assert answer.headers["x-frame-options"] == "DENY"
    # No inline script at all: every <script> loads a static file of this origin.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", answer.text, re.S)
    assert scripts and all('src="/static/' in attrs and not body for attrs, body in scripts)
    assert not re.search(r"<[^>]*\son[a-z]+=", answer.text, re.I), "no inline event handler"


def test_root_goes_to_the_first_profile_today_and_unknown_profiles_are_404(
    client: TestClient,
) -> None:
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/p/claire/today"
    missing = client.get("/p/nobody/today")
    assert missing.status_code == 404 and "nobody" in missing.text
    assert client.get("/p/claire/queue/999999", headers={"HX-Request": "true"}).status_code == 404


def test_queue_lists_the_ranked_items_and_the_pane_prefills_the_starter(
    client: TestClient, world: ReviewWorld
) -> None:
    page = client.get("/p/claire/queue").text
    titles = re.findall(r'<span class="title">([^<]+)</span>', page)
    assert titles[0] == "Le recrutement des data engineers en 2026"
    assert titles.index("Le recrutement des data engineers en 2026") < titles.index(
        "Entretiens techniques : les écueils"
    )
    pane = client.get(f"/p/claire/queue/{world.ids[1]}", headers={"HX-Request": "true"}).text
    assert "Salaires des développeurs" in pane
    textarea = re.search(r'<textarea id="comment-\d+" name="comment"[^>]*>([^<]*)</textarea>', pane)
    assert textarea and textarea.group(1).strip(), "the comment editor holds the starter"
    assert 'data-min="20"' in pane and 'data-max="1250"' in pane


def test_approving_in_the_browser_is_the_facade_decision_the_cli_and_calendar_see(
    client: TestClient, curator: Curator, world: ReviewWorld
) -> None:
    token = csrf_of(client)
    comment = "Un point de vue utile sur le recrutement data avec des chiffres à l’appui."
    answer = client.post(
        f"/p/claire/queue/{world.ids[0]}/approve",
        data={"csrf": token, "comment": comment, "starter": "x"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/p/claire/queue"
    _entry, decision = curator.review_item("claire", world.ids[0], starter=False)
    assert decision is not None and decision.kind is DecisionKind.APPROVE
    assert decision.comment == comment
    assert world.ids[0] not in [e.item.id for e in curator.queue("claire")]
    slots = [s for s in curator.calendar("claire").slots if s.item_id == world.ids[0]]
    assert slots and slots[0].status is SlotStatus.READY
    assert comment.encode() in curator.calendar_ics("claire").replace(b"\r\n ", b"")
    # the flash message says where it went, on the page the 303 leads to
    assert "approved #" in client.get("/p/claire/queue").text


def test_the_untouched_starter_approves_without_a_comment(
    client: TestClient, curator: Curator, world: ReviewWorld
) -> None:
    token = csrf_of(client)
    starter = "Ce que j'en retiens :"
    client.post(
        f"/p/claire/queue/{world.ids[1]}/approve",
        data={"csrf": token, "comment": f"  {starter} ", "starter": starter},
    )
    _entry, decision = curator.review_item("claire", world.ids[1], starter=False)
    assert decision is not None and decision.kind is DecisionKind.APPROVE
    assert not decision.comment


def test_keyboard_actions_answer_json_reject_snooze_and_undo(
    client: TestClient, curator: Curator, world: ReviewWorld
) -> None:
    token = csrf_of(client)
    headers = {"X-CSRF-Token": token, "X-Requested-With": "curator"}
    rejected = client.post(f"/p/claire/queue/{world.ids[2]}/reject", headers=headers)
    assert rejected.status_code == 200 and rejected.json()["item"] == world.ids[2]
    until = (NOW + timedelta(days=4)).date().isoformat()
    snoozed = client.post(
        f"/p/claire/queue/{world.ids[3]}/snooze", headers=headers, data={"until": until}
    )
    assert snoozed.status_code == 200, snoozed.text
    assert curator.review_item("claire", world.ids[3])[1].kind is DecisionKind.SNOOZE  # type: ignore[union-attr]
    again = client.post(f"/p/claire/queue/{world.ids[2]}/reject", headers=headers)
    # shown to claire as it is: in her French (issue 16)
    assert again.status_code == 409 and "déjà" in again.json()["error"]
    past = client.post(
        f"/p/claire/queue/{world.ids[4]}/snooze", headers=headers, data={"until": "2001-01-01"}
    )
    assert past.status_code == 409 and past.json()["error"]
    undone = client.post("/p/claire/queue/undo", headers=headers, data={"item_id": world.ids[3]})
    assert undone.status_code == 200 and undone.json()["item"] == world.ids[3]
    assert curator.review_item("claire", world.ids[3])[1] is None


def test_unsafe_requests_need_the_session_csrf_token_and_the_same_site(
    client: TestClient, curator: Curator, world: ReviewWorld
) -> None:
    token = csrf_of(client)
    url = f"/p/claire/queue/{world.ids[0]}/reject"
    refused = [
        client.post(url),  # no token
        client.post(url, data={"csrf": "forged"}),
        client.post(url, headers={"X-CSRF-Token": "forged"}),
        client.post(url, data={"csrf": token}, headers={"Sec-Fetch-Site": "cross-site"}),
        client.post(url, data={"csrf": token}, headers={"Origin": "https://evil.example"}),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    # claire reads French: so do the refusals of her pages (the `web` catalog)
    assert [r.text for r in refused] == [
        "jeton CSRF absent ou erroné\u00a0: rechargez la page et réessayez\n"
    ] * 3 + ["requête venue d’un autre site refusée\n", "requête d’une autre origine refusée\n"]
    # another browser (no session cookie) with a token copied from this page is refused too
    stranger = TestClient(create_app(curator), base_url=BASE)
    assert stranger.post(url, data={"csrf": token}).status_code == 403
    assert curator.review_item("claire", world.ids[0])[1] is None, "nothing was decided"
    ok = client.post(
        url,
        data={"csrf": token},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": BASE},
        follow_redirects=False,
    )
    assert ok.status_code == 303


def test_feed_content_never_carries_script(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    app = world.open()
    evil = add_scored_item(
        app,
        title=EVIL_TITLE,
        body=EVIL_BODY,
        url="javascript:alert('url')",
        final=0.99,
        rank=1,
        why=[["<b onmouseover=alert(1)>data</b>", 0.5]],
    )
    client = TestClient(create_app(app), base_url=BASE)
    pages = [
        client.get("/p/claire/queue").text,
        client.get(f"/p/claire/queue/{evil}", headers={"HX-Request": "true"}).text,
        client.get("/p/claire/today").text,
    ]
    app.close()
    for page in pages:
        assert "<script>alert" not in page and "&lt;script&gt;" in page
        assert "<img" not in page and "<b onmouseover" not in page
        assert 'href="javascript:' not in page.lower()
    assert "onerror=alert" in pages[1]  # shown as text, escaped, inert


def test_slot_actions_comment_pin_skip_and_publish(
    client: TestClient, curator: Curator, world: ReviewWorld
) -> None:
    token = csrf_of(client)
    curator.approve("claire", world.ids[0])
    slot = next(s for s in curator.calendar("claire").slots if s.item_id == world.ids[0])
    assert slot.status is SlotStatus.PLANNED
    grid = client.get("/p/claire/calendar").text
    assert f'id="slot-{slot.id}"' in grid and "linkedin.com/sharing/share-offsite/?url=" in grid
    base = f"/p/claire/slots/{slot.id}"
    client.post(f"{base}/comment", data={"csrf": token, "comment": "Mon avis, en vingt mots."})
    assert curator.get_slot(slot.id).status is SlotStatus.READY
    assert 'data-copy="Mon avis, en vingt mots.' in client.get("/p/claire/calendar").text
    client.post(f"{base}/pin", data={"csrf": token})
    assert curator.get_slot(slot.id).pinned
    client.post(f"{base}/done", data={"csrf": token})
    assert curator.get_slot(slot.id).status is SlotStatus.PUBLISHED
    refused = client.post(f"{base}/done", data={"csrf": token}, follow_redirects=False)
    assert refused.status_code == 303  # back to the page, with the reason shown
    assert "déjà" in client.get("/p/claire/calendar").text  # claire speaks French (issue 16)


def test_the_feeds_page_says_why_a_feed_fails_in_the_profile_language(
    client: TestClient, curator: Curator
) -> None:
    from sqlalchemy import update

    from curator.store.models import FeedRow

    assert curator.feeds()
    with curator.db.session() as session:  # the English a fetch stores, as older rows hold it
        session.execute(
            update(FeedRow).values(last_error="empty body: the server sent no feed", error_count=1)
        )
    page = html.unescape(client.get("/p/claire/feeds").text)
    assert "réponse vide\u00a0: le serveur n’a envoyé aucun flux" in page  # claire reads French
    assert "empty body" not in page


def test_feeds_pause_remove_and_opml_round_trip(
    client: TestClient, curator: Curator, world: ReviewWorld
) -> None:
    token = csrf_of(client, "/p/claire/feeds")
    url = "http://127.0.0.1:9/data.xml"
    client.post("/p/claire/feeds/pause", data={"csrf": token, "url": url})
    assert "paused: true" in world.config.read_text(encoding="utf-8")
    assert "en pause" in client.get("/p/claire/feeds").text  # claire reads French
    opml = client.get("/p/claire/feeds/export.opml")
    assert opml.status_code == 200 and url in opml.text
    client.post("/p/claire/feeds/remove", data={"csrf": token, "url": url})
    assert url not in world.config.read_text(encoding="utf-8")
    imported = client.post(
        "/p/claire/feeds/import",
        data={"csrf": token},
        files={"opml": ("feeds.opml", opml.content, "text/x-opml")},
        follow_redirects=True,
    )
    assert "1 ajouté(s)" in imported.text  # claire reads French
    assert url in world.config.read_text(encoding="utf-8")
    unknown = client.post("/p/claire/feeds/pause", data={"csrf": token, "url": "nope"})
    assert "nope" in unknown.text  # one line naming what is wrong, on the page


def test_login_required_beyond_loopback(tmp_path: Path) -> None:
    world = make_world(tmp_path, config=CONFIG + "serve: {token: s3cret}\n")
    app = world.open()
    try:
        client = TestClient(create_app(app, require_login=True), base_url=BASE)
        first = client.get("/p/claire/queue", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"].startswith("/login")
        token = csrf_of(client, "/login")
        needs_login = client.post("/p/claire/queue/undo", data={"csrf": token})
        assert needs_login.status_code == 401 and needs_login.text == "connexion requise\n"
        wrong = client.post("/login", data={"csrf": token, "token": "guess"})
        assert wrong.status_code == 401
        ok = client.post(
            "/login?next=/p/claire/queue",
            data={"csrf": token, "token": "s3cret"},
            follow_redirects=False,
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/p/claire/queue"
        cookie = ok.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert client.get("/p/claire/queue").status_code == 200
        # A changed serve.token signs sessions with another key: the old cookie is worthless.
        world.config.write_text(CONFIG + "serve: {token: other}\n", encoding="utf-8")
        app.settings = load_settings(world.config)
        moved = TestClient(create_app(app, require_login=True), base_url=BASE)
        moved.cookies = client.cookies
        assert moved.get("/p/claire/queue", follow_redirects=False).status_code == 303
    finally:
        app.close()


def test_pages_speak_the_profile_language(tmp_path: Path) -> None:
    world = make_world(tmp_path, config=CONFIG.replace("feeds:", SECOND_PROFILE + "feeds:", 1))
    app = world.open()
    try:
        client = TestClient(create_app(app), base_url=BASE)
        french = client.get("/p/claire/calendar").text
        english = client.get("/p/marc/calendar").text
    finally:
        app.close()
    assert '<html lang="fr">' in french and "Calendrier" in french
    assert re.search(r"<h2>(lun\.|mar\.|mer\.|jeu\.|ven\.|sam\.|dim\.) \d\d ", french)
    assert '<html lang="en">' in english and ">Calendar<" in english
    assert re.search(r"<h2>(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d ", english)
    assert "Calendrier" not in english


def test_every_web_string_has_its_french_translation() -> None:
    from babel.messages.pofile import read_po

    locale = Path(__file__).resolve().parents[1] / "curator" / "locale"
    with (locale / "fr" / "LC_MESSAGES" / "web.po").open("rb") as f:
        catalog = read_po(f)
    with (locale / "web.pot").open("rb") as f:
        template = read_po(f)
    wanted = {m.id for m in template if m.id}
    assert wanted <= {m.id for m in catalog if m.id and m.string}, "run pybabel update"
    mo = locale / "fr" / "LC_MESSAGES" / "web.mo"
    assert mo.stat().st_mtime >= (locale / "fr" / "LC_MESSAGES" / "web.po").stat().st_mtime - 1


def test_a_login_needs_a_token(curator: Curator) -> None:
    with pytest.raises(InvalidAction, match=r"serve\.token"):
        create_app(curator, require_login=True)


@pytest.mark.slow
def test_the_service_serves_pages_health_and_calendars_on_one_port(world: ReviewWorld) -> None:
    app = world.open()
    service = Service(
        app,
        ServiceOptions(port=0, tick_seconds=3600),
        web=lambda routes: create_app(app, routes=routes),
    )
    service.start()
    try:
        with httpx.Client(base_url=service.address, timeout=10) as http:
            today = http.get("/p/claire/today")
            # the refresh at start re-plans: compare calendars once it is over
            deadline = time.monotonic() + 120
            while True:
                health = http.get("/healthz")
                if health.json()["jobs"].get("refresh", {}).get("last_run"):
                    break
                assert time.monotonic() < deadline, health.text
                time.sleep(0.2)
            ics = http.get("/calendar/claire.ics")
            again = http.get("/calendar/claire.ics", headers={"If-None-Match": ics.headers["etag"]})
    finally:
        service.stop()
        app.close()
    assert today.status_code == 200 and "Trier la file" in today.text
    assert health.headers["content-type"].startswith("application/json")
    assert ics.status_code == 200 and ics.content.startswith(b"BEGIN:VCALENDAR")
    assert again.status_code == 304 and again.content == b""


PUBLIC = CONFIG + "serve: {token: s3cret, public_url: 'https://curator.example.org/'}\n"


def _digest_links(app: Curator) -> dict[str, str]:
    """The first digest item's links, from the dry-run digest text."""
    (outcome,) = app.digest("claire", mode="dry-run").outcomes
    assert outcome.text is not None
    found = re.findall(
        r"^  (Approuver|Rejeter|Reporter|Ouvrir dans curator)\W*<([^>]+)>", outcome.text, re.M
    )
    assert found, outcome.text
    names = {"Approuver": "approve", "Rejeter": "reject", "Reporter": "snooze"}
    links: dict[str, str] = {}
    for label, url in found:
        links.setdefault(names.get(label, "open"), url)
    return links


def test_digest_items_link_to_a_confirmation_that_acts_once(tmp_path: Path) -> None:
    world = make_world(tmp_path, config=PUBLIC)
    app = world.open()
    try:
        links = _digest_links(app)
        assert set(links) == {"approve", "reject", "snooze", "open"}
        assert all(u.startswith("https://curator.example.org/") for u in links.values())
        item = int(links["open"].rsplit("=", 1)[1])
        # the public address is where the user's browser goes; in-process it is this app
        client = TestClient(create_app(app, require_login=True), base_url=BASE)
        path = links["approve"].removeprefix("https://curator.example.org")
        # a GET (a mail scanner following the link) changes nothing: it asks to confirm
        for _ in range(2):
            confirm = client.get(path)
            assert confirm.status_code == 200 and '<form method="post"' in confirm.text
        assert app.review_item("claire", item)[1] is None
        # a link opened from a mail client is a cross-site navigation: the browser withholds
        # the SameSite=Strict session cookie, and an answer setting a new one would log the
        # user out; the link's own signed token is what authorises its one action
        assert "set-cookie" not in confirm.headers and not client.cookies
        cross_site = client.post(path, headers={"Sec-Fetch-Site": "cross-site"})
        assert cross_site.status_code == 403
        assert app.review_item("claire", item)[1] is None
        done = client.post(path, headers={"Sec-Fetch-Site": "same-origin"})
        assert done.status_code == 200 and "approved #" in done.text
        decision = app.review_item("claire", item)[1]
        assert decision is not None and decision.kind is DecisionKind.APPROVE
        # idempotent: the second click, and the other actions on that item, say it is done
        again = client.post(path)
        assert (
            again.status_code == 200
            and "Déjà fait : approuvé" in again.text
            and '<form method="post" action="/d/' not in again.text
        )
        rejected = client.post(links["reject"].removeprefix("https://curator.example.org"))
        assert app.review_item("claire", item)[1].kind is DecisionKind.APPROVE  # type: ignore[union-attr]
        assert rejected.status_code == 200
    finally:
        app.close()


def test_digest_links_expire_and_die_with_the_token(tmp_path: Path) -> None:
    world = make_world(tmp_path, config=PUBLIC)
    app = world.open()
    links = _digest_links(app)
    path = links["snooze"].removeprefix("https://curator.example.org")
    app.close()
    later = world.open(NOW + timedelta(days=8))
    try:
        expired = TestClient(create_app(later), base_url=BASE).get(path)
        assert expired.status_code == 400 and "expired" in expired.text
        assert TestClient(create_app(later), base_url=BASE).get(path + "x").status_code == 400
    finally:
        later.close()
    world.config.write_text(PUBLIC.replace("s3cret", "changed"), encoding="utf-8")
    moved = world.open()
    try:
        refused = TestClient(create_app(moved), base_url=BASE).get(path)
        assert refused.status_code == 400 and "serve.token changed" in refused.text
    finally:
        moved.close()


def test_without_public_url_the_digest_carries_no_action_link(curator: Curator) -> None:
    (outcome,) = curator.digest("claire", mode="dry-run").outcomes
    assert (
        outcome.text is not None and "/d/" not in outcome.text and "Approuver" not in outcome.text
    )


def test_public_url_needs_the_token(tmp_path: Path) -> None:
    from curator.errors import ConfigError

    path = tmp_path / "feeds.yaml"
    path.write_text(CONFIG + "serve: {public_url: 'https://x.example'}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"serve\.public_url.*needs serve\.token"):
        load_settings(path)
    path.write_text(CONFIG + "serve: {token: t, public_url: 'curator.example'}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"expected the workspace's address"):
        load_settings(path)


def _queue_world(curator: Curator, extra: int) -> list[int]:
    """`extra` more ranked items after the world's five, so the queue runs past one page."""
    return [
        add_scored_item(
            curator,
            title=f"Recrutement data, épisode {n}",
            body=f"Recrutement des data engineers, épisode {n}.",
            url=f"https://example.org/episode-{n}",
            final=0.5 - n / 1000,
            rank=10 + n,
        )
        for n in range(extra)
    ]


def test_the_queue_page_reads_one_page_down_the_rank_index_whatever_the_history(
    client: TestClient, curator: Curator
) -> None:
    """Issue 14: the page read every scored item and sorted them all (40 ms on a year of
    history). Now each of its statements searches an index and stops at the page: no table
    scanned, nothing sorted whole, whatever the number of scored items."""
    _queue_world(curator, 150)
    statements: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        statements.append((args[2], args[3]))

    event.listen(curator.db.engine, "before_cursor_execute", record)
    try:
        page = client.get("/p/claire/queue")
    finally:
        event.remove(curator.db.engine, "before_cursor_execute", record)
    assert page.status_code == 200
    assert page.text.count('<li id="entry-') == QUEUE_PAGE
    reads = [(sql, params) for sql, params in statements if " scores" in sql]
    assert reads, statements
    with curator.db.engine.connect() as connection:
        for sql, params in reads:
            plan = [
                row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            ]
            scans = [step for step in plan if re.match(r"SCAN (items|scores|decisions)", step)]
            assert not scans, (sql, plan)
            assert "USE TEMP B-TREE FOR ORDER BY" not in plan, (sql, plan)
            assert not [step for step in plan if step.startswith("MATERIALIZE")], (sql, plan)


def test_the_queue_goes_on_past_its_first_page_without_a_reload(
    client: TestClient, curator: Curator
) -> None:
    """The page lists a page of rows and says where the next ones start; the rows after an item
    come as a fragment for the script (with where the following ones start), or as a page without
    the script, and together they list the whole queue once."""
    _queue_world(curator, 150)
    queue = [e.item.id for e in curator.queue("claire")]
    page = client.get("/p/claire/queue").text
    first = [int(i) for i in re.findall(r'<li id="entry-(\d+)"', page)]
    assert first == queue[:QUEUE_PAGE]
    more = re.search(r'id="more-rows" data-rows="([^"]+)"><a href="([^"]+)"', page)
    assert more and more.group(1) == f"/p/claire/queue/rows?after={queue[QUEUE_PAGE - 1]}"
    assert more.group(2) == f"/p/claire/queue?after={queue[QUEUE_PAGE - 1]}"  # without the script
    listed, url = first, more.group(1)
    while url:
        rows = client.get(url, headers={"HX-Request": "true"})
        assert rows.status_code == 200 and "<html" not in rows.text
        listed += [int(i) for i in re.findall(r'<li id="entry-(\d+)"', rows.text)]
        url = rows.headers.get("x-curator-more", "")
    assert listed == queue and len(queue) > 120
    plain = client.get(f"/p/claire/queue?after={queue[QUEUE_PAGE - 1]}").text
    assert [int(i) for i in re.findall(r'<li id="entry-(\d+)"', plain)] == queue[
        QUEUE_PAGE : 2 * QUEUE_PAGE
    ]


def _dst_world(world: ReviewWorld, now: datetime) -> Curator:
    app = world.open(now=now)
    app.plan()
    return app


def test_calendar_weeks_go_back_and_forth_in_the_profile_zone_across_dst(
    world: ReviewWorld,
) -> None:
    """Europe/Paris leaves summer time on Sunday 25 October 2026 at 03:00: the week of 19-25
    October lasts 169 hours. Each slot stays on its local day and hour on both sides, and the
    week links (bookmarkable: ISO week or any date of the week) follow one another."""
    friday = datetime(2026, 10, 16, 9, 0, tzinfo=UTC)
    app = _dst_world(world, friday)
    try:
        client = TestClient(create_app(app), base_url=BASE)
        this = client.get("/p/claire/calendar").text
        assert 'data-week="2026-W42"' in this and 'aria-current="date"' in this
        assert 'href="/p/claire/calendar?week=2026-W43" rel="next"' in this
        assert 'href="/p/claire/calendar?week=2026-W41" rel="prev"' in this

        def days(text: str) -> dict[str, list[str]]:
            found = re.findall(
                r'<section class="day" aria-label="([^"]+)">(.*?)</section>', text, re.S
            )
            return {
                day: re.findall(r'<span class="when">[^<]* (\d\d:\d\d)</span>', body)
                for day, body in found
            }

        change = client.get("/p/claire/calendar?week=2026-W43").text
        assert 'data-week="2026-W43"' in change and 'aria-current="date"' not in change
        grid = days(change)
        assert next(iter(grid)).startswith("lun. 19") and list(grid)[-1].startswith("dim. 25")
        assert grid[next(d for d in grid if d.startswith("lun. 19"))] == ["08:30"]
        assert grid[next(d for d in grid if d.startswith("ven. 23"))] == ["12:00"]
        after = days(client.get("/p/claire/calendar?week=2026-10-28").text)  # a date of W44
        assert next(iter(after)).startswith("lun. 26")
        assert after[next(d for d in after if d.startswith("lun. 26"))] == ["08:30"]
        assert after[next(d for d in after if d.startswith("mer. 28"))] == ["08:30"]
        slots = {s.starts_at for s in app.calendar("claire", weeks=3).slots}
        assert datetime(2026, 10, 19, 6, 30, tzinfo=UTC) in slots  # 08:30 CEST
        assert datetime(2026, 10, 26, 7, 30, tzinfo=UTC) in slots  # 08:30 CET
        for bad in ("2026-W99", "0001-W01", "demain"):
            wrong = client.get(f"/p/claire/calendar?week={bad}")
            assert wrong.status_code == 400 and f"week={bad} : donnez" in wrong.text
    finally:
        app.close()


def test_the_script_s_words_are_in_the_profile_language(tmp_path: Path) -> None:
    """curator.js is a static file: what it says (undo, copy, errors) comes from the page."""
    world = make_world(tmp_path, config=CONFIG.replace("feeds:", SECOND_PROFILE + "feeds:", 1))
    app = world.open()
    try:
        client = TestClient(create_app(app), base_url=BASE)
        for profile, expected in [("claire", "Rien à annuler."), ("marc", "Nothing to undo.")]:
            for page in ("today", "queue", "calendar", "feeds"):
                text = client.get(f"/p/{profile}/{page}").text
                words = re.search(r"data-words='([^']+)'", text)
                assert words, text
                assert json.loads(html.unescape(words.group(1)))["nothingToUndo"] == expected
        # numbers and plurals of the pages too: a French decimal comma, "1 autre version"
        pane = client.get(f"/p/claire/queue/{world.ids[0]}", headers={"HX-Request": "true"})
        assert "score 0,91 · 1 autre version<" in pane.text
        token = csrf_of(client)
        nothing = client.post(
            "/p/claire/queue/undo",
            headers={"X-CSRF-Token": token, "X-Requested-With": "curator"},
        )
        assert nothing.status_code == 409 and nothing.json() == {"error": "Rien à annuler."}
    finally:
        app.close()


def test_the_queue_and_today_say_when_objective_and_items_are_in_other_languages(
    words_only: None, tmp_path: Path
) -> None:
    """Issue 18: without the semantic extra, stems do not meet across languages. What the last
    full scoring pass found is said where the user triages, in her language, and taken back
    once the items are in the objective's language again."""
    from sqlalchemy import update

    from curator.store.models import ItemRow

    world = make_world(tmp_path, config=CONFIG.replace("feeds:", SECOND_PROFILE + "feeds:", 1))
    app = world.open()
    try:
        client = TestClient(create_app(app), base_url=BASE)
        assert 'id="language-gap"' not in client.get("/p/marc/queue").text  # no pass yet

        app.score()  # every item is French: marc's objective is English
        english = client.get("/p/marc/queue").text
        assert 'id="language-gap"' in english
        assert "Your objective is in English and 100% of your items" in english
        assert "pip install &#39;curator[semantic]&#39;" in english
        assert 'id="language-gap"' not in client.get("/p/claire/queue").text

        with app.db.session() as session:
            session.execute(update(ItemRow).values(language="en"))
        app.score()
        french = client.get("/p/claire/today").text
        assert "Votre objectif est en français et 100% de vos articles" in french
        assert 'id="language-gap"' in client.get("/p/claire/queue").text
        assert 'id="language-gap"' not in client.get("/p/marc/today").text
    finally:
        app.close()
