"""`Curator.fetch` end to end: a real HTTP server, a real SQLite file, the real parsers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from curator.ingest.report import FeedOutcome
from curator.store.models import FeedRow, FeedUrlRow, ItemRow
from curator.types import FeedStatus
from tests.support.http import FeedServer, Route, feed_server
from tests.support.ingest import Clock, open_curator, rfc822, rss

__all__ = ["feed_server"]

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

STORY = (
    "La pénurie de développeurs data pousse les entreprises lyonnaises à revoir leurs "
    "processus de recrutement : entretiens plus courts, tests techniques rémunérés, "
    "transparence sur les salaires dès l'annonce et télétravail partiel devenu la norme. "
    "Selon une étude publiée ce matin, le délai moyen d'embauche est passé de quarante-cinq "
    "à trente jours en un an, et les candidats refusent désormais les processus en cinq étapes. "
)


def items(n: int, prefix: str = "a", *, text: str = "") -> list[dict[str, str]]:
    return [
        {
            "title": f"Article {prefix}{i}",
            "link": f"http://example.test/{prefix}/{i}",
            "guid": f"{prefix}-{i}",
            "description": text or f"Texte de l'article {prefix}{i}. " * 40,
            "date": rfc822(NOW - timedelta(hours=i + 1)),
        }
        for i in range(n)
    ]


def count_items(app: object, **where: object) -> int:
    db = app.db  # type: ignore[attr-defined]
    with db.session() as s:
        query = select(func.count()).select_from(ItemRow)
        for key, value in where.items():
            query = query.where(getattr(ItemRow, key) == value)
        return int(s.scalar(query) or 0)


def feed_row(app: object, feed_id: int = 1) -> FeedRow:
    with app.db.session() as s:  # type: ignore[attr-defined]
        row = s.get(FeedRow, feed_id)
        assert row is not None
        s.expunge(row)
        return row


def test_fetch_then_not_modified(tmp_path: Path, feed_server: FeedServer) -> None:
    body = rss(items(5), ttl=120)

    def conditional(request: object) -> Route:
        if getattr(request, "headers", {}).get("if-none-match") == '"v1"':
            return Route(status=304, headers={"ETag": '"v2"'})
        return Route(body=body, headers={"ETag": '"v1"', "Content-Type": "application/rss+xml"})

    url = feed_server.route("/feed.xml", conditional)
    clock = Clock(NOW)
    app = open_curator(tmp_path, [{"url": url, "full_text": "never"}], clock=clock)
    first = app.fetch()
    assert (first.fetched, first.new_items, first.failed) == (1, 5, 0)
    assert count_items(app) == 5
    row = feed_row(app)
    assert row.etag == '"v1"'
    assert row.next_fetch_at == NOW + timedelta(minutes=120)  # RSS ttl lengthens the hour
    assert row.title == "Feed"

    assert app.fetch().feeds == ()  # nothing due yet
    clock.now = NOW + timedelta(hours=3)
    second = app.fetch()
    assert second.not_modified == 1 and second.new_items == 0
    assert feed_row(app).etag == '"v2"'  # validators are updated on 304 too
    # A 304 carries no document: the <ttl> of the stored one still lengthens the interval.
    assert feed_row(app).next_fetch_at == NOW + timedelta(hours=3, minutes=120)
    assert feed_server.hits("/feed.xml")[-1].headers["if-none-match"] == '"v1"'
    assert count_items(app) == 5


def test_every_not_modified_feed_state_is_saved(tmp_path: Path, feed_server: FeedServer) -> None:
    # More 304s than one batch of held-back states (service.STATE_BATCH), plus a remainder.
    from curator.ingest.service import STATE_BATCH

    count = STATE_BATCH + 3

    def conditional(n: int) -> object:
        def answer(request: object) -> Route:
            if getattr(request, "headers", {}).get("if-none-match") == f'"a{n}"':
                return Route(status=304, headers={"ETag": f'"b{n}"'})
            body = rss(items(1, prefix=f"f{n}-"))
            return Route(body=body, headers={"ETag": f'"a{n}"', "Content-Type": "text/xml"})

        return answer

    urls = [feed_server.route(f"/f{n}.xml", conditional(n)) for n in range(count)]  # type: ignore[arg-type]
    clock = Clock(NOW)
    app = open_curator(
        tmp_path,
        [{"url": u, "full_text": "never"} for u in urls],
        fetch={"per_host": 8},
        clock=clock,
    )
    assert app.fetch().fetched == count
    clock.now = NOW + timedelta(hours=3)
    second = app.fetch()
    assert second.not_modified == count
    with app.db.session() as s:
        rows = s.execute(select(FeedRow.id, FeedRow.etag, FeedRow.last_fetched_at)).all()
    assert sorted(etag for _, etag, _ in rows) == sorted(f'"b{n}"' for n in range(count))
    assert {fetched for _, _, fetched in rows} == {NOW + timedelta(hours=3)}
    clock.now = NOW + timedelta(hours=3, minutes=1)
    assert app.fetch().feeds == ()  # their next fetch was pushed back, so none is due


def test_the_same_bytes_again_are_not_parsed_again(tmp_path: Path, feed_server: FeedServer) -> None:
    """A server without validators sends the whole feed every time: identical bytes count as
    not modified (nothing parsed, nothing written but the feed's state); changed ones are
    read as usual."""
    body = rss(items(2))
    url = feed_server.route("/feed.xml", lambda request: Route(body=body))
    bad = feed_server.route("/bad.xml", body=b"<html><body>Maintenance</body></html>")
    clock = Clock(NOW)
    app = open_curator(
        tmp_path, [{"url": u, "full_text": "never"} for u in (url, bad)], clock=clock
    )
    first = {r.url: r for r in app.fetch().feeds}
    assert first[url].new_items == 2
    assert first[bad].outcome is FeedOutcome.FAILED

    clock.now = NOW + timedelta(hours=2)
    second = {r.url: r for r in app.fetch(all=True).feeds}
    same = second[url]
    assert (same.outcome, same.http_status, same.entries) == (FeedOutcome.NOT_MODIFIED, 200, 0)
    assert feed_row(app).last_fetched_at == NOW + timedelta(hours=2)
    # A document that failed to parse is not remembered: the same bytes fail again, loudly.
    assert second[bad].outcome is FeedOutcome.FAILED

    body = rss(items(3))  # one more entry: the bytes differ
    clock.now = NOW + timedelta(hours=4)
    third = app.fetch(all=True).feeds[0]
    assert (third.outcome, third.entries, third.new_items) == (FeedOutcome.FETCHED, 3, 1)
    assert count_items(app) == 3
    app.close()


def test_permanent_redirect_rewrites_the_stored_url(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    old = feed_server.route("/old.xml", status=301, headers={"Location": "/new.xml"})
    new = feed_server.route("/new.xml", body=rss(items(2)))
    app = open_curator(tmp_path, [{"url": old, "full_text": "never"}])
    report = app.fetch()
    assert report.feeds[0].moved_to == new
    assert feed_row(app).url == new
    with app.db.session() as s:
        assert [h.url for h in s.scalars(select(FeedUrlRow))] == [old]
    again = app.fetch(all=True)
    assert again.feeds[0].url == new
    assert len(feed_server.hits("/old.xml")) == 1
    assert len(feed_server.hits("/new.xml")) == 2
    assert count_items(app) == 2
    # Reopening with the old URL still in feeds.yaml keeps the same feed.
    assert [f.url for f in app.feeds()] == [new]


def test_gone_feed_is_never_fetched_again(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.xml", status=410)
    clock = Clock(NOW)
    app = open_curator(tmp_path, [url], clock=clock)
    assert app.fetch().feeds[0].outcome is FeedOutcome.GONE
    feed = app.feeds()[0]
    assert feed.status is FeedStatus.GONE and "410" in (feed.disabled_reason or "")
    clock.now = NOW + timedelta(days=30)
    assert app.fetch().feeds == ()
    assert app.fetch(all=True).feeds == ()
    assert len(feed_server.hits("/feed.xml")) == 1


def test_retry_after_is_honoured(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.xml", status=429, headers={"Retry-After": "7200"})
    app = open_curator(tmp_path, [url], clock=Clock(NOW))
    report = app.fetch()
    assert report.failed == 1 and "429" in (report.feeds[0].error or "")
    row = feed_row(app)
    assert row.next_fetch_at == NOW + timedelta(hours=2)
    assert row.error_count == 1


def test_errors_back_off_then_disable(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.xml", status=500)
    clock = Clock(NOW)
    app = open_curator(tmp_path, [url], fetch={"disable_after_days": 2}, clock=clock)
    app.fetch()
    first = feed_row(app)
    assert first.error_count == 1 and first.status == "active"
    assert timedelta(minutes=54) <= first.next_fetch_at - NOW <= timedelta(minutes=66)
    clock.now = NOW + timedelta(days=1)
    app.fetch()
    assert feed_row(app).error_count == 2
    clock.now = NOW + timedelta(days=2, minutes=1)
    report = app.fetch()
    assert report.feeds[0].outcome is FeedOutcome.DISABLED
    feed = app.feeds()[0]
    assert feed.status is FeedStatus.DISABLED
    assert "HTTP 500" in (feed.disabled_reason or "")
    # A manual fetch of that feed is a retry: success brings it back.
    feed_server.route("/feed.xml", body=rss(items(1)))
    assert app.fetch(feed=url).fetched == 1
    assert app.feeds()[0].status is FeedStatus.ACTIVE


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (
            b"<!doctype html><html><head><title>Blog</title></head><body>hi</body></html>",
            "text/html",
            "HTML page",
        ),
        (b"", "application/rss+xml", "empty"),
        (b"<rss><channel><item><title>broken", "application/rss+xml", None),
    ],
    ids=["html", "empty", "truncated-xml"],
)
def test_not_a_feed_is_an_error_with_a_reason(
    tmp_path: Path, feed_server: FeedServer, body: bytes, content_type: str, message: str | None
) -> None:
    url = feed_server.route("/feed.xml", body=body, headers={"Content-Type": content_type})
    app = open_curator(tmp_path, [url])
    report = app.fetch()
    feed = report.feeds[0]
    if message is None:  # a broken document that still yields an entry is stored with a warning
        assert feed.outcome is FeedOutcome.FETCHED and feed.warning
        return
    assert feed.outcome is FeedOutcome.FAILED
    assert feed.error is not None and message in feed.error
    assert app.feeds()[0].last_error == feed.error


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<rss version="2.0"><channel><title>lol</title>
<item><title>&lol9;</title><guid>1</guid><description>&xxe;</description></item>
</channel></rss>"""


def test_billion_laughs_and_xxe_feed_is_harmless(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route("/feed.xml", body=BILLION_LAUGHS)
    app = open_curator(tmp_path, [url])
    report = app.fetch()  # must return (no hang, no memory blow-up)
    assert report.fetched == 1
    with app.db.session() as s:
        rows = list(s.execute(select(ItemRow.title, ItemRow.summary)))
    assert len(rows) == 1
    for title, summary in rows:
        assert len(title) < 1000 and "root:" not in summary


def test_one_broken_feed_never_stops_the_others(tmp_path: Path, feed_server: FeedServer) -> None:
    good = [feed_server.route(f"/good{i}.xml", body=rss(items(3, f"g{i}"))) for i in range(3)]
    slow = feed_server.route("/slow.xml", body=rss(items(1)), delay=5)
    bomb = feed_server.route("/bomb.xml", body=b"<" * 3_000_000)
    refused = "http://127.0.0.1:9/feed.xml"
    app = open_curator(
        tmp_path,
        [*good, slow, bomb, refused],
        fetch={"timeout": 0.5, "max_body": "1MB"},
    )
    report = app.fetch()
    assert report.fetched == 3 and report.failed == 3
    assert count_items(app) == 9


ARTICLE = (
    "<html><head><title>Le marché du recrutement tech</title>"
    '<meta name="author" content="Marie Curie"></head><body><nav>Menu Accueil Contact</nav>'
    "<article><h1>Le marché du recrutement tech</h1>"
    + "".join(f"<p>{STORY} Paragraphe {i}.</p>" for i in range(6))
    + "</article><footer>Mentions légales</footer></body></html>"
)


LANGUAGE_ENTRIES = {
    # settled in the parse workers by function words, against the feed's wrong "en-US"
    "fr-prose": STORY,
    "en-prose": (
        "Recruiting teams in Lyon are changing how they hire data engineers: shorter interviews, "
        "paid technical tests and salaries shown in the job ad, because candidates now turn "
        "down any process that takes more than a month from the first call to the offer."
    ),
    # left to the language model (other language, or a title-length text)
    "de-prose": (
        "Die Personalabteilungen in Lyon ändern ihre Verfahren: kürzere Gespräche, bezahlte "
        "technische Tests und Gehälter schon in der Anzeige, weil die Bewerber lange "
        "Auswahlverfahren inzwischen ablehnen."
    ),
    "fr-title": "Pourquoi les recruteurs tech ne lisent plus les CV en entier",
    # too short to read: the declared language
    "short": "B2B SaaS",
}


def test_each_item_gets_its_language_with_or_without_the_model(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    entries = [
        {"title": key, "guid": key, "description": text, "date": rfc822(NOW)}
        for key, text in LANGUAGE_ENTRIES.items()
    ]
    entries[-1]["title"] = "SaaS"
    # Four feeds, so the work goes to worker processes as in a real run.
    urls = [feed_server.route("/lang.xml", body=rss(entries, language="en-US"))]
    urls += [feed_server.route(f"/f{i}.xml", body=rss(items(2, f"k{i}"))) for i in range(3)]
    app = open_curator(tmp_path, [{"url": u, "full_text": "never"} for u in urls])
    app.fetch()
    with app.db.session() as s:
        rows = s.execute(select(ItemRow.guid, ItemRow.language).where(ItemRow.feed_id == 1))
        found = {guid: language for guid, language in rows}
    assert found == {
        "fr-prose": "fr",
        "en-prose": "en",
        "de-prose": "other",
        "fr-title": "fr",
        "short": "en",
    }
    app.close()


def test_full_text_for_truncated_new_items(tmp_path: Path, feed_server: FeedServer) -> None:
    for i in range(3):
        feed_server.route(
            f"/a/{i}", body=ARTICLE.encode(), headers={"Content-Type": "text/html; charset=utf-8"}
        )
    entries = [
        {
            "title": f"Teaser {i}",
            "link": feed_server.url(f"/a/{i}"),
            "guid": f"t{i}",
            "description": "La pénurie de développeurs data… Lire la suite",
        }
        for i in range(3)
    ]
    url = feed_server.route("/feed.xml", body=rss(entries))
    app = open_curator(tmp_path, [url])
    report = app.fetch()
    assert report.full_text_ok == 3, report
    with app.db.session() as s:
        rows = s.scalars(select(ItemRow)).all()
        assert {r.full_text_status for r in rows} == {"ok"}
        assert all("Paragraphe 5" in r.content and r.content_source == "extracted" for r in rows)
        assert {r.language for r in rows} == {"fr"}
    # Not new any more: pages are not fetched again.
    app.fetch(all=True)
    assert len(feed_server.hits("/a/0")) == 1


def test_article_pages_on_private_addresses_are_refused(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.route("/a/0", body=ARTICLE.encode(), headers={"Content-Type": "text/html"})
    entry = {"title": "Teaser", "link": feed_server.url("/a/0"), "guid": "t", "description": "x…"}
    url = feed_server.route("/feed.xml", body=rss([entry]))
    app = open_curator(tmp_path, [url], fetch={"allow_private_addresses": False})
    report = app.fetch()
    assert report.fetched == 1 and report.full_text_failed == 1
    assert feed_server.hits("/a/0") == []
    with app.db.session() as s:
        row = s.scalars(select(ItemRow)).one()
        assert row.full_text_status == "failed"
        assert "non-public" in (row.full_text_error or "")


def test_edits_update_in_place_and_tombstones_stay_deleted(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    entries = items(3)
    url = feed_server.route("/feed.xml", body=rss(entries))
    app = open_curator(tmp_path, [{"url": url, "full_text": "never"}])
    app.fetch()
    with app.db.session() as s:
        s.execute(update(ItemRow).where(ItemRow.title == "Article a2").values(state="deleted"))
    entries[0] = entries[0] | {"title": "Article a0 (corrigé)"}
    # guid changed, same URL with tracking parameters: the same item
    entries[1] = entries[1] | {"guid": "new-guid", "link": entries[1]["link"] + "?utm_source=rss"}
    feed_server.route("/feed.xml", body=rss(entries))
    report = app.fetch(all=True)
    assert report.new_items == 0 and report.updated_items == 2
    assert count_items(app) == 3
    assert count_items(app, title="Article a0 (corrigé)") == 1
    assert count_items(app, state="deleted") == 1


def test_same_story_in_two_feeds_is_clustered(tmp_path: Path, feed_server: FeedServer) -> None:
    original = [
        {
            "title": "Recrutement data",
            "link": "http://blog.test/p/1",
            "guid": "1",
            "description": STORY * 2,
            "date": rfc822(NOW - timedelta(hours=5)),
        }
    ]
    repost = [
        {
            "title": "Vu ailleurs : recrutement data",
            "link": "http://agg.test/x?id=9",
            "guid": "x9",
            "description": "Repris de blog.test. " + STORY * 2,
            "date": rfc822(NOW - timedelta(hours=2)),
        }
    ]
    other = [
        {
            "title": "Autre sujet",
            "link": "http://agg.test/x?id=10",
            "guid": "x10",
            "description": "Un tout autre sujet sur la cuisine lyonnaise. " * 10,
            "date": rfc822(NOW - timedelta(hours=1)),
        }
    ]
    a = feed_server.route("/blog.xml", body=rss(original))
    b = feed_server.route("/agg.xml", body=rss(repost + other))
    app = open_curator(
        tmp_path,
        [{"url": a, "full_text": "never"}, {"url": b, "full_text": "never"}],
        clock=Clock(NOW),
    )
    report = app.fetch()
    assert report.new_items == 3 and report.clustered >= 2
    with app.db.session() as s:
        clusters = dict(s.execute(select(ItemRow.link, ItemRow.cluster_id)).all())
        ids = dict(s.execute(select(ItemRow.link, ItemRow.id)).all())
    blog, agg, unrelated = (
        "http://blog.test/p/1",
        "http://agg.test/x?id=9",
        "http://agg.test/x?id=10",
    )
    assert clusters[blog] == clusters[agg] == ids[blog]  # the original is the representative
    assert clusters[unrelated] is None


def test_progress_callback_and_report_json(tmp_path: Path, feed_server: FeedServer) -> None:
    urls = [feed_server.route(f"/f{i}.xml", body=rss(items(2, f"p{i}"))) for i in range(5)]
    app = open_curator(tmp_path, [{"url": u, "full_text": "never"} for u in urls])
    seen: list[tuple[int, int]] = []
    started = time.perf_counter()
    report = app.fetch(progress=lambda _feed, done, total: seen.append((done, total)))
    assert time.perf_counter() - started < 60
    assert sorted(seen) == [(i, 5) for i in range(1, 6)]
    data = report.to_dict()
    assert data["fetched"] == 5 and data["new_items"] == 10
    assert {f["outcome"] for f in data["per_feed"]} == {"fetched"}


def test_a_stop_request_leaves_feeds_due(tmp_path: Path, feed_server: FeedServer) -> None:
    urls = [feed_server.route(f"/f{i}.xml", body=rss(items(2, f"s{i}"))) for i in range(3)]
    app = open_curator(tmp_path, urls, clock=Clock(NOW))
    app.request_stop()  # what the service does on SIGTERM
    report = app.fetch()
    assert report.feeds == ()
    assert all(feed_server.hits(f"/f{i}.xml") == [] for i in range(3))
    assert all(f.next_fetch_at is not None and f.next_fetch_at <= NOW for f in app.feeds())


@pytest.mark.postgres
def test_fetch_on_postgresql(tmp_path: Path, feed_server: FeedServer, pg_url: str) -> None:
    entries = items(4, text=STORY * 2)
    urls = [feed_server.route(f"/f{i}.xml", body=rss(entries)) for i in range(5)]
    app = open_curator(
        tmp_path, [{"url": u, "full_text": "never"} for u in urls], db_url=pg_url, clock=Clock(NOW)
    )
    try:
        first = app.fetch()
        assert (first.fetched, first.new_items) == (5, 20)
        entries[0] = entries[0] | {"title": "Article a0 (corrigé)"}
        for i in range(5):
            feed_server.route(f"/f{i}.xml", body=rss(entries))
        again = app.fetch(all=True)
        assert (again.new_items, again.updated_items) == (0, 5)
        assert count_items(app) == 20
        # the same story in five feeds: one cluster
        assert first.clustered + again.clustered >= 5
    finally:
        app.close()


def test_a_dead_worker_does_not_stop_the_run(
    tmp_path: Path, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from curator.ingest import pipeline, service

    made: list[pipeline.Workers] = []

    def killed_workers(jobs: int) -> pipeline.Workers:
        workers = pipeline.make_workers(jobs)
        assert isinstance(workers.parse, ProcessPoolExecutor)
        for process in list(workers.parse._processes.values()):  # type: ignore[attr-defined]
            process.kill()  # as the OOM killer would
            process.join()
        made.append(workers)
        return workers

    monkeypatch.setattr(service, "make_workers", killed_workers)
    urls = [feed_server.route(f"/f{i}.xml", body=rss(items(2, f"k{i}"))) for i in range(5)]
    app = open_curator(tmp_path, [{"url": u, "full_text": "never"} for u in urls])
    report = app.fetch()
    assert (report.fetched, report.failed, report.new_items) == (5, 0, 10)
    assert made[0].replaced >= 1


# Run in a process of its own: the test asserts that this process can exit at all.
_BROKEN_POOLS = textwrap.dedent(
    """
    import asyncio, os, sys, threading, time
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import forkserver
    from curator.ingest import pipeline

    def children(pid):
        found = []
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rpartition(")")[2].split()
            except (OSError, ValueError):
                continue
            if entry.isdigit() and int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
        return found

    async def tasks(workers):
        return await asyncio.gather(*(workers.run("parse", abs, -k) for k in range(6)))

    if __name__ == "__main__":
        # A thread running makes the workers come from the fork server, as in the service.
        threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
        workers = pipeline.make_workers(8)
        if sys.argv[1] == "killed":
            for process in list(workers.parse._processes.values()):
                process.kill()  # as the OOM killer would
                process.join()
            assert asyncio.run(tasks(workers)) == list(range(6))
        else:  # a task that kills its worker on every try: the pool is broken at the end
            try:
                asyncio.run(workers.run("parse", os._exit, 3))
            except BrokenProcessPool:
                print("broken on every try, replaced", workers.replaced, "times", flush=True)
        workers.__exit__()
        server = forkserver._forkserver._forkserver_pid
        deadline = time.monotonic() + 10
        while children(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        print("workers left:", len(children(server)), flush=True)
    """
)


def _broken_pools(tmp_path: Path, case: str) -> str:
    """What the script printed in `case`, once it has exited (it must, and cleanly)."""
    script = tmp_path / "broken_pools.py"
    script.write_text(_BROKEN_POOLS)
    try:
        done = subprocess.run(
            [sys.executable, str(script), case], capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired as hung:
        pytest.fail(f"the process never exited; it printed: {hung.stdout!r}")
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_broken_pool_leaves_no_worker_behind(tmp_path: Path) -> None:
    # A worker that dies breaks its pool, and the run goes on with a fresh one. A worker the
    # broken pool started meanwhile could wait for good on the task queue's lock, which the
    # dead worker held, and the pool, joining it, kept its process from exiting: CI's test
    # run hung at exit once, after every test had passed. The broken pool's workers are now
    # killed. On the former code this script left workers behind and never exited.
    assert "workers left: 0" in _broken_pools(tmp_path, "killed")


def test_a_pool_broken_on_the_last_try_is_ended_with_the_run(tmp_path: Path) -> None:
    # A document that kills its worker every time: the task fails once the retries are spent
    # (its feed fails, the run goes on), and the pool it leaves broken is ended with the run,
    # which exits with no worker left. The lock race that once hung such an end is rare and
    # not forced here: this runs the path, it does not reproduce the race.
    from curator.ingest.pipeline import Workers

    said = _broken_pools(tmp_path, "dies every time")
    assert f"broken on every try, replaced {Workers.RETRIES} times" in said, said
    assert "workers left: 0" in said, said
