"""The web workspace end to end in Debian's Chromium, driven by Playwright (issue 14).

On the demo database, served by the real service (uvicorn on 127.0.0.1): the daily loop by
keyboard, the calendar and its .ics, the security cases, axe-core on every page, screenshots at
1280 and 375 px. Skipped only when Chromium is absent and CURATOR_REQUIRE_BROWSER is not set
(.ci/run sets it, so CI fails rather than skips).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from curator.app import Curator
from curator.demo import run_demo
from curator.demo.server import StaticServer
from curator.scheduler import Service, ServiceOptions
from curator.types import DecisionKind
from curator.web.app import QUEUE_PAGE, create_app
from tests.support.review import add_scored_item

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("CURATOR_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "support" / "axe" / "axe.min.js"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # a Friday; the demo plays that day
PAGES = ["today", "queue", "calendar", "feeds", "results"]

if not Path(CHROMIUM).exists():
    if os.environ.get("CURATOR_REQUIRE_BROWSER"):
        raise RuntimeError(f"CURATOR_REQUIRE_BROWSER is set but {CHROMIUM} does not exist")
    pytest.skip(
        f"no Chromium at {CHROMIUM} (apt-get install chromium); set CURATOR_REQUIRE_BROWSER=1 "
        "to make this a failure",
        allow_module_level=True,
    )

sync_api = pytest.importorskip("playwright.sync_api")


@dataclass
class Served:
    curator: Curator
    base: str
    folder: Path
    evil_id: int


def _add_evil_item(curator: Curator) -> int:
    return add_scored_item(
        curator,
        title="<script>alert('title')</script><img src=x onerror=alert('t')>",
        body=(
            "Recrutement <script>alert('body')</script> <img src=x onerror=alert('img')> "
            "<a href=\"javascript:alert('link')\">clic</a> data engineers."
        ),
        url="javascript:alert('url')",
        final=0.01,
        rank=None,
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("web-demo")
    result = run_demo(folder / "demo", now=NOW)
    curator = Curator.open(result.config, f"sqlite:///{result.database}", clock=lambda: NOW)
    evil = _add_evil_item(curator)
    service = Service(
        curator,
        ServiceOptions(port=0, tick_seconds=3600),
        web=lambda routes: create_app(curator, routes=routes),
    )
    service.start()
    try:
        # The service refreshes (fetch, score, plan) once at start: the pages are tested once
        # it is over, so a slow machine's re-scoring cannot hold the write lock mid-test.
        deadline = time.monotonic() + 120
        while (
            not httpx.get(service.address + "/healthz")
            .json()["jobs"]
            .get("refresh", {})
            .get("last_run")
        ):
            assert time.monotonic() < deadline, "the service's first refresh never ended"
            time.sleep(0.2)
        yield Served(curator, service.address, folder, evil)
    finally:
        service.stop()
        curator.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs  # type: ignore[attr-defined]
    yield page
    context.close()


def settle(check: Any, what: str, seconds: float = 30) -> None:
    """Wait for the server to have saved what the page already shows (decisions are saved
    while the next item shows)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def pane_item(page: Any) -> str:
    return str(page.locator("#pane article").get_attribute("data-item"))


def triage(page: Any, keys: list[str]) -> None:
    """Press each key on the queue and wait until the pane shows another item."""
    for key in keys:
        before = pane_item(page)
        if key == "s":
            page.keyboard.press("s")
            page.keyboard.press("Enter")  # the date picker's default: three days on
        else:
            page.keyboard.press(key)
        page.wait_for_function(
            "before => document.querySelector('#pane article')?.dataset.item !== before",
            arg=before,
        )


def test_the_daily_loop_by_keyboard_reaches_the_calendar_and_the_ics(
    page: Any, served: Served
) -> None:
    page.goto(served.base + "/")
    assert page.locator("h1").inner_text().startswith(("Today", "Aujourd"))
    page.get_by_role("link", name="Queue").or_(page.get_by_role("link", name="File")).first.click()
    page.wait_for_selector("#pane article")
    first = pane_item(page)
    page.keyboard.press("j")
    page.wait_for_function(
        "first => document.querySelector('#pane article')?.dataset.item !== first", arg=first
    )
    page.keyboard.press("k")
    page.wait_for_function(
        "first => document.querySelector('#pane article')?.dataset.item === first", arg=first
    )
    decided = [first]
    # nine decisions by key: rejects and snoozes, each showing the next item at once
    for key in ["x", "x", "s", "x", "x", "s", "x", "x", "x"]:
        decided.append(pane_item(page))
        triage(page, [key])
    # the tenth: approve with a comment written over the starter, its length counted live
    chosen = pane_item(page)
    title = page.locator("#pane h2").inner_text()
    page.keyboard.press("a")
    editor = page.locator("#pane textarea[name=comment]")
    assert editor.evaluate("e => e === document.activeElement")
    comment = "Exactement ce que je vois chez mes clients : des délais qui s'allongent."
    page.keyboard.type(comment)
    assert str(len(comment)) in page.locator("#pane output.count").inner_text()
    page.keyboard.press("Control+Enter")
    page.wait_for_function(
        "c => document.querySelector('#pane article')?.dataset.item !== c", arg=chosen
    )
    c = served.curator
    settle(lambda: all(c.review_item("claire", int(i))[1] for i in [*decided[1:], chosen]), "saves")
    kinds = [c.review_item("claire", int(i))[1] for i in decided[1:]]
    assert [k.kind if k else None for k in kinds] == [
        DecisionKind.REJECT, DecisionKind.REJECT, DecisionKind.SNOOZE, DecisionKind.REJECT,
        DecisionKind.REJECT, DecisionKind.SNOOZE, DecisionKind.REJECT, DecisionKind.REJECT,
        DecisionKind.REJECT,
    ]  # fmt: skip
    approved = c.review_item("claire", int(chosen))[1]
    assert approved is not None and approved.kind is DecisionKind.APPROVE
    assert approved.comment == comment
    # u takes the last decision back: the item returns to the list and the pane
    page.keyboard.press("u")
    page.wait_for_function(
        "c => document.querySelector('#pane article')?.dataset.item === c", arg=chosen
    )
    assert c.review_item("claire", int(chosen))[1] is None
    page.keyboard.press("a")
    page.keyboard.type(comment)
    page.keyboard.press("Control+Enter")
    page.wait_for_function(
        "c => document.querySelector('#pane article')?.dataset.item !== c", arg=chosen
    )
    settle(
        lambda: any(s.item_id == int(chosen) for s in c.calendar("claire").slots),
        "the approval to be planned",
    )

    planned = next(s for s in c.calendar("claire").slots if s.item_id == int(chosen))
    # the calendar shows a week at a time: the one the slot falls in (a bookmarkable URL)
    page.goto(f"{served.base}/p/claire/calendar?week={planned.starts_at.date().isoformat()}")
    slot = page.locator("article.slot", has_text=title).first
    assert slot.is_visible()
    slot.get_by_role("button", name="Copy comment + link").or_(
        slot.get_by_role("button", name="Copier commentaire + lien")
    ).first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(comment) and "http" in copied.splitlines()[-1]
    ics = page.request.get(f"{served.base}/calendar/claire.ics").body()
    unfolded = ics.replace(b"\r\n ", b"").decode()
    assert comment.replace(",", "\\,") in unfolded


def test_feed_content_runs_no_script_in_the_browser(page: Any, served: Served) -> None:
    page.goto(f"{served.base}/p/claire/queue?item={served.evil_id}")
    page.wait_for_selector("#pane article")
    assert "<script>alert('title')</script>" in page.locator("#pane h2").inner_text()
    assert page.locator("#pane img").count() == 0
    assert page.locator("#pane a[href^='javascript']").count() == 0
    page.wait_for_timeout(300)
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_a_cross_site_form_cannot_decide(page: Any, served: Served) -> None:
    target = max(e.item.id for e in served.curator.queue("claire"))
    evil = (
        f'<form id="f" method="post" action="{served.base}/p/claire/queue/{target}/reject">'
        '<input name="csrf" value="guess"></form>'
        '<script>document.getElementById("f").submit()</script>'
    ).encode()
    page.goto(served.base + "/")  # the user has a session
    with StaticServer() as other:
        other.publish({"/evil.html": (evil, "text/html")})
        with page.expect_response(lambda r: "/reject" in r.url) as answer:
            page.goto(f"{other.base_url}/evil.html")
        assert answer.value.status == 403
    assert served.curator.review_item("claire", target)[1] is None


def test_the_results_page_draws_its_charts_and_records_results(page: Any, served: Served) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: errors.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.goto(f"{served.base}/p/claire/results")
    # three charts, each drawn by the vendored Chart.js under the strict CSP, no error logged
    page.wait_for_function(
        "() => { const c = [...document.querySelectorAll('canvas.chart')];"
        " return c.length === 3 && c.every(x => Chart.getChart(x)); }"
    )
    assert errors == []
    post = page.locator("ul.posts > li").first
    slot_id = str(post.get_attribute("id")).removeprefix("post-")
    title = post.locator(".title").inner_text()
    # the form is fetched when asked, by keyboard too, and takes the focus
    assert post.locator("form").count() == 0
    post.locator("a.record-results").focus()
    page.keyboard.press("Enter")
    post.locator("input[name=reactions]").wait_for()
    page.wait_for_function("() => document.activeElement.name === 'reactions'", timeout=5000)
    assert page.url.endswith("/p/claire/results"), "loaded in place, not another page"
    post.locator("input[name=comments]").fill("7")
    post.get_by_role("button", name="Enregistrer les résultats").click()
    page.wait_for_load_state()
    assert page.locator("p.flash").first.inner_text().startswith(f"Enregistré : {title}, ")
    saved = next(p for p, _ in served.curator.results_posts("claire") if p.slot_id == slot_id)
    assert saved.results is not None and saved.results.comments == 7


def test_the_web_queue_reports_its_activity(page: Any, served: Served) -> None:
    with page.expect_response(lambda r: r.url.endswith("/p/claire/activity")) as first:
        page.goto(f"{served.base}/p/claire/queue")
    assert first.value.status == 200
    page.wait_for_timeout(10_100)  # past the script's report interval: the next key reports
    with page.expect_response(lambda r: r.url.endswith("/p/claire/activity")) as again:
        page.keyboard.press("j")
    assert again.value.status == 200 and "counted" in again.value.json()


@pytest.mark.parametrize("page_name", PAGES)
def test_axe_finds_no_serious_violation_and_screenshots(
    browser: Any, served: Served, page_name: str, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("CURATOR_SCREENSHOTS", tmp_path))
    for width in (1280, 375):
        # axe is injected as an inline script: only this test context bypasses the CSP.
        context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
        page = context.new_page()
        page.goto(f"{served.base}/p/claire/{page_name}")
        page.screenshot(path=str(shots / f"{page_name}-{width}.png"), full_page=True)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        context.close()
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"{page_name} at {width}px: {bad}"
        assert (shots / f"{page_name}-{width}.png").stat().st_size > 0


def test_axe_finds_no_serious_violation_in_a_results_form(
    browser: Any, served: Served, tmp_path: Path
) -> None:
    """The form a Results page loads when asked, in place and on its own page (no script)."""
    shots = Path(os.environ.get("CURATOR_SCREENSHOTS", tmp_path))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{served.base}/p/claire/results")
    post = page.locator("ul.posts > li").first
    form_page = served.base + str(post.locator("a.record-results").get_attribute("href"))
    post.locator("a.record-results").click()
    post.locator("input[name=reactions]").wait_for()
    page.screenshot(path=str(shots / "results-form-1280.png"), full_page=True)
    checked: dict[str, Any] = {}
    page.add_script_tag(path=str(AXE))
    checked["in place"] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    page.goto(form_page)
    assert page.locator("form.results-form input[name=reactions]").count() == 1
    page.add_script_tag(path=str(AXE))
    checked["on its own page"] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    context.close()
    for where, result in checked.items():
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"results form {where}: {bad}"


def test_a_digest_link_confirms_then_acts_once(browser: Any, tmp_path: Path) -> None:
    from tests.support.review import CONFIG, make_world

    public = "https://curator.example.org"
    world = make_world(
        tmp_path, config=CONFIG + f"serve: {{token: s3cret, public_url: {public}}}\n"
    )
    app = world.open()
    service = Service(
        app,
        ServiceOptions(port=0, tick_seconds=3600),
        web=lambda routes: create_app(app, routes=routes),
    )
    service.start()
    try:
        (outcome,) = app.digest("claire", mode="dry-run").outcomes
        assert outcome.text is not None
        link = next(
            line.split("<", 1)[1].rstrip(">")
            for line in outcome.text.splitlines()
            if line.startswith("  Rejeter")
        )
        url = link.replace(public, service.address)
        item = world.ids[0]
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        assert app.review_item("claire", item)[1] is None, "opening the link changes nothing"
        page.get_by_role("button", name=re.compile("Confirmer.*Rejeter")).click()
        page.wait_for_load_state()
        assert "Fait." in page.content(), page.content()
        decision = app.review_item("claire", item)[1]
        assert decision is not None and decision.kind is DecisionKind.REJECT
        page.goto(url)
        assert page.get_by_text("Déjà fait").is_visible()
        assert page.get_by_role("button").filter(has_text="Confirmer").count() == 0
        context.close()
    finally:
        service.stop()
        app.close()


def test_the_queue_reads_on_past_its_first_page_by_keyboard_and_filter(
    page: Any, served: Served
) -> None:
    """The page lists 30 rows; deciding the last row listed, or moving past it, loads the next
    ones in place (the page is never reloaded), and the filter finds rows among them."""
    c = served.curator
    for n in range(130):
        add_scored_item(
            c,
            # numbered on three digits: no title is a part of another (the filter test)
            title=f"Recrutement data, épisode {n:03d}",
            body=f"Recrutement des data engineers, épisode {n:03d}.",
            url=f"https://example.org/episode-{n:03d}",
            final=0.001,
            rank=10_000 + n,
        )
    assert len(c.queue("claire")) > 130

    def listed() -> list[str]:
        return list(page.locator("#entries li").evaluate_all("ls => ls.map(l => l.dataset.id)"))

    def go_to_last_row() -> tuple[str, int]:
        """Show the last row listed (which asks for the next ones) and say how many were."""
        rows = listed()
        page.locator(f"#entry-{rows[-1]} a").click()
        page.wait_for_function(
            "last => document.querySelector('#pane article')?.dataset.item === last",
            arg=rows[-1],
        )
        return rows[-1], len(rows)

    for key in ("x", "j"):  # deciding the last row, or moving on from it
        page.goto(f"{served.base}/p/claire/queue")
        page.wait_for_selector("#pane article")
        page.evaluate("window.stillThisPage = true")
        assert len(listed()) >= QUEUE_PAGE
        last, count = go_to_last_row()
        page.keyboard.press(key)
        # the next item shows once the rows it is in have loaded (the pane may be empty before)
        page.wait_for_function(
            "last => { const shown = document.querySelector('#pane article');"
            " return shown !== null && shown.dataset.item !== last; }",
            arg=last,
        )
        now = listed()
        assert len(now) > count, "the next rows were loaded"
        assert pane_item(page) == now[count] == now[now.index(last) + 1]
        assert page.evaluate("window.stillThisPage") is True, "the page was never reloaded"
        if key == "x":
            settle(lambda last=last: c.review_item("claire", int(last))[1] is not None, "saves")
    for _ in range(5):
        triage(page, ["j"])
    wanted = page.locator("#pane h2").inner_text()
    page.keyboard.press("/")
    page.keyboard.type(wanted)
    visible = page.locator("#entries li:not([hidden])")
    visible.first.wait_for()
    assert visible.count() == 1 and wanted in visible.first.inner_text()


def test_a_slow_pane_never_covers_the_row_the_keys_act_on(page: Any, served: Served) -> None:
    """A row's pane that answers late (a slow server) is dropped once the user has moved on:
    the pane shows the highlighted row, the one `x` would reject."""
    held: list[Any] = []
    page.goto(f"{served.base}/p/claire/queue")
    page.wait_for_selector("#pane article")
    rows = page.locator("#entries li").evaluate_all("ls => ls.map(l => l.dataset.id)")
    slow, then = rows[4], rows[5]
    page.route(f"**/p/claire/queue/{slow}", lambda route: held.append(route))
    page.locator(f"#entry-{slow} a").click()
    for _ in range(200):  # route handlers run while Playwright waits, not in time.sleep
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the slow pane was asked for"
    page.keyboard.press("j")
    page.wait_for_function(
        "then => document.querySelector('#pane article')?.dataset.item === then", arg=then
    )
    with page.expect_response(f"**/p/claire/queue/{slow}"):
        for route in held:
            route.continue_()
    page.wait_for_timeout(300)  # the slow answer's swap, if anything were to swap it in
    assert pane_item(page) == then
    assert page.locator("#entries li[aria-current=true]").get_attribute("data-id") == then


def test_a_lost_request_for_the_next_rows_is_tried_again(page: Any, served: Served) -> None:
    """The first request for the next rows fails (a connection lost): the script asks again,
    and deciding the last row listed shows the first row after it, not the row before."""
    page.route("**/p/claire/queue/rows*", lambda route: route.abort(), times=1)
    page.goto(f"{served.base}/p/claire/queue")
    page.wait_for_selector("#pane article")
    rows = page.locator("#entries li").evaluate_all("ls => ls.map(l => l.dataset.id)")
    assert page.locator("#more-rows").count() == 1, "the queue is longer than one page"
    page.locator(f"#entry-{rows[-1]} a").click()
    page.wait_for_function(
        "last => document.querySelector('#pane article')?.dataset.item === last", arg=rows[-1]
    )
    page.keyboard.press("j")
    page.wait_for_function(
        "last => { const shown = document.querySelector('#pane article');"
        " return shown !== null && shown.dataset.item !== last; }",
        arg=rows[-1],
    )
    now = page.locator("#entries li").evaluate_all("ls => ls.map(l => l.dataset.id)")
    assert now[: len(rows)] == rows and len(now) > len(rows)
    assert pane_item(page) == now[len(rows)]
    assert page.locator("#status.error").count() == 0, "no failure was shown"


def test_the_script_speaks_french_to_a_french_profile(page: Any, served: Served) -> None:
    page.goto(f"{served.base}/p/claire/queue")
    page.wait_for_selector("#pane article")
    page.keyboard.press("u")
    status = page.locator("#status")
    status.wait_for()
    assert status.inner_text() == "Rien à annuler."


def test_calendar_weeks_by_keyboard(page: Any, served: Served) -> None:
    page.goto(f"{served.base}/p/claire/calendar")
    this_week = page.locator("#week").get_attribute("data-week")
    assert this_week == "2026-W48"  # NOW is Friday 27 November 2026
    page.keyboard.press("n")
    page.wait_for_url("**/calendar?week=2026-W49")
    assert page.locator("#week").get_attribute("data-week") == "2026-W49"
    assert "Semaine 49" in page.locator("#week").inner_text()
    page.keyboard.press("p")
    page.wait_for_url("**/calendar?week=2026-W48")
    page.keyboard.press("p")
    page.wait_for_url("**/calendar?week=2026-W47")
    page.keyboard.press("t")
    page.wait_for_url("**/calendar")
    assert page.locator("#week").get_attribute("data-week") == this_week
