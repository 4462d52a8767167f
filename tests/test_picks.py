"""A profile's shared picks (issue 17): pure renderers, the facade's access rule, the route."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest

from curator.app import Curator
from curator.config import parse_settings
from curator.outputs import picks as picks_out
from curator.scheduler import Service, ServiceOptions
from curator.store import Database
from tests.support.http import FeedServer, Route
from tests.support.ingest import Clock, rss

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _pick(n: int, **kw: object) -> picks_out.Pick:
    values: dict[str, object] = {
        "item_id": n, "title": f"Story {n}", "url": f"https://example.org/{n}",
        "comment": f"Why it matters {n}", "source": "Le Blog RH",
        "picked_at": datetime(2026, 3, n, 8, 0, tzinfo=UTC),
    }  # fmt: skip
    values.update(kw)
    return picks_out.Pick(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/picks/claire/feed.xml", ("claire", "atom")),
        ("/picks/claire/", ("claire", "html")),
        ("/picks/s%C3%A9b/", ("séb", "html")),
        ("/picks/claire", None),
        ("/picks//feed.xml", None),
        ("/picks/claire/other", None),
        ("/calendar/claire.ics", None),
    ],
)
def test_route(path: str, expected: tuple[str, str] | None) -> None:
    assert picks_out.route(path) == expected


def test_atom_is_a_feed_readers_parse_with_the_comments() -> None:
    body = picks_out.render_atom(
        "claire", [_pick(2), _pick(1, comment=None, url=None)],
        page_href="/picks/claire/", feed_href="/picks/claire/feed.xml", now=NOW,
    )  # fmt: skip
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert [e.title for e in parsed.entries] == ["Story 2", "Story 1"]
    assert parsed.entries[0].summary == "Why it matters 2"
    assert parsed.entries[0].link == "https://example.org/2"
    assert parsed.feed.updated.startswith("2026-03-02T08:00:00")
    empty = feedparser.parse(
        picks_out.render_atom("claire", [], page_href="/", feed_href="/f", now=NOW)
    )
    assert empty.entries == [] and empty.feed.updated.startswith("2026-03-10T09:00:00")


def test_html_escapes_what_comes_from_feeds() -> None:
    body = picks_out.render_html(
        "claire", [_pick(1, title="<script>alert(1)</script>", comment="a & b")],
        feed_href="/picks/claire/feed.xml?key=k", language="fr", public=False,
    ).decode()  # fmt: skip
    assert "<script>alert" not in body and "&lt;script&gt;" in body
    assert "a &amp; b" in body and "noindex" in body and "S&#39;abonner" in body


def test_keys_differ_per_profile_and_secret() -> None:
    key = picks_out.picks_key("s1", "claire")
    assert picks_out.key_ok("s1", "claire", key)
    assert not picks_out.key_ok("s1", "sam", key)
    assert not picks_out.key_ok("s2", "claire", key)
    assert not picks_out.key_ok("s1", "claire", None)


@pytest.fixture
def app(tmp_path: Path) -> Curator:
    with FeedServer() as server:
        item = {"title": "Recrutement data en 2026", "guid": "a1",
                "link": "https://example.org/a1", "description": "Recrutement data."}  # fmt: skip
        body = rss([item])
        url = server.route("/f.xml", Route(body=body))
        text = f"""\
profiles:
  - name: claire
    objective: Recrutement tech, profils data et développeurs.
    language: fr
    timezone: Europe/Paris
    picks: private
  - name: sam
    objective: Data hiring and recruiting for tech teams.
    language: en
    picks: public
fetch:
  allow_private_addresses: true
  timeout: 5
feeds:
  - url: {url}
"""
        path = tmp_path / "feeds.yaml"
        path.write_text(text, encoding="utf-8")
        settings = parse_settings(text, path, env={})
        curator = Curator(settings, Database.open(f"sqlite:///{tmp_path / 'c.db'}"),
                          clock=Clock(datetime.now(UTC)))  # fmt: skip
        curator.fetch(all=True)
    curator.score()
    return curator


def _item_id(app: Curator) -> int:
    return app.queue("claire")[0].item.id


def test_private_picks_need_their_own_key(app: Curator) -> None:
    app.approve("claire", _item_id(app), comment="Les délais s'allongent <vraiment>")
    page, feed = app.picks_links("claire")
    key = parse_qs(urlsplit(feed).query)["key"][0]
    assert urlsplit(page).query == f"key={key}"
    assert app.picks_http("claire", "atom", key=None, if_none_match=None)[0] == 404
    assert app.picks_http("claire", "atom", key="0" * 32, if_none_match=None)[0] == 404
    assert app.picks_http("nobody", "atom", key=key, if_none_match=None)[0] == 404
    status, headers, body = app.picks_http("claire", "atom", key=key, if_none_match=None)
    assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
    entry = feedparser.parse(body).entries[0]
    assert entry.title == "Recrutement data en 2026"
    assert entry.summary == "Les délais s'allongent <vraiment>"
    again = app.picks_http("claire", "atom", key=key, if_none_match=headers["ETag"])
    assert again[0] == 304 and again[2] == b""
    # Sam's key opens nothing of Claire's.
    assert app.picks_links("sam")[1] == "/picks/sam/feed.xml"


def test_public_picks_and_the_service_route(app: Curator) -> None:
    item = _item_id(app)
    app.approve("sam", item, comment="Worth a read")
    app.approve("claire", item, comment="privé")
    service = Service(app, ServiceOptions())
    status, headers, body = service.handle_get("/picks/sam/", {})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"Worth a read" in body and "privé".encode() not in body
    assert service.handle_get("/picks/sam/feed.xml", {})[0] == 200
    assert service.handle_get("/picks/claire/feed.xml", {})[0] == 404
    _, feed = app.picks_links("claire")
    assert service.handle_get(feed, {})[0] == 200
