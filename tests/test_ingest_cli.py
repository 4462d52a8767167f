"""`curator fetch`, `curator feeds add|import|export` through the real command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from curator.cli import main
from tests.support.http import FeedServer, feed_server
from tests.support.ingest import config_text, rss

__all__ = ["feed_server"]

ENTRIES = [
    {"title": f"Article {i}", "link": f"http://example.test/{i}", "guid": f"g{i}",
     "description": "Texte " * 200}
    for i in range(3)
]  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], config: Path, *args: str) -> tuple[int, str, str]:
    db = f"sqlite:///{config.parent / 'curator.db'}"
    code = main(["--config", str(config), "--db", db, *args])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, feeds: list[str | dict[str, object]]) -> Path:
    path = tmp_path / "feeds.yaml"
    text = config_text(feeds).replace("feeds:\n", "# my feeds, keep this comment\nfeeds:\n")
    path.write_text(text, encoding="utf-8")
    return path


def test_fetch_summary_and_json(
    tmp_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    good = feed_server.route("/feed.xml", body=rss(ENTRIES))
    bad = feed_server.route("/bad.xml", status=500)
    config = write(tmp_path, [good, bad])
    code, out, _ = run(capsys, config, "fetch")
    assert code == 0
    assert "2 feeds: 1 fetched, 0 not modified, 1 failed; 3 new items" in out
    assert f"failed: {bad}: HTTP 500" in out

    code, out, _ = run(capsys, config, "fetch", "--all", "--json")
    data = json.loads(out)
    assert (data["feeds"], data["failed"], data["new_items"]) == (2, 1, 0)
    outcomes = {f["url"]: f["outcome"] for f in data["per_feed"]}
    # No validators: downloaded again, but the very same bytes are not parsed again.
    assert outcomes == {good: "not_modified", bad: "failed"}

    code, out, _ = run(capsys, config, "fetch", "--feed", bad, "--json")
    data = json.loads(out)
    assert [(f["url"], f["outcome"], f["http_status"]) for f in data["per_feed"]] == [
        (bad, "failed", 500)
    ]

    code, out, _ = run(capsys, config, "feeds", "list")
    assert code == 0 and "HTTP 500" in out

    code, _, err = run(capsys, config, "fetch", "--feed", "nope")
    assert code == 1 and "no feed 'nope'" in err


def test_feeds_add_discovers_from_a_page_and_keeps_comments(
    tmp_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = feed_server.route(
        "/blog/feed.xml",
        body=rss(ENTRIES, title="Le blog RH"),
        headers={"Content-Type": "application/rss+xml"},
    )
    page = feed_server.route(
        "/blog/",
        body=b'<html><head><link rel="alternate" type="application/rss+xml" '
        b'href="/blog/feed.xml"></head><body>Blog</body></html>',
        headers={"Content-Type": "text/html"},
    )
    config = write(tmp_path, [])
    code, out, err = run(capsys, config, "feeds", "add", page)
    assert code == 0, err
    assert f"Added {feed} (Le blog RH)" in out
    text = config.read_text(encoding="utf-8")
    assert "# my feeds, keep this comment" in text
    assert f"url: {feed}" in text and "name: Le blog RH" in text
    code, _, err = run(capsys, config, "feeds", "add", feed)
    assert code == 1 and "already" in err

    code, out, _ = run(capsys, config, "fetch", "--json")
    assert json.loads(out)["new_items"] == 3


def test_feeds_add_tries_well_known_paths(
    tmp_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_server.route("/", body=b"<html><body>home</body></html>")
    feed = feed_server.route("/index.xml", body=rss(ENTRIES))
    config = write(tmp_path, [])
    code, out, err = run(capsys, config, "feeds", "add", feed_server.url("/"), "--name", "Site")
    assert code == 0, err
    assert f"Added {feed} (Site)" in out


def test_feeds_add_without_any_feed_is_one_line_error(
    tmp_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    page = feed_server.route("/", body=b"<html><body>nothing here</body></html>")
    config = write(tmp_path, [])
    code, _, err = run(capsys, config, "feeds", "add", page)
    assert code == 1 and "no feed found" in err and err.count("\n") == 1


def test_feeds_add_and_fetch_errors_read_in_the_locale_language(
    tmp_path: Path,
    feed_server: FeedServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
    page = feed_server.route("/", body=b"<html><body>nothing here</body></html>")
    empty = feed_server.route("/empty.xml", body=b"")
    config = write(tmp_path, [empty])
    code, _, err = run(capsys, config, "feeds", "add", page)
    assert code == 1 and err.count("\n") == 1
    assert "aucun flux trouvé\u00a0: la page n’en annonce aucun" in err, err
    code, _, err = run(capsys, config, "feeds", "add", "https://not a url")
    assert code == 1 and "nom de domaine introuvable\u00a0: not a url" in err, err

    run(capsys, config, "fetch")
    code, out, _ = run(capsys, config, "feeds", "list")
    # stored in English, read in French; --json keeps the English
    assert code == 0 and "réponse vide" in out, out
    code, out, _ = run(capsys, config, "feeds", "list", "--json")
    assert "empty body: the server sent no feed" in out


def test_opml_import_export_round_trip(
    tmp_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    a = feed_server.route("/a.xml", body=rss(ENTRIES))
    config = write(tmp_path, [a])
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        f'<outline text="A" xmlUrl="{a}"/>'
        '<outline text="Tech"><outline text="B &amp; C" xmlUrl="https://b.test/rss"/></outline>'
        "</body></opml>",
        encoding="utf-8",
    )
    code, out, err = run(capsys, config, "feeds", "import", str(opml))
    assert code == 0, err
    assert "Added 1 feed to " in out and "; 1 already followed." in out  # a plural form
    assert "https://b.test/rss (B & C)" in out
    assert "# my feeds, keep this comment" in config.read_text(encoding="utf-8")

    exported = tmp_path / "out.opml"
    code, _, _ = run(capsys, config, "feeds", "export", "-o", str(exported))
    assert code == 0
    code, out, _ = run(capsys, config, "feeds", "export")
    # The same document both ways, but for its creation time: the two exports read the wall
    # clock, and a second may tick between them (issue 13).
    created = re.compile(r"<dateCreated>[^<]*</dateCreated>")
    assert created.search(out)
    assert created.sub("", out) == created.sub("", exported.read_text(encoding="utf-8"))
    assert f'xmlUrl="{a}"' in out and 'title="B &amp; C"' in out

    (tmp_path / "other").mkdir()
    fresh = write(tmp_path / "other", [])
    code, out, _ = run(capsys, fresh, "feeds", "import", str(exported))
    assert "Added 2 feeds to " in out and "already" not in out
    code, out, _ = run(capsys, fresh, "feeds", "import", str(exported))  # once more
    assert "Added 0 feeds to " in out and "; 2 already followed." in out


def test_bad_opml_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path, [])
    bad = tmp_path / "bad.opml"
    bad.write_text("<html>not opml</html>", encoding="utf-8")
    code, _, err = run(capsys, config, "feeds", "import", str(bad))
    assert code == 1 and "not an OPML document" in err


def test_opml_folders_become_tags_in_feeds_yaml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path, [])
    opml = tmp_path / "export.opml"
    opml.write_bytes(  # a raw `&`, as some readers write it (issue 16)
        b'<?xml version="1.0"?><opml version="1.0"><body><outline text="RH & Recrutement">'
        b'<outline text="Blog A & B" xmlUrl="https://a.test/feed"/></outline></body></opml>'
    )
    code, out, err = run(capsys, config, "feeds", "import", str(opml))
    assert code == 0, err
    text = config.read_text(encoding="utf-8")
    assert "tags: [RH & Recrutement]" in text and "# my feeds, keep this comment" in text
    code, out, _ = run(capsys, config, "feeds", "list", "--json")
    (feed,) = json.loads(out)
    assert feed["tags"] == ["RH & Recrutement"] and feed["name"] == "Blog A & B"


def test_feeds_remove_pause_resume_rename_edit_feeds_yaml_in_place(
    tmp_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    a = feed_server.route("/a.xml", body=rss(ENTRIES))
    b = feed_server.route("/b.xml", body=rss(ENTRIES[:1]))
    config = write(tmp_path, [{"url": a, "name": "Blog A"}, b])
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace(f"  - {b}", f"  - {b}  # the short form"), encoding="utf-8")

    code, out, err = run(capsys, config, "feeds", "pause", "blog a")  # by name, any case
    assert code == 0 and f"Paused {a}." in out, err
    assert "paused: true" in config.read_text(encoding="utf-8")
    code, out, _ = run(capsys, config, "fetch", "--all", "--json")
    assert [f["url"] for f in json.loads(out)["per_feed"]] == [b]  # the paused one is not fetched
    code, out, _ = run(capsys, config, "feeds", "list", "--json")
    assert {f["url"]: f["paused"] for f in json.loads(out)} == {a: True, b: False}
    code, out, _ = run(capsys, config, "feeds", "pause", a)
    assert code == 0 and "already paused" in out

    code, out, _ = run(capsys, config, "feeds", "resume", a)
    assert code == 0 and f"Resumed {a}." in out
    assert "paused" not in config.read_text(encoding="utf-8")

    code, out, _ = run(capsys, config, "feeds", "rename", b, "Le blog B")
    assert code == 0 and "is now named 'Le blog B'" in out
    text = config.read_text(encoding="utf-8")
    assert f"url: {b}" in text and "name: Le blog B" in text

    code, out, _ = run(capsys, config, "feeds", "remove", "Le blog B")
    assert code == 0 and f"Removed {b}" in out
    text = config.read_text(encoding="utf-8")
    assert b not in text and a in text and "# my feeds, keep this comment" in text

    code, _, err = run(capsys, config, "feeds", "remove", "nothing like it")
    assert code == 1 and "no feed 'nothing like it'" in err and err.count("\n") == 1
